//! Calls and casts: replies, timeouts, ordering, and every way a call can end without a reply.

use std::time::Duration;

use genserver::prelude::*;

#[derive(Debug)]
struct Worker {
    log: Vec<u32>,
}

#[genserver]
impl Worker {
    #[call]
    fn push(&mut self, n: u32) -> usize {
        self.log.push(n);
        self.log.len()
    }

    #[call]
    fn log(&self) -> Vec<u32> {
        self.log.clone()
    }

    #[cast]
    fn record(&mut self, n: u32) {
        self.log.push(n);
    }

    #[call]
    async fn sleep(&mut self, millis: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        millis
    }

    #[call]
    fn crash(&mut self) -> u32 {
        panic!("crash requested")
    }

    #[call]
    fn forget(&mut self, reply: ReplyTo<u32>) {
        drop(reply);
    }

    #[call]
    fn defer(&mut self, n: u32, reply: ReplyTo<u32>) {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(10)).await;
            reply.send(n * 2);
        });
    }

    #[call]
    async fn call_myself(&mut self, ctx: &mut Context<Self>) -> Result<usize, CallError> {
        ctx.handle().push(1).await
    }
}

async fn worker() -> WorkerRef {
    Worker::start(Worker { log: Vec::new() }).await.unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_call_returns_the_handlers_value() {
    let w = worker().await;
    assert_eq!(w.push(7).await, Ok(1));
    assert_eq!(w.push(8).await, Ok(2));
    assert_eq!(w.log().await, Ok(vec![7, 8]));
}

#[tokio::test(start_paused = true)]
async fn the_default_timeout_is_five_seconds_and_the_server_keeps_running() {
    let w = worker().await;
    assert_eq!(w.call_timeout(), Duration::from_secs(5));
    let started = tokio::time::Instant::now();
    assert_eq!(w.sleep(6_000).await, Err(CallError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    // The server finishes the slow handler, drops the late reply and serves the next call.
    assert_eq!(w.push(1).await, Ok(1));
    assert!(w.is_alive());
}

#[tokio::test(start_paused = true)]
async fn with_timeout_overrides_the_timeout_of_one_handle_only() {
    let w = worker().await;
    let impatient = w.with_timeout(Duration::from_millis(100));
    assert_eq!(impatient.call_timeout(), Duration::from_millis(100));
    assert_eq!(w.call_timeout(), Duration::from_secs(5));
    let started = tokio::time::Instant::now();
    assert_eq!(impatient.sleep(200).await, Err(CallError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    assert_eq!(w.sleep(200).await, Ok(200));
}

#[tokio::test(start_paused = true)]
async fn the_options_set_the_default_timeout_of_the_handles() {
    let w = Worker::options()
        .call_timeout(Duration::from_millis(50))
        .start(Worker { log: Vec::new() })
        .await
        .unwrap();
    assert_eq!(w.sleep(60).await, Err(CallError::Timeout));
    // The server is still busy with the first sleep for 10 ms: 10 + 30 < 50.
    assert_eq!(w.sleep(30).await, Ok(30));
}

#[tokio::test(start_paused = true)]
async fn a_late_reply_is_dropped_not_delivered_to_the_next_call() {
    let w = worker().await.with_timeout(Duration::from_millis(10));
    assert_eq!(w.sleep(20).await, Err(CallError::Timeout));
    // The next call gets its own reply, not the late 20.
    assert_eq!(w.with_timeout(Duration::from_secs(1)).sleep(3).await, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_ends_only_its_server_and_every_queued_caller_learns_why() {
    let w = worker().await;
    let other = worker().await;
    // Queue: a slow call, the crash, then callers behind it.
    let slow = tokio::spawn({
        let w = w.clone();
        async move { w.sleep(10).await }
    });
    tokio::task::yield_now().await;
    let crash = tokio::spawn({
        let w = w.clone();
        async move { w.crash().await }
    });
    tokio::task::yield_now().await;
    let queued: Vec<_> = (0..3)
        .map(|n| {
            let w = w.clone();
            tokio::spawn(async move { w.push(n).await })
        })
        .collect();
    assert_eq!(slow.await.unwrap(), Ok(10));
    let reason = ExitReason::Panic("crash requested".to_owned());
    assert_eq!(crash.await.unwrap(), Err(CallError::Exited(reason.clone())));
    for caller in queued {
        assert_eq!(
            caller.await.unwrap(),
            Err(CallError::Exited(reason.clone()))
        );
    }
    assert_eq!(w.exited().await, reason);
    assert!(!w.is_alive());
    // The other server and the runtime go on.
    assert_eq!(other.push(1).await, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn calling_a_stopped_server_fails_at_once_with_not_running() {
    let w = worker().await;
    w.stop().await;
    let started = tokio::time::Instant::now();
    assert_eq!(w.push(1).await, Err(CallError::NotRunning));
    assert_eq!(w.record(1), Err(CastError::NotRunning));
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_reply_to_gives_no_reply_at_once() {
    let w = worker().await;
    let started = tokio::time::Instant::now();
    assert_eq!(w.forget().await, Err(CallError::NoReply));
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert!(w.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_deferred_reply_arrives_from_another_task() {
    let w = worker().await;
    assert_eq!(w.defer(21).await, Ok(42));
}

#[tokio::test(start_paused = true)]
async fn a_handler_calling_its_own_server_gets_calling_self() {
    let w = worker().await;
    assert_eq!(w.call_myself().await, Ok(Err(CallError::CallingSelf)));
    assert!(w.is_alive());
}

#[tokio::test(start_paused = true)]
async fn messages_from_one_sender_arrive_in_order() {
    let w = worker().await;
    for n in 0..1_000 {
        w.record(n).unwrap();
        if n % 100 == 0 {
            w.push(n).await.unwrap();
        }
    }
    let log = w.log().await.unwrap();
    let mut expected = Vec::new();
    for n in 0..1_000 {
        expected.push(n);
        if n % 100 == 0 {
            expected.push(n);
        }
    }
    assert_eq!(log, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_each_get_their_own_reply() {
    let w = worker().await;
    let callers: Vec<_> = (0..8u32)
        .map(|caller| {
            let w = w.clone();
            tokio::spawn(async move {
                for i in 0..500 {
                    let n = caller * 1_000 + i;
                    let len = w.push(n).await.unwrap();
                    assert!(len >= 1);
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    let log = w.log().await.unwrap();
    assert_eq!(log.len(), 4_000);
    // Per sender, order is kept.
    for caller in 0..8u32 {
        let mine: Vec<u32> = log
            .iter()
            .copied()
            .filter(|n| n / 1_000 == caller)
            .collect();
        assert_eq!(
            mine,
            (0..500).map(|i| caller * 1_000 + i).collect::<Vec<_>>()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_cast_never_waits_for_the_handler() {
    let w = worker().await;
    let busy = tokio::spawn({
        let w = w.clone();
        async move { w.sleep(1_000).await }
    });
    tokio::task::yield_now().await;
    let started = tokio::time::Instant::now();
    for n in 0..100 {
        w.record(n).unwrap();
    }
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(busy.await.unwrap(), Ok(1_000));
    assert_eq!(w.log().await.unwrap().len(), 100);
}

#[tokio::test(start_paused = true)]
async fn a_full_bounded_mailbox_refuses_casts_and_makes_calls_wait_within_their_timeout() {
    let w = Worker::options()
        .mailbox_capacity(2)
        .start(Worker { log: Vec::new() })
        .await
        .unwrap();
    let busy = tokio::spawn({
        let w = w.clone();
        async move { w.sleep(100).await }
    });
    tokio::task::yield_now().await; // the server is now inside `sleep`
    w.record(1).unwrap();
    w.record(2).unwrap();
    assert_eq!(w.record(3), Err(CastError::Full));
    assert_eq!(
        w.with_timeout(Duration::from_millis(50)).push(4).await,
        Err(CallError::Timeout)
    );
    // Once the server drains its mailbox there is room again.
    assert_eq!(w.push(5).await, Ok(3));
    assert_eq!(busy.await.unwrap(), Ok(100));
    assert_eq!(w.log().await, Ok(vec![1, 2, 5]));
    // A stop request is never refused, even when the mailbox is full.
    w.record(6).unwrap();
    w.record(7).unwrap();
    w.stop().await;
    assert!(!w.is_alive());
}
