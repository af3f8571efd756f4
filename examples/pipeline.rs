//! A demand-driven pipeline (Elixir's GenStage): a producer of numbers, a producer-consumer
//! that squares them, and two consumers at different speeds, all under one supervisor. Each
//! consumer asks for what it can handle; the slow one gets fewer events, and neither ever
//! holds more than its max demand. The example samples the stages while they run, prints the
//! demand and buffer sizes it saw, and checks them.
//!
//! Runs on tokio's paused clock (the consumers' work "takes" 1 ms and 10 ms a batch), so it
//! takes a fraction of a second: `cargo run --example pipeline`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use genserver::prelude::*;
use genserver::stage::Demand;
use genserver::{Strategy, Supervisor};

const EVENTS: u64 = 20_000;

/// The numbers 1 to `EVENTS`, as many as asked for.
struct Numbers {
    next: u64,
}

#[genserver]
impl Numbers {
    #[produce]
    fn demand(&mut self, demand: usize) -> Vec<u64> {
        let end = (self.next + demand as u64).min(EVENTS + 1);
        let events = (self.next..end).collect();
        self.next = end;
        events
    }
}

/// Squares what it gets from "numbers", at the pace its own consumers ask.
struct Square;

#[genserver]
impl Square {
    #[init]
    fn init(_: (), ctx: &mut Context<Self>) -> Result<Self, genserver::stage::SubscribeError> {
        ctx.subscribe_to(
            &NumbersRef::from_name("numbers"),
            Demand::new().max(100).min(50),
        )?;
        Ok(Square)
    }

    #[consume]
    fn events(&mut self, events: Vec<u64>) -> Vec<u64> {
        events.into_iter().map(|n| n * n).collect()
    }
}

/// What a consumer shares with `main`.
#[derive(Clone, Default)]
struct Tally {
    handled: Arc<AtomicU64>,
    sum: Arc<AtomicU64>,
    largest_batch: Arc<AtomicU64>,
}

/// A consumer of "square" with its own demand; `work` is what a batch takes.
struct Sink {
    tally: Tally,
    work: Duration,
}

struct SinkArgs {
    tally: Tally,
    work: Duration,
    max: usize,
}

#[genserver]
impl Sink {
    #[init]
    fn init(
        args: SinkArgs,
        ctx: &mut Context<Self>,
    ) -> Result<Self, genserver::stage::SubscribeError> {
        ctx.subscribe_to(
            &SquareRef::from_name("square"),
            Demand::new().max(args.max).min(args.max / 2),
        )?;
        Ok(Sink {
            tally: args.tally,
            work: args.work,
        })
    }

    #[consume]
    async fn events(&mut self, events: Vec<u64>) {
        tokio::time::sleep(self.work).await;
        let tally = &self.tally;
        tally
            .largest_batch
            .fetch_max(events.len() as u64, Ordering::Relaxed);
        tally.sum.fetch_add(events.iter().sum(), Ordering::Relaxed);
        tally
            .handled
            .fetch_add(events.len() as u64, Ordering::Relaxed);
    }
}

/// The largest values seen while sampling.
#[derive(Default, Debug)]
struct Seen {
    numbers_buffer: usize,
    square_buffer: usize,
    square_held: usize,
    fast_pending: usize,
    slow_pending: usize,
    /// Events sent to a consumer and not yet handled by it.
    fast_held: u64,
    slow_held: u64,
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (fast, slow) = (Tally::default(), Tally::default());
    let (fast_tally, slow_tally) = (fast.clone(), slow.clone());
    const FAST_MAX: usize = 50;
    const SLOW_MAX: usize = 10;
    // rest_for_one, as GenStage advises: a stage that restarts takes the stages after it along.
    let supervisor = Supervisor::builder()
        .strategy(Strategy::RestForOne)
        .child(ChildSpec::new("numbers", || {
            Numbers::options()
                .name("numbers")
                .start(Numbers { next: 1 })
        }))
        .child(ChildSpec::new("square", || {
            Square::options().name("square").start(())
        }))
        .child(ChildSpec::new("fast", move || {
            Sink::options().name("fast").start(SinkArgs {
                tally: fast_tally.clone(),
                work: Duration::from_millis(1),
                max: FAST_MAX,
            })
        }))
        .child(ChildSpec::new("slow", move || {
            Sink::options().name("slow").start(SinkArgs {
                tally: slow_tally.clone(),
                work: Duration::from_millis(10),
                max: SLOW_MAX,
            })
        }))
        .start()
        .await?;

    let numbers = NumbersRef::from_name("numbers");
    let square = SquareRef::from_name("square");
    let (fast_sink, slow_sink) = (SinkRef::from_name("fast"), SinkRef::from_name("slow"));
    // Which of square's subscriptions is which consumer's.
    let fast_sub = fast_sink.consumer_stats().await?.subscriptions[0].id;
    let slow_sub = slow_sink.consumer_stats().await?.subscriptions[0].id;
    let mut seen = Seen::default();
    while fast.handled.load(Ordering::Relaxed) + slow.handled.load(Ordering::Relaxed) < EVENTS {
        tokio::time::sleep(Duration::from_millis(3)).await;
        seen.numbers_buffer = seen
            .numbers_buffer
            .max(numbers.producer_stats().await?.buffered);
        // What square has sent each consumer, then (with no await in between) what the
        // consumer has handled: the difference is what the consumer holds, in its mailbox or
        // in its handler.
        let square_stats = square.producer_stats().await?;
        for (sub, tally, held) in [
            (fast_sub, &fast, &mut seen.fast_held),
            (slow_sub, &slow, &mut seen.slow_held),
        ] {
            let sent = square_stats
                .demand
                .iter()
                .find(|consumer| consumer.subscription == sub)
                .map_or(0, |consumer| consumer.sent);
            *held = (*held).max(sent.saturating_sub(tally.handled.load(Ordering::Relaxed)));
        }
        seen.square_buffer = seen.square_buffer.max(square_stats.buffered);
        seen.square_held = seen.square_held.max(square.consumer_stats().await?.held);
        for (sink, pending, max) in [
            (&fast_sink, &mut seen.fast_pending, FAST_MAX),
            (&slow_sink, &mut seen.slow_pending, SLOW_MAX),
        ] {
            let now = sink.consumer_stats().await?.subscriptions[0]
                .pending
                .unwrap_or(0);
            *pending = (*pending).max(now);
            assert!(
                now <= max,
                "a consumer had {now} events pending, above its max {max}"
            );
        }
    }

    let (fast_handled, slow_handled) = (
        fast.handled.load(Ordering::Relaxed),
        slow.handled.load(Ordering::Relaxed),
    );
    println!(
        "numbers → square → {{fast (max {FAST_MAX}, 1 ms a batch), slow (max {SLOW_MAX}, 10 ms a batch)}}"
    );
    println!(
        "  fast handled {fast_handled} events, largest batch {}",
        fast.largest_batch.load(Ordering::Relaxed)
    );
    println!(
        "  slow handled {slow_handled} events, largest batch {}",
        slow.largest_batch.load(Ordering::Relaxed)
    );
    println!(
        "  largest buffer seen: numbers {}, square {}",
        seen.numbers_buffer, seen.square_buffer
    );
    println!(
        "  most events square held for its consumers: {}",
        seen.square_held
    );
    println!(
        "  largest pending demand seen: fast {}, slow {}",
        seen.fast_pending, seen.slow_pending
    );
    println!(
        "  most events held by a consumer: fast {}, slow {}",
        seen.fast_held, seen.slow_held
    );

    // Every number, squared, once.
    let expected: u64 = (1..=EVENTS).map(|n| n * n).sum();
    let sum = fast.sum.load(Ordering::Relaxed) + slow.sum.load(Ordering::Relaxed);
    assert_eq!(fast_handled + slow_handled, EVENTS);
    assert_eq!(sum, expected);
    // No consumer ever held more than its max demand.
    assert!(seen.fast_held <= FAST_MAX as u64, "{seen:?}");
    assert!(seen.slow_held <= SLOW_MAX as u64, "{seen:?}");
    assert!(fast.largest_batch.load(Ordering::Relaxed) <= FAST_MAX as u64);
    assert!(slow.largest_batch.load(Ordering::Relaxed) <= SLOW_MAX as u64);
    // The slow consumer's demand slowed its share: the fast one took most.
    assert!(
        fast_handled > slow_handled,
        "{fast_handled} vs {slow_handled}"
    );
    // The producers' buffers stay within the demand downstream of them.
    assert!(seen.numbers_buffer <= 100, "{seen:?}");
    supervisor.stop().await;
    println!("all {EVENTS} events handled; no consumer held more than its max demand");
    Ok(())
}
