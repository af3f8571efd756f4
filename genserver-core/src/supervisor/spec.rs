//! [`ChildSpec`]: how a supervisor starts a child, when it restarts it ([`Restart`]) and how it
//! stops it ([`Shutdown`]).

use std::any::TypeId;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::{ChildKind, Supervisor};
use crate::{GenServer, Pid, ServerRef, StartError};

/// When a child is restarted after it exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Restart {
    /// Always (the default).
    #[default]
    Permanent,
    /// Only after an abnormal exit: not after [`ExitReason::Normal`](crate::ExitReason::Normal) or
    /// [`ExitReason::Shutdown`](crate::ExitReason::Shutdown).
    Transient,
    /// Never; the child is removed from the supervisor when it exits.
    Temporary,
}

/// How a supervisor stops a child: OTP's `shutdown` of a child spec.
///
/// A child stopped by its supervisor exits with [`ExitReason::Shutdown`](crate::ExitReason),
/// or [`ExitReason::Killed`](crate::ExitReason) when it is `BrutalKill`ed or outlives its
/// `Timeout` (also when it is in the middle of `terminate` then); a child that exits on its
/// own while being stopped keeps its own reason.
///
/// **What a kill cannot do.** tokio stops a task only at an `.await`: a child whose handler
/// (or `terminate`) blocks its thread without awaiting — a synchronous loop,
/// `std::thread::sleep`, a blocking lock or I/O call — cannot be killed until that handler
/// returns, and its `Timeout` cannot shorten it. The supervisor is not held up by it: after
/// the kill it waits a short grace (half a second) for the exit, then goes on as if the child
/// had exited — it stops its other children, answers its requests, and finishes its own
/// shutdown — while the stuck child ends (with `Killed`) whenever its handler returns. Until
/// then it keeps its thread and its name, so a restart under the same name fails and counts
/// against the restart intensity. Run blocking work with `tokio::task::spawn_blocking` and
/// await it, so that a child stays killable. `Infinity` waits for the child however long it
/// takes, stuck or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Killed at once, without `terminate`: it exits with `Killed`.
    BrutalKill,
    /// Stopped with [`ExitReason::Shutdown`](crate::ExitReason), and killed if it has not
    /// exited (its `terminate` done) within the duration. Workers default to 5 s.
    Timeout(Duration),
    /// Stopped with [`ExitReason::Shutdown`](crate::ExitReason), however long it takes.
    /// Supervisors default to this, so that they stop their own children in full.
    Infinity,
}

impl From<Duration> for Shutdown {
    fn from(timeout: Duration) -> Self {
        Shutdown::Timeout(timeout)
    }
}

/// The default shutdown of a worker, as in OTP.
pub(super) const WORKER_SHUTDOWN: Shutdown = Shutdown::Timeout(Duration::from_secs(5));

/// Why a child's start gave no running child.
#[derive(Debug, Clone)]
pub(super) enum StartFailure {
    /// Its init returned `None` (OTP's `:ignore`).
    Ignored,
    /// Its name is held by this server.
    AlreadyStarted(Pid),
    /// Any other failure, as the start error's `Display`.
    Failed(String),
}

impl fmt::Display for StartFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartFailure::Ignored => f.write_str("its init returned `None`"),
            StartFailure::AlreadyStarted(holder) => write!(f, "its name is held by {holder:?}"),
            StartFailure::Failed(reason) => f.write_str(reason),
        }
    }
}

impl<E: fmt::Display> From<StartError<E>> for StartFailure {
    fn from(error: StartError<E>) -> Self {
        match error {
            StartError::Ignored => StartFailure::Ignored,
            StartError::AlreadyStarted(holder) => StartFailure::AlreadyStarted(holder),
            error => StartFailure::Failed(error.to_string()),
        }
    }
}

type StartFuture = Pin<Box<dyn Future<Output = Result<Pid, StartFailure>> + Send>>;
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
    pub(super) id: String,
    pub(super) start: StartFn,
    pub(super) restart: Restart,
    pub(super) shutdown: Option<Shutdown>,
    pub(super) kind: ChildKind,
    pub(super) significant: bool,
}

impl ChildSpec {
    /// A permanent child called `id`, started (and restarted) by calling `start`, typically
    /// `|| MyServer::options().name("..").start(args)`.
    ///
    /// `start` returns the `start` future of a server: the supervisor awaits it, so the child's
    /// init has run when the next child starts (give a slow init a
    /// [`start_timeout`](crate::Options::start_timeout)). An init that returns `None` is OTP's
    /// `:ignore` (see [`SupervisorError::Ignored`](crate::SupervisorError::Ignored)); any other
    /// failed start is reported with the error's `Display`. A child that is a [`Supervisor`]
    /// counts as a supervisor in [`ChildCounts`](crate::ChildCounts).
    pub fn new<F, Fut, R, S, E>(id: impl Into<String>, start: F) -> ChildSpec
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, StartError<E>>> + Send + 'static,
        R: AsRef<ServerRef<S>>,
        S: GenServer,
        E: fmt::Display,
    {
        let kind = if TypeId::of::<S>() == TypeId::of::<Supervisor>() {
            ChildKind::Supervisor
        } else {
            ChildKind::Worker
        };
        ChildSpec::from_start(
            id.into(),
            kind,
            Arc::new(move || {
                let started = start();
                Box::pin(async move {
                    match started.await {
                        Ok(handle) => Ok(handle.as_ref().pid()),
                        Err(error) => Err(StartFailure::from(error)),
                    }
                })
            }),
        )
    }

    /// A permanent child called `id` that is a plain future, not a server: `run` makes the
    /// future, which the supervisor starts as a task of its own and supervises like a server
    /// (OTP's supervised `Task`). `Ok(())` is a normal exit, `Err(e)` an abnormal one
    /// ([`ExitReason::Error`](crate::ExitReason) with `e`'s `Display`), and so is a panic
    /// ([`ExitReason::Panic`](crate::ExitReason)): with the default
    /// [`Restart::Permanent`] it is restarted after any of them, with [`Restart::Transient`]
    /// only after a failure.
    ///
    /// When the supervisor stops it, the future is cancelled (dropped at its next `.await`) and
    /// it exits with [`ExitReason::Shutdown`](crate::ExitReason), or with `Killed` under
    /// [`Shutdown::BrutalKill`]. Its [`Pid`] can be monitored, awaited and killed like a
    /// server's, but it has no mailbox: `downcast` gives nothing.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use genserver::prelude::*;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let runs = Arc::new(AtomicU32::new(0));
    /// let counted = runs.clone();
    /// let sup = Supervisor::builder()
    ///     .child(
    ///         ChildSpec::task("flaky-import", move || {
    ///             let runs = counted.clone();
    ///             async move {
    ///                 // The first run fails and is restarted; the second one succeeds.
    ///                 if runs.fetch_add(1, Ordering::SeqCst) == 0 {
    ///                     return Err("the feed was not there yet");
    ///                 }
    ///                 Ok(())
    ///             }
    ///         })
    ///         .restart(Restart::Transient),
    ///     )
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// // The first run fails and is restarted; the second succeeds, and the child stops.
    /// while runs.load(Ordering::SeqCst) < 2
    ///     || sup.which_child("flaky-import").await.unwrap().pid.is_some()
    /// {
    ///     tokio::task::yield_now().await;
    /// }
    /// let import = sup.which_child("flaky-import").await.unwrap();
    /// assert_eq!(import.restarts, 1);
    /// assert_eq!(sup.count_children().await.unwrap().active, 0);
    /// # }
    /// ```
    pub fn task<F, Fut, E>(id: impl Into<String>, run: F) -> ChildSpec
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: fmt::Display + 'static,
    {
        ChildSpec::from_start(
            id.into(),
            ChildKind::Worker,
            Arc::new(move || {
                let future = run();
                // Spawned when the supervisor polls the start, which records its restart count.
                Box::pin(async move { Ok(crate::task::spawn_future(future)) })
            }),
        )
    }

    fn from_start(id: String, kind: ChildKind, start: StartFn) -> ChildSpec {
        ChildSpec {
            id,
            start,
            restart: Restart::Permanent,
            shutdown: None,
            kind,
            significant: false,
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

    /// Makes the child significant for its supervisor's
    /// [`auto_shutdown`](crate::SupervisorBuilder::auto_shutdown) (OTP's `significant`): the
    /// supervisor shuts itself down when any, or the last, significant child exits on its own
    /// for good — a transient one normally, a temporary one in any way. A significant child
    /// must be transient or temporary, under a supervisor whose `auto_shutdown` is not
    /// [`AutoShutdown::Never`](crate::AutoShutdown::Never): anything else is refused with
    /// [`SupervisorError::BadCombination`](crate::SupervisorError::BadCombination).
    pub fn significant(mut self, significant: bool) -> ChildSpec {
        self.significant = significant;
        self
    }

    /// The child's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Worker or supervisor: a spec made with [`new`](ChildSpec::new) for a
    /// [`Supervisor`]'s start is a supervisor.
    pub fn kind(&self) -> ChildKind {
        self.kind
    }

    /// How the child is stopped: the one given, or the default of its kind.
    pub(super) fn shutdown_or_default(&self) -> Shutdown {
        self.shutdown.unwrap_or(match self.kind {
            ChildKind::Worker => WORKER_SHUTDOWN,
            ChildKind::Supervisor => Shutdown::Infinity,
        })
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown)
            .field("kind", &self.kind)
            .field("significant", &self.significant)
            .finish_non_exhaustive()
    }
}
