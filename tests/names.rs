//! Names: start under a name, `whereis`, `AlreadyStarted`, names freed on every exit and on a
//! failed init, handles that resolve the name at each call, and registries through `via`.
//!
//! Every test binary has its own local registry, and the tests of one binary run in parallel:
//! each test uses its own names.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{LocalRegistry, ServerId};

struct Counter {
    label: String,
    value: i64,
}

fn counter(label: &str) -> Counter {
    Counter {
        label: label.to_owned(),
        value: 0,
    }
}

#[genserver]
impl Counter {
    #[call]
    fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }

    #[call]
    fn label(&self) -> String {
        self.label.clone()
    }

    #[cast]
    fn crash(&mut self) {
        panic!("{} crashed", self.label);
    }

    #[cast]
    fn fail(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::error("gave up"));
    }
}

/// A server whose init can fail, or panic.
struct Picky;

enum Mode {
    Fine,
    Refuse,
    Panic,
}

#[derive(Debug, PartialEq, Eq)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("refused")
    }
}

#[genserver]
impl Picky {
    #[init]
    async fn init(mode: Mode) -> Result<Self, Refused> {
        match mode {
            Mode::Fine => Ok(Picky),
            Mode::Refuse => Err(Refused),
            Mode::Panic => panic!("init panicked"),
        }
    }

    #[call]
    fn ping(&self) -> String {
        "pong".to_owned()
    }
}

#[tokio::test(start_paused = true)]
async fn whereis_returns_the_typed_handle_of_a_named_server() {
    let started = Counter::options()
        .name("names/whereis")
        .start(counter("a"))
        .await
        .unwrap();
    let found: CounterRef = Counter::whereis("names/whereis").unwrap();
    assert_eq!(found.id(), started.id());
    assert_eq!(found.increment().await, Ok(1));
    assert_eq!(started.increment().await, Ok(2));
    assert!(Counter::whereis("names/nobody").is_none());
    // A name held by a server of another type is not found as a Counter.
    let _picky = Picky::options()
        .name("names/whereis-picky")
        .start(Mode::Fine)
        .await
        .unwrap();
    assert!(Counter::whereis("names/whereis-picky").is_none());
    started.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_second_start_under_a_taken_name_returns_the_running_handle() {
    let first = Counter::options()
        .name("names/taken")
        .start(counter("first"))
        .await
        .unwrap();
    let second = Counter::options()
        .name("names/taken")
        .start(counter("second"))
        .await;
    let Err(StartError::AlreadyStarted(holder)) = second else {
        panic!("the second start should fail with AlreadyStarted");
    };
    assert_eq!(holder.id(), first.id());
    let holder: CounterRef = holder.downcast::<Counter>().unwrap();
    assert_eq!(holder.label().await.unwrap(), "first");
    let message = StartError::<std::convert::Infallible>::AlreadyStarted(first.pid()).to_string();
    assert!(message.contains("already running"), "{message}");
    first.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_name_is_freed_whatever_the_exit() {
    for end in ["stop", "kill", "panic", "error"] {
        let server = Counter::options()
            .name("names/freed")
            .start(counter(end))
            .await
            .unwrap();
        match end {
            "stop" => server.stop().await,
            "kill" => server.kill(),
            "panic" => server.crash().unwrap(),
            _ => server.fail().unwrap(),
        }
        let reason = server.exited().await;
        assert!(
            Counter::whereis("names/freed").is_none(),
            "name still taken after {end} ({reason})"
        );
    }
    // And it can be taken again.
    let again = Counter::options()
        .name("names/freed")
        .start(counter("again"))
        .await
        .unwrap();
    again.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_failed_init_never_leaves_the_name_taken() {
    let failed = Picky::options()
        .name("names/picky")
        .start(Mode::Refuse)
        .await;
    assert!(matches!(failed, Err(StartError::Init(Refused))));
    assert!(Picky::whereis("names/picky").is_none());

    let panicked = Picky::options()
        .name("names/picky")
        .start(Mode::Panic)
        .await;
    assert!(matches!(panicked, Err(StartError::Panic(_))));
    assert!(Picky::whereis("names/picky").is_none());

    let fine = Picky::options()
        .name("names/picky")
        .start(Mode::Fine)
        .await
        .unwrap();
    assert_eq!(fine.ping().await.unwrap(), "pong");
    fine.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_name_handle_reaches_each_new_incarnation() {
    let by_name = CounterRef::from_name("names/follow");
    let first = Counter::options()
        .name("names/follow")
        .start(counter("first"))
        .await
        .unwrap();
    assert_eq!(by_name.label().await.unwrap(), "first");
    assert_eq!(by_name.increment().await, Ok(1));

    first.crash().unwrap();
    first.exited().await;
    let second = Counter::options()
        .name("names/follow")
        .start(counter("second"))
        .await
        .unwrap();
    assert_eq!(by_name.label().await.unwrap(), "second");
    assert_eq!(by_name.increment().await, Ok(1));
    assert_eq!(by_name.id(), second.id());
    // Generic operations follow the name too.
    by_name.stop().await;
    assert!(!second.is_alive());
}

#[tokio::test(start_paused = true)]
async fn calling_a_name_held_by_a_server_of_another_type_fails_at_once() {
    let picky = Picky::options()
        .name("names/call-picky")
        .start(Mode::Fine)
        .await
        .unwrap();
    let by_name = CounterRef::from_name("names/call-picky").with_timeout(Duration::from_secs(60));
    let before = tokio::time::Instant::now();
    assert_eq!(by_name.increment().await, Err(CallError::NotRunning));
    assert_eq!(before.elapsed(), Duration::ZERO);
    // The holder is left alone, and still answers its own handle.
    assert_eq!(picky.ping().await.unwrap(), "pong");
    picky.stop().await;
}

#[tokio::test(start_paused = true)]
async fn calling_a_name_with_no_server_fails_at_once() {
    let by_name = CounterRef::from_name("names/empty").with_timeout(Duration::from_secs(60));
    let before = tokio::time::Instant::now();
    assert_eq!(by_name.increment().await, Err(CallError::NotRunning));
    assert_eq!(by_name.crash(), Err(CastError::NotRunning));
    assert_eq!(before.elapsed(), Duration::ZERO);
    assert!(!by_name.is_alive());
    assert_eq!(by_name.exited().await, ExitReason::NoProc);
    by_name.stop().await; // nothing to stop: returns at once
    assert_eq!(by_name.name(), Some("names/empty"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_starts_under_one_name_have_one_winner() {
    let mut starts = Vec::new();
    for n in 0..16 {
        starts.push(tokio::spawn(async move {
            Counter::options()
                .name("names/race")
                .start(counter(&n.to_string()))
                .await
        }));
    }
    let mut winners = Vec::new();
    for start in starts {
        match start.await.unwrap() {
            Ok(server) => winners.push(server),
            Err(StartError::AlreadyStarted(holder)) => assert!(holder.is_alive()),
            Err(other) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(winners.len(), 1);
    winners[0].stop().await;
    assert!(Counter::whereis("names/race").is_none());
}

/// A registry that keeps the names of each tenant apart, with a record of its traffic.
#[derive(Default)]
struct Tenants {
    names: Mutex<HashMap<String, Pid>>,
    traffic: Mutex<Vec<String>>,
}

impl Registry for Tenants {
    fn register(&self, name: &str, pid: Pid) -> Result<(), Pid> {
        self.traffic
            .lock()
            .unwrap()
            .push(format!("register {name}"));
        let mut names = self.names.lock().unwrap();
        if let Some(holder) = names.get(name) {
            return Err(holder.clone());
        }
        names.insert(name.to_owned(), pid);
        Ok(())
    }

    fn unregister(&self, name: &str, id: ServerId) {
        self.traffic
            .lock()
            .unwrap()
            .push(format!("unregister {name}"));
        let mut names = self.names.lock().unwrap();
        if names.get(name).is_some_and(|holder| holder.id() == id) {
            names.remove(name);
        }
    }

    fn whereis(&self, name: &str) -> Option<Pid> {
        self.names.lock().unwrap().get(name).cloned()
    }
}

#[tokio::test(start_paused = true)]
async fn a_user_registry_through_via() {
    let tenants = Arc::new(Tenants::default());
    let registry: Arc<dyn Registry> = tenants.clone();
    let acme = Counter::options()
        .via(registry.clone(), "acme/counter")
        .start(counter("acme"))
        .await
        .unwrap();
    // Not in the local registry.
    assert!(Counter::whereis("acme/counter").is_none());
    assert!(
        !LocalRegistry::global()
            .names()
            .contains(&"acme/counter".to_owned())
    );

    let found = ServerRef::<Counter>::whereis_via(&*registry, "acme/counter").unwrap();
    assert_eq!(found.id(), acme.id());
    let by_name = CounterRef::from(ServerRef::from_name_via(registry.clone(), "acme/counter"));
    assert_eq!(by_name.label().await.unwrap(), "acme");
    let taken = Counter::options()
        .via(registry.clone(), "acme/counter")
        .start(counter("again"))
        .await;
    assert!(matches!(taken, Err(StartError::AlreadyStarted(_))));

    acme.stop().await;
    assert_eq!(by_name.label().await, Err(CallError::NotRunning));
    assert_eq!(
        *tenants.traffic.lock().unwrap(),
        [
            "register acme/counter",
            "register acme/counter",
            "unregister acme/counter"
        ]
    );
}
