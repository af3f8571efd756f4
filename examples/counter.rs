//! The README's example: a counter, started once under a name and reached from anywhere.
//!
//! Shows `#[call]` and `#[cast]`, the typed client handle, a named singleton found with
//! `whereis` or through a handle made from the name, and a clean stop.
//!
//! Run with `cargo run --example counter`.

use genserver::prelude::*;

/// The state: a plain struct.
pub struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    /// Adds one and returns the new value.
    #[call]
    pub fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }

    /// The current value.
    #[call]
    pub fn get(&self) -> i64 {
        self.value
    }

    /// Adds `n`, without waiting for an answer.
    #[cast]
    pub fn add(&mut self, n: i64) {
        self.value += n;
    }

    /// Back to zero.
    #[cast]
    pub fn reset(&mut self) {
        self.value = 0;
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // One counter for the whole program, registered as "counter" (a named singleton).
    let counter = Counter::options()
        .name("counter")
        .start(Counter { value: 0 })
        .await?;
    println!("started the counter {}", counter.id());

    assert_eq!(counter.increment().await?, 1);
    assert_eq!(counter.increment().await?, 2);
    println!("increment, increment -> {}", counter.get().await?);

    // Casts return at once; the mailbox keeps their order, so the call after them sees both.
    counter.add(40)?;
    counter.add(-1)?;
    assert_eq!(counter.get().await?, 41);
    println!("add(40), add(-1) -> {}", counter.get().await?);

    // Any part of the program can find it by name...
    let found = Counter::whereis("counter").expect("the counter is registered");
    assert_eq!(found.increment().await?, 42);
    println!("whereis(\"counter\").increment() -> 42");

    // ...or hold a handle that resolves the name at each call.
    let by_name = CounterRef::from_name("counter");
    by_name.reset()?;
    assert_eq!(by_name.get().await?, 0);
    println!("from_name(\"counter\").reset() -> {}", by_name.get().await?);

    // A second start under the same name is refused and names the running server.
    match Counter::options()
        .name("counter")
        .start(Counter { value: 0 })
        .await
    {
        Err(StartError::AlreadyStarted(running)) => {
            assert_eq!(running.id(), counter.id());
            println!(
                "a second start under \"counter\" -> already started as {}",
                running.id()
            );
        }
        other => panic!("expected AlreadyStarted, got {other:?}"),
    }

    // `stop` returns once the server has exited; the name is free again.
    counter.stop().await;
    assert!(!counter.is_alive());
    assert!(Counter::whereis("counter").is_none());
    assert_eq!(by_name.get().await, Err(CallError::NotRunning));
    println!(
        "stopped: {:?}, calls by name now fail with NotRunning",
        counter.exited().await
    );
    Ok(())
}
