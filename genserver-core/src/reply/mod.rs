//! Replies to calls: [`ReplySender`] and [`ReplyTo`] on the server side, the waiting on the
//! caller's side.

use std::fmt;
use std::future::poll_fn;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;

use crate::CallError;
use crate::process::Shared;
use crate::process::scope::{current_server, in_server_scope};
use crate::process::waits;

mod cell;

pub(crate) use cell::{Received, Rx};

/// The reply channel inside a call's message: one word wide, so that the messages of calls,
/// and with them every mailbox slot, stay small.
///
/// The generated dispatch answers through it with the handler's return value. A deferred-reply
/// handler gets it as a [`ReplyTo`] (`ReplyTo::from(sender)`), which answers
/// [`CallError::NoReply`] if it is dropped unanswered. Dropped itself, it only closes the
/// channel: the caller then reports why the server exited, which is the only way generated
/// code drops it unanswered (a panicking handler, a server draining its mailbox as it exits).
/// Code written by hand that keeps its server running must answer, or wrap it in a `ReplyTo`:
/// otherwise the caller waits for its timeout.
pub struct ReplySender<T>(cell::Tx<T>);

impl<T> ReplySender<T> {
    /// Sends the reply; dropped if the caller stopped waiting.
    pub fn send(self, value: T) {
        self.0.send(value);
    }
}

impl<T> From<ReplySender<T>> for ReplyTo<T> {
    fn from(sender: ReplySender<T>) -> Self {
        ReplyTo {
            sender: Some(sender.0),
        }
    }
}

impl<T> fmt::Debug for ReplySender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplySender")
            .field("closed", &self.0.is_closed())
            .finish()
    }
}

/// A new reply channel: the sender for a call's message, the receiver for its caller.
pub(crate) fn reply_channel<T>() -> (ReplySender<T>, Rx<T>) {
    let (sender, receiver) = cell::channel();
    (ReplySender(sender), receiver)
}

/// The right, and the duty, to answer one call.
///
/// Every `#[call]` message carries one. The generated dispatch sends the handler's return value
/// through it; a deferred-reply handler (one that takes a `ReplyTo<T>` parameter and returns
/// nothing) keeps it and calls [`send`](ReplyTo::send) later, from anywhere, e.g. a spawned task.
///
/// Dropping a `ReplyTo` without sending answers the caller with
/// [`CallError::NoReply`] at once, so a forgotten reply never makes a caller wait for its timeout.
///
/// ```
/// use genserver::prelude::*;
///
/// struct Slow;
///
/// #[genserver]
/// impl Slow {
///     #[call]
///     fn double_later(&mut self, n: u64, reply: ReplyTo<u64>) {
///         tokio::spawn(async move { reply.send(n * 2) });
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let slow = Slow::start(Slow).await.unwrap();
/// assert_eq!(slow.double_later(21).await, Ok(42));
/// # }
/// ```
pub struct ReplyTo<T> {
    sender: Option<cell::Tx<T>>,
}

impl<T> ReplyTo<T> {
    pub(crate) fn channel() -> (Self, Rx<T>) {
        let (sender, receiver) = cell::channel();
        (
            ReplyTo {
                sender: Some(sender),
            },
            receiver,
        )
    }

    /// Sends the reply. If the caller has stopped waiting (it timed out or was cancelled), the
    /// value is dropped: a late reply is never delivered to anyone else.
    pub fn send(mut self, value: T) {
        if let Some(sender) = self.sender.take() {
            // If the caller is gone the reply is dropped, as OTP drops late replies.
            sender.send(value);
        }
    }

    /// `true` once the caller has stopped waiting (timed out or dropped its call).
    pub fn is_closed(&self) -> bool {
        self.sender.as_ref().is_none_or(|sender| sender.is_closed())
    }
}

impl<T> Drop for ReplyTo<T> {
    fn drop(&mut self) {
        if let Some(sender) = self.sender.take() {
            // Unwinding out of a server's handler: the server is dying, and the caller will
            // learn why from its exit reason, so close the channel without an answer. Anywhere
            // else a drop is a reply that will never come: say so at once.
            if std::thread::panicking() && in_server_scope() {
                drop(sender);
            } else {
                sender.no_reply();
            }
        }
    }
}

impl<T> fmt::Debug for ReplyTo<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyTo")
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// A reply received, as the call's result: `None` while a server that closed the channel as
/// it died has not recorded why yet (wait for [`Shared::wait_reason`]).
pub(crate) fn outcome<T>(received: Received<T>, shared: &Shared) -> Option<Result<T, CallError>> {
    match received {
        Received::Value(value) => Some(Ok(value)),
        Received::NoReply => failed(true, shared).map(Err),
        Received::Closed => failed(false, shared).map(Err),
    }
}

/// Why a call got no reply: its `ReplyTo` was dropped unanswered (`no_reply`), or the channel
/// was closed. `None` while a closing server has not recorded its exit reason yet.
#[cold]
fn failed(no_reply: bool, shared: &Shared) -> Option<CallError> {
    match shared.exit_reason() {
        Some(reason) => Some(CallError::Exited(reason)),
        // Dropped unanswered by a handler of a server that goes on.
        None if no_reply => Some(CallError::NoReply),
        // Closed by a panicking handler: the server is about to record why it exited.
        None => None,
    }
}

/// Waits for the reply of a call whose message is already in the mailbox, until `deadline`
/// (or `timeout` from the first moment the reply is found missing). The general path of a
/// call (name handles, bounded mailboxes) and the runtime's own requests (`get_state`, ...):
/// [`Call`](crate::call) is the fast path.
///
/// A fast server answers while its caller yields once, so the timer, which costs more than the
/// whole call on a multi-thread runtime, is only registered for a reply that is not there after
/// one round of the scheduler. The deadline is measured from that moment: later than the call's
/// start by one scheduler round, never earlier. Waiting from a handler, the call fails with
/// [`CallError::Deadlock`] instead if the wait would close a cycle.
pub(crate) async fn wait<T>(
    mut receiver: Rx<T>,
    shared: &Shared,
    deadline: Option<Instant>,
    timeout: Duration,
) -> Result<T, CallError> {
    let mut yield_once = pin!(tokio::task::yield_now());
    let early = poll_fn(|cx| match receiver.poll(cx) {
        Poll::Ready(received) => Poll::Ready(Some(received)),
        Poll::Pending => yield_once.as_mut().poll(cx).map(|()| None),
    })
    .await;
    // Read the clock only when waiting: it costs as much as a fast call.
    let deadline = move || deadline.unwrap_or_else(|| deadline_after(timeout));
    let received = match early {
        Some(received) => received,
        None => {
            // From a handler: a wait of one server for another (`process/waits.rs`).
            let _waiting = waits::wait_for(current_server(), shared.id.as_u64())
                .map_err(CallError::Deadlock)?;
            let mut timer = pin!(tokio::time::sleep_until(deadline()));
            let received = poll_fn(|cx| match receiver.poll(cx) {
                Poll::Ready(received) => Poll::Ready(Some(received)),
                Poll::Pending => timer.as_mut().poll(cx).map(|()| None),
            })
            .await;
            match received {
                Some(received) => received,
                None => return Err(CallError::Timeout),
            }
        }
    };
    match outcome(received, shared) {
        Some(result) => result,
        None => exit_of(shared, deadline()).await,
    }
}

/// Waits, until `deadline`, for the exit reason of a server that closed a call's reply
/// channel as it died.
pub(crate) async fn exit_of<T>(shared: &Shared, deadline: Instant) -> Result<T, CallError> {
    match tokio::time::timeout_at(deadline, shared.wait_reason()).await {
        Ok(reason) => Err(CallError::Exited(reason)),
        Err(_elapsed) => Err(CallError::Timeout),
    }
}

/// `timeout` from now; a timeout too long to add (`Duration::MAX` as "forever") gives a
/// deadline 30 years away, as tokio does for its own "never".
pub(crate) fn deadline_after(timeout: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(timeout)
        .unwrap_or_else(|| now + Duration::from_secs(30 * 365 * 24 * 60 * 60))
}
