//! GenStage's own test cases (`elixir-lang/gen_stage`: `test/gen_stage_test.exs`, and the issues
//! #214, #215, #303, #311), ported to stages written with `#[produce]` and `#[consume]`, each
//! named after the case it ports (its doc comment quotes the upstream name).
//!
//! The servers below are GenStage's test modules (`Counter`, `Forwarder`, `Doubler`, ...) as a
//! user writes them here. Every producer ends (`until`), so that with the clock paused the
//! servers of a test go idle and `settle()` returns: GenStage's `assert_receive` waits for a
//! message, here the test lets the pipeline run dry and then looks at everything at once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::stage::{
    Cancel, CancelKind, Cancelled, Demand, DemandMode, Side, SubscribeError, Subscription,
};

mod buffer;
mod cancel;
mod demand;
mod dispatchers;
mod issues;
mod pipelines;
mod streams;
mod subscribe;

/// Lets every server run until all are idle (the paused clock moves only then).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

fn range(from: u64, to: u64) -> Vec<u64> {
    (from..to).collect()
}

/// Each of `events`, twice: what a `Doubler` makes of them.
fn doubled(events: impl IntoIterator<Item = u64>) -> Vec<u64> {
    events.into_iter().flat_map(|n| [n, n]).collect()
}

/// Batches of `size` consecutive numbers from `from` to `to`.
fn batches_of(size: u64, from: u64, to: u64) -> Vec<Vec<u64>> {
    (from..to)
        .step_by(size as usize)
        .map(|start| range(start, (start + size).min(to)))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// GenStage's `Counter`: a producer counting from `next` on demand, which also emits what it is
// asked to queue. `silent` is GenStage's Counter with a pid as its state (it answers demand with
// nothing) and its `NothingProducer`.

struct Counter {
    next: u64,
    until: u64,
    silent: bool,
    demands: Vec<usize>,
    cancels: Vec<Cancelled>,
}

fn counter(until: u64) -> Counter {
    Counter {
        next: 0,
        until,
        silent: false,
        demands: Vec::new(),
        cancels: Vec::new(),
    }
}

fn silent() -> Counter {
    Counter {
        silent: true,
        ..counter(0)
    }
}

#[genserver]
impl Counter {
    #[produce]
    fn demand(&mut self, demand: usize) -> Vec<u64> {
        self.demands.push(demand);
        if self.silent {
            return Vec::new();
        }
        let end = (self.next + demand as u64).min(self.until);
        let events = range(self.next, end);
        self.next = end;
        events
    }

    /// GenStage's `Counter.sync_queue/2`: emits `events` and replies with the state.
    #[call]
    fn sync_queue(&mut self, events: Vec<u64>, ctx: &mut Context<Self>) -> u64 {
        ctx.emit(events);
        self.next
    }

    /// GenStage's `Counter.async_queue/2`.
    #[cast]
    fn async_queue(&mut self, events: Vec<u64>, ctx: &mut Context<Self>) {
        ctx.emit(events);
    }

    /// GenStage's `Counter.stop/1`: `{:stop, :shutdown, :ok, state}`.
    #[call]
    fn stop_shutdown(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Shutdown);
    }

    #[call]
    fn demands(&self) -> Vec<usize> {
        self.demands.clone()
    }

    #[call]
    fn cancels(&self) -> Vec<Cancelled> {
        self.cancels.clone()
    }

    #[cancel]
    fn on_cancel(&mut self, cancelled: Cancelled) {
        self.cancels.push(cancelled);
    }
}

// ---------------------------------------------------------------------------------------------
// GenStage's `DemandProducer`: emits each demand it is given as an event (its first `calls`
// demands: then it has done its part, and the servers go idle).

struct DemandEcho {
    calls: usize,
    demands: Vec<usize>,
}

#[genserver]
impl DemandEcho {
    #[produce]
    fn demand(&mut self, demand: usize) -> Vec<u64> {
        self.demands.push(demand);
        if self.demands.len() > self.calls {
            return Vec::new();
        }
        vec![demand as u64]
    }

    #[call]
    fn demands(&self) -> Vec<usize> {
        self.demands.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// GenStage's `Forwarder`: a consumer that keeps what it gets and what ends its subscriptions.

/// How a consumer subscribes in its `#[init]` (GenStage's `subscribe_to:` init option).
type SubscribeInInit<S> =
    Box<dyn FnOnce(&mut Context<S>) -> Result<Subscription<u64>, SubscribeError> + Send>;

#[derive(Default)]
struct Forwarder {
    batches: Vec<Vec<u64>>,
    cancels: Vec<Cancelled>,
    subscription: Option<Subscription<u64>>,
    terminated: Option<Arc<Mutex<Option<ExitReason>>>>,
}

#[genserver]
impl Forwarder {
    #[init]
    fn init(
        subscribe: Option<SubscribeInInit<Forwarder>>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, SubscribeError> {
        let subscription = subscribe.map(|subscribe| subscribe(ctx)).transpose()?;
        Ok(Forwarder {
            subscription,
            ..Forwarder::default()
        })
    }

    #[consume]
    fn events(&mut self, events: Vec<u64>) {
        self.batches.push(events);
    }

    #[cancel]
    fn on_cancel(&mut self, cancelled: Cancelled) {
        self.cancels.push(cancelled);
    }

    #[call]
    fn batches(&self) -> Vec<Vec<u64>> {
        self.batches.clone()
    }

    #[call]
    fn consumed(&self) -> Vec<u64> {
        self.batches.concat()
    }

    #[call]
    fn cancels(&self) -> Vec<Cancelled> {
        self.cancels.clone()
    }

    /// GenStage's `Forwarder.ask/3`, through the subscription made in init.
    #[call]
    fn ask(&self, n: usize) -> Result<(), CastError> {
        match &self.subscription {
            Some(subscription) => subscription.ask(n),
            None => Err(CastError::NotRunning),
        }
    }

    /// Records the exit reason where the test can see it (GenStage's `terminate/2`).
    #[call]
    fn report_exit(&mut self, to: Arc<Mutex<Option<ExitReason>>>) {
        self.terminated = Some(to);
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        if let Some(to) = &self.terminated {
            *to.lock().unwrap() = Some(reason.clone());
        }
    }
}

/// A forwarder that subscribes by itself.
async fn forwarder() -> ForwarderRef {
    Forwarder::start(None).await.unwrap()
}

/// A forwarder that subscribes to `producer` in its init.
async fn forwarder_of<P>(producer: &impl AsRef<ServerRef<P>>, demand: Demand) -> ForwarderRef
where
    P: genserver::stage::ProducerOf<u64>,
{
    let producer = producer.as_ref().clone();
    Forwarder::start(Some(Box::new(move |ctx| {
        ctx.subscribe_to(&producer, demand)
    })))
    .await
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// GenStage's `Doubler`: a producer-consumer that emits each event twice.

#[derive(Default)]
struct Doubler {
    consumed: Vec<Vec<u64>>,
    cancels: Vec<Cancelled>,
}

#[genserver]
impl Doubler {
    #[init]
    fn init(
        subscribe: Option<SubscribeInInit<Doubler>>,
        ctx: &mut Context<Self>,
    ) -> Result<Self, SubscribeError> {
        if let Some(subscribe) = subscribe {
            subscribe(ctx)?;
        }
        Ok(Doubler::default())
    }

    #[consume]
    fn events(&mut self, events: Vec<u64>) -> Vec<u64> {
        self.consumed.push(events.clone());
        doubled(events)
    }

    #[cancel]
    fn on_cancel(&mut self, cancelled: Cancelled) {
        self.cancels.push(cancelled);
    }

    /// What it received, batch by batch (GenStage's `{:producer_consumed, events}`).
    #[call]
    fn consumed(&self) -> Vec<Vec<u64>> {
        self.consumed.clone()
    }

    #[call]
    fn cancels(&self) -> Vec<Cancelled> {
        self.cancels.clone()
    }
}

async fn doubler() -> DoublerRef {
    Doubler::start(None).await.unwrap()
}

async fn doubler_of<P>(producer: &impl AsRef<ServerRef<P>>, demand: Demand) -> DoublerRef
where
    P: genserver::stage::ProducerOf<u64>,
{
    let producer = producer.as_ref().clone();
    Doubler::start(Some(Box::new(move |ctx| {
        ctx.subscribe_to(&producer, demand)
    })))
    .await
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// GenStage's `Sleeper`: a consumer that keeps its first batch and never finishes it.

struct Sleeper {
    first: Arc<Mutex<Option<Vec<u64>>>>,
}

#[genserver]
impl Sleeper {
    #[consume]
    async fn events(&mut self, events: Vec<u64>) {
        *self.first.lock().unwrap() = Some(events);
        std::future::pending::<()>().await;
    }
}

fn cancelled(kind: CancelKind, side: Side, reason: ExitReason) -> (CancelKind, Side, ExitReason) {
    (kind, side, reason)
}

fn summary(cancels: &[Cancelled]) -> Vec<(CancelKind, Side, ExitReason)> {
    cancels
        .iter()
        .map(|c| (c.kind, c.side, c.reason.clone()))
        .collect()
}
