//! A call waits for its reply differently on each runtime flavor (see `genserver-core/src/call.rs`):
//! every way a call can end is checked here on the multi-thread runtime, and across runtimes.
//! (The other test files run on `current_thread`, mostly with paused time, which needs it.)
//!
//! The multi-thread runtime cannot pause time, so the timeouts here are real: the assertions
//! only use bounds that hold on a loaded machine (a timeout ends the call no earlier than its
//! deadline, and long before the slow handler would have answered).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use genserver::prelude::*;

struct Worker {
    calls: u32,
    /// Set when a `spin` handler returns.
    spun: Arc<AtomicBool>,
}

#[genserver]
impl Worker {
    #[call]
    fn bump(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    #[call]
    async fn sleep(&mut self, millis: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        millis
    }

    #[call]
    fn spin(&mut self, millis: u64) -> u64 {
        // A handler that blocks its thread: the caller's timer runs on the other worker.
        std::thread::sleep(Duration::from_millis(millis));
        self.spun.store(true, Ordering::SeqCst);
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
            tokio::time::sleep(Duration::from_millis(5)).await;
            reply.send(n * 2);
        });
    }
}

async fn worker() -> WorkerRef {
    Worker::start(Worker {
        calls: 0,
        spun: Arc::default(),
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_on_the_multi_thread_runtime() {
    let w = worker().await;
    for expected in 1..=if cfg!(miri) { 50 } else { 1_000 } {
        assert_eq!(w.bump().await, Ok(expected));
    }
    assert_eq!(w.defer(21).await, Ok(42));
    assert_eq!(w.sleep(1).await, Ok(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_async_handler_times_out_and_the_server_goes_on() {
    let w = worker().await;
    let impatient = w.with_timeout(Duration::from_millis(50));
    let started = Instant::now();
    assert_eq!(impatient.sleep(60_000).await, Err(CallError::Timeout));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(50),
        "timed out after {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(30),
        "timed out after {waited:?}"
    );
    assert!(w.is_alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_blocking_its_thread_does_not_hold_up_the_timeout() {
    let spun = Arc::new(AtomicBool::new(false));
    let w = Worker::start(Worker {
        calls: 0,
        spun: spun.clone(),
    })
    .await
    .unwrap();
    let impatient = w.with_timeout(Duration::from_millis(50));
    assert_eq!(impatient.spin(1_000).await, Err(CallError::Timeout));
    // The call ended at its deadline, while the handler still held the server's thread.
    assert!(
        !spun.load(Ordering::SeqCst),
        "the timeout waited for the handler"
    );
    // The late reply is dropped; the next call gets its own.
    assert_eq!(w.bump().await, Ok(1));
    assert!(spun.load(Ordering::SeqCst));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_reply_and_exits_on_the_multi_thread_runtime() {
    // Miri takes seconds to unwind a panic, which the call waits for within its timeout.
    let w = worker()
        .await
        .with_timeout(Duration::from_secs(if cfg!(miri) { 300 } else { 5 }));
    assert_eq!(w.forget().await, Err(CallError::NoReply));
    assert_eq!(
        w.crash().await,
        Err(CallError::Exited(ExitReason::Panic(
            "crash requested".to_owned()
        )))
    );
    // Until the server is done exiting, a call still gets `Exited`; after, `NotRunning`.
    assert_eq!(
        w.exited().await,
        ExitReason::Panic("crash requested".to_owned())
    );
    assert_eq!(w.bump().await, Err(CallError::NotRunning));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_callers_on_the_multi_thread_runtime() {
    // Under Miri (`cargo +nightly miri test`), which runs this a thousand times slower, fewer.
    const EACH: u32 = if cfg!(miri) { 20 } else { 2_000 };
    let w = worker().await;
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let w = w.clone();
            tokio::spawn(async move {
                let mut last = 0;
                for _ in 0..EACH {
                    let now = w.bump().await.unwrap();
                    assert!(now > last, "replies grow for each caller");
                    last = now;
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    assert_eq!(w.bump().await, Ok(8 * EACH + 1));
}

/// A server on a `current_thread` runtime of its own thread, called from the multi-thread
/// runtime: the call steps aside the way the server's runtime suggests, which the caller's
/// runtime does not share; every outcome is the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_another_runtime() {
    let (handle_tx, handle_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server_thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            handle_tx.send(worker().await).unwrap();
            let _ = stop_rx.await;
        });
    });
    let w = tokio::task::spawn_blocking(move || handle_rx.recv().unwrap())
        .await
        .unwrap();
    for expected in 1..=if cfg!(miri) { 50 } else { 500 } {
        assert_eq!(w.bump().await, Ok(expected));
    }
    assert_eq!(w.defer(4).await, Ok(8));
    let started = Instant::now();
    let impatient = w.with_timeout(Duration::from_millis(50));
    assert_eq!(impatient.sleep(60_000).await, Err(CallError::Timeout));
    assert!(started.elapsed() >= Duration::from_millis(50));
    stop_tx.send(()).unwrap();
    tokio::task::spawn_blocking(move || server_thread.join().unwrap())
        .await
        .unwrap();
    // The server's runtime is gone, and the server with it.
    assert_eq!(w.bump().await, Err(CallError::NotRunning));
}
