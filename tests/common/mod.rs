//! A worker for the supervisor suites: OTP's `supervisor_1` and `supervisor_3` (a child whose
//! starts a test scripts: succeed, fail, or fail slowly), with a log of what happens to it.
#![allow(dead_code)] // each test file uses its own part of it

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use genserver::prelude::*;

pub type Log = Arc<Mutex<Vec<String>>>;

pub fn entries(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// What one start of a child does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Init succeeds.
    Start,
    /// Init fails at once (`{error, Reason}`).
    Fail,
    /// Init fails after this long (OTP's `supervisor_deadlock`, which fails in 2 s).
    FailAfter(Duration),
    /// Init returns `Ok(None)` (OTP's `ignore`): the start gives `StartError::Ignored`.
    Ignore,
}

/// The outcomes of a child's successive starts: the queued ones first, then `rest` forever.
#[derive(Clone)]
pub struct Script(Arc<Mutex<(VecDeque<Outcome>, Outcome)>>);

impl Script {
    pub fn always(outcome: Outcome) -> Script {
        Script::then(&[], outcome)
    }

    pub fn then(first: &[Outcome], rest: Outcome) -> Script {
        Script(Arc::new(Mutex::new((
            first.iter().copied().collect(),
            rest,
        ))))
    }

    /// From now on every start has `outcome`.
    pub fn set(&self, outcome: Outcome) {
        let mut script = self.0.lock().unwrap();
        script.0.clear();
        script.1 = outcome;
    }

    fn next(&self) -> Outcome {
        let mut script = self.0.lock().unwrap();
        let rest = script.1;
        script.0.pop_front().unwrap_or(rest)
    }
}

#[derive(Clone)]
pub struct WorkerArgs {
    id: String,
    log: Log,
    outcome: Outcome,
    slow_terminate: Option<Duration>,
}

/// A child that logs its starts and stops.
pub struct Worker {
    id: String,
    log: Log,
    slow_terminate: Option<Duration>,
}

#[genserver]
impl Worker {
    #[init]
    async fn init(args: WorkerArgs) -> Result<Option<Self>, String> {
        match args.outcome {
            Outcome::Start => {}
            Outcome::Ignore => return Ok(None),
            Outcome::Fail => return Err(format!("{} cannot start", args.id)),
            Outcome::FailAfter(delay) => {
                tokio::time::sleep(delay).await;
                return Err(format!("{} cannot start", args.id));
            }
        }
        args.log.lock().unwrap().push(format!("start {}", args.id));
        Ok(Some(Worker {
            id: args.id,
            log: args.log,
            slow_terminate: args.slow_terminate,
        }))
    }

    #[call]
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// An abnormal exit (OTP's `terminate(.., abnormal)`).
    #[cast]
    pub fn crash(&mut self) {
        panic!("{} crashed", self.id);
    }

    /// Exits with `reason` (`normal`, `shutdown`, anything).
    #[cast]
    pub fn exit_with(&mut self, reason: ExitReason, ctx: &mut Context<Self>) {
        ctx.stop(reason);
    }

    /// Busy in a handler for `delay` (OTP's `{sleep, T}`).
    #[cast]
    pub async fn busy(&mut self, delay: Duration) {
        tokio::time::sleep(delay).await;
    }

    /// Busy for `delay`, then exits with `reason`: a child that ends on its own while its
    /// supervisor is stopping it.
    #[cast]
    pub async fn busy_then_exit(
        &mut self,
        delay: Duration,
        reason: ExitReason,
        ctx: &mut Context<Self>,
    ) {
        tokio::time::sleep(delay).await;
        ctx.stop(reason);
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason) {
        if let Some(delay) = self.slow_terminate {
            tokio::time::sleep(delay).await;
        }
        self.log
            .lock()
            .unwrap()
            .push(format!("stop {} ({reason})", self.id));
    }
}

/// A child spec of a [`Worker`], configured before [`spec`](Child::spec).
pub struct Child {
    id: String,
    name: Option<String>,
    script: Script,
    slow_terminate: Option<Duration>,
}

pub fn child(id: &str) -> Child {
    Child {
        id: id.to_owned(),
        name: None,
        script: Script::always(Outcome::Start),
        slow_terminate: None,
    }
}

impl Child {
    /// Registered under `name` (each start).
    pub fn named(mut self, name: &str) -> Child {
        self.name = Some(name.to_owned());
        self
    }

    pub fn script(mut self, script: &Script) -> Child {
        self.script = script.clone();
        self
    }

    /// OTP's `supervisor_1:start_child(error)`: starts once, every restart fails.
    pub fn restart_fails(self) -> Child {
        self.script(&Script::then(&[Outcome::Start], Outcome::Fail))
    }

    pub fn slow_terminate(mut self, delay: Duration) -> Child {
        self.slow_terminate = Some(delay);
        self
    }

    pub fn spec(self, log: &Log) -> ChildSpec {
        let (id, log, script) = (self.id.clone(), log.clone(), self.script);
        let (name, slow_terminate) = (self.name, self.slow_terminate);
        ChildSpec::new(self.id, move || {
            let outcome = script.next();
            let mut options = Worker::options();
            if let Some(name) = &name {
                options = options.name(name.clone());
            }
            let args = WorkerArgs {
                id: id.clone(),
                log: log.clone(),
                outcome,
                slow_terminate,
            };
            options.start(args)
        })
    }
}

/// A [`Worker`] started on its own, outside any supervisor.
pub async fn start_worker(id: &str, log: &Log) -> WorkerRef {
    Worker::start(WorkerArgs {
        id: id.to_owned(),
        log: log.clone(),
        outcome: Outcome::Start,
        slow_terminate: None,
    })
    .await
    .unwrap()
}

/// Lets `sup` handle what is already queued for it, and the restarts it queues for itself
/// meanwhile (a failed restart is tried again through its mailbox): a few requests in turn.
pub async fn settle(sup: &SupervisorRef) {
    for _ in 0..4 {
        let _ = sup.count_children().await;
    }
}

/// The running server of the child `id`.
pub async fn pid_of(sup: &SupervisorRef, id: &str) -> Pid {
    sup.which_child(id)
        .await
        .unwrap_or_else(|| panic!("no child {id}"))
        .pid
        .unwrap_or_else(|| panic!("child {id} is not running"))
}

/// The running [`Worker`] of the child `id`.
pub async fn worker_of(sup: &SupervisorRef, id: &str) -> WorkerRef {
    pid_of(sup, id).await.downcast::<Worker>().unwrap()
}

/// How [`terminate`] ends a child: OTP's `terminate(Sup, Pid, Id, How)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// It crashes (a panic).
    Abnormal,
    /// It stops with `Normal`.
    Normal,
    /// It stops with `Shutdown`.
    Shutdown,
    /// It is killed.
    Kill,
}

/// Ends the child `pid` of `sup` as `how` says, and returns once the supervisor has handled
/// its exit (the exit is in the supervisor's mailbox once the child has exited, so the
/// supervisor's next answer comes after it).
pub async fn terminate(sup: &SupervisorRef, pid: &Pid, how: How) {
    match how {
        How::Kill => pid.kill(),
        how => {
            let worker = pid.downcast::<Worker>().unwrap();
            match how {
                How::Abnormal => worker.crash().unwrap(),
                How::Normal => worker.exit_with(ExitReason::Normal).unwrap(),
                How::Shutdown => worker.exit_with(ExitReason::Shutdown).unwrap(),
                How::Kill => unreachable!("handled above"),
            }
        }
    }
    pid.exited().await;
    let _ = sup.count_children().await;
}

/// OTP's `get_child_counts`: `[specs, active, supervisors, workers]`.
pub async fn counts(sup: &SupervisorRef) -> [usize; 4] {
    sup.count_children().await.unwrap().as_array()
}

/// The ids of the children, in start order, with their pids (`None`: not running).
pub async fn children(sup: &SupervisorRef) -> Vec<(String, Option<Pid>)> {
    sup.which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|child| (child.id, child.pid))
        .collect()
}
