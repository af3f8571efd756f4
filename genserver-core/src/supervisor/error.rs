//! [`SupervisorError`]: why a supervisor did not start, or a request to it failed.

use crate::CallError;

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
