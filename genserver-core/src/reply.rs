//! Replies to calls: [`ReplyTo`] on the server side, the waiting on the caller's side.

use std::fmt;

use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::server::{Shared, in_server_scope};
use crate::{CallError, ExitReason};

/// What travels back to the caller: `None` means the server dropped the [`ReplyTo`].
pub(crate) type Reply<T> = Option<T>;

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
    sender: Option<oneshot::Sender<Reply<T>>>,
}

impl<T> ReplyTo<T> {
    pub(crate) fn channel() -> (Self, oneshot::Receiver<Reply<T>>) {
        let (sender, receiver) = oneshot::channel();
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
            // An error means the caller is gone; the reply is dropped, as OTP drops late replies.
            let _ = sender.send(Some(value));
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
            if !(std::thread::panicking() && in_server_scope()) {
                let _ = sender.send(None);
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

/// Waits for the reply of a call whose message is already in the mailbox.
pub(crate) async fn wait<T>(
    receiver: oneshot::Receiver<Reply<T>>,
    shared: &Shared,
    deadline: Instant,
) -> Result<T, CallError> {
    match tokio::time::timeout_at(deadline, receiver).await {
        Ok(Ok(Some(value))) => Ok(value),
        // Dropped unanswered: by a draining, exiting server, or by a handler.
        Ok(Ok(None)) => Err(shared
            .exit_reason()
            .map_or(CallError::NoReply, CallError::Exited)),
        // Closed by a panicking handler: the server is about to record why it exited.
        Ok(Err(_)) => match shared.exit_reason() {
            Some(reason) => Err(CallError::Exited(reason)),
            None => tokio::time::timeout_at(deadline, shared.wait_exit())
                .await
                .map_or(Err(CallError::Timeout), |reason: ExitReason| {
                    Err(CallError::Exited(reason))
                }),
        },
        Err(_elapsed) => Err(CallError::Timeout),
    }
}
