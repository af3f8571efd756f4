//! Monitors: `ctx.monitor(&handle)` gives a server exactly one `Down { monitor, id, reason }`
//! through its `#[info]` handler when the monitored server exits (or at once if it is already
//! gone); `demonitor` cancels it; plain async code monitors with a future.

use std::time::Duration;

use genserver::prelude::*;

struct Worker;

#[genserver]
impl Worker {
    #[call]
    fn ping(&self) -> String {
        "pong".to_owned()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("worker crashed");
    }
}

/// Watches workers and records every `Down`.
#[derive(Default)]
struct Watcher {
    downs: Vec<Down>,
}

#[genserver]
impl Watcher {
    #[call]
    fn watch(&mut self, worker: WorkerRef, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor(&worker)
    }

    #[call]
    fn watch_pid(&mut self, pid: Pid, ctx: &mut Context<Self>) -> MonitorRef {
        ctx.monitor_pid(&pid)
    }

    #[call]
    fn forget(&mut self, monitor: MonitorRef, ctx: &mut Context<Self>) -> bool {
        ctx.demonitor(monitor)
    }

    #[call]
    fn downs(&self) -> Vec<Down> {
        self.downs.clone()
    }

    #[info]
    fn on_down(&mut self, down: Down) {
        self.downs.push(down);
    }
}

async fn start_pair() -> (WorkerRef, WatcherRef) {
    (
        Worker::start(Worker).await.unwrap(),
        Watcher::start(Watcher::default()).await.unwrap(),
    )
}

#[tokio::test(start_paused = true)]
async fn down_arrives_through_the_info_handler_with_the_reason() {
    let (worker, watcher) = start_pair().await;
    let monitor = watcher.watch(worker.clone()).await.unwrap();
    worker.crash().unwrap();
    // Delivered before `exited` resolves: the next call to the watcher sees it.
    worker.exited().await;
    assert_eq!(
        watcher.downs().await.unwrap(),
        vec![Down {
            monitor,
            id: worker.id(),
            reason: ExitReason::Panic("worker crashed".to_owned()),
        }]
    );
}

#[tokio::test(start_paused = true)]
async fn down_arrives_exactly_once_per_monitor() {
    let (worker, watcher) = start_pair().await;
    let first = watcher.watch(worker.clone()).await.unwrap();
    let second = watcher.watch(worker.clone()).await.unwrap();
    assert_ne!(first, second);
    worker.stop().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let downs = watcher.downs().await.unwrap();
    let monitors: Vec<MonitorRef> = downs.iter().map(|down| down.monitor).collect();
    assert_eq!(monitors, vec![first, second]);
    assert!(downs.iter().all(|down| down.reason == ExitReason::Normal));
}

#[tokio::test(start_paused = true)]
async fn monitoring_a_server_already_gone_gives_down_at_once() {
    let (worker, watcher) = start_pair().await;
    worker.kill();
    worker.exited().await;
    let monitor = watcher.watch(worker.clone()).await.unwrap();
    assert_eq!(
        watcher.downs().await.unwrap(),
        vec![Down {
            monitor,
            id: worker.id(),
            reason: ExitReason::Killed,
        }]
    );

    // A name nobody holds: OTP's `noproc`.
    let nobody = WorkerRef::from_name("monitors/nobody");
    let monitor = watcher.watch(nobody).await.unwrap();
    let downs = watcher.downs().await.unwrap();
    assert_eq!(downs.len(), 2);
    assert_eq!(downs[1].monitor, monitor);
    assert_eq!(downs[1].reason, ExitReason::NoProc);
}

#[tokio::test(start_paused = true)]
async fn a_name_handle_is_monitored_as_the_server_holding_the_name() {
    let worker = Worker::options()
        .name("monitors/named")
        .start(Worker)
        .await
        .unwrap();
    let watcher = Watcher::start(Watcher::default()).await.unwrap();
    watcher
        .watch(WorkerRef::from_name("monitors/named"))
        .await
        .unwrap();
    worker.stop().await;
    let downs = watcher.downs().await.unwrap();
    assert_eq!(downs.len(), 1);
    assert_eq!(downs[0].id, worker.id());
}

#[tokio::test(start_paused = true)]
async fn demonitor_cancels_the_down() {
    let (worker, watcher) = start_pair().await;
    let monitor = watcher.watch_pid(worker.pid()).await.unwrap();
    assert!(watcher.forget(monitor).await.unwrap());
    assert!(!watcher.forget(monitor).await.unwrap());
    worker.stop().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(watcher.downs().await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn plain_async_code_monitors_with_a_future() {
    let worker = Worker::start(Worker).await.unwrap();
    // The future borrows nothing: it can go to another task.
    let waiting = tokio::spawn(worker.monitor());
    tokio::task::yield_now().await;
    assert!(!waiting.is_finished());
    worker.crash().unwrap();
    assert_eq!(
        waiting.await.unwrap(),
        ExitReason::Panic("worker crashed".to_owned())
    );
    // Already gone: resolves at once; a free name gives `NoProc`.
    assert_eq!(
        worker.pid().monitor().await,
        ExitReason::Panic("worker crashed".to_owned())
    );
    assert_eq!(
        WorkerRef::from_name("monitors/free").monitor().await,
        ExitReason::NoProc
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn down_arrives_exactly_once_under_races() {
    let watcher = Watcher::start(Watcher::default()).await.unwrap();
    let mut workers = Vec::new();
    for _ in 0..50 {
        let worker = Worker::start(Worker).await.unwrap();
        // Exits while the monitor is being set up, or before, or after.
        let doomed = worker.clone();
        tokio::spawn(async move { doomed.kill() });
        watcher.watch(worker.clone()).await.unwrap();
        workers.push(worker);
    }
    for worker in &workers {
        worker.exited().await;
    }
    let downs = watcher.downs().await.unwrap();
    assert_eq!(downs.len(), workers.len());
    for worker in &workers {
        assert_eq!(
            downs.iter().filter(|down| down.id == worker.id()).count(),
            1
        );
    }
}
