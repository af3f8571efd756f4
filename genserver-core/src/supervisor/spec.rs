//! [`ChildSpec`]: how a supervisor starts a child, when it restarts it ([`Restart`]) and how it
//! stops it ([`Shutdown`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shutdown {
    /// Killed at once, without `terminate`.
    BrutalKill,
    /// Stopped with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown), and killed if it has not exited (its `terminate`
    /// done) within the duration. Workers default to 5 s.
    Timeout(Duration),
    /// Stopped with [`ExitReason::Shutdown`](crate::ExitReason::Shutdown), however long it takes. Supervisors default to
    /// this, so that they stop their own children in full.
    Infinity,
}

impl From<Duration> for Shutdown {
    fn from(timeout: Duration) -> Self {
        Shutdown::Timeout(timeout)
    }
}

/// The default shutdown of a worker, as in OTP.
pub(super) const WORKER_SHUTDOWN: Shutdown = Shutdown::Timeout(Duration::from_secs(5));

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
    pub(super) id: String,
    pub(super) start: StartFn,
    pub(super) restart: Restart,
    pub(super) shutdown: Option<Shutdown>,
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
