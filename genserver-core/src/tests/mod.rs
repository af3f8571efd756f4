//! Unit tests of names, monitors, links and supervisors, on a server written by hand in the
//! shape `#[genserver]` generates (the [`Probe`] below), one file a concept.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::server::handle::Direct;
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

    async fn init(args: ProbeArgs, ctx: &mut Context<Self>) -> Result<Option<Self>, String> {
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
        Ok(Some(Probe {
            args,
            downs: Vec::new(),
            exits: Vec::new(),
        }))
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

mod layout;
mod links;
mod monitors;
mod names;
mod races;
mod relay;
mod stages;
mod supervisor;
