//! The message loop, and how one message reaches its handler.

use std::future::Future;

use super::{Accepted, Behaviour, Control, Ending, Mail, ServerStats};
use crate::ExitReason;
use crate::mailbox;

/// The `tracing` span of one message (nothing without the `tracing` feature).
#[cfg(feature = "tracing")]
type MsgSpan = tracing::Span;
#[cfg(not(feature = "tracing"))]
type MsgSpan = ();

/// The span of the sender of a message, when it travelled with it (`Mail::Traced`).
#[cfg(feature = "tracing")]
type Cause = Option<tracing::Span>;
#[cfg(not(feature = "tracing"))]
type Cause = ();

/// Runs the handler of `msg` at once if it is synchronous; else gives the message back, with
/// its span, for [`handle_later`]. When a subscriber listens, the handler runs inside a TRACE
/// span (target `genserver`), whose parent is the sender's span if it came with the message
/// (`cause`); without a subscriber, the span costs a relaxed atomic load.
#[inline]
fn handle_now<S: Behaviour>(
    state: &mut S,
    msg: S::Msg,
    ctx: &mut S::Context,
    cause: Cause,
) -> Option<(S::Msg, MsgSpan)> {
    #[cfg(feature = "tracing")]
    {
        let span = match &cause {
            None => tracing::trace_span!(
                target: "genserver",
                "handle",
                server = ctx.record().type_name,
                id = %ctx.record().id,
                message = S::message_name(&msg),
            ),
            Some(cause) => caused_span::<S>(cause, ctx, &msg),
        };
        // The fast path: no subscriber for the span, no observer sampling (one more relaxed
        // load, in the condition the span's check already branches on).
        let later = if span.is_disabled() && !observing() {
            state.handle_now(msg, ctx)
        } else {
            note_running::<S>(ctx, &msg);
            span.in_scope(|| state.handle_now(msg, ctx))
        };
        later.map(|msg| (msg, span))
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = cause;
        if observing() {
            note_running::<S>(ctx, &msg);
        }
        state.handle_now(msg, ctx).map(|msg| (msg, ()))
    }
}

/// Whether an observer samples now: then each handler that starts is written down.
#[inline(always)]
fn observing() -> bool {
    #[cfg(feature = "observer")]
    return crate::process::live::sampling();
    #[cfg(not(feature = "observer"))]
    false
}

/// Writes down, for the observer, that the handler of `msg` starts now (if it samples: this
/// also runs for a traced message).
#[inline(never)]
fn note_running<S: Behaviour>(ctx: &S::Context, msg: &S::Msg) {
    #[cfg(feature = "observer")]
    if crate::process::live::sampling() {
        crate::process::live::running(ctx.record(), S::message_name(msg));
    }
    #[cfg(not(feature = "observer"))]
    let _ = (ctx, msg);
}

/// The span of a handler whose message came from inside the span `cause`: a child of it.
#[cfg(feature = "tracing")]
#[inline(never)]
fn caused_span<S: Behaviour>(
    cause: &tracing::Span,
    ctx: &S::Context,
    msg: &S::Msg,
) -> tracing::Span {
    tracing::trace_span!(
        target: "genserver",
        parent: cause,
        "handle",
        server = ctx.record().type_name,
        id = %ctx.record().id,
        message = S::message_name(msg),
    )
}

/// The future of the (asynchronous) handler of `msg`, inside its span. A plain function, not an
/// `async fn`: that would keep its arguments beside the future they move into, and this future
/// is part of every server's task.
#[cfg(feature = "tracing")]
fn handle_later<'a, S: Behaviour>(
    state: &'a mut S,
    msg: S::Msg,
    ctx: &'a mut S::Context,
    span: MsgSpan,
) -> impl Future<Output = ()> + Send + 'a {
    use futures_util::future::Either;
    use tracing::Instrument;
    if span.is_disabled() {
        Either::Left(state.handle(msg, ctx))
    } else {
        Either::Right(state.handle(msg, ctx).instrument(span))
    }
}

/// The future of the (asynchronous) handler of `msg`.
#[cfg(not(feature = "tracing"))]
fn handle_later<'a, S: Behaviour>(
    state: &'a mut S,
    msg: S::Msg,
    ctx: &'a mut S::Context,
    _: MsgSpan,
) -> impl Future<Output = ()> + Send + 'a {
    state.handle(msg, ctx)
}

/// What the loop does with a request of the runtime (anything but a server message): the
/// info message it turns into, nothing more (`None`), or the reason to exit. Out of line: the
/// loop's fast path is the server's own messages.
#[inline(never)]
fn runtime_request<S: Behaviour>(
    state: &mut S,
    ctx: &mut S::Context,
    mailbox: &mut mailbox::Receiver<Mail<S>>,
    handled: u64,
    mail: Mail<S>,
) -> Result<Option<(S::Msg, Cause)>, Ending> {
    #[cfg(feature = "tracing")]
    let plain = |msg| Ok(Some((msg, None)));
    #[cfg(not(feature = "tracing"))]
    let plain = |msg| Ok(Some((msg, ())));
    match mail {
        Mail::Msg(msg) => plain(msg),
        Mail::Protocol(msg) => plain(*msg),
        #[cfg(feature = "tracing")]
        Mail::Traced(traced) => {
            let (msg, cause) = *traced;
            Ok(Some((msg, Some(cause))))
        }
        Mail::StopNormal(done) => Err(Ending {
            reason: ExitReason::Normal,
            stopper: Some(done),
        }),
        Mail::Stop(request) => Err(Ending {
            reason: request.reason,
            stopper: request.done,
        }),
        Mail::System(run) => {
            let stats = ServerStats {
                messages_handled: handled,
                mailbox_len: mailbox.len(),
                restarts: ctx.record().restarts,
            };
            run(state, &stats);
            Ok(None)
        }
        Mail::Signal(signal) => match ctx.accept_signal(*signal) {
            Accepted::Msg(msg) => plain(msg),
            Accepted::Exit(reason) => Err(Ending::from(reason)),
            Accepted::Ignored => Ok(None),
        },
    }
}

/// Handles `mail` up to the point where an asynchronous handler has to be awaited, and gives
/// that handler's future; or the reason to exit.
#[inline(always)]
fn dispatch<'a, S: Behaviour>(
    state: &'a mut S,
    ctx: &'a mut S::Context,
    mailbox: &mut mailbox::Receiver<Mail<S>>,
    handled: &mut u64,
    mail: Mail<S>,
) -> Result<Option<impl Future<Output = ()> + Send + 'a>, Ending> {
    let (msg, cause) = match mail {
        #[cfg(feature = "tracing")]
        Mail::Msg(msg) => (msg, None),
        #[cfg(not(feature = "tracing"))]
        Mail::Msg(msg) => (msg, ()),
        mail => match runtime_request(state, ctx, mailbox, *handled, mail)? {
            Some(msg) => msg,
            None => return Ok(None),
        },
    };
    *handled += 1;
    Ok(handle_now(state, msg, ctx, cause).map(|(msg, span)| handle_later(state, msg, ctx, span)))
}

/// The message loop. Returns how it ended: the reason to exit, and who asked for the stop.
///
/// A plain function returning an `async` block, not an `async fn` (which would keep its
/// arguments twice), with a single await for the handlers: its future is part of every
/// server's task, and an idle server costs the size of its task. A synchronous handler runs
/// without a future (`GenServer::handle_now`); only an asynchronous one is awaited.
#[allow(clippy::manual_async_fn)]
pub(crate) fn serve<'a, S: Behaviour>(
    state: &'a mut S,
    ctx: &'a mut S::Context,
    mailbox: &'a mut mailbox::Receiver<Mail<S>>,
) -> impl Future<Output = Ending> + Send + 'a {
    async move {
        let mut handled: u64 = 0;
        loop {
            if let Some(reason) = ctx.record().shutdown_reason() {
                return Ending::from(ExitReason::clone(reason));
            }
            // `if let`, not `match`: its scrutinee (an `Option` of the message) is dropped
            // before the `else` branch, so the future keeps no room for it across the await.
            let mail = if let Some(msg) = ctx.take_continue() {
                Mail::Msg(msg)
            } else {
                match mailbox.recv().await {
                    Some(mail) => {
                        if let (true, Some(room)) = (mail.is_message(), &ctx.record().room) {
                            // The message has left a bounded mailbox: make room for the next.
                            room.add_permits(1);
                        }
                        mail
                    }
                    // Unreachable while the context holds a sender, but a clean exit if not.
                    None => return Ending::from(ExitReason::Normal),
                }
            };
            // The message is moved whole into `dispatch`: what lives across the await below is
            // the handler's future alone, and a synchronous handler gets no future.
            let Some(later) = (match dispatch(state, ctx, mailbox, &mut handled, mail) {
                Ok(later) => later,
                Err(ending) => return ending,
            }) else {
                if let Some(reason) = ctx.take_stop() {
                    return Ending::from(reason);
                }
                continue;
            };
            later.await;
            if let Some(reason) = ctx.take_stop() {
                return Ending::from(reason);
            }
        }
    }
}
