//! The supervisor as a server: its children, their starts and stops, the restarts by the
//! strategy and within the intensity, and the requests of [`SupervisorRef`].

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::handle::Request;
use super::spec::WORKER_SHUTDOWN;
use super::{
    ChildCounts, ChildInfo, ChildKind, ChildSpec, Restart, Shutdown, Strategy, SupervisorBuilder,
    SupervisorError, SupervisorMsg, SupervisorRef,
};
use crate::process::with_restarts;
use crate::{Context, Exit, ExitReason, GenServer, Info, Options, Pid, ServerRef};

/// A supervisor: OTP's `supervisor`, as a server.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::Strategy;
///
/// #[derive(Default)]
/// struct Cache { hits: u64 }
///
/// #[genserver]
/// impl Cache {
///     #[call]
///     fn hit(&mut self) -> u64 { self.hits += 1; self.hits }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sup = Supervisor::builder()
///     .strategy(Strategy::OneForOne)
///     .max_restarts(3, Duration::from_secs(5))
///     .child(ChildSpec::new("cache", || Cache::options().name("cache").start(Cache::default()))
///         .restart(Restart::Permanent))
///     .start()
///     .await?;
///
/// let cache = CacheRef::from_name("cache");      // follows the name across restarts
/// assert_eq!(cache.hit().await?, 1);
///
/// let first = Cache::whereis("cache").unwrap();
/// first.kill();                                  // crash it...
/// first.exited().await;
/// assert_eq!(sup.count_children().await?.active, 1);
/// assert_eq!(cache.hit().await?, 1);             // ...it is back, with fresh state
/// assert_ne!(cache.id(), first.id());
///
/// sup.stop().await;                              // children stop in reverse start order
/// assert!(Cache::whereis("cache").is_none());
/// # Ok(())
/// # }
/// ```
///
/// A dynamic supervisor (Elixir's `DynamicSupervisor`) is one started without children, to
/// which [`SupervisorRef::start_child`] adds them at run time and
/// [`SupervisorRef::terminate_child`] removes them.
pub struct Supervisor {
    strategy: Strategy,
    max_restarts: u32,
    period: Duration,
    children: Vec<Child>,
    restarts: VecDeque<Instant>,
}

struct Child {
    spec: ChildSpec,
    pid: Option<Pid>,
    kind: ChildKind,
    /// How many times this supervisor has restarted the child.
    restarts: u32,
}

impl Child {
    fn info(&self) -> ChildInfo {
        ChildInfo {
            id: self.spec.id.clone(),
            pid: self.pid.clone(),
            restart: self.spec.restart,
            kind: self.kind,
            restarts: self.restarts,
        }
    }

    fn shutdown(&self) -> Shutdown {
        self.spec.shutdown.unwrap_or(match self.kind {
            ChildKind::Worker => WORKER_SHUTDOWN,
            ChildKind::Supervisor => Shutdown::Infinity,
        })
    }
}

impl Supervisor {
    /// A supervisor to configure and start; see [`SupervisorBuilder`].
    pub fn builder() -> SupervisorBuilder {
        SupervisorBuilder {
            strategy: Strategy::OneForOne,
            max_restarts: 3,
            period: Duration::from_secs(5),
            children: Vec::new(),
            name: None,
        }
    }

    /// The start options of a supervisor (name, call timeout, …); start it with
    /// `Supervisor::options().name("sup").start(Supervisor::builder().child(..))`.
    pub fn options() -> Options<Supervisor> {
        Options::new()
    }

    /// The supervisor registered under `name`, if any.
    pub fn whereis(name: &str) -> Option<SupervisorRef> {
        ServerRef::<Supervisor>::whereis(name).map(SupervisorRef::from)
    }

    /// Starts a child; `restarts` is its restart count, which the server started by `spec`
    /// reports in its [`ServerStats`](crate::ServerStats).
    async fn start_child(
        spec: &ChildSpec,
        restarts: u32,
        ctx: &mut Context<Self>,
    ) -> Result<Child, String> {
        let pid = with_restarts(restarts, (spec.start)()).await?;
        ctx.link_pid(&pid);
        let kind = if pid.direct::<Supervisor>().is_some() {
            ChildKind::Supervisor
        } else {
            ChildKind::Worker
        };
        Ok(Child {
            spec: spec.clone(),
            pid: Some(pid),
            kind,
            restarts,
        })
    }

    /// Stops one child by its shutdown, unlinked first so that its exit is not taken for a
    /// crash.
    async fn stop_child(child: &mut Child, ctx: &mut Context<Self>) {
        let shutdown = child.shutdown();
        let Some(pid) = child.pid.take() else {
            return;
        };
        ctx.unlink_pid(&pid);
        match shutdown {
            Shutdown::BrutalKill => pid.kill(),
            Shutdown::Timeout(timeout) => {
                if tokio::time::timeout(timeout, pid.shutdown(ExitReason::Shutdown))
                    .await
                    .is_err()
                {
                    pid.kill();
                }
            }
            Shutdown::Infinity => pid.shutdown(ExitReason::Shutdown).await,
        }
        pid.exited().await;
    }

    /// Stops the running children from `from` on, last started first.
    async fn stop_children(&mut self, from: usize, ctx: &mut Context<Self>) {
        for child in self.children[from..].iter_mut().rev() {
            Self::stop_child(child, ctx).await;
        }
    }

    /// Counts a restart; `false` once more than `max_restarts` fall within `period`.
    fn add_restart(&mut self) -> bool {
        let now = Instant::now();
        self.restarts.push_back(now);
        while let Some(&first) = self.restarts.front() {
            if now.duration_since(first) >= self.period {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        self.restarts.len() <= self.max_restarts as usize
    }

    async fn on_exit(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        let Some(index) = self
            .children
            .iter()
            .position(|child| child.pid.as_ref().is_some_and(|pid| pid.id() == exit.id))
        else {
            // Not a child: the supervisor's own supervisor, or another link. Follow it if it
            // failed, as a supervisor follows its parent in OTP.
            if !exit.reason.is_normal() {
                ctx.stop(ExitReason::Linked {
                    id: exit.id,
                    reason: Box::new(exit.reason),
                });
            }
            return;
        };
        self.children[index].pid = None;
        let restart = match self.children[index].spec.restart {
            Restart::Permanent => true,
            Restart::Transient => !exit.reason.is_normal(),
            Restart::Temporary => false,
        };
        if !restart {
            if self.children[index].spec.restart == Restart::Temporary {
                self.children.remove(index);
            }
            return;
        }
        self.restart(index, ctx).await;
    }

    /// Restarts after the child at `index` exited, by the strategy, retrying (and counting
    /// each try against the intensity) while a start fails.
    async fn restart(&mut self, mut index: usize, ctx: &mut Context<Self>) {
        loop {
            if !self.add_restart() {
                // Past the intensity: give up, as OTP does, with `shutdown`.
                self.stop_children(0, ctx).await;
                ctx.stop(ExitReason::Shutdown);
                return;
            }
            let first = match self.strategy {
                Strategy::OneForOne => index,
                Strategy::OneForAll => 0,
                Strategy::RestForOne => index,
            };
            if self.strategy != Strategy::OneForOne {
                self.stop_children(first, ctx).await;
                // Temporary siblings are not restarted: they leave the supervisor.
                let mut position = first;
                while position < self.children.len() {
                    if self.children[position].spec.restart == Restart::Temporary {
                        self.children.remove(position);
                    } else {
                        position += 1;
                    }
                }
            }
            let last = match self.strategy {
                Strategy::OneForOne => index + 1,
                _ => self.children.len(),
            };
            match self.start_range(first, last, ctx).await {
                Ok(()) => return,
                Err(failed) => {
                    // Undo this round's starts, then try again from the child that failed.
                    if self.strategy != Strategy::OneForOne {
                        self.stop_children(first, ctx).await;
                    }
                    index = failed;
                }
            }
        }
    }

    /// Starts the children in `first..last` that are not running, in order. `Err(index)`: the
    /// first that failed.
    async fn start_range(
        &mut self,
        first: usize,
        last: usize,
        ctx: &mut Context<Self>,
    ) -> Result<(), usize> {
        for index in first..last.min(self.children.len()) {
            if self.children[index].pid.is_some() {
                continue;
            }
            let spec = self.children[index].spec.clone();
            let restarts = self.children[index].restarts + 1;
            match Self::start_child(&spec, restarts, ctx).await {
                Ok(child) => self.children[index] = child,
                Err(_) => return Err(index),
            }
        }
        Ok(())
    }
}

impl GenServer for Supervisor {
    type Msg = SupervisorMsg;
    type Args = SupervisorBuilder;
    type InitError = SupervisorError;
    type Ref = SupervisorRef;

    async fn init(
        builder: SupervisorBuilder,
        ctx: &mut Context<Self>,
    ) -> Result<Self, SupervisorError> {
        ctx.trap_exits(true);
        let mut supervisor = Supervisor {
            strategy: builder.strategy,
            max_restarts: builder.max_restarts,
            period: builder.period,
            children: Vec::with_capacity(builder.children.len()),
            restarts: VecDeque::new(),
        };
        for (index, spec) in builder.children.iter().enumerate() {
            if builder.children[..index]
                .iter()
                .any(|earlier| earlier.id == spec.id)
            {
                supervisor.stop_children(0, ctx).await;
                return Err(SupervisorError::DuplicateChild(spec.id.clone()));
            }
            match Self::start_child(spec, 0, ctx).await {
                Ok(child) => supervisor.children.push(child),
                Err(reason) => {
                    supervisor.stop_children(0, ctx).await;
                    return Err(SupervisorError::ChildStart {
                        id: spec.id.clone(),
                        reason,
                    });
                }
            }
        }
        Ok(supervisor)
    }

    async fn handle(&mut self, msg: SupervisorMsg, ctx: &mut Context<Self>) {
        match msg.0 {
            Request::WhichChildren(reply_to) => {
                reply_to.send(self.children.iter().map(Child::info).collect());
            }
            Request::CountChildren(reply_to) => {
                let mut counts = ChildCounts {
                    specs: self.children.len(),
                    ..ChildCounts::default()
                };
                for child in &self.children {
                    counts.active += usize::from(child.pid.is_some());
                    match child.kind {
                        ChildKind::Worker => counts.workers += 1,
                        ChildKind::Supervisor => counts.supervisors += 1,
                    }
                }
                reply_to.send(counts);
            }
            Request::StartChild(spec, reply_to) => match Self::start_child(&spec, 0, ctx).await {
                Ok(child) => {
                    let pid = child.pid.clone();
                    self.children.push(child);
                    reply_to.send(pid.ok_or(SupervisorError::NotFound));
                }
                Err(reason) => reply_to.send(Err(SupervisorError::ChildStart {
                    id: spec.id,
                    reason,
                })),
            },
            Request::TerminateChild(id, reply_to) => {
                let found = self
                    .children
                    .iter()
                    .position(|child| child.pid.as_ref().is_some_and(|pid| pid.id() == id));
                match found {
                    Some(index) => {
                        let mut child = self.children.remove(index);
                        Self::stop_child(&mut child, ctx).await;
                        reply_to.send(Ok(()));
                    }
                    None => reply_to.send(Err(SupervisorError::NotFound)),
                }
            }
            Request::Exit(exit) => self.on_exit(exit, ctx).await,
        }
    }

    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        self.stop_children(0, ctx).await;
    }

    fn message_name(msg: &SupervisorMsg) -> &'static str {
        match msg.0 {
            Request::WhichChildren(_) => "which_children",
            Request::CountChildren(_) => "count_children",
            Request::StartChild(..) => "start_child",
            Request::TerminateChild(..) => "terminate_child",
            Request::Exit(_) => "exit",
        }
    }
}

impl Info<Exit> for Supervisor {
    fn into_msg(exit: Exit) -> SupervisorMsg {
        SupervisorMsg(Request::Exit(exit))
    }
}
