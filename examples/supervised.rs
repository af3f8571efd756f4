//! A crashing server restarted by a supervisor while clients keep calling it by name.
//!
//! `Calculator` has a bug: dividing by zero panics. It runs under a supervisor, registered as
//! "calculator". Clients hold a handle made from the name, so after the crash their calls go to
//! the restarted server: the call that crashed it fails, the calls during the restart fail
//! with `NotRunning` at once and are retried, and everything after works again.
//!
//! Run with `cargo run --example supervised`.

use std::time::Duration;

use genserver::Strategy;
use genserver::prelude::*;

/// Divides numbers, and counts how many divisions it served since it (re)started.
struct Calculator {
    served: u64,
}

#[genserver]
impl Calculator {
    #[init]
    async fn init(_args: (), ctx: &mut Context<Self>) -> Self {
        println!("  [calculator {}] started", ctx.id());
        Calculator { served: 0 }
    }

    /// `a / b`; panics when `b` is zero (the bug).
    #[call]
    fn divide(&mut self, a: i64, b: i64) -> i64 {
        self.served += 1;
        a / b
    }

    #[call]
    fn served(&self) -> u64 {
        self.served
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        println!("  [calculator {}] terminating: {reason}", ctx.id());
    }
}

/// Calls `divide`, retrying while the calculator is down: a call queued when it crashed fails
/// with `Exited`, one made before the restart with `NotRunning`. Returns the quotient and how
/// many tries failed.
async fn divide(calculator: &CalculatorRef, a: i64, b: i64) -> (i64, u32) {
    let mut failed = 0;
    loop {
        match calculator.divide(a, b).await {
            Ok(quotient) => return (quotient, failed),
            Err(CallError::NotRunning | CallError::Exited(_)) => {
                failed += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err(error) => panic!("unexpected error: {error}"),
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A panic in a server is caught by the runtime; print it as one line.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        println!("  [panic] {message}");
    }));

    println!("starting the supervisor");
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForOne)
        .max_restarts(3, Duration::from_secs(5))
        .child(
            ChildSpec::new("calculator", || {
                Calculator::options().name("calculator").start(())
            })
            .restart(Restart::Permanent),
        )
        .start()
        .await?;

    let calculator = CalculatorRef::from_name("calculator");
    let first = calculator.id();
    println!("client: 84 / 2 = {}", calculator.divide(84, 2).await?);
    println!("client: 9 / 3 = {}", calculator.divide(9, 3).await?);
    assert_eq!(calculator.served().await?, 2);

    // Watch the incarnation about to crash, from plain async code.
    let crashed = calculator.monitor();
    println!("client: 1 / 0 = ?");
    let error = calculator.divide(1, 0).await.unwrap_err();
    println!("client: the call failed: {error}");
    assert!(matches!(error, CallError::Exited(ExitReason::Panic(_))));
    let reason = crashed.await;
    println!("client: calculator {first} exited: {reason}");

    // The same handle reaches the restarted server (retrying while it restarts).
    println!("client: 10 / 5 = {}", divide(&calculator, 10, 5).await.0);
    let second = calculator.id();
    assert_ne!(first, second);
    assert_eq!(
        calculator.served().await?,
        1,
        "the new incarnation starts fresh"
    );
    println!("client: calculator {first} was replaced by {second}");

    // Several clients at once, one of which crashes it again in the middle.
    println!("three clients, 20 divisions each; one divides by zero halfway");
    let mut clients = Vec::new();
    for client in 0..3_i64 {
        let calculator = CalculatorRef::from_name("calculator");
        clients.push(tokio::spawn(async move {
            let (mut sum, mut retried) = (0, 0);
            for n in 1..=20_i64 {
                if client == 1 && n == 10 {
                    let crash = calculator.divide(n, 0).await;
                    assert!(crash.is_err());
                }
                let (quotient, failed) = divide(&calculator, n * 6, 3).await;
                sum += quotient;
                retried += failed;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            (sum, retried)
        }));
    }
    for (client, task) in clients.into_iter().enumerate() {
        let (sum, retried) = task.await?;
        println!(
            "client {client}: the sum of its 20 quotients is {sum} \
             (failed tries, retried: {retried})"
        );
        assert_eq!(sum, 2 * (1..=20).sum::<i64>());
    }

    let children = sup.which_children().await?;
    assert_eq!(children.len(), 1);
    let third = children[0].pid.as_ref().expect("the calculator runs").id();
    assert_ne!(third, second);
    println!("supervisor: child {:?} runs as {third}", children[0].id);

    println!("stopping the supervisor");
    sup.stop().await;
    assert!(Calculator::whereis("calculator").is_none());
    assert_eq!(calculator.divide(1, 1).await, Err(CallError::NotRunning));
    println!("done: the name is free and calls fail with NotRunning");
    Ok(())
}
