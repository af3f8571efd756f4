//! Unit tests of names, monitors, links and supervisors, on a server written by hand in the
//! shape `#[genserver]` generates.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::server::Direct;
use crate::{
    CallError, CastError, ChildKind, ChildSpec, Context, Down, Exit, ExitReason, GenServer, Info,
    LocalRegistry, MonitorRef, Options, Pid, Registry, ReplySender, Restart, ServerRef, StartError,
    Strategy, Supervisor, SupervisorError,
};

type Log = Arc<Mutex<Vec<String>>>;

fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// How a probe starts.
#[derive(Clone, Default)]
struct ProbeArgs {
    label: String,
    log: Log,
    fail_init: bool,
    trap_exits: bool,
    /// How long `terminate` takes.
    terminate_delay: Option<Duration>,
}

fn args(label: &str, log: &Log) -> ProbeArgs {
    ProbeArgs {
        label: label.to_owned(),
        log: log.clone(),
        ..ProbeArgs::default()
    }
}

/// A server that records what happens to it.
struct Probe {
    args: ProbeArgs,
    downs: Vec<Down>,
    exits: Vec<Exit>,
}

enum ProbeMsg {
    Ping(ReplySender<String>),
    Monitor(Pid, ReplySender<MonitorRef>),
    Demonitor(MonitorRef, ReplySender<bool>),
    Link(Pid, ReplySender<()>),
    Unlink(Pid, ReplySender<()>),
    Downs(ReplySender<Vec<Down>>),
    Exits(ReplySender<Vec<Exit>>),
    Crash,
    StopWith(ExitReason),
    OnDown(Down),
    OnExit(Exit),
}

impl GenServer for Probe {
    type Msg = ProbeMsg;
    type Args = ProbeArgs;
    type InitError = String;
    type Ref = ServerRef<Probe>;

    async fn init(args: ProbeArgs, ctx: &mut Context<Self>) -> Result<Self, String> {
        if args.fail_init {
            return Err(format!("{} refused to start", args.label));
        }
        if args.trap_exits {
            ctx.trap_exits(true);
        }
        args.log
            .lock()
            .unwrap()
            .push(format!("start {}", args.label));
        Ok(Probe {
            args,
            downs: Vec::new(),
            exits: Vec::new(),
        })
    }

    async fn handle(&mut self, msg: ProbeMsg, ctx: &mut Context<Self>) {
        match msg {
            ProbeMsg::Ping(reply_to) => reply_to.send(self.args.label.clone()),
            ProbeMsg::Monitor(pid, reply_to) => reply_to.send(ctx.monitor_pid(&pid)),
            ProbeMsg::Demonitor(monitor, reply_to) => reply_to.send(ctx.demonitor(monitor)),
            ProbeMsg::Link(pid, reply_to) => {
                ctx.link_pid(&pid);
                reply_to.send(());
            }
            ProbeMsg::Unlink(pid, reply_to) => {
                ctx.unlink_pid(&pid);
                reply_to.send(());
            }
            ProbeMsg::Downs(reply_to) => reply_to.send(self.downs.clone()),
            ProbeMsg::Exits(reply_to) => reply_to.send(self.exits.clone()),
            ProbeMsg::Crash => panic!("{} crashed", self.args.label),
            ProbeMsg::StopWith(reason) => ctx.stop(reason),
            ProbeMsg::OnDown(down) => self.downs.push(down),
            ProbeMsg::OnExit(exit) => self.exits.push(exit),
        }
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        if let Some(delay) = self.args.terminate_delay {
            tokio::time::sleep(delay).await;
        }
        self.args
            .log
            .lock()
            .unwrap()
            .push(format!("stop {} ({reason})", self.args.label));
    }

    fn message_name(_: &ProbeMsg) -> &'static str {
        "probe"
    }
}

impl Info<Down> for Probe {
    fn into_msg(down: Down) -> ProbeMsg {
        ProbeMsg::OnDown(down)
    }
}

impl Info<Exit> for Probe {
    fn into_msg(exit: Exit) -> ProbeMsg {
        ProbeMsg::OnExit(exit)
    }
}

type Probes = ServerRef<Probe>;

async fn start(args: ProbeArgs) -> Probes {
    Options::<Probe>::new().start(args).await.unwrap()
}

async fn start_named(name: &str, args: ProbeArgs) -> Result<Probes, StartError<String>> {
    Options::<Probe>::new().name(name).start(args).await
}

impl ServerRef<Probe> {
    async fn ping(&self) -> Result<String, CallError> {
        self.call(ProbeMsg::Ping).await
    }
    async fn monitor_other(&self, other: &Pid) -> MonitorRef {
        let other = other.clone();
        self.call(|reply_to| ProbeMsg::Monitor(other, reply_to))
            .await
            .unwrap()
    }
    async fn demonitor(&self, monitor: MonitorRef) -> bool {
        self.call(|reply_to| ProbeMsg::Demonitor(monitor, reply_to))
            .await
            .unwrap()
    }
    async fn link(&self, other: &Pid) {
        let other = other.clone();
        self.call(|reply_to| ProbeMsg::Link(other, reply_to))
            .await
            .unwrap();
    }
    async fn unlink(&self, other: &Pid) {
        let other = other.clone();
        self.call(|reply_to| ProbeMsg::Unlink(other, reply_to))
            .await
            .unwrap();
    }
    async fn downs(&self) -> Vec<Down> {
        self.call(ProbeMsg::Downs).await.unwrap()
    }
    async fn exits(&self) -> Vec<Exit> {
        self.call(ProbeMsg::Exits).await.unwrap()
    }
    fn crash(&self) {
        self.cast(ProbeMsg::Crash).unwrap();
    }
    fn stop_soon(&self, reason: ExitReason) {
        self.cast(ProbeMsg::StopWith(reason)).unwrap();
    }
}

fn probe_spec(id: &str, name: Option<&str>, log: &Log) -> ChildSpec {
    let args = args(id, log);
    let name = name.map(str::to_owned);
    ChildSpec::new(id, move || {
        let mut options = Options::<Probe>::new();
        if let Some(name) = &name {
            options = options.name(name.clone());
        }
        options.start(args.clone())
    })
}

// ---------------------------------------------------------------------------------------------
// The handle stays small: a name handle costs a direct one no bytes.

#[test]
fn a_handle_is_as_small_as_a_direct_one() {
    assert_eq!(
        size_of::<ServerRef<Probe>>(),
        size_of::<Direct<Probe>>() + size_of::<Duration>()
    );
}

// ---------------------------------------------------------------------------------------------
// Names

#[tokio::test(start_paused = true)]
async fn whereis_finds_a_named_server_and_a_second_start_is_refused() {
    let log = Log::default();
    let first = start_named("names/taken", args("first", &log))
        .await
        .unwrap();
    let found = ServerRef::<Probe>::whereis("names/taken").unwrap();
    assert_eq!(found.id(), first.id());
    assert_eq!(found.ping().await.unwrap(), "first");

    match start_named("names/taken", args("second", &log)).await {
        Err(StartError::AlreadyStarted(holder)) => assert_eq!(holder.id(), first.id()),
        other => panic!("expected AlreadyStarted, got {:?}", other.map(|r| r.id())),
    }
    // The refused server never ran its init.
    assert_eq!(entries(&log), vec!["start first"]);
    first.stop().await;
}

#[tokio::test(start_paused = true)]
async fn whereis_of_another_type_or_an_unknown_name_is_none() {
    assert!(ServerRef::<Probe>::whereis("names/nobody").is_none());
    let log = Log::default();
    let sup = Supervisor::builder()
        .name("names/a-supervisor")
        .start()
        .await
        .unwrap();
    assert!(ServerRef::<Probe>::whereis("names/a-supervisor").is_none());
    assert!(Supervisor::whereis("names/a-supervisor").is_some());
    sup.stop().await;
    drop(log);
}

#[tokio::test(start_paused = true)]
async fn the_name_is_freed_whatever_the_exit() {
    let log = Log::default();
    for (round, end) in ["stop", "kill", "panic", "ctx.stop", "linked"]
        .into_iter()
        .enumerate()
    {
        let server = start_named("names/freed", args("probe", &log))
            .await
            .unwrap();
        match end {
            "stop" => server.stop().await,
            "kill" => server.kill(),
            "panic" => server.crash(),
            "ctx.stop" => server.stop_soon(ExitReason::error("done")),
            _ => {
                let partner = start(args("partner", &log)).await;
                server.link(&partner.pid()).await;
                partner.kill();
            }
        }
        server.exited().await;
        assert!(
            ServerRef::<Probe>::whereis("names/freed").is_none(),
            "round {round}: {end}"
        );
        assert!(
            !LocalRegistry::global()
                .names()
                .contains(&"names/freed".to_owned())
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_init_leaves_the_name_free() {
    let log = Log::default();
    let failing = ProbeArgs {
        fail_init: true,
        ..args("failing", &log)
    };
    match start_named("names/failed-init", failing).await {
        Err(StartError::Init(message)) => assert_eq!(message, "failing refused to start"),
        other => panic!("expected Init, got {:?}", other.map(|r| r.id())),
    }
    // Free the moment `start` returned, not a moment later.
    assert!(ServerRef::<Probe>::whereis("names/failed-init").is_none());
    let second = start_named("names/failed-init", args("second", &log))
        .await
        .unwrap();
    second.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_name_handle_follows_the_name_and_fails_at_once_without_a_server() {
    let log = Log::default();
    let by_name = ServerRef::<Probe>::from_name("names/follow");
    assert_eq!(by_name.name(), Some("names/follow"));
    assert_eq!(by_name.ping().await, Err(CallError::NotRunning));
    assert_eq!(by_name.cast(ProbeMsg::Crash), Err(CastError::NotRunning));
    assert!(!by_name.is_alive());
    assert_eq!(by_name.exited().await, ExitReason::NoProc);

    let first = start_named("names/follow", args("first", &log))
        .await
        .unwrap();
    assert_eq!(by_name.ping().await.unwrap(), "first");
    assert_eq!(by_name.id(), first.id());
    first.stop().await;
    assert_eq!(by_name.ping().await, Err(CallError::NotRunning));

    let second = start_named("names/follow", args("second", &log))
        .await
        .unwrap();
    assert_eq!(by_name.ping().await.unwrap(), "second");
    assert!(by_name.is_alive());
    by_name.stop().await;
    assert!(!second.is_alive());
}

#[tokio::test(start_paused = true)]
async fn another_registry_through_via() {
    let registry: Arc<dyn Registry> = Arc::new(LocalRegistry::new());
    let log = Log::default();
    let server = Options::<Probe>::new()
        .via(registry.clone(), "names/via")
        .start(args("via", &log))
        .await
        .unwrap();
    assert!(ServerRef::<Probe>::whereis("names/via").is_none());
    let found = ServerRef::<Probe>::whereis_via(&*registry, "names/via").unwrap();
    assert_eq!(found.id(), server.id());
    let by_name = ServerRef::<Probe>::from_name_via(registry.clone(), "names/via");
    assert_eq!(by_name.ping().await.unwrap(), "via");
    server.stop().await;
    assert!(registry.whereis("names/via").is_none());
}

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

// ---------------------------------------------------------------------------------------------
// Links

#[tokio::test(start_paused = true)]
async fn an_abnormal_exit_takes_the_linked_partner_along() {
    let log = Log::default();
    let a = start(args("a", &log)).await;
    let b = start(args("b", &log)).await;
    let c = start(args("c", &log)).await;
    a.link(&b.pid()).await;
    b.link(&c.pid()).await;
    a.crash();
    let a_reason = ExitReason::Panic("a crashed".to_owned());
    let b_reason = ExitReason::Linked {
        id: a.id(),
        reason: Box::new(a_reason.clone()),
    };
    assert_eq!(b.exited().await, b_reason);
    assert_eq!(
        c.exited().await,
        ExitReason::Linked {
            id: b.id(),
            reason: Box::new(b_reason.clone())
        }
    );
    assert!(b_reason.to_string().contains("a crashed"), "{b_reason}");
    assert!(b_reason.to_string().contains(&a.id().to_string()));
    // Followed without terminate, as in OTP.
    assert_eq!(
        entries(&log),
        vec![
            "start a",
            "start b",
            "start c",
            "stop a (panicked: a crashed)"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn normal_exits_do_not_propagate_and_unlink_cuts_the_link() {
    let log = Log::default();
    let a = start(args("a", &log)).await;
    let b = start(args("b", &log)).await;
    a.link(&b.pid()).await;
    a.stop_with(ExitReason::Shutdown).await;
    assert!(b.is_alive());

    let c = start(args("c", &log)).await;
    b.link(&c.pid()).await;
    b.unlink(&c.pid()).await;
    c.kill();
    c.exited().await;
    tokio::task::yield_now().await;
    assert!(b.is_alive());
    assert_eq!(b.ping().await.unwrap(), "b");
}

#[tokio::test(start_paused = true)]
async fn a_server_trapping_exits_gets_a_message() {
    let log = Log::default();
    let trapper = start(ProbeArgs {
        trap_exits: true,
        ..args("trapper", &log)
    })
    .await;
    let a = start(args("a", &log)).await;
    let b = start(args("b", &log)).await;
    trapper.link(&a.pid()).await;
    trapper.link(&b.pid()).await;
    a.crash();
    a.exited().await;
    b.stop().await;
    assert_eq!(
        trapper.exits().await,
        vec![
            Exit {
                id: a.id(),
                reason: ExitReason::Panic("a crashed".to_owned())
            },
            Exit {
                id: b.id(),
                reason: ExitReason::Normal
            },
        ]
    );
    assert!(trapper.is_alive());
}

#[tokio::test(start_paused = true)]
async fn linking_to_a_gone_server_delivers_its_exit_at_once() {
    let log = Log::default();
    let trapper = start(ProbeArgs {
        trap_exits: true,
        ..args("trapper", &log)
    })
    .await;
    let gone = start(args("gone", &log)).await;
    gone.kill();
    gone.exited().await;
    trapper.link(&gone.pid()).await;
    assert_eq!(
        trapper.exits().await,
        vec![Exit {
            id: gone.id(),
            reason: ExitReason::Killed
        }]
    );
}

// ---------------------------------------------------------------------------------------------
// Supervisors

impl ServerRef<Probe> {
    /// Crashes the probe (for a name handle, the one holding the name now) and waits until
    /// `sup` has handled its exit: the exit is in the supervisor's mailbox once the probe has
    /// exited, so the supervisor's next answer comes after the restart.
    async fn crash_under(&self, sup: &crate::SupervisorRef) {
        let pid = self.pid();
        self.crash();
        pid.exited().await;
        let _ = sup.count_children().await;
    }
}

#[tokio::test(start_paused = true)]
async fn children_start_in_order_and_stop_in_reverse() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(probe_spec("one", None, &log))
        .child(probe_spec("two", None, &log))
        .child(probe_spec("three", None, &log))
        .start()
        .await
        .unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(
        children.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["one", "two", "three"]
    );
    assert!(
        children
            .iter()
            .all(|c| c.kind == ChildKind::Worker && c.pid.is_some())
    );
    sup.stop().await;
    assert_eq!(
        entries(&log),
        [
            "start one",
            "start two",
            "start three",
            "stop three (shutdown)",
            "stop two (shutdown)",
            "stop one (shutdown)"
        ]
    );
    assert!(children.iter().all(|c| !c.pid.as_ref().unwrap().is_alive()));
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_the_crashed_child_under_its_name() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(probe_spec("a", Some("sup/one-for-one/a"), &log))
        .child(probe_spec("b", None, &log))
        .start()
        .await
        .unwrap();
    let by_name = ServerRef::<Probe>::from_name("sup/one-for-one/a");
    let before = by_name.id();
    let b_before = sup.which_children().await.unwrap()[1].pid.clone().unwrap();
    by_name.crash_under(&sup).await;
    assert_eq!(by_name.ping().await.unwrap(), "a");
    assert_ne!(by_name.id(), before);
    assert!(b_before.is_alive());
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn transient_children_restart_only_after_an_abnormal_exit_and_temporary_never() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(probe_spec("transient", None, &log).restart(Restart::Transient))
        .child(probe_spec("temporary", None, &log).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    let pid = |children: &[crate::ChildInfo], i: usize| {
        children[i]
            .pid
            .clone()
            .unwrap()
            .downcast::<Probe>()
            .unwrap()
    };
    let children = sup.which_children().await.unwrap();
    pid(&children, 0).crash_under(&sup).await;
    let children = sup.which_children().await.unwrap();
    assert!(children[0].pid.is_some(), "restarted after a panic");

    pid(&children, 0).stop().await;
    let children = sup.which_children().await.unwrap();
    assert!(
        children[0].pid.is_none(),
        "not restarted after a normal exit"
    );
    assert_eq!(children.len(), 2);

    pid(&children, 1).crash_under(&sup).await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1, "a temporary child leaves when it exits");
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (1, 0));
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_exactly_the_later_children() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::RestForOne)
        .child(probe_spec("a", None, &log))
        .child(probe_spec("b", None, &log))
        .child(probe_spec("c", None, &log))
        .start()
        .await
        .unwrap();
    let before = sup.which_children().await.unwrap();
    log.lock().unwrap().clear();
    before[1]
        .pid
        .as_ref()
        .unwrap()
        .downcast::<Probe>()
        .unwrap()
        .crash_under(&sup)
        .await;
    let after = sup.which_children().await.unwrap();
    assert_eq!(after[0].pid, before[0].pid);
    assert_ne!(after[1].pid, before[1].pid);
    assert_ne!(after[2].pid, before[2].pid);
    assert_eq!(
        entries(&log),
        [
            "stop b (panicked: b crashed)",
            "stop c (shutdown)",
            "start b",
            "start c"
        ]
    );
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn one_for_all_restarts_every_child() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForAll)
        .child(probe_spec("a", None, &log))
        .child(probe_spec("b", None, &log))
        .child(probe_spec("c", None, &log))
        .start()
        .await
        .unwrap();
    let before = sup.which_children().await.unwrap();
    log.lock().unwrap().clear();
    before[1]
        .pid
        .as_ref()
        .unwrap()
        .downcast::<Probe>()
        .unwrap()
        .crash_under(&sup)
        .await;
    let after = sup.which_children().await.unwrap();
    for (a, b) in before.iter().zip(&after) {
        assert_ne!(a.pid, b.pid);
        assert!(b.pid.as_ref().unwrap().is_alive());
    }
    assert_eq!(
        entries(&log),
        [
            "stop b (panicked: b crashed)",
            "stop c (shutdown)",
            "stop a (shutdown)",
            "start a",
            "start b",
            "start c"
        ]
    );
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn past_the_intensity_the_supervisor_stops_with_its_children() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(2, Duration::from_secs(5))
        .child(probe_spec("crashy", Some("sup/intensity/crashy"), &log))
        .child(probe_spec("bystander", None, &log))
        .start()
        .await
        .unwrap();
    let bystander = sup.which_children().await.unwrap()[1].pid.clone().unwrap();
    let crashy = ServerRef::<Probe>::from_name("sup/intensity/crashy");
    for _ in 0..2 {
        crashy.crash_under(&sup).await;
        assert!(crashy.is_alive());
    }
    crashy.crash();
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
    assert!(!bystander.is_alive());
    assert!(!crashy.is_alive());
}

#[tokio::test(start_paused = true)]
async fn restarts_older_than_the_period_do_not_count() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(1, Duration::from_secs(5))
        .child(probe_spec("crashy", Some("sup/period/crashy"), &log))
        .start()
        .await
        .unwrap();
    let crashy = ServerRef::<Probe>::from_name("sup/period/crashy");
    for _ in 0..3 {
        crashy.crash_under(&sup).await;
        assert!(crashy.is_alive());
        tokio::time::sleep(Duration::from_secs(6)).await;
    }
    assert!(sup.is_alive());
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_child_slow_to_terminate_is_killed_after_its_shutdown() {
    let log = Log::default();
    let slow = ProbeArgs {
        terminate_delay: Some(Duration::from_secs(60)),
        ..args("slow", &log)
    };
    let sup = Supervisor::builder()
        .child(
            ChildSpec::new("slow", move || Options::<Probe>::new().start(slow.clone()))
                .shutdown(Duration::from_secs(1)),
        )
        .start()
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    sup.stop().await;
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(entries(&log), ["start slow"]);
}

#[tokio::test(start_paused = true)]
async fn a_failing_child_fails_the_start_and_stops_the_others() {
    let log = Log::default();
    let failing = ProbeArgs {
        fail_init: true,
        ..args("failing", &log)
    };
    let result = Supervisor::builder()
        .name("sup/failing")
        .child(probe_spec("fine", None, &log))
        .child(ChildSpec::new("failing", move || {
            Options::<Probe>::new().start(failing.clone())
        }))
        .start()
        .await;
    match result {
        Err(StartError::Init(SupervisorError::ChildStart { id, reason })) => {
            assert_eq!(id, "failing");
            assert!(reason.contains("failing refused to start"), "{reason}");
        }
        other => panic!("expected ChildStart, got {other:?}"),
    }
    assert_eq!(entries(&log), ["start fine", "stop fine (shutdown)"]);
    assert!(Supervisor::whereis("sup/failing").is_none());

    let duplicate = Supervisor::builder()
        .child(probe_spec("same", None, &log))
        .child(probe_spec("same", None, &log))
        .start()
        .await;
    assert!(matches!(
        duplicate,
        Err(StartError::Init(SupervisorError::DuplicateChild(id))) if id == "same"
    ));
}

#[tokio::test(start_paused = true)]
async fn supervisors_nest() {
    let log = Log::default();
    let inner_log = log.clone();
    let outer = Supervisor::builder()
        .child(probe_spec("first", None, &log))
        .child(ChildSpec::new("inner", move || {
            Supervisor::builder()
                .name("sup/nested/inner")
                .child(probe_spec("leaf", Some("sup/nested/leaf"), &inner_log))
                .start()
        }))
        .child(probe_spec("last", None, &log))
        .start()
        .await
        .unwrap();
    let counts = outer.count_children().await.unwrap();
    assert_eq!(
        (counts.supervisors, counts.workers, counts.active),
        (1, 2, 3)
    );

    // The inner supervisor gives up; the outer one restarts it, with its child.
    let inner = Supervisor::whereis("sup/nested/inner").unwrap();
    let leaf = ServerRef::<Probe>::from_name("sup/nested/leaf");
    for _ in 0..4 {
        leaf.crash_under(&inner).await;
    }
    assert_eq!(inner.exited().await, ExitReason::Shutdown);
    outer.count_children().await.unwrap();
    assert!(Supervisor::whereis("sup/nested/inner").is_some());
    assert_eq!(leaf.ping().await.unwrap(), "leaf");

    log.lock().unwrap().clear();
    outer.stop().await;
    assert_eq!(
        entries(&log),
        [
            "stop last (shutdown)",
            "stop leaf (shutdown)",
            "stop first (shutdown)"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_killed_supervisor_takes_its_children_along() {
    let log = Log::default();
    let inner_log = log.clone();
    let outer = Supervisor::builder()
        .child(probe_spec("worker", None, &log))
        .child(ChildSpec::new("inner", move || {
            Supervisor::builder()
                .child(probe_spec("leaf", None, &inner_log))
                .start()
        }))
        .start()
        .await
        .unwrap();
    let children = outer.which_children().await.unwrap();
    let inner = children[1]
        .pid
        .clone()
        .unwrap()
        .downcast::<Supervisor>()
        .unwrap();
    let leaf = inner.which_children().await.unwrap()[0]
        .pid
        .clone()
        .unwrap();
    outer.kill();
    assert!(matches!(
        children[0].pid.as_ref().unwrap().exited().await,
        ExitReason::Linked { .. }
    ));
    assert!(matches!(inner.exited().await, ExitReason::Linked { .. }));
    assert!(!leaf.is_alive());
    // The inner supervisor stopped its child properly.
    assert!(entries(&log).contains(&"stop leaf (shutdown)".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisor_starts_and_stops_children_at_run_time() {
    let log = Log::default();
    let sup = Supervisor::builder().start().await.unwrap();
    let mut pids = Vec::new();
    for n in 0..3 {
        pids.push(
            sup.start_child(probe_spec("session", None, &log))
                .await
                .unwrap(),
        );
        assert_eq!(sup.count_children().await.unwrap().active, n + 1);
    }
    sup.terminate_child(&pids[1]).await.unwrap();
    assert!(!pids[1].is_alive());
    assert_eq!(
        sup.terminate_child(&pids[1]).await,
        Err(SupervisorError::NotFound)
    );
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    assert!(children.iter().all(|c| c.id == "session"));

    pids[0].downcast::<Probe>().unwrap().crash_under(&sup).await;
    assert_eq!(sup.count_children().await.unwrap().active, 2);

    let failing = ProbeArgs {
        fail_init: true,
        ..args("failing", &log)
    };
    let refused = sup
        .start_child(ChildSpec::new("failing", move || {
            Options::<Probe>::new().start(failing.clone())
        }))
        .await;
    assert!(matches!(refused, Err(SupervisorError::ChildStart { .. })));
    sup.stop().await;
    assert!(pids.iter().all(|pid| !pid.is_alive()));
}

impl ServerRef<Probe> {
    fn shared_for_tests(&self) -> Arc<crate::server::Shared> {
        self.pid().shared().clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Races between an exit and the monitor or link being set up

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_link_racing_an_exit_always_delivers_it_once() {
    let log = Log::default();
    for _ in 0..200 {
        let a = start(args("a", &log)).await;
        let follower = start(args("follower", &log)).await;
        let trapper = start(ProbeArgs {
            trap_exits: true,
            ..args("trapper", &log)
        })
        .await;
        let doomed = a.clone();
        let killer = tokio::spawn(async move { doomed.kill() });
        let a_pid = a.pid();
        tokio::join!(follower.link(&a_pid), trapper.link(&a_pid));
        killer.await.unwrap();
        assert_eq!(
            follower.exited().await,
            ExitReason::Linked {
                id: a.id(),
                reason: Box::new(ExitReason::Killed)
            }
        );
        a.exited().await;
        let exits = trapper.exits().await;
        assert_eq!(exits.len(), 1, "{exits:?}");
        trapper.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_monitor_racing_an_exit_always_delivers_one_down() {
    let log = Log::default();
    let watcher = start(args("watcher", &log)).await;
    let mut targets = Vec::new();
    for _ in 0..200 {
        let target = start(args("target", &log)).await;
        let doomed = target.clone();
        let killer = tokio::spawn(async move { doomed.stop().await });
        watcher.monitor_other(&target.pid()).await;
        killer.await.unwrap();
        targets.push(target);
    }
    let downs = watcher.downs().await;
    assert_eq!(downs.len(), targets.len());
    for (down, target) in downs.iter().zip(&targets) {
        assert_eq!(down.id, target.id());
        assert_eq!(down.reason, ExitReason::Normal);
    }
}

/// A mailbox slot is no wider than the server's own message (or two words): the runtime's
/// requests are thin pointers. Every slot of every mailbox pays for this width.
#[test]
fn mail_slots_are_as_small_as_the_message() {
    use crate::server::Mail;
    let message = std::mem::size_of::<ProbeMsg>();
    assert!(
        std::mem::size_of::<Mail<Probe>>() <= message.max(16),
        "Mail<Probe> is {} bytes for a {message}-byte message",
        std::mem::size_of::<Mail<Probe>>()
    );
    assert_eq!(std::mem::size_of::<Mail<Probe>>(), message.max(16));
}

// ---------------------------------------------------------------------------------------------
// An idle server costs the size of its task: keep the task future of a small server small.

/// A counter in the shape `#[genserver]` generates for plain `fn` handlers.
struct Tally(u64);

enum TallyMsg {
    Increment(ReplySender<u64>),
    Bump,
}

impl GenServer for Tally {
    type Msg = TallyMsg;
    type Args = Tally;
    type InitError = std::convert::Infallible;
    type Ref = ServerRef<Tally>;
    const INIT_IS_TRIVIAL: bool = true;

    async fn init(args: Tally, _: &mut Context<Self>) -> Result<Self, Self::InitError> {
        Ok(args)
    }

    fn handle_now(&mut self, msg: TallyMsg, _: &mut Context<Self>) -> Option<TallyMsg> {
        match msg {
            TallyMsg::Increment(reply) => {
                self.0 += 1;
                reply.send(self.0);
            }
            TallyMsg::Bump => self.0 += 1,
        }
        None
    }

    async fn handle(&mut self, msg: TallyMsg, _: &mut Context<Self>) {
        match msg {
            TallyMsg::Increment(reply) => {
                self.0 += 1;
                reply.send(self.0);
            }
            TallyMsg::Bump => self.0 += 1,
        }
    }

    fn message_name(_: &TallyMsg) -> &'static str {
        "tally"
    }
}

/// tokio allocates a task in steps of 128 bytes around its future, and every idle server pays
/// for its whole task (the memory benchmark, W5, measures it). A change to the message loop
/// that grows the future (a value kept across an await, say: 80 bytes for an `Option` of the
/// handler's future kept beside the future itself) fails here before it shows there.
#[tokio::test]
async fn the_task_of_a_small_server_stays_small() {
    let tally = Options::<Tally>::new().start(Tally(0)).await.unwrap();
    tally.cast(TallyMsg::Bump).unwrap();
    assert_eq!(tally.call(TallyMsg::Increment).await, Ok(2));
    tally.stop().await;

    let size = crate::server::task_future_size::<Tally>(Tally(0));
    assert!(size <= 256, "the task future of a counter is {size} bytes");
}
