//! [`Mail`]: what goes through a server's mailbox.

use super::{Behaviour, ServerStats};
use crate::ExitReason;
use crate::process::Signal;
use crate::reply::ReplySender;

/// What goes through a mailbox: the server's own messages, and requests of the runtime.
pub(crate) enum Mail<S: Behaviour> {
    Msg(S::Msg),
    /// A server message of the stage protocol (demand, events, subscriptions): handled as
    /// `Msg`, but it takes no room in a bounded mailbox and is never refused, as a signal.
    /// Boxed, as `Stop`: a second unboxed message would widen every slot by a tag.
    Protocol(Box<S::Msg>),
    /// `stop()`: stop with `ExitReason::Normal`, and answer once the server has exited. Not
    /// boxed: the reply channel is one word, and `stop` is what most servers end with.
    StopNormal(ReplySender<()>),
    /// A stop with another reason, or one nobody waits for. Boxed so that a rare request does
    /// not make every slot of the mailbox bigger.
    Stop(Box<StopRequest>),
    /// A closure run on the state between two messages (`get_state`, `replace_state`, `stats`).
    /// Boxed twice: a thin pointer, where a `Box<dyn ..>` would make every slot 8 bytes wider.
    System(Box<SystemFn<S>>),
    /// A `Down` of a monitor, or an exit signal of a link (boxed, as `Stop`).
    Signal(Box<Signal>),
    /// A server message sent from inside a traced span (feature `tracing`, a subscriber
    /// listening): the handler's span gets that span as its parent, so one trace follows a
    /// request across servers. Boxed, as the other rare variants.
    #[cfg(feature = "tracing")]
    Traced(Box<(S::Msg, tracing::Span)>),
}

impl<S: Behaviour> Mail<S> {
    /// A server message, carrying the sender's span if a subscriber listens and the sender is
    /// inside an enabled span. Without a subscriber ever set, one relaxed load.
    #[inline(always)]
    pub(crate) fn msg(msg: S::Msg) -> Mail<S> {
        #[cfg(feature = "tracing")]
        if tracing::dispatcher::has_been_set() {
            return Self::traced(msg);
        }
        Mail::Msg(msg)
    }

    /// Whether this is a server message (which took room in a bounded mailbox), rather than
    /// a request of the runtime.
    #[inline(always)]
    pub(crate) fn is_message(&self) -> bool {
        match self {
            Mail::Msg(_) => true,
            #[cfg(feature = "tracing")]
            Mail::Traced(_) => true,
            _ => false,
        }
    }

    #[cfg(feature = "tracing")]
    #[inline(never)]
    fn traced(msg: S::Msg) -> Mail<S> {
        let span = tracing::Span::current();
        if span.id().is_none() {
            return Mail::Msg(msg);
        }
        Mail::Traced(Box::new((msg, span)))
    }
}

/// A closure the runtime runs on a server's state between two messages.
pub(crate) type SystemFn<S> = Box<dyn FnOnce(&mut S, &ServerStats) + Send>;

/// A stop request: why, and who to answer once the server has exited (its exit work done).
pub(crate) struct StopRequest {
    pub(crate) reason: ExitReason,
    pub(crate) done: Option<ReplySender<()>>,
}

/// How the message loop ended: the reason, and the one who asked for it, answered when the
/// server has exited.
pub(crate) struct Ending {
    pub(crate) reason: ExitReason,
    pub(crate) stopper: Option<ReplySender<()>>,
}

impl From<ExitReason> for Ending {
    fn from(reason: ExitReason) -> Self {
        Ending {
            reason,
            stopper: None,
        }
    }
}
