//! Monitors: `Down` messages, demonitor, monitors from plain async code.

use super::*;

// ---------------------------------------------------------------------------------------------
// Monitors

#[tokio::test(start_paused = true)]
async fn down_arrives_once_with_the_reason() {
    let log = Log::default();
    let watcher = start(args("watcher", &log)).await;
    let target = start(args("target", &log)).await;
    let first = watcher.monitor_other(&target.pid()).await;
    let second = watcher.monitor_other(&target.pid()).await;
    assert_ne!(first, second);
    target.crash();
    target.exited().await;
    let downs = watcher.downs().await;
    assert_eq!(downs.len(), 2, "{downs:?}");
    for (down, monitor) in downs.iter().zip([first, second]) {
        assert_eq!(down.monitor, monitor);
        assert_eq!(down.id, target.id());
        assert_eq!(down.reason, ExitReason::Panic("target crashed".to_owned()));
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(watcher.downs().await.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn down_is_delivered_before_exited_resolves() {
    let log = Log::default();
    let watcher = start(args("watcher", &log)).await;
    let target = start(args("target", &log)).await;
    watcher.monitor_other(&target.pid()).await;
    target.stop().await;
    // The Down is in the watcher's mailbox already, ahead of this call.
    assert_eq!(watcher.downs().await.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn monitoring_a_gone_server_gives_down_at_once() {
    let log = Log::default();
    let watcher = start(args("watcher", &log)).await;
    let target = start(args("target", &log)).await;
    target.stop_with(ExitReason::error("gone")).await;
    let monitor = watcher.monitor_other(&target.pid()).await;
    let by_name = ServerRef::<Probe>::from_name("monitors/nobody");
    let no_proc = watcher.monitor_other(&by_name.pid()).await;
    let downs = watcher.downs().await;
    assert_eq!(
        downs,
        vec![
            Down {
                monitor,
                id: target.id(),
                reason: ExitReason::error("gone")
            },
            Down {
                monitor: no_proc,
                id: by_name.id(),
                reason: ExitReason::NoProc
            },
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn demonitor_stops_the_down_even_one_on_its_way() {
    let log = Log::default();
    let watcher = start(args("watcher", &log)).await;
    let target = start(args("target", &log)).await;
    let monitor = watcher.monitor_other(&target.pid()).await;
    assert!(watcher.demonitor(monitor).await);
    assert!(!watcher.demonitor(monitor).await);
    target.stop().await;
    assert!(watcher.downs().await.is_empty());
    assert!(target.shared_for_tests().watchers.lock().unwrap().is_none());
}

#[tokio::test(start_paused = true)]
async fn a_watchers_monitors_leave_with_it() {
    let log = Log::default();
    let watcher = start(args("watcher", &log)).await;
    let target = start(args("target", &log)).await;
    watcher.monitor_other(&target.pid()).await;
    watcher.stop().await;
    let shared = target.shared_for_tests();
    let watchers = shared.watchers.lock().unwrap();
    assert!(watchers.as_ref().is_none_or(|w| w.monitor_count() == 0));
}

#[tokio::test(start_paused = true)]
async fn monitor_from_plain_async_code() {
    let log = Log::default();
    let target = start(args("target", &log)).await;
    let down = tokio::spawn(target.monitor());
    target.crash();
    assert_eq!(
        down.await.unwrap(),
        ExitReason::Panic("target crashed".to_owned())
    );
    assert_eq!(
        target.monitor().await,
        ExitReason::Panic("target crashed".to_owned())
    );
    assert_eq!(
        ServerRef::<Probe>::from_name("monitors/none")
            .monitor()
            .await,
        ExitReason::NoProc
    );
}

impl ServerRef<Probe> {
    fn shared_for_tests(&self) -> Arc<crate::process::Shared> {
        self.pid().shared().clone()
    }
}
