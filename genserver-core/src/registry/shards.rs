//! The map under a [`KeyRegistry`](super::KeyRegistry): hash maps in shards, each behind its
//! own read-write lock on a cache line of its own, so that lookups of different keys from many
//! threads take different locks, and lookups of one key only read-lock (as `dashmap` does).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// One shard, alone on its cache line (two lines on x86-64, whose prefetcher pulls pairs), so
/// that locking one does not slow down a thread locking its neighbour.
#[repr(align(128))]
struct Shard<K, T>(RwLock<HashMap<K, T>>);

/// Keys to values in shards chosen by the key's hash.
pub(super) struct Shards<K, T> {
    shards: Box<[Shard<K, T>]>,
    /// Chooses the shard; each shard's map hashes with its own state, independent of this one.
    hasher: RandomState,
}

impl<K: Hash + Eq, T> Shards<K, T> {
    /// Enough shards that threads rarely meet on one: eight per core (at least 16, at most
    /// 1,024), a power of two.
    pub(super) fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(4, |cores| cores.get());
        let count = (cores * 8).clamp(16, 1_024).next_power_of_two();
        Shards {
            shards: (0..count)
                .map(|_| Shard(RwLock::new(HashMap::new())))
                .collect(),
            hasher: RandomState::new(),
        }
    }

    fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> &RwLock<HashMap<K, T>>
    where
        K: Borrow<Q>,
    {
        // The count is a power of two: the low bits of the hash pick the shard.
        let index = self.hasher.hash_one(key) as usize & (self.shards.len() - 1);
        &self.shards[index].0
    }

    /// The shard of `key`, read-locked. Nothing panics while a shard is locked (the closures
    /// given to the registry run outside), so a poisoned lock is as good as any.
    pub(super) fn read<Q: Hash + ?Sized>(&self, key: &Q) -> RwLockReadGuard<'_, HashMap<K, T>>
    where
        K: Borrow<Q>,
    {
        self.shard(key)
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The shard of `key`, write-locked.
    pub(super) fn write<Q: Hash + ?Sized>(&self, key: &Q) -> RwLockWriteGuard<'_, HashMap<K, T>>
    where
        K: Borrow<Q>,
    {
        self.shard(key)
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Every shard in turn, read-locked one at a time (a count or a walk, not a snapshot).
    pub(super) fn each(&self, mut f: impl FnMut(&HashMap<K, T>)) {
        for shard in self.shards.iter() {
            f(&shard.0.read().unwrap_or_else(PoisonError::into_inner));
        }
    }
}

impl<K, T> Shards<K, T> {
    /// Every shard's map, through `&mut` (no locking): for a drop.
    pub(super) fn maps_mut(&mut self) -> impl Iterator<Item = &HashMap<K, T>> {
        self.shards
            .iter_mut()
            .map(|shard| &*shard.0.get_mut().unwrap_or_else(PoisonError::into_inner))
    }
}
