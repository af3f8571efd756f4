//! [`SupervisorRef`]: the handle of a supervisor, and the messages its methods send.

use std::fmt;
use std::time::Duration;

use super::{ChildCounts, ChildInfo, ChildSpec, Supervisor, SupervisorError};
use crate::{CallError, Exit, Pid, ReplyTo, ServerId, ServerRef};

/// The messages of a [`Supervisor`]; made by [`SupervisorRef`]'s methods.
pub struct SupervisorMsg(pub(super) Request);

pub(super) enum Request {
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    CountChildren(ReplyTo<ChildCounts>),
    StartChild(ChildSpec, ReplyTo<Result<Pid, SupervisorError>>),
    TerminateChild(ServerId, ReplyTo<Result<(), SupervisorError>>),
    Exit(Exit),
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
