//! The server's task: init, the message loop, the drain of the mailbox, terminate — and the
//! exit work, which runs however the task ends.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use super::{Behaviour, Ending, Mail, dispatch};
use crate::exit::panic_message;
use crate::mailbox;
use crate::process::scope::InScope;
use crate::process::{Shared, watchers};
use crate::registry::Name;
use crate::reply::ReplySender;
use crate::{ExitReason, StartError};
use futures_util::FutureExt as _;

/// Where a server's start learns how its init went; `None` when `start` does not wait for it.
/// A reply channel of the crate's own: one word, where tokio's `oneshot` sender in an `Option`
/// takes two in every server's task.
pub(crate) type Started<E> = Option<ReplySender<Result<(), StartError<E>>>>;

/// Runs the exit work when the server's task ends, whichever way it ends (even when aborted):
/// frees the name, tells monitors and links, marks the server done, then answers the caller of
/// the `stop` that ended it, if any.
pub(super) struct DoneGuard {
    pub(super) shared: Arc<Shared>,
    name: Option<Arc<Name>>,
    stopper: Option<ReplySender<()>>,
}

impl DoneGuard {
    pub(super) fn new(shared: Arc<Shared>, name: Option<Arc<Name>>) -> Self {
        DoneGuard {
            shared,
            name,
            stopper: None,
        }
    }
}

impl Drop for DoneGuard {
    fn drop(&mut self) {
        // From here on the reason is what monitors and `exited` see; a task dropped without
        // one was aborted: killed.
        self.shared.seal_reason();
        // Senders waiting for room in a bounded mailbox (`reserve`) learn it is gone, however
        // the task ended.
        if let Some(room) = &self.shared.room {
            room.close();
        }
        if let Some(name) = &self.name {
            name.unregister(self.shared.id);
        }
        watchers::on_exit(&self.shared);
        #[cfg(feature = "observer")]
        crate::process::live::remove(&self.shared);
        crate::process::test_guard::on_exit(&self.shared);
        self.shared.mark_done();
        if let Some(stopper) = self.stopper.take() {
            stopper.send(());
        }
    }
}

/// The server's task: init, the message loop, terminate. One async block captures everything
/// once, which keeps the task (what an idle server costs) small.
///
/// `ctx` is made by the caller, before the future, and moved in, rather than made inside from
/// moved-in parts, which the future would keep too.
pub(crate) fn run<S: Behaviour>(
    shared: Arc<Shared>,
    mut ctx: S::Context,
    name: Option<Arc<Name>>,
    mut mailbox: mailbox::Receiver<Mail<S>>,
    args: S::Args,
    started: Started<S::InitError>,
) -> impl Future<Output = ()> + Send {
    let id = shared.id.as_u64();
    // Made before the future, so that the exit work runs even if the task is aborted before
    // its first poll (a kill right after a `start` that did not wait for init).
    let mut done = DoneGuard::new(shared, name);
    let future = async move {
        // Dropped when the future is, after everything below.
        let shared = &done.shared;
        let mut state = match AssertUnwindSafe(S::init(args, &mut ctx))
            .catch_unwind()
            .await
        {
            Ok(Ok(Some(state))) => state,
            Ok(Ok(None)) => {
                // OTP's `:ignore`: the server exits normally before it ever ran.
                shared.set_reason(ExitReason::Normal);
                if let Some(started) = started {
                    started.send(Err(StartError::Ignored));
                }
                return;
            }
            Ok(Err(error)) => {
                shared.set_reason(ExitReason::Error("init failed".to_owned()));
                if let Some(started) = started {
                    started.send(Err(StartError::Init(error)));
                }
                return;
            }
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                shared.set_reason(ExitReason::Panic(message.clone()));
                if let Some(started) = started {
                    started.send(Err(StartError::Panic(message)));
                }
                return;
            }
        };
        // If the starter is gone the server still runs, as a spawned Erlang process does.
        if let Some(started) = started {
            started.send(Ok(()));
        }

        // The reason is moved into `shared`: this future keeps no copy across the awaits below
        // (terminate borrows the recorded reason). The stopper waits in the exit work.
        let stopper = match AssertUnwindSafe(dispatch::serve(&mut state, &mut ctx, &mut mailbox))
            .catch_unwind()
            .await
        {
            Ok(Ending { reason, stopper }) => {
                shared.set_reason(reason);
                stopper
            }
            Err(payload) => {
                shared.set_reason(ExitReason::Panic(panic_message(payload.as_ref())));
                None
            }
        };
        // Read by the guard's `Drop`, which the lint does not see.
        #[allow(unused_assignments)]
        {
            done.stopper = stopper;
        }
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: "genserver",
            server = shared.type_name,
            id = %shared.id,
            reason = %shared.exit_reason().unwrap_or(ExitReason::Killed),
            "server exiting",
        );
        // Every caller still queued learns at once that the server is gone.
        mailbox.close();
        if let Some(room) = &shared.room {
            room.close();
        }
        // `recv`, not `try_recv`: a sender that got past the closed check before `close` may
        // still be pushing its message, which `try_recv` would miss (it reports "empty"). Left
        // in the channel, that message's caller would wait for its whole timeout. `recv` ends
        // only once the mailbox is closed and no send is in flight.
        while mailbox.recv().await.is_some() {}
        // The recorded reason: the one monitors see, unless a kill or a panic in terminate
        // replaces it.
        let reason = shared.exit_reason().unwrap_or(ExitReason::Killed);
        // A killed server runs no `terminate` (its task got here only because a handler held
        // its thread through the kill).
        if shared.was_killed() {
            return;
        }
        if let Err(payload) = AssertUnwindSafe(state.terminate(&reason, &mut ctx))
            .catch_unwind()
            .await
        {
            // A crash in terminate does not stop the stop: the server exits with the crash
            // (OTP's `terminate_crash_format`).
            shared.replace_reason(ExitReason::Panic(panic_message(payload.as_ref())));
        }
        drop(state);
    };
    InScope::new(id, future)
}
