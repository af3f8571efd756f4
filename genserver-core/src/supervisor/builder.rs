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

/// Builds and starts a [`Supervisor`]; from [`Supervisor::builder`].
pub struct SupervisorBuilder {
    pub(super) strategy: Strategy,
    pub(super) max_restarts: u32,
    pub(super) period: Duration,
    pub(super) children: Vec<ChildSpec>,
    pub(super) name: Option<String>,
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
    /// [`ExitReason::Shutdown`](crate::ExitReason::Shutdown), as in OTP, leaving the decision to its own supervisor.
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
