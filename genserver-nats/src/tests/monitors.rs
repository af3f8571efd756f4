//! Remote monitors: the exit reason, `NoProc` for nobody, "no connection" when the server's
//! node or this node's own connection goes.

use std::time::{Duration, Instant};

use super::*;
use crate::monitor::no_connection;
use crate::testing::Proxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_monitor_gets_the_exit_reason_after_the_name_is_free() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "monitor-exit").await;
    let handle = RemoteHandle::new(&b, Address::Name("monitor-exit".into()));
    let down = tokio::spawn(handle.monitor());
    // Monitors are set up by a request: give it time to reach the server.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!down.is_finished());
    local.cast(CounterMsg::Quit).unwrap();
    let reason = tokio::time::timeout(Duration::from_secs(10), down)
        .await
        .expect("the monitor fires")
        .unwrap();
    assert_eq!(reason, ExitReason::Error("asked to quit".into()));
    // The name was freed before the monitor heard of the exit.
    let key = b.inner.subjects.name_key("monitor-exit");
    let entry = b.names().await.unwrap().kv.entry(&key).await.unwrap();
    assert!(
        entry.is_none_or(|entry| entry.operation != async_nats::jetstream::kv::Operation::Put),
        "the name is free"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitor_of_a_name_nobody_holds_is_noproc_at_once() {
    let nats = nats();
    let b = node(&nats.url()).await;
    let started = Instant::now();
    let reason = RemoteHandle::new(&b, Address::Name("monitor-nobody".into()))
        .monitor()
        .await;
    assert_eq!(reason, ExitReason::NoProc);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitor_reports_no_connection_when_the_servers_node_vanishes() {
    let nats = nats();
    let proxy = Proxy::start(nats.addr()).await.unwrap();
    let (a, b) = (node(&proxy.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "monitor-vanish").await;
    let down =
        tokio::spawn(RemoteHandle::new(&b, Address::Name("monitor-vanish".into())).monitor());
    tokio::time::sleep(HEARTBEAT * 5).await;
    assert!(!down.is_finished(), "heartbeats keep the monitor quiet");
    proxy.cut();
    let cut = Instant::now();
    let reason = tokio::time::timeout(Duration::from_secs(10), down)
        .await
        .expect("the monitor fires")
        .unwrap();
    assert_eq!(reason, no_connection());
    // Three heartbeats of 300 ms, and scheduling.
    assert!(
        cut.elapsed() < Duration::from_secs(4),
        "{:?}",
        cut.elapsed()
    );
    // The server itself is fine, in its own process.
    assert!(local.is_alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_monitor_reports_no_connection_at_once_when_its_own_connection_drops() {
    let nats = nats();
    let proxy = Proxy::start(nats.addr()).await.unwrap();
    let (a, b) = (node(&nats.url()).await, node(&proxy.url()).await);
    let _local = start_named(&a, "monitor-own").await;
    let down = tokio::spawn(RemoteHandle::new(&b, Address::Name("monitor-own".into())).monitor());
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.cut();
    let reason = tokio::time::timeout(Duration::from_secs(10), down)
        .await
        .expect("the monitor fires")
        .unwrap();
    assert_eq!(reason, no_connection());
}

/// A local server that monitors others with `ctx.monitor` and keeps the reasons of its `Down`s.
pub struct Watcher {
    downs: Vec<ExitReason>,
}

#[genserver]
impl Watcher {
    #[call]
    pub fn watch(&mut self, target: CounterRef, ctx: &mut Context<Self>) {
        ctx.monitor(&target);
    }

    #[call]
    pub fn downs(&self) -> Vec<ExitReason> {
        self.downs.clone()
    }

    #[info]
    pub fn on_down(&mut self, down: Down) {
        self.downs.push(down.reason);
    }
}

/// The `Down`s `watcher` has got, once it has `count` of them (at most 10 s).
async fn downs(watcher: &WatcherRef, count: usize) -> Vec<ExitReason> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let downs = watcher.downs().await.unwrap();
        if downs.len() >= count || Instant::now() >= deadline {
            return downs;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_monitoring_a_remote_handle_gets_its_down() {
    let nats = nats();
    let proxy = Proxy::start(nats.addr()).await.unwrap();
    let (a, b, c) = (
        node(&nats.url()).await,
        node(&nats.url()).await,
        node(&proxy.url()).await,
    );
    let quitting = start_named(&a, "monitor-ctx-exit").await;
    let vanishing = start_named(&c, "monitor-ctx-vanish").await;
    let watcher = Watcher::start(Watcher { downs: Vec::new() }).await.unwrap();
    watcher
        .watch(b.lookup::<Counter>("monitor-ctx-exit"))
        .await
        .unwrap();
    watcher
        .watch(b.lookup::<Counter>("monitor-ctx-vanish"))
        .await
        .unwrap();
    // A name nobody holds: `NoProc`, as a local monitor of a server that is gone.
    watcher
        .watch(b.lookup::<Counter>("monitor-ctx-nobody"))
        .await
        .unwrap();
    assert_eq!(downs(&watcher, 1).await, vec![ExitReason::NoProc]);
    // Monitors are set up by a request: give them time to reach the servers.
    tokio::time::sleep(Duration::from_millis(300)).await;
    quitting.cast(CounterMsg::Quit).unwrap();
    assert_eq!(
        downs(&watcher, 2).await[1],
        ExitReason::Error("asked to quit".into())
    );
    // The node of the other one vanishes: `NoConnection`, though it still runs.
    proxy.cut();
    assert_eq!(downs(&watcher, 3).await[2], ExitReason::NoConnection);
    assert!(vanishing.is_alive());
    watcher.stop().await;
}
