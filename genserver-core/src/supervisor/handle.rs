//! [`SupervisorRef`]: the handle of a supervisor, and the messages its methods send.

use std::fmt;
use std::time::Duration;

use super::{ChildCounts, ChildInfo, ChildSpec, Supervisor, SupervisorError};
use crate::{CallError, Exit, Pid, ReplyTo, ServerId, ServerRef};

/// The messages of a [`Supervisor`]; made by [`SupervisorRef`]'s methods.
pub struct SupervisorMsg(pub(super) Request);

pub(super) enum Request {
    WhichChildren(ReplyTo<Vec<ChildInfo>>),
    WhichChild(String, ReplyTo<Option<ChildInfo>>),
    CountChildren(ReplyTo<ChildCounts>),
    StartChild(ChildSpec, ReplyTo<Result<Pid, SupervisorError>>),
    TerminateChild(ServerId, ReplyTo<Result<(), SupervisorError>>),
    TerminateChildId(String, ReplyTo<Result<(), SupervisorError>>),
    RestartChild(String, ReplyTo<Result<Pid, SupervisorError>>),
    DeleteChild(String, ReplyTo<Result<(), SupervisorError>>),
    /// A failed restart of this child, tried again (cast by the supervisor to itself, so that
    /// the requests queued meanwhile are answered first, as OTP's `try_again_restart`).
    TryAgain(String),
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

    /// The children, in start order (OTP's `which_children`): running, stopped and being
    /// restarted ones.
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        self.inner
            .call(|reply_to| SupervisorMsg(Request::WhichChildren(ReplyTo::from(reply_to))))
            .await
    }

    /// How many children there are, how many run, how many are supervisors and workers
    /// (OTP's `count_children`, with its counts in every state: see [`ChildCounts`]).
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        self.inner
            .call(|reply_to| SupervisorMsg(Request::CountChildren(ReplyTo::from(reply_to))))
            .await
    }

    /// The child with the id `id`, if any (OTP's `get_childspec`, as what
    /// [`which_children`](SupervisorRef::which_children) reports of it). `None` also when the
    /// supervisor cannot be reached.
    pub async fn which_child(&self, id: impl AsRef<str>) -> Option<ChildInfo> {
        let id = id.as_ref().to_owned();
        self.inner
            .call(|reply_to| SupervisorMsg(Request::WhichChild(id, ReplyTo::from(reply_to))))
            .await
            .ok()
            .flatten()
    }

    /// Starts a child at run time, after the others, and supervises it like them (OTP's
    /// `supervisor:start_child`, Elixir's `DynamicSupervisor.start_child`). The call waits for
    /// the child's init, within the handle's call timeout.
    ///
    /// Ids are unique in a supervisor, as in OTP: an id that a running child has gives
    /// [`SupervisorError::AlreadyStarted`] with that child, an id that a stopped child has
    /// [`SupervisorError::AlreadyPresent`]. Past the supervisor's
    /// [`max_children`](crate::SupervisorBuilder::max_children) it fails with
    /// [`SupervisorError::MaxChildren`]; a child whose init returns `None` with
    /// [`SupervisorError::Ignored`] (and is not kept); a significant child that may not be
    /// one with [`SupervisorError::BadCombination`].
    ///
    /// A child started this way is a *dynamic* child, as in Elixir's `DynamicSupervisor`: when
    /// it stops for good — it exits and is not restarted (a transient child normally, a
    /// temporary child in any way), its restart is ignored, or it is terminated — it is removed
    /// from the supervisor, so a long-lived supervisor of short-lived workers does not grow.
    /// (The children given to the builder are kept, stopped, as in OTP.)
    pub async fn start_child(&self, spec: ChildSpec) -> Result<Pid, SupervisorError> {
        self.inner
            .call(|reply_to| SupervisorMsg(Request::StartChild(spec, ReplyTo::from(reply_to))))
            .await?
    }

    /// Stops a dynamic child (one given to [`start_child`](SupervisorRef::start_child)) by its
    /// shutdown and removes it from the supervisor (Elixir's `DynamicSupervisor.terminate_child`).
    /// The call waits for the child to exit, within the handle's call timeout.
    /// [`SupervisorError::NotFound`] if no dynamic child is this server: stop a child given to
    /// the builder with [`terminate_child_id`](SupervisorRef::terminate_child_id).
    pub async fn terminate_child(&self, child: &Pid) -> Result<(), SupervisorError> {
        let id = child.id();
        self.inner
            .call(|reply_to| SupervisorMsg(Request::TerminateChild(id, ReplyTo::from(reply_to))))
            .await?
    }

    /// Stops the child with the id `id` by its shutdown (OTP's `supervisor:terminate_child`):
    /// a child given to the builder stays in the supervisor, stopped, to be restarted with
    /// [`restart_child`](SupervisorRef::restart_child) or removed with
    /// [`delete_child`](SupervisorRef::delete_child); a temporary or dynamic child is removed.
    /// Terminating a stopped child does nothing and succeeds; a child being restarted stops
    /// being retried. The call waits for the child to exit, within the handle's call timeout.
    /// [`SupervisorError::NotFound`] if no child has the id.
    ///
    /// ```
    /// use genserver::prelude::*;
    /// use genserver::SupervisorError;
    ///
    /// struct Cache;
    ///
    /// #[genserver]
    /// impl Cache {
    ///     #[call]
    ///     fn ping(&self) -> bool { true }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sup = Supervisor::builder()
    ///     .child(ChildSpec::new("cache", || Cache::start(Cache)))
    ///     .start()
    ///     .await
    ///     .unwrap();
    /// assert_eq!(sup.delete_child("cache").await, Err(SupervisorError::Running));
    /// sup.terminate_child_id("cache").await.unwrap();
    /// assert!(sup.which_child("cache").await.unwrap().pid.is_none());
    /// let again = sup.restart_child("cache").await.unwrap();
    /// assert!(again.is_alive());
    /// sup.terminate_child_id("cache").await.unwrap();
    /// sup.delete_child("cache").await.unwrap();
    /// assert!(sup.which_child("cache").await.is_none());
    /// # }
    /// ```
    pub async fn terminate_child_id(&self, id: impl AsRef<str>) -> Result<(), SupervisorError> {
        let id = id.as_ref().to_owned();
        self.inner
            .call(|reply_to| SupervisorMsg(Request::TerminateChildId(id, ReplyTo::from(reply_to))))
            .await?
    }

    /// Starts the stopped child with the id `id` again (OTP's `supervisor:restart_child`), and
    /// returns the new server. [`SupervisorError::Running`] if it runs,
    /// [`SupervisorError::Restarting`] if its restart is being retried,
    /// [`SupervisorError::NotFound`] if no child has the id; a failed start leaves it stopped
    /// ([`SupervisorError::ChildStart`], [`SupervisorError::Ignored`]).
    pub async fn restart_child(&self, id: impl AsRef<str>) -> Result<Pid, SupervisorError> {
        let id = id.as_ref().to_owned();
        self.inner
            .call(|reply_to| SupervisorMsg(Request::RestartChild(id, ReplyTo::from(reply_to))))
            .await?
    }

    /// Removes the stopped child with the id `id` and its spec (OTP's
    /// `supervisor:delete_child`). [`SupervisorError::Running`] if it runs,
    /// [`SupervisorError::Restarting`] if its restart is being retried,
    /// [`SupervisorError::NotFound`] if no child has the id.
    pub async fn delete_child(&self, id: impl AsRef<str>) -> Result<(), SupervisorError> {
        let id = id.as_ref().to_owned();
        self.inner
            .call(|reply_to| SupervisorMsg(Request::DeleteChild(id, ReplyTo::from(reply_to))))
            .await?
    }
}
