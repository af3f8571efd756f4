//! A 3-server NATS cluster on loopback, the caller's node on one server and the remote
//! server's node on another: a server of the cluster is stopped while calls are in flight.
//! The nodes reconnect to the others; the calls in flight end with an error, none hangs; the
//! calls after the reconnect are answered; no call is handled twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::*;
use crate::testing::NatsCluster;

/// The call timeout of the callers.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);
/// What scheduling on a loaded machine may add to a bound.
const SLACK: Duration = Duration::from_secs(5);

/// A node on the first of `urls` (servers of the cluster), which reconnects
/// to the next when it loses it (in this order, to these only: so the test knows where each
/// node is), with the bucket of names kept on all three servers, so that it survives the loss
/// of one.
async fn cluster_node(urls: [String; 2]) -> Node {
    Node::builder()
        .nats(
            crate::ConnectOptions::new()
                .retain_servers_order()
                .ignore_discovered_servers(),
        )
        .lease(LEASE)
        .heartbeat(HEARTBEAT)
        .kv_storage(crate::StorageType::Memory)
        .kv_replicas(3)
        .connect(urls.as_slice())
        .await
        .expect("the cluster accepts the node")
}

/// What the callers saw.
#[derive(Debug, Default)]
struct Seen {
    /// Calls made.
    attempts: u64,
    /// Calls answered.
    answered: u64,
    /// The failures, with when they ended.
    failures: Vec<(Instant, CallError)>,
    /// The longest call.
    longest: Duration,
}

impl Seen {
    /// The counts, and the failures by kind.
    fn summary(&self) -> String {
        let mut kinds = std::collections::BTreeMap::<String, usize>::new();
        for (_, error) in &self.failures {
            let kind = match error {
                CallError::Remote(remote) => format!("Remote({remote:?})"),
                other => format!("{other:?}"),
            };
            *kinds.entry(kind).or_default() += 1;
        }
        format!(
            "{} calls, {} answered, failed: {kinds:?}, longest {:?}",
            self.attempts, self.answered, self.longest
        )
    }
}

/// Eight callers calling `increment` through `counter` until `stop`.
fn load(counter: &CounterRef, stop: &Arc<AtomicBool>) -> Vec<tokio::task::JoinHandle<Seen>> {
    (0..8)
        .map(|_| {
            let counter = counter.with_timeout(CALL_TIMEOUT);
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut seen = Seen::default();
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    let outcome = counter.increment().await;
                    seen.longest = seen.longest.max(started.elapsed());
                    seen.attempts += 1;
                    match outcome {
                        Ok(_) => seen.answered += 1,
                        Err(error) => {
                            seen.failures.push((Instant::now(), error));
                            // As a client retrying would, without spinning while it reconnects.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                }
                seen
            })
        })
        .collect()
}

/// Stops the callers and sums what they saw.
async fn stop_load(stop: &AtomicBool, callers: Vec<tokio::task::JoinHandle<Seen>>) -> Seen {
    stop.store(true, Ordering::Relaxed);
    let mut all = Seen::default();
    for caller in callers {
        let seen = caller.await.expect("a caller never panics");
        all.attempts += seen.attempts;
        all.answered += seen.answered;
        all.failures.extend(seen.failures);
        all.longest = all.longest.max(seen.longest);
    }
    all
}

/// Waits until `counter` answers again after a disruption at `since`, under load; returns how
/// long that took.
async fn until_answered(counter: &CounterRef, since: Instant) -> Duration {
    loop {
        if counter.get().await.is_ok() {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "the counter never answered again"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The failures a stopped server of the cluster may cause: the call's own connection lost
/// (`ConnectionLost`), not connected while reconnecting (`NotConnected`), a request the
/// stopped server took with it (`Timeout`), or a moment when no server of the cluster knew
/// the remote server's subscription (`NotRunning`).
fn expected(error: &CallError) -> bool {
    matches!(
        error,
        CallError::Timeout
            | CallError::NotRunning
            | CallError::Remote(RemoteError::ConnectionLost(_) | RemoteError::NotConnected)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_a_server_of_the_cluster_under_load_fails_the_calls_in_flight_and_no_more() {
    let mut cluster = NatsCluster::start(3).expect("a 3-server cluster starts");
    // The remote server's node on server 0, the caller's on server 1; both go to server 2
    // when they lose theirs.
    let serving = cluster_node([cluster.url(0), cluster.url(2)]).await;
    let calling = cluster_node([cluster.url(1), cluster.url(2)]).await;
    let local = start_named(&serving, "cluster-counter").await;
    let counter: CounterRef = calling.lookup::<Counter>("cluster-counter");
    // A fresh subscription takes a moment to reach the other servers of the cluster.
    until_answers(&calling, "cluster-counter", Duration::from_secs(20)).await;

    // 1. The caller's server stops: the caller's node reconnects to another.
    let stop = Arc::new(AtomicBool::new(false));
    let callers = load(&counter, &stop);
    tokio::time::sleep(Duration::from_millis(500)).await;
    // Taken before the kill, which returns once the process is gone: the calls may fail first.
    let killed = Instant::now();
    cluster.server(1).kill();
    let back = until_answered(&counter, killed).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = stop_load(&stop, callers).await;
    println!(
        "caller's server stopped: answered again after {back:?}; {}",
        seen.summary()
    );
    assert!(
        calling.stats().disconnects >= 1,
        "the caller's node lost its server"
    );
    assert!(calling.is_connected(), "and reconnected to another");
    assert!(
        seen.longest < CALL_TIMEOUT + SLACK,
        "a call took {:?}",
        seen.longest
    );
    assert!(
        seen.failures.iter().any(|(_, error)| matches!(
            error,
            CallError::Remote(RemoteError::ConnectionLost(_) | RemoteError::NotConnected)
        )),
        "the calls in flight on the lost connection failed: {seen:?}"
    );
    for (at, error) in &seen.failures {
        assert!(*at >= killed, "no failure before the stop: {error}");
        assert!(expected(error), "{error}");
    }
    // At most once: no call was handled twice, and none that was answered was lost.
    let value = local.get().await.unwrap();
    let before = value;
    assert!(
        seen.answered <= u64::try_from(value).unwrap(),
        "{} answered, the counter is at {value}",
        seen.answered
    );
    // Each `until_answers` and `until_answered` call is a `get`: only increments count.
    assert!(
        u64::try_from(value).unwrap() <= seen.attempts,
        "{value} > {}",
        seen.attempts
    );

    // 2. Server 1 comes back; then the remote server's own server stops: its node reconnects
    // to server 2 (where the caller is now), its subscriptions with it, and the callers reach
    // it again. The calls in flight were taken by the stopped server: they time out.
    cluster.server(1).restart().expect("server 1 restarts");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let callers = load(&counter, &stop_again(&stop));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let killed = Instant::now();
    cluster.server(0).kill();
    let back = until_answered(&counter, killed).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let seen = stop_load(&stop, callers).await;
    println!(
        "server's server stopped: answered again after {back:?}; {}",
        seen.summary()
    );
    assert!(
        serving.stats().disconnects >= 1,
        "the serving node lost its server"
    );
    assert!(serving.is_connected(), "and reconnected to another");
    assert!(
        seen.longest < CALL_TIMEOUT + SLACK,
        "a call took {:?}",
        seen.longest
    );
    assert!(back < Duration::from_secs(20), "{back:?}");
    assert_eq!(
        calling.stats().disconnects,
        1,
        "the caller's server stayed up"
    );
    for (at, error) in &seen.failures {
        assert!(*at >= killed, "no failure before the stop: {error}");
        assert!(expected(error), "{error}");
    }
    let value = local.get().await.unwrap() - before;
    assert!(seen.answered <= u64::try_from(value).unwrap());
    assert!(u64::try_from(value).unwrap() <= seen.attempts);
    // The server kept its name through it all: its lease lives in the bucket's three copies.
    assert!(local.is_alive());
    assert_eq!(counter.label().await, Ok("cluster-counter".to_owned()));
}

/// `stop`, cleared for the next round of callers.
fn stop_again(stop: &Arc<AtomicBool>) -> Arc<AtomicBool> {
    stop.store(false, Ordering::Relaxed);
    stop.clone()
}
