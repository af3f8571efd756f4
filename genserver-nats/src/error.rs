//! The errors of the remote part: connecting a node, the failures only a network has, and
//! remote starts.

use genserver_core::StartError;

/// What only a network can do to one call or cast: the connection lost, a message that does
/// not decode, a payload too large. It fails that one call; the connection and every other call
/// go on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The connection to NATS was lost while the call waited for its reply. The request may or
    /// may not have reached the server (and been handled): NATS delivers at most once.
    #[error(
        "the connection to NATS was lost before the reply came; the remote server may or may \
         not have handled the call ({0})"
    )]
    ConnectionLost(String),
    /// The node was not connected to NATS (it is reconnecting, or was closed): nothing was sent.
    #[error("not connected to NATS (reconnecting or closed): the message was not sent")]
    NotConnected,
    /// A message did not decode: the request on the server's side, or the reply on the
    /// caller's. Usually the two sides run versions of the server type whose messages differ
    /// in a way the wire format does not tolerate (see the crate's schema rules).
    #[error("a message did not decode: {0}")]
    Decode(String),
    /// A message could not be encoded (a `Serialize` impl failed).
    #[error("a message could not be encoded: {0}")]
    Encode(String),
    /// The message is larger than the NATS server accepts (its `max_payload`, 1 MiB unless
    /// configured otherwise).
    #[error(
        "the message is {size} bytes, more than the {max} bytes the NATS server accepts \
         (its max_payload)"
    )]
    PayloadTooLarge {
        /// The size of the message, headers included.
        size: usize,
        /// The server's limit.
        max: usize,
    },
    /// The remote server has no handler of this name: it runs another version of the server
    /// type.
    #[error("the remote server has no handler `{0}`: it runs another version of the server type")]
    UnknownMessage(String),
    /// The message is of a kind that does not travel to another process (an `#[info]` message:
    /// timers, monitors and other local events).
    #[error(
        "`{0}` is an info message: info messages are delivered locally only, never sent over NATS"
    )]
    NotRemote(String),
    /// Another failure of the NATS client.
    #[error("NATS error: {0}")]
    Transport(String),
}

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

/// Who holds a name that a remote start asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// The name.
    pub name: String,
    /// The id of the node that holds it (see [`Node::id`](crate::Node::id)).
    pub node: String,
}

/// Why a server started with a remote name or group did not start.
#[derive(Debug, thiserror::Error)]
pub enum RemoteStartError<E> {
    /// The local start failed (init failed or panicked, or the name is taken in the local
    /// registry); no name is held in the cluster.
    #[error(transparent)]
    Start(StartError<E>),
    /// A live server elsewhere in the cluster holds the name.
    #[error("a server is already running under the name {:?} on node {}", .0.name, .0.node)]
    AlreadyStarted(Holder),
    /// The name could not be claimed or the server not exposed (NATS or JetStream failed).
    #[error(transparent)]
    Node(#[from] NodeError),
}
