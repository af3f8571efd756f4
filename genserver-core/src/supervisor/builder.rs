//! [`SupervisorBuilder`]: a supervisor's strategy, intensity and children, before it starts.

use std::fmt;
use std::time::Duration;

use super::{ChildSpec, Supervisor, SupervisorError, SupervisorRef};
use crate::StartError;

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

/// When a supervisor shuts itself down because its [significant](ChildSpec::significant)
/// children have exited (OTP's `auto_shutdown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AutoShutdown {
    /// Never (the default); significant children are refused.
    #[default]
    Never,
    /// When any significant child exits on its own for good (a transient one normally, a
    /// temporary one in any way).
    AnySignificant,
    /// When the last running significant child exits on its own for good.
    AllSignificant,
}

/// Builds and starts a [`Supervisor`]; from [`Supervisor::builder`].
pub struct SupervisorBuilder {
    pub(super) strategy: Strategy,
    pub(super) max_restarts: u32,
    pub(super) period: Duration,
    pub(super) max_children: Option<usize>,
    pub(super) auto_shutdown: AutoShutdown,
    pub(super) children: Vec<ChildSpec>,
    pub(super) name: Option<String>,
}

impl fmt::Debug for SupervisorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SupervisorBuilder")
            .field("strategy", &self.strategy)
            .field("max_restarts", &self.max_restarts)
            .field("period", &self.period)
            .field("max_children", &self.max_children)
            .field("auto_shutdown", &self.auto_shutdown)
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
    /// [`ExitReason::Shutdown`](crate::ExitReason::Shutdown), as in OTP, leaving the decision to its own supervisor.
    pub fn max_restarts(mut self, restarts: u32, period: Duration) -> Self {
        self.max_restarts = restarts;
        self.period = period;
        self
    }

    /// At most `max` children at a time (Elixir's `DynamicSupervisor` `max_children`):
    /// [`start_child`](SupervisorRef::start_child) past it fails with
    /// [`SupervisorError::MaxChildren`]. Children running and children being restarted count;
    /// stopped children kept by id do not. No limit by default.
    ///
    /// ```
    /// use genserver::prelude::*;
    ///
    /// struct Job;
    ///
    /// #[genserver]
    /// impl Job {
    ///     #[call]
    ///     fn ping(&self) -> bool { true }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sup = Supervisor::builder().max_children(1).start().await.unwrap();
    /// sup.start_child(ChildSpec::new("job-1", || Job::start(Job))).await.unwrap();
    /// assert_eq!(
    ///     sup.start_child(ChildSpec::new("job-2", || Job::start(Job))).await,
    ///     Err(genserver::SupervisorError::MaxChildren)
    /// );
    /// # }
    /// ```
    pub fn max_children(mut self, max: usize) -> Self {
        self.max_children = Some(max);
        self
    }

    /// When the supervisor shuts itself down (exit reason [`ExitReason::Shutdown`](crate::ExitReason::Shutdown)) because
    /// its [significant](ChildSpec::significant) children have exited on their own: OTP's
    /// `auto_shutdown`. A child stopped by the supervisor (`terminate_child`, a restart of its
    /// siblings, the supervisor's own shutdown) never triggers it. Default
    /// [`AutoShutdown::Never`], under which a significant child is refused.
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::AutoShutdown;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// // A supervisor that lives as long as its one job: when the job is done, it goes too.
    /// let sup = Supervisor::builder()
    ///     .auto_shutdown(AutoShutdown::AnySignificant)
    ///     .child(
    ///         ChildSpec::task("job", || async { Ok::<(), String>(()) })
    ///             .restart(Restart::Transient)
    ///             .significant(true),
    ///     )
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(sup.exited().await, ExitReason::Shutdown);
    /// # }
    /// ```
    pub fn auto_shutdown(mut self, auto_shutdown: AutoShutdown) -> Self {
        self.auto_shutdown = auto_shutdown;
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
    /// [`SupervisorError::ChildStart`]. A child whose init returns `None` (OTP's `:ignore`)
    /// is kept as not running (restartable with
    /// [`restart_child`](SupervisorRef::restart_child)), or dropped if it is temporary. Two
    /// children with one id fail the start with [`SupervisorError::DuplicateChild`], a
    /// significant child that may not be one with [`SupervisorError::BadCombination`], before
    /// any child starts.
    pub async fn start(mut self) -> Result<SupervisorRef, StartError<SupervisorError>> {
        let mut options = Supervisor::options();
        if let Some(name) = self.name.take() {
            options = options.name(name);
        }
        options.start(self).await
    }
}
