//! The counter on genserver, written as a user writes it: a plain struct, `#[genserver]` on its
//! impl block, and the generated client API (`BenchCounter::start`, `BenchCounterRef::increment`,
//! `BenchCounterRef::bump`, `BenchCounterRef::get`, `stop`).

use genserver::prelude::*;

use crate::subject::Subject;

/// The counter state.
#[derive(Default)]
pub struct BenchCounter {
    value: u64,
}

impl BenchCounter {
    /// A counter at 0.
    pub fn new() -> Self {
        Self::default()
    }
}

#[genserver]
impl BenchCounter {
    /// Adds one and returns the new value.
    #[call]
    pub fn increment(&mut self) -> u64 {
        self.value += 1;
        self.value
    }

    /// Adds one, without an answer.
    #[cast]
    pub fn bump(&mut self) {
        self.value += 1;
    }

    /// The current value.
    #[call]
    pub fn get(&self) -> u64 {
        self.value
    }
}

/// genserver, through the client API `#[genserver]` generates.
pub struct Genserver;

impl Subject for Genserver {
    type Handle = BenchCounterRef;

    async fn start() -> BenchCounterRef {
        BenchCounter::start(BenchCounter { value: 0 })
            .await
            .expect("genserver start")
    }

    async fn increment(counter: &BenchCounterRef) -> u64 {
        counter.increment().await.expect("genserver call")
    }

    async fn bump(counter: &BenchCounterRef) {
        counter.bump().expect("genserver cast");
    }

    async fn get(counter: &BenchCounterRef) -> u64 {
        counter.get().await.expect("genserver call")
    }

    async fn stop(counter: BenchCounterRef) {
        counter.stop().await;
    }
}
