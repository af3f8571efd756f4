//! Start, init, stop, terminate, kill: the life of one server.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;

/// Records lifecycle events shared with the test.
type Events = Arc<Mutex<Vec<String>>>;

fn event(events: &Events, what: impl Into<String>) {
    events.lock().unwrap().push(what.into());
}

struct Resource {
    events: Events,
}

impl Drop for Resource {
    fn drop(&mut self) {
        event(&self.events, "state dropped");
    }
}

struct Account {
    balance: i64,
    events: Events,
    _resource: Resource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OpenError {
    Negative(i64),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Negative(n) => write!(f, "cannot open with a negative balance {n}"),
        }
    }
}

impl std::error::Error for OpenError {}

struct Open {
    balance: i64,
    events: Events,
}

#[genserver]
impl Account {
    #[init]
    async fn init(open: Open, ctx: &mut Context<Self>) -> Result<Self, OpenError> {
        if open.balance < 0 {
            return Err(OpenError::Negative(open.balance));
        }
        if open.balance == 666 {
            panic!("cursed balance");
        }
        event(&open.events, format!("init {}", ctx.id()));
        Ok(Account {
            balance: open.balance,
            _resource: Resource {
                events: open.events.clone(),
            },
            events: open.events,
        })
    }

    #[call]
    fn balance(&self) -> i64 {
        self.balance
    }

    #[call]
    fn withdraw(&mut self, amount: i64, ctx: &mut Context<Self>) -> i64 {
        self.balance -= amount;
        if self.balance < 0 {
            ctx.stop(ExitReason::error("overdrawn"));
        }
        self.balance
    }

    #[call]
    async fn nap(&mut self, millis: u64) -> u64 {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        millis
    }

    #[cast]
    fn explode(&mut self) {
        panic!("exploded");
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        event(&self.events, format!("terminate {reason}"));
    }
}

fn open(balance: i64) -> (Open, Events) {
    let events = Events::default();
    (
        Open {
            balance,
            events: events.clone(),
        },
        events,
    )
}

fn events(events: &Events) -> Vec<String> {
    events.lock().unwrap().clone()
}

#[tokio::test(start_paused = true)]
async fn start_returns_after_init_ran() {
    let (args, log) = open(10);
    let account = Account::start(args).await.unwrap();
    assert_eq!(events(&log), vec![format!("init {}", account.id())]);
    assert_eq!(account.balance().await, Ok(10));
}

#[tokio::test(start_paused = true)]
async fn a_failing_init_returns_its_typed_error() {
    let (args, log) = open(-5);
    let error = Account::start(args).await.unwrap_err();
    assert!(
        matches!(error, StartError::Init(OpenError::Negative(-5))),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the server's init failed: cannot open with a negative balance -5"
    );
    assert!(events(&log).is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_panicking_init_is_an_error_not_a_crash_of_the_caller() {
    let (args, _log) = open(666);
    match Account::start(args).await {
        Err(StartError::Panic(message)) => assert_eq!(message, "cursed balance"),
        other => panic!("expected StartError::Panic, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test(start_paused = true)]
async fn without_init_the_start_argument_is_the_state() {
    struct Plain(u8);
    #[genserver]
    impl Plain {
        #[call]
        fn get(&self) -> u8 {
            self.0
        }
    }
    let plain = Plain::start(Plain(3)).await.unwrap();
    assert_eq!(plain.get().await, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn stop_returns_after_terminate_and_the_states_drop_ran() {
    let (args, log) = open(10);
    let account = Account::start(args).await.unwrap();
    account.stop().await;
    let seen = events(&log);
    assert_eq!(seen[1..], ["terminate normal", "state dropped"]);
    assert!(!account.is_alive());
    assert_eq!(account.exited().await, ExitReason::Normal);
}

#[tokio::test(start_paused = true)]
async fn stop_is_handled_after_the_messages_already_queued() {
    let (args, _log) = open(10);
    let account = Account::start(args).await.unwrap();
    let queued = tokio::spawn({
        let account = account.clone();
        async move { account.nap(5).await }
    });
    tokio::task::yield_now().await;
    account.stop().await;
    assert_eq!(queued.await.unwrap(), Ok(5));
}

#[tokio::test(start_paused = true)]
async fn ctx_stop_delivers_the_reply_first_then_terminates() {
    let (args, log) = open(10);
    let account = Account::start(args).await.unwrap();
    assert_eq!(account.withdraw(15).await, Ok(-5));
    let reason = account.exited().await;
    assert_eq!(reason, ExitReason::Error("overdrawn".into()));
    assert_eq!(
        events(&log)[1..],
        ["terminate error: overdrawn", "state dropped"]
    );
    assert_eq!(account.balance().await, Err(CallError::NotRunning));
}

#[tokio::test(start_paused = true)]
async fn terminate_runs_after_a_handler_panic() {
    let (args, log) = open(10);
    let account = Account::start(args).await.unwrap();
    account.explode().unwrap();
    assert_eq!(account.exited().await, ExitReason::Panic("exploded".into()));
    assert_eq!(
        events(&log)[1..],
        ["terminate panicked: exploded", "state dropped"]
    );
}

#[tokio::test(start_paused = true)]
async fn kill_ends_the_server_at_once_without_terminate() {
    let (args, log) = open(10);
    let account = Account::start(args).await.unwrap();
    let napping = tokio::spawn({
        let account = account.clone();
        async move { account.nap(1_000).await }
    });
    tokio::task::yield_now().await;
    account.kill();
    assert_eq!(
        napping.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
    assert_eq!(account.exited().await, ExitReason::Killed);
    assert_eq!(events(&log)[1..], ["state dropped"]);
    assert!(!account.is_alive());
}

#[tokio::test(start_paused = true)]
async fn each_server_has_its_own_id() {
    let a = Account::start(open(1).0).await.unwrap();
    let b = Account::start(open(1).0).await.unwrap();
    assert_ne!(a.id(), b.id());
    assert_eq!(a.clone().id(), a.id());
    assert_eq!(a.pid().id(), a.id());
    assert!(a.id().to_string().starts_with("<0."));
}

#[tokio::test(start_paused = true)]
async fn an_untyped_pid_stops_and_downcasts() {
    let a = Account::start(open(7).0).await.unwrap();
    let pid = a.pid();
    let typed: AccountRef = pid.downcast::<Account>().unwrap();
    assert_eq!(typed.balance().await, Ok(7));
    pid.stop_with(ExitReason::Shutdown).await;
    assert_eq!(a.exited().await, ExitReason::Shutdown);
}

/// A server without `#[init]` is handed back before its task first runs; killed at once, it
/// still exits properly: its name is freed and its exit can be awaited.
#[tokio::test(start_paused = true)]
async fn a_server_killed_before_its_task_ran_still_exits() {
    struct Quick;
    #[genserver]
    impl Quick {
        #[call]
        fn ping(&self) -> u8 {
            1
        }
    }
    let quick = Quick::options().name("quick").start(Quick).await.unwrap();
    quick.kill();
    assert_eq!(quick.exited().await, ExitReason::Killed);
    assert!(Quick::whereis("quick").is_none());
    assert_eq!(quick.ping().await, Err(CallError::NotRunning));
}
