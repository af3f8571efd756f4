//! [`Shared`]: the record every handle of one server shares — its identity, how it ended,
//! its flags — and the waiting for its exit.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};

use tokio::sync::{Notify, Semaphore};
use tokio::task::JoinHandle;

use super::watchers::Watchers;
use crate::ExitReason;
use crate::ServerId;

/// `Shared::state`: the exit work has taken the watchers; a monitor or link made from now on
/// sees the exit at once.
pub(crate) const CLOSED: u8 = 1;
/// `Shared::state`: the task is gone (terminate ran, state dropped, exit work done).
const DONE: u8 = 2;
/// `Shared::state`: a monitor or link was added, so the exit work has watchers to tell.
pub(crate) const HAS_WATCHERS: u8 = 4;
/// `Shared::state`: the server traps exits (`Context::trap_exits`).
const TRAPS_EXITS: u8 = 8;

/// What every handle of one server shares: identity, bound, and how it ended.
pub(crate) struct Shared {
    pub(crate) id: ServerId,
    pub(crate) type_name: &'static str,
    /// Set when the server decides to exit, before its mailbox is drained.
    reason: OnceLock<ExitReason>,
    /// Bits: `CLOSED`, `DONE`, `HAS_WATCHERS`, `TRAPS_EXITS`.
    pub(crate) state: AtomicU8,
    /// Woken when `reason` is set and again when the task is done.
    changed: Notify,
    /// Room left in a bounded mailbox; `None` for the default unbounded one. Boxed, as the
    /// other rare fields: every idle server pays for the size of this record.
    pub(crate) room: Option<Box<Semaphore>>,
    /// The server's task, to abort it. The join handle itself rather than an `AbortHandle`
    /// made from it: one reference count on the task fewer to take and give back.
    task: OnceLock<JoinHandle<()>>,
    /// Set by a supervisor's shutdown: the server stops after its current handler, before
    /// anything still in its mailbox (whose callers get `Exited`), as an OTP child that does
    /// not trap exits dies of the `shutdown` signal.
    shutdown: OnceLock<Box<ExitReason>>,
    /// Its supervisor's restart count when it started (see `ServerStats::restarts`).
    pub(crate) restarts: u32,
    /// Whether it was started on a `current_thread` runtime: its callers, most likely on the
    /// same runtime, step aside the way that is cheaper there (see `server/call.rs`).
    pub(crate) single_threaded: bool,
    /// Monitors and links on this server; allocated by the first one.
    pub(crate) watchers: Mutex<Option<Box<Watchers>>>,
}

tokio::task_local! {
    /// The restart count a supervisor gives the server its child spec starts.
    static RESTARTS: u32;
}

/// Runs a child spec's start future so that the server it starts records `restarts`.
pub(crate) async fn with_restarts<F: Future>(restarts: u32, start: F) -> F::Output {
    RESTARTS.scope(restarts, start).await
}

thread_local! {
    /// Whether the runtime this thread last started a server on is a `current_thread` one.
    static CURRENT_THREAD_RUNTIME: std::cell::Cell<Option<bool>> = const { std::cell::Cell::new(None) };
}

/// Whether this thread runs a `current_thread` runtime, asked of tokio once per thread:
/// `Handle::try_current` clones the runtime's handle, two read-modify-writes on a counter that
/// every worker shares, which on a multi-thread runtime costs a start measurably. A thread
/// that later runs another kind of runtime keeps the first answer; the answer only chooses how
/// a call steps aside (see `server/call.rs`), so a stale one costs speed, never correctness.
fn on_current_thread_runtime() -> bool {
    CURRENT_THREAD_RUNTIME.with(|cached| {
        cached.get().unwrap_or_else(|| {
            let current_thread = tokio::runtime::Handle::try_current().is_ok_and(|runtime| {
                runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread
            });
            cached.set(Some(current_thread));
            current_thread
        })
    })
}

impl Shared {
    /// The record of a server about to start.
    pub(crate) fn new(type_name: &'static str, mailbox_capacity: Option<usize>) -> Shared {
        Shared {
            id: ServerId::next(),
            type_name,
            reason: OnceLock::new(),
            state: AtomicU8::new(0),
            changed: Notify::new(),
            room: mailbox_capacity.map(|capacity| Box::new(Semaphore::new(capacity))),
            task: OnceLock::new(),
            shutdown: OnceLock::new(),
            restarts: RESTARTS.try_with(|restarts| *restarts).unwrap_or(0),
            single_threaded: on_current_thread_runtime(),
            watchers: Mutex::new(None),
        }
    }

    /// The record of a server that has already exited with `reason`.
    pub(crate) fn exited(type_name: &'static str, reason: ExitReason) -> Shared {
        let shared = Shared::new(type_name, None);
        shared.set_reason(reason);
        shared.state.store(CLOSED | DONE, Ordering::Release);
        shared
    }

    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        self.reason.get().cloned()
    }

    /// The reason recorded, borrowed.
    pub(crate) fn recorded_reason(&self) -> Option<&ExitReason> {
        self.reason.get()
    }

    /// Records why the server exits, unless a reason was recorded already.
    pub(crate) fn set_reason(&self, reason: ExitReason) {
        if self.reason.set(reason).is_ok() {
            self.changed.notify_waiters();
        }
    }

    /// Keeps the handle of the server's task; set once, right after the spawn.
    pub(crate) fn set_task(&self, task: JoinHandle<()>) {
        let _ = self.task.set(task);
    }

    /// Ends the server at once with `reason` (unless it already chose one), without terminate.
    pub(crate) fn kill(&self, reason: ExitReason) {
        self.set_reason(reason);
        if let Some(task) = self.task.get() {
            task.abort();
        }
    }

    /// Asks the server to stop after its current handler, before anything queued.
    pub(crate) fn request_shutdown(&self, reason: ExitReason) {
        let _ = self.shutdown.set(Box::new(reason));
    }

    /// The reason of a requested shutdown, if any.
    #[inline]
    pub(crate) fn shutdown_reason(&self) -> Option<&ExitReason> {
        self.shutdown.get().map(|reason| &**reason)
    }

    pub(crate) fn is_done(&self) -> bool {
        self.state.load(Ordering::Acquire) & DONE != 0
    }

    /// Marks the server's task gone and wakes everyone waiting for it: the last step of its
    /// exit work.
    pub(crate) fn mark_done(&self) {
        self.state.fetch_or(DONE, Ordering::AcqRel);
        self.changed.notify_waiters();
    }

    /// `true` once the exit work has taken the watchers (see [`CLOSED`]).
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    pub(crate) fn traps_exits(&self) -> bool {
        self.state.load(Ordering::Acquire) & TRAPS_EXITS != 0
    }

    pub(crate) fn set_traps_exits(&self, trap: bool) {
        if trap {
            self.state.fetch_or(TRAPS_EXITS, Ordering::AcqRel);
        } else {
            self.state.fetch_and(!TRAPS_EXITS, Ordering::AcqRel);
        }
    }

    /// Resolves once the server has decided to exit (its callers can be told why).
    pub(crate) async fn wait_reason(&self) -> ExitReason {
        loop {
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            if let Some(reason) = self.reason.get() {
                return ExitReason::clone(reason);
            }
            changed.await;
        }
    }

    /// Resolves once the server's task is gone (terminate ran, state dropped, its name freed,
    /// its monitors and links told).
    pub(crate) async fn wait_exit(&self) -> ExitReason {
        loop {
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            if self.is_done() {
                return self.exit_reason().unwrap_or(ExitReason::Killed);
            }
            changed.await;
        }
    }
}
