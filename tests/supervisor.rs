//! Supervisors: children from specs, the three strategies, restart types, restart intensity,
//! start order and reverse stop order with shutdown timeouts, nesting, dynamic children, and
//! `which_children` / `count_children`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;
use genserver::{ChildKind, ServerId, Strategy, SupervisorError};

type Log = Arc<Mutex<Vec<String>>>;

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// A worker that logs its start and its terminate. One called `slow-N` takes N seconds to
/// terminate.
struct Worker {
    id: String,
    log: Log,
    calls: u64,
}

#[derive(Clone)]
struct WorkerArgs {
    id: String,
    log: Log,
    fail_init: bool,
}

#[genserver]
impl Worker {
    #[init]
    async fn init(args: WorkerArgs) -> Result<Self, String> {
        if args.fail_init {
            return Err(format!("{} cannot start", args.id));
        }
        args.log.lock().unwrap().push(format!("start {}", args.id));
        Ok(Worker {
            id: args.id,
            log: args.log,
            calls: 0,
        })
    }

    #[call]
    fn hello(&mut self) -> String {
        self.calls += 1;
        format!("{} #{}", self.id, self.calls)
    }

    #[cast]
    fn crash(&mut self) {
        panic!("{} crashed", self.id);
    }

    #[cast]
    fn finish(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::Normal);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        if let Some(delay) = self.slow() {
            tokio::time::sleep(delay).await;
        }
        self.log
            .lock()
            .unwrap()
            .push(format!("stop {} ({reason})", self.id));
    }
}

impl Worker {
    fn slow(&self) -> Option<Duration> {
        self.id
            .strip_prefix("slow-")
            .and_then(|secs| secs.parse().ok())
            .map(Duration::from_secs)
    }
}

fn worker_args(id: &str, log: &Log) -> WorkerArgs {
    WorkerArgs {
        id: id.to_owned(),
        log: log.clone(),
        fail_init: false,
    }
}

/// A child spec for a worker, registered under `name` if given.
fn worker(id: &str, name: Option<&str>, log: &Log) -> ChildSpec {
    let args = worker_args(id, log);
    let name = name.map(str::to_owned);
    ChildSpec::new(id, move || {
        let options = Worker::options();
        let options = match &name {
            Some(name) => options.name(name.clone()),
            None => options,
        };
        options.start(args.clone())
    })
}

/// The running worker of the child at `index`.
async fn child(sup: &SupervisorRef, index: usize) -> WorkerRef {
    sup.which_children().await.unwrap()[index]
        .pid
        .as_ref()
        .expect("the child is running")
        .downcast::<Worker>()
        .expect("the child is a worker")
}

/// Crashes a worker (for a name handle, the server holding the name now) and waits until
/// `sup` has handled its exit: the exit is in the supervisor's mailbox once the worker has
/// exited, so the supervisor's next answer comes after the restart.
async fn crash(worker: &WorkerRef, sup: &SupervisorRef) {
    let pid = worker.pid();
    worker.crash().unwrap();
    pid.exited().await;
    let _ = sup.count_children().await;
}

/// Like [`crash`], with a normal exit.
async fn finish(worker: &WorkerRef, sup: &SupervisorRef) {
    let pid = worker.pid();
    worker.finish().unwrap();
    pid.exited().await;
    let _ = sup.count_children().await;
}

#[tokio::test(start_paused = true)]
async fn children_start_in_order_and_stop_in_reverse_order() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(worker("a", None, &log))
        .child(worker("b", None, &log))
        .child(worker("c", None, &log))
        .start()
        .await
        .unwrap();
    assert_eq!(entries(&log), ["start a", "start b", "start c"]);
    sup.stop().await;
    assert_eq!(
        entries(&log),
        [
            "start a",
            "start b",
            "start c",
            "stop c (shutdown)",
            "stop b (shutdown)",
            "stop a (shutdown)",
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn each_child_gets_its_shutdown_timeout_before_it_is_killed() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(worker("slow-1", None, &log).shutdown(Duration::from_secs(5)))
        .child(worker("slow-60", None, &log).shutdown(Duration::from_secs(2)))
        .start()
        .await
        .unwrap();
    let hung = child(&sup, 1).await;
    let began = tokio::time::Instant::now();
    sup.stop().await;
    // 2 s for the second (then killed), 1 s for the first (finished in time).
    assert_eq!(began.elapsed(), Duration::from_secs(3));
    assert_eq!(
        entries(&log),
        ["start slow-1", "start slow-60", "stop slow-1 (shutdown)"]
    );
    assert!(!hung.is_alive());
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_crashed_child() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForOne)
        .child(worker("a", None, &log))
        .child(worker("b", None, &log))
        .start()
        .await
        .unwrap();
    let (a, b) = (child(&sup, 0).await, child(&sup, 1).await);
    crash(&a, &sup).await;
    let (new_a, new_b) = (child(&sup, 0).await, child(&sup, 1).await);
    assert_ne!(new_a.id(), a.id());
    assert_eq!(new_b.id(), b.id());
    assert_eq!(new_a.hello().await.unwrap(), "a #1");
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn one_for_all_restarts_every_child() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForAll)
        .child(worker("a", None, &log))
        .child(worker("b", None, &log))
        .child(worker("c", None, &log))
        .start()
        .await
        .unwrap();
    log.lock().unwrap().clear();
    crash(&child(&sup, 1).await, &sup).await;
    assert_eq!(
        entries(&log),
        [
            "stop b (panicked: b crashed)",
            "stop c (shutdown)",
            "stop a (shutdown)",
            "start a",
            "start b",
            "start c",
        ]
    );
    assert_eq!(sup.count_children().await.unwrap().active, 3);
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_exactly_the_later_siblings() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::RestForOne)
        .child(worker("a", None, &log))
        .child(worker("b", None, &log))
        .child(worker("c", None, &log))
        .child(worker("d", None, &log))
        .start()
        .await
        .unwrap();
    let before: Vec<ServerId> = sup
        .which_children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.pid.as_ref().unwrap().id())
        .collect();
    log.lock().unwrap().clear();
    crash(&child(&sup, 1).await, &sup).await;
    let after: Vec<ServerId> = sup
        .which_children()
        .await
        .unwrap()
        .iter()
        .map(|c| c.pid.as_ref().unwrap().id())
        .collect();
    assert_eq!(after[0], before[0], "the earlier sibling runs on");
    for i in 1..4 {
        assert_ne!(after[i], before[i], "child {i} restarted");
    }
    assert_eq!(
        entries(&log),
        [
            "stop b (panicked: b crashed)",
            "stop d (shutdown)",
            "stop c (shutdown)",
            "start b",
            "start c",
            "start d",
        ]
    );
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn transient_children_are_restarted_only_after_an_abnormal_exit() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(worker("t", None, &log).restart(Restart::Transient))
        .start()
        .await
        .unwrap();
    crash(&child(&sup, 0).await, &sup).await;
    assert_eq!(sup.count_children().await.unwrap().active, 1, "restarted");

    finish(&child(&sup, 0).await, &sup).await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1, "the spec stays");
    assert!(
        children[0].pid.is_none(),
        "not restarted after a normal exit"
    );

    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn temporary_children_are_never_restarted() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(worker("once", None, &log).restart(Restart::Temporary))
        .child(worker("again", None, &log).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    let (once, again) = (child(&sup, 0).await, child(&sup, 1).await);
    crash(&once, &sup).await;
    finish(&again, &sup).await;
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    assert_eq!(
        entries(&log),
        [
            "start once",
            "start again",
            "stop once (panicked: once crashed)",
            "stop again (normal)",
        ]
    );
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn exceeding_the_intensity_stops_the_supervisor_and_all_children() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(3, Duration::from_secs(5))
        .child(worker("steady", None, &log))
        .child(worker("flaky", Some("sup/intensity/flaky"), &log))
        .start()
        .await
        .unwrap();
    let steady = child(&sup, 0).await;
    let flaky = WorkerRef::from_name("sup/intensity/flaky");
    for _ in 0..3 {
        crash(&flaky, &sup).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(sup.is_alive());
    }
    // The fourth restart within 5 s is one too many.
    flaky.crash().unwrap();
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
    assert!(!steady.is_alive());
    assert!(!flaky.is_alive());
    assert_eq!(entries(&log).last().unwrap(), "stop steady (shutdown)");
}

#[tokio::test(start_paused = true)]
async fn restarts_spread_wider_than_the_period_are_fine() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(1, Duration::from_secs(5))
        .child(worker("flaky", Some("sup/period/flaky"), &log))
        .start()
        .await
        .unwrap();
    let flaky = WorkerRef::from_name("sup/period/flaky");
    for _ in 0..5 {
        crash(&flaky, &sup).await;
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    assert!(sup.is_alive());
    assert_eq!(flaky.hello().await.unwrap(), "flaky #1");
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_name_resolving_handle_reaches_the_new_incarnation() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(worker("cache", Some("sup/cache"), &log))
        .start()
        .await
        .unwrap();
    let cache = WorkerRef::from_name("sup/cache");
    assert_eq!(cache.hello().await.unwrap(), "cache #1");
    assert_eq!(cache.hello().await.unwrap(), "cache #2");
    let first = cache.id();
    crash(&cache, &sup).await;
    assert_ne!(cache.id(), first);
    assert_eq!(cache.hello().await.unwrap(), "cache #1", "fresh state");
    sup.stop().await;
    assert_eq!(cache.hello().await, Err(CallError::NotRunning));
}

#[tokio::test(start_paused = true)]
async fn a_child_that_fails_to_start_fails_the_supervisor_start() {
    let log = Log::default();
    let mut broken = worker_args("broken", &log);
    broken.fail_init = true;
    let result = Supervisor::builder()
        .name("sup/broken")
        .child(worker("fine", Some("sup/broken/fine"), &log))
        .child(ChildSpec::new("broken", move || {
            Worker::start(broken.clone())
        }))
        .start()
        .await;
    match result {
        Err(StartError::Init(SupervisorError::ChildStart { id, reason })) => {
            assert_eq!(id, "broken");
            assert!(reason.contains("broken cannot start"), "{reason}");
        }
        other => panic!("expected a child start error, got {other:?}"),
    }
    assert_eq!(entries(&log), ["start fine", "stop fine (shutdown)"]);
    assert!(Supervisor::whereis("sup/broken").is_none());
    assert!(Worker::whereis("sup/broken/fine").is_none());
}

#[tokio::test(start_paused = true)]
async fn supervisors_nest() {
    let log = Log::default();
    let inner_log = log.clone();
    let root = Supervisor::builder()
        .child(worker("db", None, &log))
        .child(ChildSpec::new("web", move || {
            Supervisor::builder()
                .name("sup/nest/web")
                .max_restarts(1, Duration::from_secs(5))
                .child(worker("handler", Some("sup/nest/handler"), &inner_log))
                .start()
        }))
        .child(worker("metrics", None, &log))
        .start()
        .await
        .unwrap();
    let counts = root.count_children().await.unwrap();
    assert_eq!(
        (
            counts.specs,
            counts.active,
            counts.supervisors,
            counts.workers
        ),
        (3, 3, 1, 2)
    );
    let children = root.which_children().await.unwrap();
    assert_eq!(children[1].kind, ChildKind::Supervisor);
    assert_eq!(children[1].id, "web");

    // The inner supervisor gives up after two crashes; the root restarts it with its child.
    let web = Supervisor::whereis("sup/nest/web").unwrap();
    let handler = WorkerRef::from_name("sup/nest/handler");
    crash(&handler, &web).await;
    crash(&handler, &web).await;
    assert_eq!(web.exited().await, ExitReason::Shutdown);
    root.count_children().await.unwrap();
    let new_web = Supervisor::whereis("sup/nest/web").unwrap();
    assert_ne!(new_web.id(), web.id());
    assert_eq!(handler.hello().await.unwrap(), "handler #1");

    log.lock().unwrap().clear();
    root.stop().await;
    assert_eq!(
        entries(&log),
        [
            "stop metrics (shutdown)",
            "stop handler (shutdown)",
            "stop db (shutdown)"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisor_starts_and_stops_children_at_run_time() {
    let log = Log::default();
    let sessions = Supervisor::builder()
        .name("sup/sessions")
        .start()
        .await
        .unwrap();
    assert_eq!(sessions.count_children().await.unwrap().specs, 0);

    let mut pids = Vec::new();
    for user in ["ann", "bob", "cy"] {
        pids.push(
            sessions
                .start_child(worker(user, None, &log).restart(Restart::Transient))
                .await
                .unwrap(),
        );
    }
    let ids: Vec<String> = sessions
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, ["ann", "bob", "cy"]);

    sessions.terminate_child(&pids[1]).await.unwrap();
    assert!(!pids[1].is_alive());
    assert_eq!(sessions.count_children().await.unwrap().active, 2);
    assert_eq!(
        sessions.terminate_child(&pids[1]).await,
        Err(SupervisorError::NotFound)
    );

    // Dynamic children are supervised like the others.
    crash(&pids[0].downcast::<Worker>().unwrap(), &sessions).await;
    assert_eq!(sessions.count_children().await.unwrap().active, 2);

    let mut broken = worker_args("broken", &log);
    broken.fail_init = true;
    let refused = sessions
        .start_child(ChildSpec::new("broken", move || {
            Worker::start(broken.clone())
        }))
        .await;
    assert!(matches!(refused, Err(SupervisorError::ChildStart { .. })));

    SupervisorRef::from_name("sup/sessions").stop().await;
    assert!(pids.iter().all(|pid| !pid.is_alive()));
}

#[tokio::test(start_paused = true)]
async fn killing_a_supervisor_takes_its_children_along() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(worker("a", None, &log))
        .start()
        .await
        .unwrap();
    let a = child(&sup, 0).await;
    sup.kill();
    assert_eq!(
        a.exited().await,
        ExitReason::Linked {
            id: sup.id(),
            reason: Box::new(ExitReason::Killed),
        }
    );
}
