//! The server task: what runs a server from `init` to `terminate`.
//!
//! - [`run`]: the task's future — init, the message loop, the drain of the mailbox,
//!   terminate — and the exit work that runs however the task ends (even aborted);
//! - [`dispatch`]: the message loop, and how one message reaches its handler (at once for a
//!   synchronous one, through its future for an asynchronous one, inside its tracing span);
//! - [`mail`]: what travels through a server's mailbox (its messages and the runtime's
//!   requests);
//! - [`stats`]: the counters the loop keeps ([`ServerStats`]);
//! - [`future`]: a plain future run as a process, with the same exit work (a supervised task).
//!
//! The task names neither `GenServer` nor `Context`: it runs any [`Behaviour`], the trait it
//! defines here and that `server/behaviour.rs` implements for every `GenServer` (as tokio's
//! `task` module calls its scheduler through the `Schedule` trait it defines). What a
//! handler's context must tell the loop between two messages is [`Control`].

use std::future::Future;

use crate::ExitReason;
use crate::process::{Shared, Signal};

pub(crate) mod dispatch;
mod future;
pub(crate) mod mail;
pub(crate) mod run;
mod stats;

pub(crate) use future::spawn_future;
pub(crate) use mail::{Ending, Mail, StopRequest};
pub use stats::ServerStats;

/// What the task runs: a state with its handlers. Implemented for every `GenServer`.
pub(crate) trait Behaviour: Send + Sized + 'static {
    /// The message enum.
    type Msg: Send + 'static;
    /// What `init` takes.
    type Args: Send + 'static;
    /// What `init` can fail with.
    type InitError: Send + 'static;
    /// What every handler gets besides its message: the server's `Context`.
    type Context: Control<Self> + Send;

    /// Builds the state; `Ok(None)` is OTP's `:ignore`: no server runs.
    fn init(
        args: Self::Args,
        ctx: &mut Self::Context,
    ) -> impl Future<Output = Result<Option<Self>, Self::InitError>> + Send;

    /// Handles a message of a synchronous handler at once, or gives it back.
    fn handle_now(&mut self, msg: Self::Msg, ctx: &mut Self::Context) -> Option<Self::Msg>;

    /// The future of a message's handler.
    fn handle(
        &mut self,
        msg: Self::Msg,
        ctx: &mut Self::Context,
    ) -> impl Future<Output = ()> + Send;

    /// Runs once as the server stops, except after a kill.
    fn terminate(
        &mut self,
        reason: &ExitReason,
        ctx: &mut Self::Context,
    ) -> impl Future<Output = ()> + Send;

    /// The name of the handler a message goes to (for the tracing span and the observer;
    /// unread without both features, as when a crate depends on the runtime alone).
    #[cfg_attr(not(any(feature = "tracing", feature = "observer")), allow(dead_code))]
    fn message_name(msg: &Self::Msg) -> &'static str;
}

/// What the loop asks of a handler's context between two messages.
pub(crate) trait Control<S: Behaviour> {
    /// The record of the server the context belongs to.
    fn record(&self) -> &Shared;
    /// The next message queued with `continue_with`, handled before the mailbox.
    fn take_continue(&mut self) -> Option<S::Msg>;
    /// The reason of a stop a handler asked for.
    fn take_stop(&mut self) -> Option<ExitReason>;
    /// What to do with a signal that reached the mailbox.
    fn accept_signal(&mut self, signal: Signal) -> Accepted<S::Msg>;
}

/// What the message loop does with a signal.
pub(crate) enum Accepted<M> {
    /// Handle it as this info message.
    Msg(M),
    /// Exit with this reason (a linked server's abnormal exit, exits not trapped).
    Exit(ExitReason),
    /// Drop it (a demonitored monitor, an unlinked link, a normal exit not trapped).
    Ignored,
}
