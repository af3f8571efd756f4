//! Names unique across the cluster, freed on exit, on a failed init, and within the lease's
//! bounds when the holder is cut off; a dead holder's name taken over by compare-and-set.

use std::time::{Duration, Instant};

use super::*;
use crate::testing::Proxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_is_unique_across_nodes() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _held = start_named(&a, "names-unique").await;
    let started = Instant::now();
    let second = remote_options(&b, "names-unique")
        .start(counter("second"))
        .await;
    let Err(StartError::AlreadyStarted(holder)) = second else {
        panic!("a second start elsewhere is refused: {second:?}");
    };
    // A stand-in of the holder, alive while it is.
    assert!(holder.is_alive());
    // The holder answers its ping: no waiting for the lease.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        call_name::<String>(&b, "names-unique", "label").await,
        Ok("names-unique".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_concurrent_starts_exactly_one_wins() {
    let nats = nats();
    let mut nodes = Vec::new();
    for _ in 0..5 {
        nodes.push(node(&nats.url()).await);
    }
    let starts = nodes.iter().enumerate().map(|(index, node)| {
        remote_options(node, "names-race").start(counter(&format!("racer-{index}")))
    });
    let results = futures_util::future::join_all(starts).await;
    let winners: Vec<_> = results.iter().filter(|result| result.is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for result in &results {
        assert!(
            matches!(result, Ok(_) | Err(StartError::AlreadyStarted(_))),
            "{result:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_name_is_free_once_the_server_has_exited() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let first = start_named(&a, "names-exit").await;
    first.stop().await;
    let started = Instant::now();
    let second = start_named(&b, "names-exit").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // And back on the first node, after the second stops itself.
    second.cast(CounterMsg::Quit).unwrap();
    second.exited().await;
    start_named(&a, "names-exit").await;
    assert_eq!(
        call_name::<String>(&b, "names-exit", "label").await,
        Ok("names-exit".into())
    );
}

/// A server whose init can fail.
pub struct Picky;

#[genserver]
impl Picky {
    #[init]
    pub fn init(accept: bool) -> Result<Self, String> {
        if accept {
            Ok(Picky)
        } else {
            Err("refused".into())
        }
    }

    #[call]
    pub fn hello(&self) -> String {
        "hello".into()
    }
}

impl RemoteMessage for PickyMsg {
    fn encode(self) -> Result<Outgoing, RemoteError> {
        match self {
            PickyMsg::Hello { reply_to } => Outgoing::call("hello", &NoArgs {}, reply_to),
        }
    }

    fn deliver<S: GenServer<Msg = Self>>(
        request: Incoming<'_>,
        server: &ServerRef<S>,
    ) -> Result<Delivery, RemoteError> {
        match request.handler() {
            "hello" => {
                let NoArgs {} = request.args()?;
                Ok(Delivery::call(server, |reply_to| PickyMsg::Hello {
                    reply_to,
                }))
            }
            other => Err(RemoteError::UnknownMessage(other.to_owned())),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_init_takes_no_name() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let failed = Picky::options()
        .name("names-picky")
        .remote(&a)
        .start(false)
        .await;
    assert!(
        matches!(&failed, Err(StartError::Init(reason)) if reason == "refused"),
        "{failed:?}"
    );
    let started = Instant::now();
    Picky::options()
        .name("names-picky")
        .remote(&b)
        .start(true)
        .await
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        call_name::<String>(&a, "names-picky", "hello").await,
        Ok("hello".into())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_holders_name_is_taken_over_and_the_old_server_stops() {
    let nats = nats();
    let proxy = Proxy::start(nats.addr()).await.unwrap();
    let (a, b) = (node(&proxy.url()).await, node(&nats.url()).await);
    let old = start_named(&a, "names-takeover").await;
    proxy.cut();
    let cut = Instant::now();
    // B's start finds the key, nobody answering for it, watches it go unrefreshed for 1.5
    // refresh periods (0.75 s), and takes it over.
    let new = remote_options(&b, "names-takeover")
        .start(counter("successor"))
        .await
        .expect("the name of a holder that no longer answers is taken over");
    let took = cut.elapsed();
    assert!(
        took >= LEASE / 4 * 3 / 2,
        "the start watched the key first: {took:?}"
    );
    assert!(
        took < LEASE,
        "taken over before the lease ran out: {took:?}"
    );
    assert_eq!(
        call_name::<String>(&b, "names-takeover", "label").await,
        Ok("successor".into())
    );
    // When the old holder can write again, it finds its name taken and stops its server.
    proxy.restore();
    let reason = tokio::time::timeout(Duration::from_secs(15), old.exited())
        .await
        .expect("the old holder notices its name is gone");
    assert_eq!(reason, crate::monitor::no_connection());
    assert_eq!(
        call_name::<String>(&b, "names-takeover", "label").await,
        Ok("successor".into())
    );
    assert!(new.is_alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_holders_key_expires_within_the_lease_and_comes_back_with_it() {
    let nats = nats();
    let proxy = Proxy::start(nats.addr()).await.unwrap();
    let (a, b) = (node(&proxy.url()).await, node(&nats.url()).await);
    let held = start_named(&a, "names-expiry").await;
    let key = b.inner.subjects.name_key("names-expiry");
    let names = b.names().await.unwrap();
    assert!(names.kv.entry(&key).await.unwrap().is_some());
    proxy.cut();
    let cut = Instant::now();
    loop {
        let entry = names.kv.entry(&key).await.unwrap();
        if entry.is_none() {
            break;
        }
        assert!(
            cut.elapsed() < LEASE + Duration::from_secs(2),
            "the key outlived the lease"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let expired = cut.elapsed();
    // Its last refresh was at most a refresh period before the cut.
    assert!(
        expired >= LEASE - LEASE / 4 - Duration::from_millis(250),
        "expired too soon: {expired:?}"
    );
    // Nobody took it: the holder writes it again when it is back, and keeps serving.
    proxy.restore();
    assert_eq!(
        until_answers(&b, "names-expiry", Duration::from_secs(20)).await,
        0
    );
    assert!(held.is_alive());
    // Its keeper rewrites the key right after the reconnect, beside the answers: soon, not
    // necessarily before the first one.
    let deadline = Instant::now() + Duration::from_secs(10);
    while names.kv.entry(&key).await.unwrap().is_none() {
        assert!(Instant::now() < deadline, "the holder wrote its key again");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
