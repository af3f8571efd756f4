//! The errors of a node: connecting, and its operations on the bucket of names. The failures of
//! one call are the runtime's [`RemoteError`], carried in `CallError::Remote`.

pub use genserver_core::RemoteError;

/// Why a [`Node`](crate::Node) could not be made, or a remote operation of the node failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The NATS server refused the connection or could not be reached. An authorisation
    /// failure (missing or wrong credentials) says so here.
    #[error("could not connect to NATS: {0}")]
    Connect(#[source] async_nats::ConnectError),
    /// The subject prefix is not a valid NATS subject (see [`NodeBuilder::prefix`](crate::NodeBuilder::prefix)).
    #[error(
        "invalid subject prefix {0:?}: use dot-separated tokens of letters, digits, `_` and `-`"
    )]
    InvalidPrefix(String),
    /// An option of the [`NodeBuilder`](crate::NodeBuilder) is out of range.
    #[error("invalid node option: {0}")]
    InvalidOption(String),
    /// The JetStream key-value bucket of names could not be opened or created.
    #[error(
        "the names bucket `{bucket}` is not available: {detail} (names and groups need \
         JetStream: start nats-server with `-js`)"
    )]
    Bucket {
        /// The bucket's name.
        bucket: String,
        /// What went wrong.
        detail: String,
    },
    /// A key-value operation on the bucket of names failed.
    #[error("a key-value operation on the names bucket failed: {0}")]
    Kv(String),
    /// A NATS operation failed.
    #[error(transparent)]
    Remote(#[from] RemoteError),
}

impl NodeError {
    /// The error as a [`RemoteError`], for the runtime's `StartError::Remote`.
    pub(crate) fn into_remote(self) -> RemoteError {
        match self {
            NodeError::Remote(error) => error,
            other => RemoteError::Transport(other.to_string()),
        }
    }
}
