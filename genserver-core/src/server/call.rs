//! The future of a call: [`ServerRef::call`] and the generated client methods built on it.
//!
//! It is the hot path of the crate, so it is one hand-written future rather than a stack of
//! `async fn`s (each of which would copy the call's state and result once more):
//!
//! 1. First poll: the message is built around a fresh reply channel and sent.
//! 2. The reply is looked at. A fast server answers within one round of the scheduler, so the
//!    first time it is missing the call only steps aside: on a `current_thread` runtime by
//!    waking itself (it is polled again after the server, which its send woke), on a
//!    multi-thread runtime with [`tokio::task::yield_now`].
//! 3. Still missing after that round: the call arms a timer for its timeout, measured from
//!    then (one scheduler round after the call started, never earlier), and waits for
//!    whichever comes first.
//!
//! A timer costs more than a whole fast call (its registration in tokio's timer wheel, and on a
//! multi-thread runtime often a wake-up of the thread that drives the timers), so the common
//! call never registers one: see `docs/performance.md`.
//!
//! A call through a name handle resolves the name on its first poll (through the registry's
//! cache of resolved names, `registry/name.rs`) and then goes the same way, holding the `Pid`
//! it found. Calls to a server with a bounded mailbox, through a name of another registry whose
//! server is not an `S`, or through a remote handle (`server/remote.rs`), take the general
//! path, an `async fn` boxed into the same future.
//!
//! A call made from inside a handler whose reply is missing after step 2 is a wait of one
//! server for another: before arming its timer it records the wait, and fails with
//! [`CallError::Deadlock`] if that closes a cycle (`process/waits.rs`). Calls answered within
//! the round, and calls from outside servers, never look.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::time::Sleep;

use super::handle::{Indirect, Target};
use super::{GenServer, ServerRef};
use crate::process::scope::current_server;
use crate::process::waits::{self, Waiting};
use crate::process::{Pid, Shared};
use crate::reply::{self, Received, Rx};
use crate::task::Mail;
use crate::{CallError, ReplySender};

/// The general path of a call, boxed.
type General<'a, R> = Pin<Box<dyn Future<Output = Result<R, CallError>> + Send + 'a>>;

pin_project_lite::pin_project! {
    /// The future [`ServerRef::call`] returns.
    pub(crate) struct Call<'a, S: GenServer, R, F, Y> {
        handle: &'a ServerRef<S>,
        // The one step aside of step 2, made before the call is sent: a `yield_now` future
        // (whose type has no name, hence the parameter).
        #[pin]
        step_aside: Y,
        stepped_aside: bool,
        // The server a name handle's call goes to, resolved on the first poll.
        resolved: Option<Pid>,
        state: State<'a, R, F>,
    }
}

/// Where a call is.
enum State<'a, R, F> {
    /// Not sent yet: `F` builds the message around the reply channel.
    Unsent(F),
    /// Sent; the reply is awaited, without a timer so far.
    Sent(Rx<R>),
    /// Sent, and the reply was missing after one round: waiting until the timer fires. From a
    /// handler, with the edge of the wait in the graph of `process/waits.rs` (removed with the
    /// state).
    Timed(
        Rx<R>,
        Pin<Box<Sleep>>,
        // Held for its `Drop`, which removes the edge.
        #[allow(dead_code)] Waiting,
    ),
    /// The general path (a name handle, a bounded mailbox), or the wait for the exit reason
    /// of a server that closed the reply channel as it died.
    General(General<'a, R>),
    /// The result was given out.
    Done,
}

impl<'a, S, R, F, Y> Call<'a, S, R, F, Y>
where
    S: GenServer,
    R: Send + 'a,
    F: FnOnce(ReplySender<R>) -> S::Msg + Send + 'a,
    Y: Future<Output = ()>,
{
    pub(crate) fn new(handle: &'a ServerRef<S>, msg: F, step_aside: Y) -> Self {
        Call {
            handle,
            step_aside,
            stepped_aside: false,
            resolved: None,
            state: State::Unsent(msg),
        }
    }
}

impl<'a, S, R, F, Y> Future for Call<'a, S, R, F, Y>
where
    S: GenServer,
    R: Send + 'a,
    F: FnOnce(ReplySender<R>) -> S::Msg + Send + 'a,
    Y: Future<Output = ()>,
{
    type Output = Result<R, CallError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let handle: &'a ServerRef<S> = this.handle;
        loop {
            match this.state {
                State::Unsent(_) => {
                    let State::Unsent(msg) = std::mem::replace(this.state, State::Done) else {
                        unreachable!("matched as unsent just above")
                    };
                    let server = match &handle.target {
                        Target::Direct(server) if server.shared.room.is_none() => server,
                        Target::Indirect(indirect) if let Indirect::Named(name) = &**indirect => {
                            let Some(pid) = name.whereis() else {
                                return Poll::Ready(Err(CallError::NotRunning));
                            };
                            // Held for the call, and downcast once; let go if the call
                            // does not go the fast way.
                            match this.resolved.insert(pid).direct::<S>() {
                                Some(server) if server.shared.room.is_none() => server,
                                Some(_) => {
                                    *this.resolved = None;
                                    *this.state =
                                        State::General(Box::pin(handle.call_general(msg)));
                                    continue;
                                }
                                None => {
                                    *this.resolved = None;
                                    return Poll::Ready(Err(CallError::NotRunning));
                                }
                            }
                        }
                        _ => {
                            *this.state = State::General(Box::pin(handle.call_general(msg)));
                            continue;
                        }
                    };
                    if current_server() == server.shared.id.as_u64() {
                        return Poll::Ready(Err(CallError::CallingSelf));
                    }
                    let (reply_to, receiver) = reply::reply_channel();
                    if server.mailbox.send(Mail::msg(msg(reply_to))).is_err() {
                        return Poll::Ready(Err(CallError::NotRunning));
                    }
                    *this.state = State::Sent(receiver);
                }
                State::Sent(receiver) => {
                    if !*this.stepped_aside {
                        *this.stepped_aside = true;
                        if shared_of(handle, this.resolved).single_threaded {
                            // On a `current_thread` runtime: back in the run queue behind the
                            // server, which its send woke, so the next poll comes after the
                            // server's. Until then the reply is looked at without storing a
                            // waker: a server that answers within the round finds nobody to
                            // wake (one swap, where a waiting caller costs the server a lock, a
                            // swap and a wake-up).
                            let coop = ready!(tokio::task::coop::poll_proceed(cx));
                            if let Some(received) = receiver.try_recv() {
                                coop.made_progress();
                                let shared = shared_of(handle, this.resolved);
                                return finish(this.state, received, shared, handle, cx);
                            }
                            cx.waker().wake_by_ref();
                            return Poll::Pending;
                        }
                        // On a multi-thread runtime the server may answer from another worker
                        // at any moment: wait for the reply with a waker, and step aside with
                        // `yield_now`. (A self-wake would put the task at the back of its
                        // worker's queue and wake an idle worker to steal it; `yield_now`
                        // defers the wake until the worker has nothing else to run.)
                        if let Poll::Ready(received) = poll_reply(receiver, cx) {
                            let shared = shared_of(handle, this.resolved);
                            return finish(this.state, received, shared, handle, cx);
                        }
                        if this.step_aside.as_mut().poll(cx).is_pending() {
                            return Poll::Pending;
                        }
                    }
                    if let Poll::Ready(received) = poll_reply(receiver, cx) {
                        let shared = shared_of(handle, this.resolved);
                        return finish(this.state, received, shared, handle, cx);
                    }
                    // A round has passed without the reply: from now on, with a timer. A call
                    // from a handler first records what it waits for, and fails if that
                    // closes a cycle of handlers waiting for each other (`process/waits.rs`).
                    let waiting = match waits::wait_for(
                        current_server(),
                        shared_of(handle, this.resolved).id.as_u64(),
                    ) {
                        Ok(waiting) => waiting,
                        Err(cycle) => {
                            *this.state = State::Done;
                            return Poll::Ready(Err(CallError::Deadlock(cycle)));
                        }
                    };
                    let sleep = Box::pin(tokio::time::sleep_until(reply::deadline_after(
                        handle.call_timeout,
                    )));
                    let State::Sent(receiver) = std::mem::replace(this.state, State::Done) else {
                        unreachable!("matched as sent just above")
                    };
                    *this.state = State::Timed(receiver, sleep, waiting);
                }
                State::Timed(receiver, sleep, _) => {
                    if let Poll::Ready(received) = poll_reply(receiver, cx) {
                        let shared = shared_of(handle, this.resolved);
                        return finish(this.state, received, shared, handle, cx);
                    }
                    ready!(sleep.as_mut().poll(cx));
                    *this.state = State::Done;
                    return Poll::Ready(Err(CallError::Timeout));
                }
                State::General(general) => {
                    let result = ready!(general.as_mut().poll(cx));
                    *this.state = State::Done;
                    return Poll::Ready(result);
                }
                State::Done => panic!("a call's future polled after it completed"),
            }
        }
    }
}

/// Polls the reply, taking part in tokio's cooperative scheduling as tokio's channels do: a
/// task whose calls are always answered at once still yields now and then.
fn poll_reply<R>(receiver: &mut Rx<R>, cx: &mut Context<'_>) -> Poll<Received<R>> {
    let coop = ready!(tokio::task::coop::poll_proceed(cx));
    let received = ready!(receiver.poll(cx));
    coop.made_progress();
    Poll::Ready(received)
}

/// What the reply channel gave, as the call's result; the wait for the exit reason if the
/// server closed the channel without recording it yet.
fn finish<'a, S: GenServer, R: Send + 'a, F>(
    state: &mut State<'a, R, F>,
    received: Received<R>,
    shared: &Arc<Shared>,
    handle: &'a ServerRef<S>,
    cx: &mut Context<'_>,
) -> Poll<Result<R, CallError>> {
    match reply::outcome(received, shared) {
        Some(result) => {
            *state = State::Done;
            Poll::Ready(result)
        }
        None => {
            let deadline = reply::deadline_after(handle.call_timeout);
            // Rare (a server dying as it answered): the record is shared with the wait.
            let shared = Arc::clone(shared);
            *state = State::General(Box::pin(
                async move { reply::exit_of(&shared, deadline).await },
            ));
            let State::General(general) = state else {
                unreachable!("set just above")
            };
            let result = ready!(general.as_mut().poll(cx));
            *state = State::Done;
            Poll::Ready(result)
        }
    }
}

/// The record of the server a call in the fast path goes to: the handle's, or the one its
/// name resolved to.
fn shared_of<'b, S: GenServer>(
    handle: &'b ServerRef<S>,
    resolved: &'b Option<Pid>,
) -> &'b Arc<Shared> {
    match (&handle.target, resolved) {
        (_, Some(pid)) => pid.shared(),
        (Target::Direct(server), None) => &server.shared,
        (_, None) => unreachable!("a name handle's call is sent once its name is resolved"),
    }
}

impl<S: GenServer> ServerRef<S> {
    /// Makes a call: builds the message around a fresh reply channel, sends it and waits for
    /// the reply, at most the call timeout. The generated client methods are built on this.
    ///
    /// Like an `async fn`, the future does nothing until it is polled: the message is sent
    /// when it is first polled.
    ///
    /// ```
    /// use genserver::prelude::*;
    ///
    /// struct Echo;
    ///
    /// #[genserver]
    /// impl Echo {
    ///     #[call]
    ///     fn echo(&self, text: String) -> String { text }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let echo = Echo::start(Echo).await.unwrap();
    /// // What the generated `echo.echo("hi".to_owned())` does:
    /// let reply = echo
    ///     .call(|reply_to| EchoMsg::Echo { text: "hi".to_owned(), reply_to })
    ///     .await;
    /// assert_eq!(reply, Ok("hi".to_owned()));
    /// # }
    /// ```
    pub fn call<'a, R: Send + 'a>(
        &'a self,
        msg: impl FnOnce(ReplySender<R>) -> S::Msg + Send + 'a,
    ) -> impl Future<Output = Result<R, CallError>> + 'a {
        Call::new(self, msg, tokio::task::yield_now())
    }

    /// [`call`](ServerRef::call) through a name handle, or to a bounded mailbox.
    pub(crate) async fn call_general<R: Send>(
        &self,
        msg: impl FnOnce(ReplySender<R>) -> S::Msg + Send,
    ) -> Result<R, CallError> {
        let server = match &self.target {
            Target::Direct(server) => server,
            Target::Indirect(indirect) => match &**indirect {
                // Resolve the name, then make the call on the server found.
                Indirect::Named(name) => {
                    let pid = name.whereis().ok_or(CallError::NotRunning)?;
                    let server = pid.server_ref::<S>().ok_or(CallError::NotRunning)?;
                    return Box::pin(server.with_timeout(self.call_timeout).call(msg)).await;
                }
                // The transport sends the message and completes its reply channel with the
                // reply.
                Indirect::Remote(remote) => {
                    let (reply_to, mut receiver) = reply::reply_channel();
                    remote.remote.call(msg(reply_to), self.call_timeout).await?;
                    return match receiver.try_recv() {
                        Some(Received::Value(value)) => Ok(value),
                        _ => Err(CallError::NoReply),
                    };
                }
            },
        };
        if current_server() == server.shared.id.as_u64() {
            return Err(CallError::CallingSelf);
        }
        let mut deadline = None;
        if let Some(room) = &server.shared.room {
            let until = *deadline.insert(reply::deadline_after(self.call_timeout));
            match tokio::time::timeout_at(until, room.acquire()).await {
                Ok(Ok(permit)) => permit.forget(),
                Ok(Err(_closed)) => return Err(CallError::NotRunning),
                Err(_elapsed) => return Err(CallError::Timeout),
            }
        }
        let (reply_to, receiver) = reply::reply_channel();
        server
            .mailbox
            .send(Mail::msg(msg(reply_to)))
            .map_err(|_| CallError::NotRunning)?;
        reply::wait(receiver, &server.shared, deadline, self.call_timeout).await
    }
}
