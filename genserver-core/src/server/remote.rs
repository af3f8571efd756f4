//! Servers in other processes: the [`Remote`] trait a transport implements (the
//! `genserver-nats` crate does), and [`ServerRef::from_remote`], which makes the same typed
//! handle route its calls and casts through it.
//!
//! The runtime knows no network: a remote handle's calls take the general path of
//! `server/call.rs` (the local fast path is untouched), build the message around a reply
//! channel as for a local server, and hand the message to the transport, which sends it and,
//! when the reply comes, completes the reply channel inside it.
//!
//! On the serving side, a transport hands the calls it receives to the local server with
//! [`ServerRef::relay_call`]: the message goes into the mailbox at once, and the future of its
//! outcome arms no timer (the caller, in its own process, has its own timeout).

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::handle::{DEFAULT_CALL_TIMEOUT, Direct, Indirect, Target};
use super::{GenServer, ServerRef};
use crate::process::scope::current_server;
use crate::reply::{self, Rx};
use crate::task::Mail;
use crate::{CallError, CastError, ExitReason, Pid, RemoteError, ReplySender, ServerId, StopError};

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

impl<S: GenServer> ServerRef<S> {
    /// Relays a call whose caller is elsewhere (in another process, through a transport): puts
    /// the message `msg` builds around a fresh reply channel into the server's mailbox now, and
    /// returns the future of the outcome. Unlike [`call`](ServerRef::call) it has no timeout
    /// and never steps aside: the caller keeps its own timeout, and the transport waits as long
    /// as the server may still answer. The outcome is the reply, or
    /// [`CallError::Exited`] (the server exited before replying), [`CallError::NoReply`] (the
    /// reply channel was dropped), [`CallError::NotRunning`] (no server). To a server with a
    /// bounded mailbox the message goes once there is room, when the future is first polled.
    /// On a remote handle it fails with [`RemoteError::NotRemote`]: a transport relays to the
    /// servers of its own process.
    pub fn relay_call<R, F>(
        &self,
        msg: F,
    ) -> impl Future<Output = Result<R, CallError>> + Send + 'static + use<S, R, F>
    where
        R: Send + 'static,
        F: FnOnce(ReplySender<R>) -> S::Msg + Send + 'static,
    {
        enum Relayed<S: GenServer, R, F> {
            Sent(Rx<R>, Direct<S>),
            WaitForRoom(F, Direct<S>),
            Failed(CallError),
        }
        let relayed = match self.with_server(Direct::clone) {
            None if self.remote().is_some() => Relayed::Failed(CallError::Remote(
                RemoteError::NotRemote("relay_call".to_owned()),
            )),
            None => Relayed::Failed(CallError::NotRunning),
            Some(server) if current_server() == server.shared.id.as_u64() => {
                Relayed::Failed(CallError::CallingSelf)
            }
            Some(server) if server.shared.room.is_some() => Relayed::WaitForRoom(msg, server),
            Some(server) => {
                let (reply_to, receiver) = reply::reply_channel();
                match server.mailbox.send(Mail::msg(msg(reply_to))) {
                    Ok(()) => Relayed::Sent(receiver, server),
                    Err(_) => Relayed::Failed(CallError::NotRunning),
                }
            }
        };
        async move {
            let (mut receiver, server) = match relayed {
                Relayed::Sent(receiver, server) => (receiver, server),
                Relayed::WaitForRoom(msg, server) => {
                    if let Some(room) = &server.shared.room {
                        match room.acquire().await {
                            Ok(permit) => permit.forget(),
                            Err(_closed) => return Err(CallError::NotRunning),
                        }
                    }
                    let (reply_to, receiver) = reply::reply_channel();
                    server
                        .mailbox
                        .send(Mail::msg(msg(reply_to)))
                        .map_err(|_| CallError::NotRunning)?;
                    (receiver, server)
                }
                Relayed::Failed(error) => return Err(error),
            };
            let received = poll_fn(|cx| receiver.poll(cx)).await;
            match reply::outcome(received, &server.shared) {
                Some(result) => result,
                // The reply channel closed unanswered, by a server dying as it answered: its
                // exit reason is recorded in a moment (waited for with a timer, in this rare
                // case only).
                None => {
                    let deadline = reply::deadline_after(DEFAULT_CALL_TIMEOUT);
                    reply::exit_of(&server.shared, deadline).await
                }
            }
        }
    }
}
