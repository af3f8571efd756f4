//! The pipeline workloads (W11, W12) on genserver's stages, written as a user writes them:
//! `#[produce]` and `#[consume]` on `#[genserver]` impl blocks, `subscribe_to` with GenStage's
//! default demand (max 1000, min 750) or the workload's.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use genserver::prelude::*;
use tokio::sync::oneshot;

use crate::subject::Pipeline;

/// Numbers from 0, as many as asked for, up to `until` (none: forever).
pub struct Numbers {
    next: u64,
    until: Option<u64>,
}

#[genserver]
impl Numbers {
    /// The demand handler: the next `demand` numbers.
    #[produce]
    pub fn demand(&mut self, demand: usize) -> Vec<u64> {
        let end = match self.until {
            Some(until) => (self.next + demand as u64).min(until),
            None => self.next + demand as u64,
        };
        let events = (self.next..end).collect();
        self.next = end;
        events
    }
}

/// A producer-consumer: each number plus one.
pub struct Increment;

#[genserver]
impl Increment {
    /// Adds one to each event, in place.
    #[consume]
    pub fn events(&mut self, mut events: Vec<u64>) -> Vec<u64> {
        for n in &mut events {
            *n += 1;
        }
        events
    }
}

/// Sums what it gets; says when it has `expected` events.
pub struct Sum {
    sum: u64,
    count: u64,
    expected: u64,
    done: Option<oneshot::Sender<(u64, u64)>>,
}

#[genserver]
impl Sum {
    /// Adds the events up.
    #[consume]
    pub fn events(&mut self, events: Vec<u64>) {
        self.count += events.len() as u64;
        self.sum = events.iter().fold(self.sum, |sum, n| sum.wrapping_add(*n));
        if self.count >= self.expected {
            if let Some(done) = self.done.take() {
                let _ = done.send((self.count, self.sum));
            }
        }
    }
}

/// A consumer that takes `rate` events a second: it waits after each batch until the time its
/// events are worth has passed.
pub struct Paced {
    pace: Duration,
    next: tokio::time::Instant,
    consumed: Arc<AtomicU64>,
}

#[genserver]
impl Paced {
    /// Takes a batch, at the pace.
    #[consume]
    pub async fn events(&mut self, events: Vec<u64>) {
        self.next += self.pace * events.len() as u32;
        tokio::time::sleep_until(self.next).await;
        self.consumed
            .fetch_add(events.len() as u64, Ordering::Relaxed);
    }
}

/// genserver's stages.
pub struct Stages;

/// A running W12 pipeline.
pub struct Running {
    numbers: NumbersRef,
    paced: PacedRef,
    consumed: Arc<AtomicU64>,
}

impl Pipeline for Stages {
    type Running = Running;

    async fn chain(events: u64, capacity: usize) -> u64 {
        let demand = Demand::new().max(capacity);
        let numbers = Numbers::start(Numbers {
            next: 0,
            until: Some(events),
        })
        .await
        .expect("W11: start the producer");
        let increment = Increment::start(Increment)
            .await
            .expect("W11: start the producer-consumer");
        let (done, finished) = oneshot::channel();
        let sum = Sum::start(Sum {
            sum: 0,
            count: 0,
            expected: events,
            done: Some(done),
        })
        .await
        .expect("W11: start the consumer");
        sum.subscribe_to(&increment, demand.clone())
            .await
            .expect("W11: subscribe the consumer");
        increment
            .subscribe_to(&numbers, demand)
            .await
            .expect("W11: subscribe the producer-consumer");
        let (count, total) = finished.await.expect("W11: the consumer finished");
        assert_eq!(count, events, "W11 stages: events received");
        numbers.stop().await;
        increment.stop().await;
        sum.stop().await;
        total
    }

    async fn slow(capacity: usize, pace: Duration, batch: usize) -> Running {
        let numbers = Numbers::start(Numbers {
            next: 0,
            until: None,
        })
        .await
        .expect("W12: start the producer");
        let consumed = Arc::new(AtomicU64::new(0));
        let paced = Paced::start(Paced {
            pace,
            next: tokio::time::Instant::now(),
            consumed: consumed.clone(),
        })
        .await
        .expect("W12: start the consumer");
        paced
            .subscribe_to(&numbers, Demand::new().max(capacity).min(capacity - batch))
            .await
            .expect("W12: subscribe");
        Running {
            numbers,
            paced,
            consumed,
        }
    }

    fn consumed(running: &Running) -> u64 {
        running.consumed.load(Ordering::Relaxed)
    }

    async fn buffered(running: &Running) -> u64 {
        let stats = running
            .numbers
            .producer_stats()
            .await
            .expect("W12: the producer's stats");
        stats.buffered as u64
    }

    async fn stop(running: Running) {
        running.paced.kill();
        running.numbers.stop().await;
    }
}
