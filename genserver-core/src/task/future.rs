//! A plain future run as a process of its own (a supervised task, `ChildSpec::task`): a
//! record, a `Pid`, an exit reason and the exit work of a server, with no mailbox.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt as _;

use super::run::DoneGuard;
use crate::ExitReason;
use crate::exit::panic_message;
use crate::process::{Pid, Process, Shared, Signal};

/// What a [`Pid`] of a task holds: its record. Stopping a task cancels it.
struct TaskProcess {
    shared: Arc<Shared>,
}

impl Process for TaskProcess {
    fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// A future cannot be asked to stop between two messages: it is cancelled at its next
    /// `.await`, and exits with `reason` (a supervisor's `Shutdown`).
    fn request_stop(&self, reason: ExitReason) -> bool {
        if self.shared.is_closed() {
            return false;
        }
        self.shared.kill(reason);
        true
    }

    /// No mailbox: a task watches nobody and traps no exits (a linked partner's abnormal exit
    /// ends it without a signal).
    fn signal(&self, _: Signal) -> bool {
        false
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Spawns `future` as a process: `Ok(())` exits it with [`ExitReason::Normal`], `Err(e)`
/// with [`ExitReason::Error`] (`e`'s `Display`), a panic with [`ExitReason::Panic`]; a kill
/// or a stop cancels it.
pub(crate) fn spawn_future<F, E>(future: F) -> Pid
where
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: fmt::Display + 'static,
{
    let shared = Arc::new(Shared::new(std::any::type_name::<F>(), None));
    // Made before the spawn, so that the exit work runs even if the task is aborted before
    // its first poll.
    let done = DoneGuard::new(shared.clone(), None);
    let task = tokio::spawn(async move {
        let reason = match AssertUnwindSafe(future).catch_unwind().await {
            Ok(Ok(())) => ExitReason::Normal,
            Ok(Err(error)) => ExitReason::error(error),
            Err(payload) => ExitReason::Panic(panic_message(payload.as_ref())),
        };
        done.shared.set_reason(reason);
        drop(done);
    });
    shared.set_task(task);
    Pid(Arc::new(TaskProcess { shared }))
}
