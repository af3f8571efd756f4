//! Servers in other processes: the [`Remote`] trait a transport implements (the
//! `genserver-nats` crate does), and [`ServerRef::from_remote`], which makes the same typed
//! handle route its calls and casts through it.
//!
//! The runtime knows no network: a remote handle's calls take the general path of
//! `server/call.rs` (the local fast path is untouched), build the message around a reply
//! channel as for a local server, and hand the message to the transport, which sends it and,
//! when the reply comes, completes the reply channel inside it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::handle::{DEFAULT_CALL_TIMEOUT, Indirect, Target};
use super::{GenServer, ServerRef};
use crate::{CallError, CastError, ExitReason, Pid, ServerId, StopError};

/// A boxed future, as the methods of [`Remote`] return.
pub type RemoteFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How a transport reaches a server of type `S` in another process. A handle made with
/// [`ServerRef::from_remote`] goes through it; users do not call it directly.
pub trait Remote<S: GenServer>: Send + Sync + 'static {
    /// What the handle addresses (a name, a group), for `Debug` and [`ServerRef::name`].
    fn name(&self) -> &str;

    /// Sends a call's message, which carries its reply channel, and waits at most `timeout`.
    /// `Ok` means the reply came and the channel inside `msg` was completed with it.
    fn call(&self, msg: S::Msg, timeout: Duration) -> RemoteFuture<'_, Result<(), CallError>>;

    /// Sends a cast's (or an info) message without waiting.
    fn cast(&self, msg: S::Msg) -> Result<(), CastError>;

    /// Asks the server to stop with `reason` and waits until it has exited, at most `timeout`
    /// (`None`: the transport's own bound). [`StopError::NotRunning`] if nobody serves the
    /// address, [`StopError::Timeout`] if the server has not exited in time (or cannot be
    /// heard from).
    fn stop(
        &self,
        reason: ExitReason,
        timeout: Option<Duration>,
    ) -> RemoteFuture<'_, Result<(), StopError>>;

    /// Asks the server to end at once, without `terminate`.
    fn kill(&self);

    /// The transport's best knowledge, without asking the server, of whether one is there.
    fn is_alive(&self) -> bool;

    /// A stand-in [`Pid`] for the server the handle reaches now (see [`Pid::stand_in`]), with
    /// `id`, the handle's id, as its id: what monitors and links are made on.
    fn pid(&self, id: ServerId) -> Pid;

    /// Resolves with the exit reason of the server the handle reaches now, once it has exited:
    /// [`ExitReason::NoProc`] if there is none, [`ExitReason::NoConnection`] if it can no
    /// longer be reached.
    fn monitor(&self) -> RemoteFuture<'static, ExitReason>;
}

/// A handle's remote target: the transport's, and the id that stands for it here. Behind the
/// handle's one `Arc` of indirect targets, so that a handle is no larger for it.
pub(crate) struct RemoteTarget<S: GenServer> {
    pub(crate) remote: Box<dyn Remote<S>>,
    pub(crate) id: ServerId,
}

impl<S: GenServer> ServerRef<S> {
    /// A handle whose calls, casts and other operations go through `remote`, a transport's
    /// connection to a server in another process; the generated `From<ServerRef<S>>` makes the
    /// typed `{Type}Ref` of it. The handle has an id of its own here, which stands for the
    /// remote server (in `Down` messages too). Its `get_state`, `replace_state` and `stats`
    /// fail with [`RemoteError::NotRemote`](crate::RemoteError::NotRemote): closures do not
    /// travel.
    pub fn from_remote(remote: impl Remote<S>) -> ServerRef<S> {
        ServerRef {
            target: Target::Indirect(Arc::new(Indirect::Remote(RemoteTarget {
                remote: Box::new(remote),
                id: ServerId::next(),
            }))),
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }
}
