//! A supervisor's shutdown: the running handler finishes and its caller gets the reply; every
//! caller still queued gets `Exited(Shutdown)` at once instead of being served.

use std::time::Duration;

use genserver::prelude::*;

struct Slow {
    served: u32,
}

#[genserver]
impl Slow {
    #[call]
    async fn work(&mut self) -> u32 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        self.served += 1;
        self.served
    }
}

#[tokio::test(start_paused = true)]
async fn supervisor_shutdown_answers_every_queued_caller_with_an_error() {
    let sup = Supervisor::builder()
        .child(ChildSpec::new("slow", || {
            Slow::options().name("slow").start(Slow { served: 0 })
        }))
        .start()
        .await
        .unwrap();
    let slow = Slow::whereis("slow").unwrap();
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let slow = slow.clone();
            tokio::spawn(async move { slow.work().await })
        })
        .collect();
    // Let the five calls reach the mailbox; the first one is being handled.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let started = tokio::time::Instant::now();
    sup.stop().await;
    // Only the running handler was waited for: ~90 ms, not 5 × 100 ms.
    assert!(started.elapsed() < Duration::from_millis(100));

    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.unwrap());
    }
    assert_eq!(results[0], Ok(1));
    for queued in &results[1..] {
        assert_eq!(queued, &Err(CallError::Exited(ExitReason::Shutdown)));
    }
    assert_eq!(slow.exited().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn a_handle_stop_serves_the_queue_first_as_in_otp() {
    let slow = Slow::start(Slow { served: 0 }).await.unwrap();
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let slow = slow.clone();
            tokio::spawn(async move { slow.work().await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(10)).await;
    slow.stop().await;
    let mut results = Vec::new();
    for call in calls {
        results.push(call.await.unwrap());
    }
    assert_eq!(results, [Ok(1), Ok(2), Ok(3)]);
}
