//! Which test guard each server belongs to: the servers started inside a
//! [`TestGuard`](crate::testing::TestGuard)'s scope, and the servers those start, are its.
//!
//! A server started from the guard's future finds the guard in a task-local; a server started
//! from another server's task (a supervisor's child, a server a handler starts) inherits the
//! guard of that server, looked up by its id. Tests running in parallel threads of one process
//! each have their own guard, and never see each other's servers.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::scope::current_server;
use super::{Pid, Shared};
use crate::{ExitReason, ServerId};

/// A panic of a server under a guard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Panicked {
    pub(crate) id: ServerId,
    pub(crate) type_name: &'static str,
    pub(crate) message: String,
}

/// What a guard knows: its servers, in start order, and their panics.
#[derive(Default)]
pub(crate) struct Guarded {
    /// Each server, and whether a server (rather than the guard's own future) started it.
    pub(crate) servers: Mutex<Vec<(Pid, bool)>>,
    pub(crate) panics: Mutex<Vec<Panicked>>,
}

tokio::task_local! {
    static GUARD: Arc<Guarded>;
}

/// The guard of each live server that has one.
static GUARDS: Mutex<Option<HashMap<u64, Arc<Guarded>>>> = Mutex::new(None);

/// Guards alive plus servers in [`GUARDS`]: while it is 0, as in a program that is not a
/// test, a start and an exit read it and do nothing more.
static ACTIVE: AtomicUsize = AtomicUsize::new(0);

/// Counts a guard alive (see [`ACTIVE`]); `Guarded::drop` stops counting it.
pub(crate) fn new_guard() -> Arc<Guarded> {
    ACTIVE.fetch_add(1, Ordering::AcqRel);
    Arc::new(Guarded::default())
}

impl Drop for Guarded {
    fn drop(&mut self) {
        ACTIVE.fetch_sub(1, Ordering::AcqRel);
    }
}

fn guards() -> std::sync::MutexGuard<'static, Option<HashMap<u64, Arc<Guarded>>>> {
    GUARDS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `future` with `guard` as the guard of the servers it starts.
pub(crate) async fn scope<F: Future>(guard: Arc<Guarded>, future: F) -> F::Output {
    GUARD.scope(guard, future).await
}

/// Records a server that is starting under the guard of its starter, if there is one
/// (`pid` makes its `Pid`, only then).
#[inline]
pub(crate) fn on_start(pid: impl FnOnce() -> Pid) {
    if ACTIVE.load(Ordering::Acquire) != 0 {
        record(pid());
    }
}

#[inline(never)]
fn record(pid: Pid) {
    let parent = current_server();
    let guard = match GUARD.try_with(Arc::clone) {
        Ok(guard) if parent == 0 => Some(guard),
        _ => guards()
            .as_ref()
            .and_then(|guards| guards.get(&parent).cloned()),
    };
    let Some(guard) = guard else {
        return;
    };
    if guards()
        .get_or_insert_with(HashMap::new)
        .insert(pid.id().as_u64(), guard.clone())
        .is_none()
    {
        ACTIVE.fetch_add(1, Ordering::AcqRel);
    }
    guard
        .servers
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push((pid.clone(), parent != 0));
}

/// The exit work of a server: a panic is reported to its guard.
#[inline]
pub(crate) fn on_exit(shared: &Shared) {
    if ACTIVE.load(Ordering::Acquire) != 0 {
        exited(shared);
    }
}

#[inline(never)]
fn exited(shared: &Shared) {
    let Some(guard) = guards()
        .as_mut()
        .and_then(|guards| guards.remove(&shared.id.as_u64()))
    else {
        return;
    };
    ACTIVE.fetch_sub(1, Ordering::AcqRel);
    if let Some(ExitReason::Panic(message)) = shared.exit_reason() {
        guard
            .panics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Panicked {
                id: shared.id,
                type_name: shared.type_name,
                message: message.clone(),
            });
    }
}
