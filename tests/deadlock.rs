//! Call cycles: a handler of A calling B while B's handler calls A fails at once with
//! `CallError::Deadlock`, naming the servers of the cycle, on both runtimes.

use std::time::Duration;

use genserver::ServerId;
use genserver::prelude::*;

/// A link of a chain of servers: `relay(hops)` calls the next server's `relay(hops - 1)`, and
/// at 0 answers itself. The chain is closed into a ring with `set_next`.
#[derive(Default)]
struct Relay {
    next: Option<RelayRef>,
}

#[genserver]
impl Relay {
    #[call]
    fn set_next(&mut self, next: RelayRef) {
        self.next = Some(next);
    }

    /// What the chain of calls gave back: `Ok(hops)` from the server where `hops` reached 0,
    /// or the first error, as a call made it.
    #[call]
    async fn relay(&mut self, hops: u32) -> Result<u32, CallError> {
        if hops == 0 {
            return Ok(0);
        }
        let next = self
            .next
            .clone()
            .expect("the ring is closed before it is used");
        match next.relay(hops - 1).await {
            Ok(inner) => inner.map(|depth| depth + 1),
            Err(error) => Err(error),
        }
    }

    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

/// A ring of `n` relays, each calling the next, the last calling the first.
async fn ring(n: usize) -> Vec<RelayRef> {
    let mut servers = Vec::new();
    for _ in 0..n {
        servers.push(Relay::start(Relay::default()).await.unwrap());
    }
    for (index, server) in servers.iter().enumerate() {
        server
            .set_next(servers[(index + 1) % n].clone())
            .await
            .unwrap();
    }
    servers
}

/// `path` is the ring's ids rotated so that it starts at `start`.
fn rotation(servers: &[RelayRef], start: usize) -> Vec<ServerId> {
    (0..servers.len())
        .map(|offset| servers[(start + offset) % servers.len()].id())
        .collect()
}

/// Sends a call once around a ring of `n`: the call from the last server back to the first
/// closes the cycle. Checks that exactly one call failed, with `Deadlock` naming the cycle, and
/// that every server still answers.
async fn one_call_around_a_ring_fails_with_its_cycle(n: usize, deterministic: bool) {
    let servers = ring(n).await;
    // `n` hops bring the call back to the first server, which is still waiting.
    let result = servers[0]
        .with_timeout(Duration::from_secs(30))
        .relay(n as u32)
        .await
        .expect("the first call itself returns");
    let Err(CallError::Deadlock(path)) = result else {
        panic!("expected a deadlock, got {result:?}");
    };
    assert_eq!(path.len(), n, "{path:?}");
    let start = servers
        .iter()
        .position(|server| server.id() == path[0])
        .expect("the path starts at a server of the ring");
    assert_eq!(path, rotation(&servers, start));
    if deterministic {
        // On current_thread the last server's call is the last wait to be recorded.
        assert_eq!(start, n - 1, "{path:?}");
    }
    for server in &servers {
        assert_eq!(server.ping().await, Ok("pong"));
        assert_eq!(
            server.stats().await.unwrap().mailbox_len,
            0,
            "nothing left waiting"
        );
    }
    for server in servers {
        server.stop().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_two_server_cycle_fails_at_once_on_current_thread() {
    let start = tokio::time::Instant::now();
    one_call_around_a_ring_fails_with_its_cycle(2, true).await;
    // Paused time moves only when every task waits for a timer: a timeout would show here.
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn cycles_of_three_and_five_servers_fail_on_current_thread() {
    let start = tokio::time::Instant::now();
    one_call_around_a_ring_fails_with_its_cycle(3, true).await;
    one_call_around_a_ring_fails_with_its_cycle(5, true).await;
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cycles_fail_on_the_multi_thread_runtime() {
    // The handle's call timeout is 30 s: a cycle left to time out would fail the assertions
    // (the result would be `Timeout`), never pass them.
    for n in [2, 3, 4] {
        for _ in 0..20 {
            one_call_around_a_ring_fails_with_its_cycle(n, false).await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_chain_without_a_cycle_is_not_refused() {
    let servers = ring(4).await;
    // Three hops: 0 -> 1 -> 2 -> 3, which answers; nobody calls back into a waiting server.
    assert_eq!(servers[0].relay(3).await, Ok(Ok(3)));
    // A call from outside into a ring whose servers wait is never part of a cycle.
    assert_eq!(servers[2].relay(1).await, Ok(Ok(1)));
}

#[tokio::test(start_paused = true)]
async fn calling_self_stays_the_cycle_of_one() {
    let servers = ring(1).await;
    assert_eq!(servers[0].relay(1).await, Ok(Err(CallError::CallingSelf)));
}

#[test]
fn the_error_names_the_cycle() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let servers = ring(2).await;
        let Ok(Err(error)) = servers[0].relay(2).await else {
            panic!("expected a deadlock");
        };
        let text = error.to_string();
        let (a, b) = (servers[0].id(), servers[1].id());
        assert_eq!(
            text,
            format!("the call would deadlock: {b} calls {a}, which waits for a call to {b}")
        );
    });
}
