//! Cases of OTP's `gen_server_SUITE` and Elixir's `gen_server_test.exs`, ported: starts that
//! fail (a typed error, a timeout, a taken name) or are ignored (an init returning `None`) and
//! leave nothing behind however often they are repeated, stops with a timeout and their errors, a crash in `terminate`, a kill in the
//! middle of `terminate`. Each test's doc comment names the case it comes from.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use genserver::prelude::*;

/// How a [`Stack`] starts: OTP's `init([])`, `init(sleep)`, `init(ignore)`, `init(stop)`.
#[derive(Clone)]
enum Start {
    Ok(Vec<String>),
    /// Init sleeps this long first (`init(sleep)`).
    Sleep(Duration),
    /// Init declines to start the server (`init(ignore)` → `ignore`).
    Ignore,
    /// Init fails (`init(stop)` → `{stop, stopped}`).
    Stop,
    /// A state whose `terminate` panics (`init({state, crash_terminate})`).
    CrashInTerminate,
    /// A state whose `terminate` takes this long.
    SlowTerminate(Duration),
}

struct Stack {
    items: Vec<String>,
    crash_in_terminate: bool,
    slow_terminate: Option<Duration>,
}

#[genserver]
impl Stack {
    #[init]
    async fn init(start: Start) -> Result<Option<Self>, String> {
        let mut stack = Stack {
            items: Vec::new(),
            crash_in_terminate: false,
            slow_terminate: None,
        };
        match start {
            Start::Ok(items) => stack.items = items,
            Start::Sleep(delay) => tokio::time::sleep(delay).await,
            Start::Ignore => return Ok(None),
            Start::Stop => return Err("stopped".to_owned()),
            Start::CrashInTerminate => stack.crash_in_terminate = true,
            Start::SlowTerminate(delay) => stack.slow_terminate = Some(delay),
        }
        Ok(Some(stack))
    }

    #[call]
    fn started_p(&self) -> bool {
        true
    }

    #[call]
    fn pop(&mut self) -> Option<String> {
        self.items.pop()
    }

    #[cast]
    fn push(&mut self, item: String) {
        self.items.push(item);
    }

    /// Elixir's `handle_call(:stop_self, ..)`: a handler stopping its own server and waiting.
    #[call]
    async fn stop_self(&self, ctx: &mut Context<Self>) -> Result<(), StopError> {
        ctx.handle()
            .stop_timeout(ExitReason::Normal, Duration::from_secs(5))
            .await
    }

    /// OTP's `handle_call(stop, ..)` → `{stop, stopped, ok, State}`.
    #[call]
    fn call_stop(&mut self, ctx: &mut Context<Self>) -> bool {
        ctx.stop(ExitReason::error("stopped"));
        true
    }

    #[terminate]
    async fn terminate(&mut self) {
        if let Some(delay) = self.slow_terminate {
            tokio::time::sleep(delay).await;
        }
        if self.crash_in_terminate {
            panic!("crash in terminate");
        }
    }
}

fn empty() -> Start {
    Start::Ok(Vec::new())
}

/// `gen_server_SUITE:start`: anonymous starts, a start with a timeout that init meets and one
/// it does not (`{error, timeout}`), an init that ignores the start (`ignore`), one that stops
/// (`{error, stopped}`), a local name taken twice (`{error, {already_started, Pid}}`), and
/// calls to a stopped server (`noproc`).
#[tokio::test(start_paused = true)]
async fn starts_succeed_time_out_are_ignored_fail_and_refuse_a_taken_name() {
    let anonymous = Stack::start(empty()).await.unwrap();
    assert_eq!(anonymous.started_p().await, Ok(true));
    assert_eq!(anonymous.call_stop().await, Ok(true));
    anonymous.exited().await;
    assert_eq!(anonymous.started_p().await, Err(CallError::NotRunning));

    let within = Stack::options()
        .start_timeout(Duration::from_secs(1))
        .start(empty())
        .await
        .unwrap();
    assert_eq!(within.started_p().await, Ok(true));
    assert!(matches!(
        Stack::options()
            .start_timeout(Duration::from_millis(100))
            .start(Start::Sleep(Duration::from_secs(1)))
            .await,
        Err(StartError::Timeout)
    ));

    assert!(matches!(
        Stack::start(Start::Ignore).await,
        Err(StartError::Ignored)
    ));

    assert!(matches!(
        Stack::start(Start::Stop).await,
        Err(StartError::Init(reason)) if reason == "stopped"
    ));

    let named = Stack::options()
        .name("gen_server_suite/my_test_name")
        .start(empty())
        .await
        .unwrap();
    assert_eq!(
        StackRef::from_name("gen_server_suite/my_test_name")
            .started_p()
            .await,
        Ok(true)
    );
    match Stack::options()
        .name("gen_server_suite/my_test_name")
        .start(empty())
        .await
    {
        Err(StartError::AlreadyStarted(holder)) => assert_eq!(holder, named.pid()),
        other => panic!("expected AlreadyStarted, got {:?}", other.map(|s| s.id())),
    }
    assert_eq!(named.call_stop().await, Ok(true));
    named.exited().await;
    assert_eq!(named.started_p().await, Err(CallError::NotRunning));
}

/// `gen_server_SUITE:start`, "via register": the same through a unique `KeyRegistry`.
#[tokio::test(start_paused = true)]
async fn a_name_via_a_key_registry_is_taken_once_and_freed_at_exit() {
    let via = KeyRegistry::<String, ()>::unique();
    let stack = Stack::options()
        .via(via.clone(), "my_test_name")
        .start(empty())
        .await
        .unwrap();
    let by_name = StackRef::from(ServerRef::from_name_via(via.clone(), "my_test_name"));
    assert_eq!(by_name.started_p().await, Ok(true));
    match Stack::options()
        .via(via.clone(), "my_test_name")
        .start(empty())
        .await
    {
        Err(StartError::AlreadyStarted(holder)) => assert_eq!(holder, stack.pid()),
        other => panic!("expected AlreadyStarted, got {:?}", other.map(|s| s.id())),
    }
    assert_eq!(stack.call_stop().await, Ok(true));
    stack.exited().await;
    assert_eq!(by_name.started_p().await, Err(CallError::NotRunning));
    assert!(via.lookup(&"my_test_name".into()).is_empty());
}

/// `gen_server_SUITE:otp_7669`: an init that ignores the start or fails, repeated under one
/// name, never leaves the name registered once `start` has returned; the same for a start that
/// times out.
#[tokio::test(start_paused = true)]
async fn failed_starts_repeated_under_one_name_leave_no_name_and_no_task() {
    let name = "gen_server_suite/otp_7669";
    for _ in 0..100 {
        assert!(matches!(
            Stack::options().name(name).start(Start::Ignore).await,
            Err(StartError::Ignored)
        ));
        assert!(Stack::whereis(name).is_none());
    }
    for _ in 0..100 {
        assert!(matches!(
            Stack::options().name(name).start(Start::Stop).await,
            Err(StartError::Init(_))
        ));
        assert!(Stack::whereis(name).is_none());
    }
    for _ in 0..10 {
        assert!(matches!(
            Stack::options()
                .name(name)
                .start_timeout(Duration::from_millis(10))
                .start(Start::Sleep(Duration::from_secs(60)))
                .await,
            Err(StartError::Timeout)
        ));
        assert!(Stack::whereis(name).is_none());
    }
    // Nothing is left running either: the name is free for a real start.
    let stack = Stack::options().name(name).start(empty()).await.unwrap();
    assert_eq!(Stack::whereis(name).unwrap().id(), stack.id());
    stack.kill();
}

/// `gen_server_SUITE:start` ("anonymous with ignore") and `otp_7669`
/// (`do_otp_7669_local_ignore`), with an infallible init returning `Option<Self>`: `None` is
/// `ignore`. `start` gives `StartError::Ignored`, nothing of the server is left (its argument
/// went with its task), and its name, local or through a `KeyRegistry`, is free: the next start
/// under it succeeds and holds it.
#[tokio::test(start_paused = true)]
async fn an_init_returning_none_ignores_the_start_and_frees_the_name() {
    /// Runs only when it has a queue to watch.
    struct Watcher {
        queue: String,
        _alive: Arc<()>,
    }
    #[genserver]
    impl Watcher {
        #[init]
        fn init(args: (Option<String>, Arc<()>)) -> Option<Self> {
            let (queue, alive) = args;
            Some(Watcher {
                queue: queue?,
                _alive: alive,
            })
        }
        #[call]
        fn queue(&self) -> String {
            self.queue.clone()
        }
    }

    let alive = Arc::new(());
    let ignored: Result<WatcherRef, StartError<std::convert::Infallible>> =
        Watcher::start((None, alive.clone())).await;
    assert!(matches!(ignored, Err(StartError::Ignored)));
    assert_eq!(Arc::strong_count(&alive), 1);

    let name = "gen_server_suite/watcher";
    for _ in 0..10 {
        assert!(matches!(
            Watcher::options()
                .name(name)
                .start((None, alive.clone()))
                .await,
            Err(StartError::Ignored)
        ));
        assert!(Watcher::whereis(name).is_none());
        assert_eq!(Arc::strong_count(&alive), 1);
    }
    let watcher = Watcher::options()
        .name(name)
        .start((Some("jobs".to_owned()), alive.clone()))
        .await
        .unwrap();
    assert_eq!(
        WatcherRef::from_name(name).queue().await,
        Ok("jobs".to_owned())
    );
    assert_eq!(Arc::strong_count(&alive), 2);
    match Watcher::options()
        .name(name)
        .start((None, alive.clone()))
        .await
    {
        Err(StartError::AlreadyStarted(holder)) => assert_eq!(holder, watcher.pid()),
        other => panic!("expected AlreadyStarted, got {:?}", other.map(|w| w.id())),
    }
    watcher.stop().await;

    let via = KeyRegistry::<String, ()>::unique();
    assert!(matches!(
        Watcher::options()
            .via(via.clone(), "watcher")
            .start((None, alive.clone()))
            .await,
        Err(StartError::Ignored)
    ));
    assert!(via.lookup(&"watcher".into()).is_empty());
    let watcher = Watcher::options()
        .via(via.clone(), "watcher")
        .start((Some("mail".to_owned()), alive.clone()))
        .await
        .unwrap();
    assert_eq!(
        via.lookup(&"watcher".into())
            .into_iter()
            .map(|(pid, ())| pid)
            .collect::<Vec<_>>(),
        [watcher.pid()]
    );
    watcher.stop().await;
}

/// `gen_server_SUITE:start`, `{error, timeout}`: the half-started server is killed — what its
/// init would have done after the timeout never happens — and its name is free.
#[tokio::test(start_paused = true)]
async fn a_start_that_times_out_kills_the_half_started_server() {
    struct Slow;
    #[genserver]
    impl Slow {
        #[init]
        async fn init(after: Arc<AtomicU32>) -> Self {
            tokio::time::sleep(Duration::from_secs(10)).await;
            after.fetch_add(1, Ordering::SeqCst);
            Slow
        }
        #[call]
        fn ping(&self) -> bool {
            true
        }
    }

    let after = Arc::new(AtomicU32::new(0));
    let started = Slow::options()
        .name("gen_server_suite/slow")
        .start_timeout(Duration::from_secs(1))
        .start(after.clone())
        .await;
    assert!(matches!(started, Err(StartError::Timeout)));
    assert!(Slow::whereis("gen_server_suite/slow").is_none());
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(after.load(Ordering::SeqCst), 0);
}

/// `gen_server_SUITE:stop1` (and Elixir's "stop/3"): stop returns once the server is gone; a
/// second stop is `noproc`.
#[tokio::test(start_paused = true)]
async fn stopping_a_stopped_server_is_not_running() {
    let stack = Stack::start(empty()).await.unwrap();
    assert_eq!(
        stack
            .stop_timeout(ExitReason::Normal, Duration::from_secs(5))
            .await,
        Ok(())
    );
    assert!(!stack.is_alive());
    assert_eq!(
        stack
            .stop_timeout(ExitReason::Normal, Duration::from_secs(5))
            .await,
        Err(StopError::NotRunning)
    );
    assert_eq!(
        stack
            .pid()
            .stop_timeout(ExitReason::Normal, Duration::from_secs(5))
            .await,
        Err(StopError::NotRunning)
    );
}

/// `gen_server_SUITE:stop2`: a stop with another reason; the server exits with it.
#[tokio::test(start_paused = true)]
async fn a_stop_with_another_reason_exits_with_it() {
    let stack = Stack::start(empty()).await.unwrap();
    stack
        .stop_timeout(ExitReason::error("other_reason"), Duration::MAX)
        .await
        .unwrap();
    assert_eq!(stack.exited().await, ExitReason::error("other_reason"));
}

/// `gen_server_SUITE:stop4` and `stop7` (a local and a `via` name): stopping by name, then
/// `noproc` once no server holds it.
#[tokio::test(start_paused = true)]
async fn a_stop_by_name_then_the_name_is_not_running() {
    let stack = Stack::options()
        .name("gen_server_suite/to_stop")
        .start(empty())
        .await
        .unwrap();
    let by_name = StackRef::from_name("gen_server_suite/to_stop");
    assert_eq!(
        by_name
            .stop_timeout(ExitReason::Normal, Duration::from_secs(1))
            .await,
        Ok(())
    );
    assert!(!stack.is_alive());
    assert_eq!(
        by_name
            .stop_timeout(ExitReason::Normal, Duration::from_secs(1))
            .await,
        Err(StopError::NotRunning)
    );

    let via = KeyRegistry::<String, ()>::unique();
    let stack = Stack::options()
        .via(via.clone(), "to_stop")
        .start(empty())
        .await
        .unwrap();
    let by_name = StackRef::from(ServerRef::from_name_via(via.clone(), "to_stop"));
    by_name
        .stop_timeout(ExitReason::Normal, Duration::from_secs(1))
        .await
        .unwrap();
    assert!(!stack.is_alive());
    assert_eq!(
        by_name
            .stop_timeout(ExitReason::Normal, Duration::from_secs(1))
            .await,
        Err(StopError::NotRunning)
    );
}

/// Elixir's "stop/3", `:stop_self`: a handler stopping its own server is `calling_self`, and
/// the server goes on.
#[tokio::test(start_paused = true)]
async fn a_handler_stopping_its_own_server_is_calling_self() {
    let stack = Stack::start(empty()).await.unwrap();
    assert_eq!(stack.stop_self().await, Ok(Err(StopError::CallingSelf)));
    assert_eq!(stack.started_p().await, Ok(true));
}

/// `GenServer.stop/3` with a timeout the server does not meet: `Timeout`, and it goes on
/// stopping.
#[tokio::test(start_paused = true)]
async fn a_stop_past_its_timeout_times_out_and_the_server_still_exits() {
    let stack = Stack::start(Start::SlowTerminate(Duration::from_secs(10)))
        .await
        .unwrap();
    assert_eq!(
        stack
            .stop_timeout(ExitReason::Shutdown, Duration::from_secs(1))
            .await,
        Err(StopError::Timeout)
    );
    assert!(stack.is_alive());
    assert_eq!(stack.exited().await, ExitReason::Shutdown);
}

/// `gen_server_SUITE:terminate_crash_format`: `terminate` crashes during a stop; the server
/// exits with the crash (`{'EXIT', Pid, {crash, terminate}}`), not with the stop's reason —
/// whether the stop came from a call that stopped the server or from outside.
#[tokio::test(start_paused = true)]
async fn a_panic_in_terminate_is_the_exit_reason() {
    let stack = Stack::start(Start::CrashInTerminate).await.unwrap();
    let monitor = stack.monitor();
    assert_eq!(stack.call_stop().await, Ok(true));
    let expected = ExitReason::Panic("crash in terminate".to_owned());
    assert_eq!(monitor.await, expected);
    assert_eq!(stack.exited().await, expected);

    let stack = Stack::start(Start::CrashInTerminate).await.unwrap();
    let monitor = stack.monitor();
    assert_eq!(
        stack
            .stop_timeout(ExitReason::Normal, Duration::from_secs(1))
            .await,
        Ok(())
    );
    assert_eq!(monitor.await, expected);
}

/// `supervisor_SUITE:sup_stop_timeout`'s second half, for any kill: a server killed while its
/// `terminate` is still running exits with `Killed`, as its monitors see.
#[tokio::test(start_paused = true)]
async fn a_kill_during_a_slow_terminate_is_the_exit_reason() {
    let stack = Stack::start(Start::SlowTerminate(Duration::from_secs(60)))
        .await
        .unwrap();
    let monitor = stack.monitor();
    let stopping = tokio::spawn({
        let stack = stack.clone();
        async move { stack.stop_timeout(ExitReason::Normal, Duration::MAX).await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(stack.is_alive());
    stack.kill();
    assert_eq!(monitor.await, ExitReason::Killed);
    assert_eq!(stack.exited().await, ExitReason::Killed);
    assert_eq!(stopping.await.unwrap(), Ok(()));
}

/// Elixir's "call/3 exit messages": calling oneself by name is `calling_self`, a call past its
/// timeout is `timeout`, a call to a stopped server is `noproc`.
#[tokio::test(start_paused = true)]
async fn call_exits_calling_self_timeout_and_noproc() {
    struct Caller;
    #[genserver]
    impl Caller {
        #[call]
        async fn call_self_by_name(&self) -> Result<bool, CallError> {
            CallerRef::from_name("gen_server_suite/self").ping().await
        }
        #[call]
        fn ping(&self) -> bool {
            true
        }
        #[call]
        async fn nap(&self, delay: Duration) -> bool {
            tokio::time::sleep(delay).await;
            true
        }
    }

    let caller = Caller::options()
        .name("gen_server_suite/self")
        .start(Caller)
        .await
        .unwrap();
    assert_eq!(
        caller.call_self_by_name().await,
        Ok(Err(CallError::CallingSelf))
    );
    assert_eq!(
        caller
            .with_timeout(Duration::from_millis(1))
            .nap(Duration::from_secs(1))
            .await,
        Err(CallError::Timeout)
    );
    caller.stop().await;
    assert_eq!(caller.ping().await, Err(CallError::NotRunning));
}
