//! [`Shared`]: the record every handle of one server shares — its identity, how it ended,
//! its flags — and the waiting for its exit.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

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
/// `Shared::state`: the exit work has begun: the reason is final (what monitors and `exited`
/// see), a late kill no longer changes it.
const SEALED: u8 = 16;
/// `Shared::state`: the server was killed: whatever of its task still runs (a handler that
/// blocked its thread through the kill) skips the rest, `terminate` included.
const KILLED: u8 = 32;

/// What every handle of one server shares: identity, bound, and how it ended.
pub(crate) struct Shared {
    pub(crate) id: ServerId,
    pub(crate) type_name: &'static str,
    /// Set when the server decides to exit, before its mailbox is drained; replaced, until
    /// the exit work seals it, by a kill during `terminate` (OTP: a process killed while it
    /// cleans up exits `killed`) or by a panic in `terminate`. A lock rather than a `OnceLock`
    /// for that one replacement; it is as large, and only an exit or a failed call reads it.
    reason: Mutex<Option<ExitReason>>,
    /// Bits: `CLOSED`, `DONE`, `HAS_WATCHERS`, `TRAPS_EXITS`, `SEALED`, `KILLED`.
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
    /// What the observer reads: its parent, its slot in the table of live servers.
    #[cfg(feature = "observer")]
    pub(crate) live: super::live::Record,
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
            reason: Mutex::new(None),
            state: AtomicU8::new(0),
            changed: Notify::new(),
            room: mailbox_capacity.map(|capacity| Box::new(Semaphore::new(capacity))),
            task: OnceLock::new(),
            shutdown: OnceLock::new(),
            restarts: RESTARTS.try_with(|restarts| *restarts).unwrap_or(0),
            single_threaded: on_current_thread_runtime(),
            watchers: Mutex::new(None),
            #[cfg(feature = "observer")]
            live: super::live::Record::new(),
        }
    }

    /// The record of a stand-in for a server in another process, with `id` as its id here.
    pub(crate) fn stand_in(type_name: &'static str, id: ServerId) -> Shared {
        Shared {
            id,
            ..Shared::new(type_name, None)
        }
    }

    /// The record of a server that has already exited with `reason`.
    pub(crate) fn exited(type_name: &'static str, reason: ExitReason) -> Shared {
        let shared = Shared::new(type_name, None);
        shared.set_reason(reason);
        shared
            .state
            .store(CLOSED | DONE | SEALED, Ordering::Release);
        shared
    }

    fn reason_slot(&self) -> MutexGuard<'_, Option<ExitReason>> {
        // Nothing panics while holding the lock; a poisoned one is as good as any.
        self.reason.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Why the server exits, once it has decided to.
    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        self.reason_slot().clone()
    }

    /// Records why the server exits, unless a reason was recorded already.
    pub(crate) fn set_reason(&self, reason: ExitReason) {
        let mut slot = self.reason_slot();
        if slot.is_none() {
            *slot = Some(reason);
            drop(slot);
            self.changed.notify_waiters();
        }
    }

    /// Replaces the recorded reason, unless the exit work has sealed it: a kill or a panic
    /// while the server is already stopping (in `terminate`) is what it exits with.
    pub(crate) fn replace_reason(&self, reason: ExitReason) {
        let mut slot = self.reason_slot();
        if self.state.load(Ordering::Acquire) & SEALED == 0 {
            let first = slot.is_none();
            *slot = Some(reason);
            drop(slot);
            if first {
                self.changed.notify_waiters();
            }
        }
    }

    /// Makes the recorded reason final (a task dropped without one was aborted: `Killed`) and
    /// returns it: the first step of the exit work.
    pub(crate) fn seal_reason(&self) -> ExitReason {
        let mut slot = self.reason_slot();
        self.state.fetch_or(SEALED, Ordering::AcqRel);
        let first = slot.is_none();
        let reason = slot.get_or_insert(ExitReason::Killed).clone();
        drop(slot);
        if first {
            self.changed.notify_waiters();
        }
        reason
    }

    /// Keeps the handle of the server's task; set once, right after the spawn.
    pub(crate) fn set_task(&self, task: JoinHandle<()>) {
        let _ = self.task.set(task);
    }

    /// Ends the server at once with `reason`, without terminate (or, if it is already in
    /// `terminate`, without the rest of it: then `reason` replaces the one it was stopping
    /// with). The task is aborted at its next await; a handler blocking its thread holds it
    /// until it returns.
    pub(crate) fn kill(&self, reason: ExitReason) {
        self.replace_reason(reason.clone());
        self.state.fetch_or(KILLED, Ordering::AcqRel);
        // A task that cannot be aborted now (its handler blocks the thread) stops at its next
        // message all the same: the loop checks this flag before each one.
        self.request_shutdown(reason);
        if let Some(task) = self.task.get() {
            task.abort();
        }
    }

    /// `true` once the server was killed.
    pub(crate) fn was_killed(&self) -> bool {
        self.state.load(Ordering::Acquire) & KILLED != 0
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
            if let Some(reason) = self.exit_reason() {
                return reason;
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
