//! The errors of calls, casts, starts and stops.

use crate::{ExitReason, Pid, ServerId};

/// Why a call returned no reply. Every call ends with exactly one reply or one of these.
///
/// ```
/// use genserver_core::CallError;
///
/// let error = CallError::Timeout;
/// assert!(error.to_string().contains("with_timeout"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    /// No reply within the call timeout (5 s unless changed). The server keeps running and its
    /// late reply is dropped.
    #[error(
        "the call timed out: the server did not reply within its call timeout; it is still running \
         and its late reply will be dropped (give the call more time with `with_timeout`)"
    )]
    Timeout,
    /// There is no server to call: it never started, it has exited, or no server holds the name.
    #[error(
        "no server is running to take the call: it has exited or was never started \
         (start it first, or check `is_alive`)"
    )]
    NotRunning,
    /// The server exited before it replied. Every caller still queued in its mailbox gets this.
    #[error("the server exited before replying ({0})")]
    Exited(ExitReason),
    /// The server dropped the call's [`ReplyTo`](crate::ReplyTo) without sending a reply.
    #[error(
        "the server dropped the reply without answering: a `ReplyTo` went out of scope before \
         `send` was called on it"
    )]
    NoReply,
    /// A handler called its own server, which would wait for itself forever.
    #[error(
        "a handler called its own server, which would deadlock: call the method on `self` \
         directly, use a cast, or make the call from a spawned task"
    )]
    CallingSelf,
    /// The server is in another process, and the network or the wire format failed this call
    /// (the connection lost, a message that does not decode, a payload too large). Only this
    /// call failed; the connection and other calls go on.
    #[error("the remote call failed: {0}")]
    Remote(RemoteError),
    /// The call would close a cycle of handlers waiting for each other: a handler of the
    /// first server in the path calls the second, whose handler is waiting for a call to the
    /// third, and so on, and the last is waiting for the first. OTP only ends such a
    /// deadlock by timeout; here the call that closes the cycle fails at once, and the others
    /// go on. The path starts with the server making this call; a cycle of one server is
    /// [`CallingSelf`](CallError::CallingSelf).
    ///
    /// As after a [`Timeout`](CallError::Timeout), the message was already delivered: the
    /// server called may still handle it once it is free, and its reply is then dropped.
    #[error("the call would deadlock: {}", cycle(.0))]
    Deadlock(Vec<ServerId>),
}

/// The cycle of a [`CallError::Deadlock`] in words: `<0.7.0> calls <0.8.0>, which waits for a
/// call to <0.7.0>`.
fn cycle(path: &[ServerId]) -> String {
    let Some(first) = path.first() else {
        return "a cycle of no server".to_owned();
    };
    let mut text = format!("{first} calls");
    for id in &path[1..] {
        text.push_str(&format!(" {id}, which waits for a call to"));
    }
    text.push_str(&format!(" {first}"));
    text
}

/// Why a cast (or an info message) could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CastError {
    /// The server has exited or was never started; the message was dropped.
    #[error("no server is running to take the message: it has exited or was never started")]
    NotRunning,
    /// The server's bounded mailbox is full; the message was dropped. Retry later, or start the
    /// server with a larger `mailbox_capacity`.
    #[error(
        "the server's mailbox is full, the message was dropped (retry later or raise \
         `mailbox_capacity`)"
    )]
    Full,
    /// The server is in another process, and the message could not be sent (not connected,
    /// too large, not encodable). A remote cast that was sent is at most once: it is lost,
    /// silently, if its server is gone, as a cast to a local server that died.
    #[error("the remote cast failed: {0}")]
    Remote(RemoteError),
}

/// Why a server did not start.
///
/// `E` is the error type of the server's `#[init]` (`std::convert::Infallible` when init cannot
/// fail).
#[derive(Debug, thiserror::Error)]
pub enum StartError<E> {
    /// `init` returned `Err(E)`; the server never ran.
    #[error("the server's init failed: {0}")]
    Init(E),
    /// `init` panicked; the payload is the panic message. The caller of `start` is unharmed.
    #[error("the server's init panicked: {0}")]
    Panic(String),
    /// A server is already registered under the requested name; this is its handle.
    #[error("a server is already running under this name ({0:?}); use `whereis` to reach it")]
    AlreadyStarted(Pid),
    /// A server to be reached from other processes could not claim its name or be exposed
    /// (the network, or the service that keeps names, failed); nothing was started.
    #[error("the remote start failed: {0}")]
    Remote(RemoteError),
    /// `init` returned `None` (OTP's `:ignore`): no server runs and its name is free.
    #[error("the server's init chose not to start it (it returned `None`, OTP's `:ignore`)")]
    Ignored,
    /// `init` was still running when the start timeout
    /// ([`Options::start_timeout`](crate::Options::start_timeout)) ran out: the half-started
    /// server was killed, and its name is free.
    #[error(
        "the server's init did not finish within the start timeout; the server was killed \
         (give it more time with `start_timeout`)"
    )]
    Timeout,
}

/// Why [`ServerRef::stop_timeout`](crate::ServerRef::stop_timeout) did not see the server
/// exit.
///
/// ```
/// use genserver_core::StopError;
///
/// assert!(StopError::Timeout.to_string().contains("still stopping"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StopError {
    /// There was no server to stop: it had exited already, or no server holds the name
    /// (OTP's `noproc`).
    #[error("no server is running to stop: it has exited or was never started")]
    NotRunning,
    /// The server had not exited within the timeout. The stop goes on: it exits once its
    /// current handler and `terminate` have run.
    #[error(
        "the server did not exit within the stop timeout; it is still stopping and will exit \
         once its handler and `terminate` return (kill it to end it at once)"
    )]
    Timeout,
    /// A handler tried to stop its own server and wait for it, which would wait forever.
    #[error(
        "a handler tried to stop its own server and wait for it, which would deadlock: use \
         `ctx.stop(reason)` instead"
    )]
    CallingSelf,
}

impl<E> StartError<E> {
    /// The `E` of an [`Init`](StartError::Init) error, if that is what this is.
    pub fn into_init_error(self) -> Option<E> {
        match self {
            StartError::Init(error) => Some(error),
            _ => None,
        }
    }
}

/// What only a network can do to a message for a server in another process. The transport
/// (the `genserver-nats` crate) makes these; the runtime only carries them in
/// [`CallError::Remote`], [`CastError::Remote`] and [`StartError::Remote`].
///
/// ```
/// use genserver_core::{CallError, RemoteError};
///
/// let error = CallError::Remote(RemoteError::PayloadTooLarge { size: 2_000_000, max: 1_048_576 });
/// assert!(error.to_string().contains("2000000 bytes"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The connection was lost while the call waited for its reply. The request may or may not
    /// have reached the server, and been handled: the network delivers at most once.
    #[error(
        "the connection was lost before the reply came; the remote server may or may not have \
         handled the call ({0})"
    )]
    ConnectionLost(String),
    /// The node was not connected (reconnecting, or closed): nothing was sent.
    #[error("not connected (reconnecting or closed): the message was not sent")]
    NotConnected,
    /// A message did not decode: the request on the server's side, or the reply on the
    /// caller's. Usually the two sides run versions of the server whose messages differ in a
    /// way the wire format does not tolerate.
    #[error("a message did not decode: {0}")]
    Decode(String),
    /// A message could not be encoded (its `Serialize` impl failed).
    #[error("a message could not be encoded: {0}")]
    Encode(String),
    /// The message is larger than the transport accepts.
    #[error("the message is {size} bytes, more than the {max} bytes the transport accepts")]
    PayloadTooLarge {
        /// The size of the message.
        size: usize,
        /// The transport's limit.
        max: usize,
    },
    /// The remote server has no handler of this name: it runs another version of the server.
    #[error("the remote server has no handler `{0}`: it runs another version of the server type")]
    UnknownMessage(String),
    /// This operation or message does not travel to another process: an `#[info]` message
    /// (timers, monitors: local events), or a closure (`get_state`, `replace_state`).
    #[error("`{0}` is delivered locally only, never sent to another process")]
    NotRemote(String),
    /// Any other failure of the transport.
    #[error("transport error: {0}")]
    Transport(String),
}
