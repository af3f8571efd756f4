//! The monitors on a server, the servers linked to it, and the exit hooks of the registries
//! that hold it, and how they are told of its exit.
//!
//! The record of the watched server ([`Shared`]) keeps its watchers. Its exit path
//! ([`on_exit`]) takes them and tells each one, before the server counts as exited. A watcher's
//! own side (which monitors it holds, whether it traps exits) lives in its `Context`.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{MutexGuard, PoisonError, Weak};

use super::shared::{CLOSED, HAS_WATCHERS};
use super::{Down, Exit, MonitorRef, Pid, ServerId, Shared, Signal};
use crate::ExitReason;

/// Something above this layer that must forget a server when it exits (a `KeyRegistry`
/// holding it under keys): told in the server's exit path, before the `Down`s of its monitors
/// go out and before it counts as exited.
pub(crate) trait ExitHook: Send + Sync {
    /// The server `id` has exited (its reason is final).
    fn server_exited(&self, id: ServerId);
}

/// The monitors on a server, the servers linked to it and the exit hooks on it. Ordered maps,
/// so that the `Down`s of one exit go out in the order the monitors were made.
#[derive(Default)]
pub(crate) struct Watchers {
    /// Monitor ref → the monitoring server.
    monitors: BTreeMap<MonitorRef, Pid>,
    /// Linked server's id → that server.
    links: BTreeMap<ServerId, Pid>,
    /// The hook's own key (one per registry) → the hook, weakly: a dropped registry has
    /// nothing to forget.
    hooks: BTreeMap<u64, Weak<dyn ExitHook>>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, Option<Box<Watchers>>> {
    // Nothing panics while holding the lock; a poisoned one is as good as any.
    shared
        .watchers
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Adds a watcher to `shared` unless it has exited. `false`: it has, and the caller tells the
/// watcher itself.
fn add(shared: &Shared, insert: impl FnOnce(&mut Watchers)) -> bool {
    let mut watchers = lock(shared);
    // Ordered with the exit path's `fetch_or(CLOSED)`: either it sees `HAS_WATCHERS` and takes
    // the list after this insert, or this sees `CLOSED` and inserts nothing.
    if shared.state.fetch_or(HAS_WATCHERS, Ordering::AcqRel) & CLOSED != 0 {
        return false;
    }
    insert(watchers.get_or_insert_with(Box::default));
    true
}

/// `true` while a monitor or link is on `shared`.
pub(crate) fn is_watched(shared: &Shared) -> bool {
    lock(shared)
        .as_ref()
        .is_some_and(|watchers| !watchers.monitors.is_empty() || !watchers.links.is_empty())
}

/// The exit path of a server: takes its watchers and tells each one. Runs once, in the server's
/// task (possibly while it is dropped after an abort), before the server counts as exited.
pub(crate) fn on_exit(shared: &Shared) {
    if shared.state.fetch_or(CLOSED, Ordering::AcqRel) & HAS_WATCHERS == 0 {
        return;
    }
    let Some(watchers) = lock(shared).take() else {
        return;
    };
    // The registries first: a monitor told of the exit finds the server gone from them.
    for hook in watchers.hooks.values() {
        if let Some(hook) = hook.upgrade() {
            // Runs in the exit path, possibly inside a `Drop`: a panic must not escape.
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                hook.server_exited(shared.id);
            }));
        }
    }
    let reason = shared.exit_reason().unwrap_or(ExitReason::Killed);
    for (monitor, watcher) in watchers.monitors {
        watcher.signal(Signal::Down(Down {
            monitor,
            id: shared.id,
            reason: reason.clone(),
        }));
    }
    for (_, partner) in watchers.links {
        // Only if the partner still holds the link: an unlink in between wins.
        if remove_link_entry(partner.shared(), shared.id) {
            exit_signal(&partner, shared.id, &reason);
        }
    }
}

/// Monitors `target` for `watcher`. `false`: the target has already exited; the caller
/// delivers the `Down` itself.
pub(crate) fn add_monitor(target: &Shared, monitor: MonitorRef, watcher: &Pid) -> bool {
    add(target, |watchers| {
        watchers.monitors.insert(monitor, watcher.clone());
    })
}

/// Puts the exit hook `key` on `target` (replacing one under the same key). `false`: the
/// target is exiting or has exited, and the hook will not be called.
pub(crate) fn add_exit_hook(target: &Shared, key: u64, hook: Weak<dyn ExitHook>) -> bool {
    add(target, |watchers| {
        watchers.hooks.insert(key, hook);
    })
}

/// Takes the exit hook `key` off `target`, if it is there.
pub(crate) fn remove_exit_hook(target: &Shared, key: u64) {
    if let Some(watchers) = lock(target).as_mut() {
        watchers.hooks.remove(&key);
    }
}

pub(crate) fn remove_monitor(target: &Shared, monitor: MonitorRef) {
    if let Some(watchers) = lock(target).as_mut() {
        watchers.monitors.remove(&monitor);
    }
}

fn remove_link_entry(shared: &Shared, partner: ServerId) -> bool {
    lock(shared)
        .as_mut()
        .is_some_and(|watchers| watchers.links.remove(&partner).is_some())
}

/// Links `me` (the running server that asks) and `other`. If `other` has already exited,
/// `me` gets its exit signal at once.
pub(crate) fn link(me: &Pid, other: &Pid) {
    if me.id() == other.id() {
        return;
    }
    // My side first: if `other` exits after its side is set, its exit path finds my entry
    // and signals me; if it has exited before, I undo my entry and signal myself. Either
    // way, exactly one signal.
    let other_entry = other.clone();
    if !add(me.shared(), |watchers| {
        watchers.links.insert(other.id(), other_entry);
    }) {
        return;
    }
    let me_entry = me.clone();
    if !add(other.shared(), |watchers| {
        watchers.links.insert(me.id(), me_entry);
    }) && remove_link_entry(me.shared(), other.id())
    {
        let reason = other.shared().exit_reason().unwrap_or(ExitReason::NoProc);
        exit_signal(me, other.id(), &reason);
    }
}

/// Removes the link between `me` and `other`. `false` if there was none on my side: then an
/// exit signal of `other` may already be on its way.
pub(crate) fn unlink(me: &Pid, other: &Pid) -> bool {
    let was_linked = remove_link_entry(me.shared(), other.id());
    remove_link_entry(other.shared(), me.id());
    was_linked
}

/// Tells `to` that its linked partner `from` exited: a message if it traps exits; otherwise,
/// for an abnormal reason, it exits at once (without terminate, as in OTP) with a reason that
/// names the partner and its reason.
fn exit_signal(to: &Pid, from: ServerId, reason: &ExitReason) {
    if to.shared().traps_exits() {
        to.signal(Signal::Exit(Exit {
            id: from,
            reason: reason.clone(),
        }));
    } else if !reason.is_normal() {
        to.shared().kill(ExitReason::Linked {
            id: from,
            reason: Box::new(reason.clone()),
        });
    }
}

/// The servers linked to `shared`, and the servers monitoring it, for the observer.
#[cfg(feature = "observer")]
pub(crate) fn seen(shared: &Shared) -> (Vec<ServerId>, Vec<ServerId>) {
    lock(shared)
        .as_ref()
        .map(|watchers| {
            (
                watchers.links.keys().copied().collect(),
                watchers.monitors.values().map(Pid::id).collect(),
            )
        })
        .unwrap_or_default()
}

#[cfg(test)]
impl Watchers {
    pub(crate) fn monitor_count(&self) -> usize {
        self.monitors.len()
    }
}
