//! Every shape of a stage compiles: sync and async roles, with and without the context, a
//! generic producer-consumer, a `#[cancel]`, a producer that also consumes, and the permit of
//! a stage with casts.

use genserver::prelude::*;
use genserver::stage::{Cancelled, Demand, Dispatcher};

pub struct Numbers {
    next: u64,
}

#[genserver]
impl Numbers {
    /// The demand handler.
    #[produce]
    pub async fn demand(&mut self, demand: usize, ctx: &mut Context<Self>) -> Vec<u64> {
        let _ = ctx.id();
        let events = (self.next..self.next + demand as u64).collect();
        self.next += demand as u64;
        events
    }

    #[cast]
    pub fn push(&mut self, n: u64, ctx: &mut Context<Self>) {
        ctx.emit(vec![n]);
    }

    #[cancel]
    async fn on_cancel(&mut self, cancelled: Cancelled, ctx: &mut Context<Self>) {
        let _ = (cancelled, ctx.id());
    }
}

/// A generic producer-consumer.
pub struct Relay<T> {
    seen: usize,
    _marker: std::marker::PhantomData<fn() -> T>,
}

#[genserver]
impl<T: Clone + Send + 'static> Relay<T> {
    #[consume]
    pub fn events(&mut self, events: Vec<T>) -> Vec<T> {
        self.seen += events.len();
        events
    }

    #[call]
    pub fn seen(&self) -> usize {
        self.seen
    }
}

pub struct Sink {
    total: u64,
}

#[genserver]
impl Sink {
    #[consume]
    pub async fn events(&mut self, events: Vec<u64>, ctx: &mut Context<Self>) {
        let _ = ctx.id();
        self.total += events.iter().sum::<u64>();
    }

    #[cancel]
    fn on_cancel(&mut self, _cancelled: Cancelled) {}
}

/// A producer of its own that also consumes another type of events.
struct Tee {
    lines: Vec<String>,
}

#[genserver]
impl Tee {
    #[produce]
    fn demand(&mut self, _demand: usize) -> Vec<usize> {
        Vec::new()
    }

    #[consume]
    fn lines(&mut self, lines: Vec<String>, ctx: &mut Context<Self>) {
        ctx.emit(lines.iter().map(String::len).collect());
        self.lines.extend(lines);
    }
}

async fn wire() -> Result<(), Box<dyn std::error::Error>> {
    let numbers = Numbers::options()
        .dispatcher(Dispatcher::broadcast())
        .buffer_size(100)
        .start(Numbers { next: 0 })
        .await?;
    let relay = Relay::<u64>::start(Relay {
        seen: 0,
        _marker: std::marker::PhantomData,
    })
    .await?;
    let sink = Sink::start(Sink { total: 0 }).await?;
    relay.subscribe_to(&numbers, Demand::new().max(10)).await?;
    sink.subscribe_to(&relay, Demand::default()).await?;
    numbers.reserve().await?.push(7)?;
    let _ = relay.seen().await?;
    let _ = Tee::start(Tee { lines: Vec::new() }).await?;
    Ok(())
}

fn main() {
    let _ = wire;
}
