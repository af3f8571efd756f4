//! The table of live servers, for the observer (feature `observer`): every server is in it
//! from its start to its exit, so an observer started late still sees the servers started
//! before it.
//!
//! What it costs a server that nobody observes: an entry in a sharded table, written when the
//! server starts and when it exits (one lock of one of [`SHARDS`] shards each time), and two
//! words in its record (its parent and its slot). Per message the mailbox counts what it gave
//! (a plain store beside the head it writes anyway) and the loop reads one global flag. Only
//! while a sampler runs ([`Sampling`]) does the loop write down the handler it starts, under
//! the lock of its shard.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::Shared;
use super::scope::current_server;
use crate::mailbox::Observed;

/// Shards of the table: starts and exits on different threads rarely take the same lock.
const SHARDS: usize = 16;

/// Not in the table (`Record::slot`).
const NO_SLOT: u32 = u32::MAX;

/// What a server's record keeps for the observer.
pub(crate) struct Record {
    /// The server whose task started this one (0: none): the supervisor of a child, the
    /// server whose handler started it. Its place in the tree.
    pub(crate) parent: u64,
    /// Its slot in its shard ([`NO_SLOT`]: not in the table).
    slot: AtomicU32,
}

impl Record {
    /// The record of a server being made now, on this thread.
    pub(crate) fn new() -> Record {
        Record {
            parent: current_server(),
            slot: AtomicU32::new(NO_SLOT),
        }
    }
}

/// The future of a server's `Debug` state: its text, or why there is none.
pub(crate) type StateFuture = Pin<Box<dyn Future<Output = Result<String, String>> + Send>>;
/// How to ask a server for its `Debug` state (given at its start, when its type is `Debug`).
pub(crate) type StateFn = Box<dyn Fn() -> StateFuture + Send + Sync>;

/// A server in the table.
struct Entry {
    shared: Arc<Shared>,
    mailbox: Arc<dyn Observed>,
    /// Allocated by the first sampled message or by a `Debug` state.
    extra: Option<Box<Extra>>,
}

#[derive(Default)]
struct Extra {
    /// The handler the loop started last while sampling: the one running, if the server is
    /// not waiting for mail. Cleared when sampling stops, so that a handler started while
    /// nobody sampled is never shown under an earlier one's name.
    running: Option<&'static str>,
    state: Option<StateFn>,
}

#[derive(Default)]
struct Shard {
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
}

static TABLE: [Mutex<Shard>; SHARDS] = [const {
    Mutex::new(Shard {
        entries: Vec::new(),
        free: Vec::new(),
    })
}; SHARDS];

fn shard(id: u64) -> MutexGuard<'static, Shard> {
    // Nothing panics while holding a shard's lock; a poisoned one is as good as any.
    TABLE[(id % SHARDS as u64) as usize]
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Puts a server that is starting into the table.
pub(crate) fn insert(shared: &Arc<Shared>, mailbox: Arc<dyn Observed>, state: Option<StateFn>) {
    let entry = Entry {
        shared: shared.clone(),
        mailbox,
        extra: state.map(|state| {
            Box::new(Extra {
                running: None,
                state: Some(state),
            })
        }),
    };
    let mut shard = shard(shared.id.as_u64());
    let slot = match shard.free.pop() {
        Some(slot) => {
            shard.entries[slot as usize] = Some(entry);
            slot
        }
        None => {
            shard.entries.push(Some(entry));
            u32::try_from(shard.entries.len() - 1)
                .expect("fewer than 2^32 servers live in one shard")
        }
    };
    shared.live.slot.store(slot, Ordering::Relaxed);
}

/// Takes a server that exits out of the table.
pub(crate) fn remove(shared: &Shared) {
    let slot = shared.live.slot.swap(NO_SLOT, Ordering::Relaxed);
    if slot == NO_SLOT {
        return;
    }
    let entry = {
        let mut shard = shard(shared.id.as_u64());
        shard.free.push(slot);
        shard.entries[slot as usize].take()
    };
    // Dropped outside the lock: a state closure holds a handle of the server.
    drop(entry);
}

/// How many samplers run ([`Sampling`]).
static SAMPLERS: AtomicUsize = AtomicUsize::new(0);

/// `true` while a sampler runs: the loop then writes down each handler it starts.
#[inline]
pub(crate) fn sampling() -> bool {
    SAMPLERS.load(Ordering::Relaxed) != 0
}

/// While one lives, servers write down the handler they run.
pub(crate) struct Sampling(());

impl Sampling {
    pub(crate) fn start() -> Sampling {
        SAMPLERS.fetch_add(1, Ordering::Relaxed);
        Sampling(())
    }
}

impl Drop for Sampling {
    fn drop(&mut self) {
        if SAMPLERS.fetch_sub(1, Ordering::Relaxed) == 1 {
            // The last sampler: forget the handlers written down (see `Extra::running`).
            for shard in &TABLE {
                let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
                for entry in shard.entries.iter_mut().flatten() {
                    if let Some(extra) = entry.extra.as_mut() {
                        extra.running = None;
                    }
                }
            }
        }
    }
}

/// Writes down that the server of `shared` starts the handler `name`. Called by the loop
/// while [`sampling`].
#[cold]
pub(crate) fn running(shared: &Shared, name: &'static str) {
    let slot = shared.live.slot.load(Ordering::Relaxed);
    if slot == NO_SLOT {
        return;
    }
    let mut shard = shard(shared.id.as_u64());
    if let Some(Some(entry)) = shard.entries.get_mut(slot as usize) {
        entry.extra.get_or_insert_with(Box::default).running = Some(name);
    }
}

/// One server as the table shows it now.
pub(crate) struct Seen {
    pub(crate) shared: Arc<Shared>,
    pub(crate) received: u64,
    pub(crate) mailbox_len: usize,
    pub(crate) parked: bool,
    /// The handler now running, if the loop wrote it down while sampling.
    pub(crate) running: Option<&'static str>,
    pub(crate) has_state: bool,
}

/// Every live server, shard after shard (each shard locked only while it is copied).
pub(crate) fn snapshot() -> Vec<Seen> {
    let mut seen = Vec::new();
    for shard in &TABLE {
        let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        for entry in shard.entries.iter().flatten() {
            let received = entry.mailbox.received();
            let parked = entry.mailbox.parked();
            let extra = entry.extra.as_deref();
            seen.push(Seen {
                shared: entry.shared.clone(),
                received,
                mailbox_len: entry.mailbox.len(),
                parked,
                running: extra.and_then(|extra| extra.running).filter(|_| !parked),
                has_state: extra.is_some_and(|extra| extra.state.is_some()),
            });
        }
    }
    seen
}

/// The future of the `Debug` state of the live server `id`, if it has one.
pub(crate) fn state(id: u64) -> Option<StateFuture> {
    let shard = shard(id);
    let entry = shard
        .entries
        .iter()
        .flatten()
        .find(|entry| entry.shared.id.as_u64() == id)?;
    let state = entry.extra.as_ref()?.state.as_ref()?;
    Some(state())
}
