//! [`SupervisorError`]: why a supervisor did not start, or a request to it failed.

use crate::{CallError, Pid};

/// Why a supervisor did not start, or a request to it failed. The child administration errors
/// are OTP's (`{error, not_found}`, `running`, `restarting`, `already_present`,
/// `{already_started, Pid}`) and Elixir's `DynamicSupervisor`'s (`max_children`).
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
    /// No child of the supervisor has this id (or, for `terminate_child`, is this server).
    #[error("the supervisor has no such child")]
    NotFound,
    /// The child is running: it cannot be restarted or deleted (terminate it first).
    #[error("the child is running: terminate it first")]
    Running,
    /// The child's restart failed and is being tried again: it cannot be restarted or deleted
    /// now.
    #[error("the child is being restarted")]
    Restarting,
    /// `start_child` with the id of a child the supervisor keeps stopped: restart it with
    /// `restart_child`, or remove it with `delete_child` first.
    #[error(
        "a stopped child with this id is already present: restart it with `restart_child` or \
         remove it with `delete_child`"
    )]
    AlreadyPresent,
    /// `start_child` with the id of a running child, or the child's name is held by this
    /// server.
    #[error("the child is already started ({0:?})")]
    AlreadyStarted(Pid),
    /// The child's init returned `None` (OTP's `:ignore`): it does not run. A static child is
    /// kept as stopped (restartable with `restart_child`); a child given to `start_child` is
    /// not kept.
    #[error("the child's init chose not to start it (it returned `None`)")]
    Ignored,
    /// `start_child` while the supervisor already has its `max_children` children (running or
    /// being restarted).
    #[error("the supervisor already has its maximum number of children")]
    MaxChildren,
    /// A significant child that is permanent, or under a supervisor whose `auto_shutdown` is
    /// `Never` (OTP's `bad_combination`).
    #[error(
        "a significant child must be transient or temporary, under a supervisor whose \
         auto_shutdown is AnySignificant or AllSignificant"
    )]
    BadCombination,
    /// The request did not reach the supervisor, or got no answer.
    #[error(transparent)]
    Call(#[from] CallError),
}
