//! Supervisors: OTP's `supervisor` — start children in order, restart them by a strategy when
//! they exit, give up past a restart intensity, stop them in reverse order.
//!
//! A [`Supervisor`] is itself a server (trapping exits, linked to each child), so it can be
//! named, monitored, and be the child of another supervisor.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::{
    CallError, Context, Exit, ExitReason, GenServer, Info, Options, Pid, ReplyTo, ServerId,
    ServerRef, StartError,
};

/// Which children a supervisor restarts when one of them exits and must be restarted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// Only the child that exited (OTP's `one_for_one`).
    #[default]
    OneForOne,
    /// Every child: the others are stopped (in reverse start order), then all are started again
    /// in order (OTP's `one_for_all`).
    OneForAll,
    /// The child that exited and the children started after it: those are stopped (in reverse
    /// order), then restarted in order (OTP's `rest_for_one`).
    RestForOne,
}

/// When a child is restarted after it exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Restart {
    /// Always (the default).
    #[default]
    Permanent,
    /// Only after an abnormal exit: not after [`ExitReason::Normal`] or
    /// [`ExitReason::Shutdown`].
    Transient,
    /// Never; the child is removed from the supervisor when it exits.
    Temporary,
}

/// How a supervisor stops a child: OTP's `shutdown` of a child spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Killed at once, without `terminate`.
    BrutalKill,
    /// Stopped with [`ExitReason::Shutdown`], and killed if it has not exited (its `terminate`
    /// done) within the duration. Workers default to 5 s.
    Timeout(Duration),
    /// Stopped with [`ExitReason::Shutdown`], however long it takes. Supervisors default to
    /// this, so that they stop their own children in full.
    Infinity,
}

impl From<Duration> for Shutdown {
    fn from(timeout: Duration) -> Self {
        Shutdown::Timeout(timeout)
    }
}

/// The default shutdown of a worker, as in OTP.
const WORKER_SHUTDOWN: Shutdown = Shutdown::Timeout(Duration::from_secs(5));

type StartFuture = Pin<Box<dyn Future<Output = Result<Pid, String>> + Send>>;
type StartFn = Arc<dyn Fn() -> StartFuture + Send + Sync>;

/// How to start one child and what to do when it exits: OTP's child spec.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
///
/// #[derive(Default)]
/// struct Cache;
///
/// #[genserver]
/// impl Cache {
///     #[call]
///     fn size(&self) -> usize { 0 }
/// }
///
/// let spec = ChildSpec::new("cache", || Cache::options().name("cache").start(Cache))
///     .restart(Restart::Transient)
///     .shutdown(Duration::from_secs(1));
/// assert_eq!(spec.id(), "cache");
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    id: String,
    start: StartFn,
    restart: Restart,
    shutdown: Option<Shutdown>,
}

impl ChildSpec {
    /// A permanent child called `id`, started (and restarted) by calling `start`, typically
    /// `|| MyServer::options().name("..").start(args)`.
    ///
    /// `start` returns the `start` future of a server: the supervisor awaits it, so the child's
    /// init has run when the next child starts. A failed start is reported with the error's
    /// `Display`.
    pub fn new<F, Fut, R, S, E>(id: impl Into<String>, start: F) -> ChildSpec
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, StartError<E>>> + Send + 'static,
        R: AsRef<ServerRef<S>>,
        S: GenServer,
        E: fmt::Display,
    {
        ChildSpec {
            id: id.into(),
            start: Arc::new(move || {
                let started = start();
                Box::pin(async move {
                    match started.await {
                        Ok(handle) => Ok(handle.as_ref().pid()),
                        Err(error) => Err(error.to_string()),
                    }
                })
            }),
            restart: Restart::Permanent,
            shutdown: None,
        }
    }

    /// When to restart the child (default [`Restart::Permanent`]).
    pub fn restart(mut self, restart: Restart) -> ChildSpec {
        self.restart = restart;
        self
    }

    /// How to stop the child: a [`Duration`] for the time its `terminate` gets before it is
    /// killed, or a [`Shutdown`]. Defaults: 5 s for a worker, [`Shutdown::Infinity`] for a
    /// supervisor.
    pub fn shutdown(mut self, shutdown: impl Into<Shutdown>) -> ChildSpec {
        self.shutdown = Some(shutdown.into());
        self
    }

    /// The child's id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .finish_non_exhaustive()
    }
}

/// Whether a child is a worker or a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildKind {
    /// Any server that is not a supervisor.
    Worker,
    /// A [`Supervisor`].
    Supervisor,
}

/// One child, as [`SupervisorRef::which_children`] reports it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ChildInfo {
    /// The id of its spec.
    pub id: String,
    /// The running server, or `None` if it is not running (a transient child that exited
    /// normally).
    pub pid: Option<Pid>,
    /// Its restart type.
    pub restart: Restart,
    /// Worker or supervisor.
    pub kind: ChildKind,
    /// How many times the supervisor has restarted it.
    pub restarts: u32,
}

/// The counts of [`SupervisorRef::count_children`] (OTP's `count_children`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ChildCounts {
    /// Children, running or not.
    pub specs: usize,
    /// Running children.
    pub active: usize,
    /// Children that are supervisors.
    pub supervisors: usize,
    /// Children that are workers.
    pub workers: usize,
}

/// Why a supervisor did not start, or a request to it failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SupervisorError {
    /// A child failed to start. At the supervisor's start, the children started before it
    /// have been stopped again.
    #[error("child {id:?} failed to start: {reason}")]
    ChildStart {
        /// The child's id.
        id: String,
        /// Its start error.
        reason: String,
    },
    /// Two children given to the builder have this id.
    #[error("two children of the supervisor have the id {0:?}")]
    DuplicateChild(String),
    /// No child of the supervisor is this server.
    #[error("the supervisor has no such child")]
    NotFound,
    /// The request did not reach the supervisor, or got no answer.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// Builds and starts a [`Supervisor`]; from [`Supervisor::builder`].
pub struct SupervisorBuilder {
    strategy: Strategy,
    max_restarts: u32,
    period: Duration,
    children: Vec<ChildSpec>,
    name: Option<String>,
}

impl fmt::Debug for SupervisorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupervisorBuilder")
            .field("strategy", &self.strategy)
            .field("max_restarts", &self.max_restarts)
            .field("period", &self.period)
            .field("children", &self.children)
            .field("name", &self.name)
            .finish()
    }
}

impl SupervisorBuilder {
    /// The restart strategy (default [`Strategy::OneForOne`]).
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// The restart intensity: at most `restarts` restarts within `period` (OTP's default: 3 in
    /// 5 s). One more, and the supervisor stops all its children and exits with
    /// [`ExitReason::Shutdown`], as in OTP, leaving the decision to its own supervisor.
    pub fn max_restarts(mut self, restarts: u32, period: Duration) -> Self {
        self.max_restarts = restarts;
        self.period = period;
        self
    }

    /// Adds a child. Children start in the order added, and stop in the reverse order.
    pub fn child(mut self, spec: ChildSpec) -> Self {
        self.children.push(spec);
        self
    }

    /// Adds children, in order.
    pub fn children(mut self, specs: impl IntoIterator<Item = ChildSpec>) -> Self {
        self.children.extend(specs);
        self
    }

    /// Registers the supervisor under `name` in the local registry.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Starts the supervisor, which starts its children in order; returns once all have
    /// started. If one fails, the ones started are stopped again and the start fails with
    /// [`SupervisorError::ChildStart`].
    pub async fn start(mut self) -> Result<SupervisorRef, StartError<SupervisorError>> {
        let mut options = Supervisor::options();
        if let Some(name) = self.name.take() {
            options = options.name(name);
        }
        options.start(self).await
    }
}

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

/// The messages of a [`Supervisor`]; made by [`SupervisorRef`]'s methods.
pub struct SupervisorMsg(Request);

enum Request {
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    CountChildren(ReplyTo<ChildCounts>),
    StartChild(ChildSpec, ReplyTo<Result<Pid, SupervisorError>>),
    TerminateChild(ServerId, ReplyTo<Result<(), SupervisorError>>),
    Exit(Exit),
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
        let pid = crate::server::with_restarts(restarts, (spec.start)()).await?;
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

/// The handle of a [`Supervisor`]. Dereferences to [`ServerRef<Supervisor>`] for `stop`,
/// `exited`, `pid`, and the rest.
#[derive(Clone)]
pub struct SupervisorRef {
    inner: ServerRef<Supervisor>,
}

impl From<ServerRef<Supervisor>> for SupervisorRef {
    fn from(inner: ServerRef<Supervisor>) -> Self {
        SupervisorRef { inner }
    }
}

impl AsRef<ServerRef<Supervisor>> for SupervisorRef {
    fn as_ref(&self) -> &ServerRef<Supervisor> {
        &self.inner
    }
}

impl std::ops::Deref for SupervisorRef {
    type Target = ServerRef<Supervisor>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl fmt::Debug for SupervisorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl SupervisorRef {
    /// A handle to the supervisor registered under `name`, resolved at each use.
    pub fn from_name(name: impl Into<String>) -> Self {
        ServerRef::from_name(name).into()
    }

    /// A handle whose requests wait at most `timeout` for their answer.
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        self.inner.with_timeout(timeout).into()
    }

    /// The children, in start order (OTP's `which_children`).
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        self.inner
            .call(|reply_to| SupervisorMsg(Request::WhichChildren(ReplyTo::from(reply_to))))
            .await
    }

    /// How many children, running, supervisors, workers (OTP's `count_children`).
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        self.inner
            .call(|reply_to| SupervisorMsg(Request::CountChildren(ReplyTo::from(reply_to))))
            .await
    }

    /// Starts a child at run time, after the others, and supervises it like them. Child ids
    /// need not be unique here (as in Elixir's `DynamicSupervisor`). The call waits for the
    /// child's init, within the handle's call timeout.
    pub async fn start_child(&self, spec: ChildSpec) -> Result<Pid, SupervisorError> {
        self.inner
            .call(|reply_to| SupervisorMsg(Request::StartChild(spec, ReplyTo::from(reply_to))))
            .await?
    }

    /// Stops a child by its shutdown and removes it from the supervisor (Elixir's
    /// `DynamicSupervisor.terminate_child`). The call waits for the child to exit, within the
    /// handle's call timeout.
    pub async fn terminate_child(&self, child: &Pid) -> Result<(), SupervisorError> {
        let id = child.id();
        self.inner
            .call(|reply_to| SupervisorMsg(Request::TerminateChild(id, ReplyTo::from(reply_to))))
            .await?
    }
}
