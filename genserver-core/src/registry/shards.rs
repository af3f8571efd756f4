//! The map under a [`KeyRegistry`](super::KeyRegistry): hash maps in shards, each behind its
//! own read-write lock on a cache line of its own, so that lookups of different keys from many
//! threads take different locks, and lookups of one key only read-lock (as `dashmap` does).
//!
//! A key is hashed once: the hash picks the shard, and the shard's map is keyed by the key
//! with that hash beside it ([`Hashed`]), hashed by passing it on (the map's hasher is
//! [`PassHash`]). A lookup by a borrowed key reaches the map through the `dyn` [`Probe`] trait
//! both the stored key and a borrowed one implement (the way to query a map by a key it does
//! not own, without its unstable raw-entry API).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A key stored with its hash.
pub(super) struct Hashed<K> {
    hash: u64,
    key: K,
}

/// What the shard's map hashes and compares: a hash and a key, owned or borrowed.
pub(super) trait Probe<Q: ?Sized> {
    fn hash(&self) -> u64;
    fn key(&self) -> &Q;
}

impl<K: Borrow<Q>, Q: ?Sized> Probe<Q> for Hashed<K> {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn key(&self) -> &Q {
        self.key.borrow()
    }
}

/// A borrowed key and its hash, to look up without owning a key.
struct Borrowed<'q, Q: ?Sized> {
    hash: u64,
    key: &'q Q,
}

impl<Q: ?Sized> Probe<Q> for Borrowed<'_, Q> {
    fn hash(&self) -> u64 {
        self.hash
    }
    fn key(&self) -> &Q {
        self.key
    }
}

impl<'a, K: Borrow<Q> + 'a, Q: ?Sized + 'a> Borrow<dyn Probe<Q> + 'a> for Hashed<K> {
    fn borrow(&self) -> &(dyn Probe<Q> + 'a) {
        self
    }
}

impl<Q: ?Sized> Hash for dyn Probe<Q> + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(Probe::hash(self));
    }
}

impl<Q: Eq + ?Sized> PartialEq for dyn Probe<Q> + '_ {
    /// The whole hashes first: now and then the map's 7-bit tag matches a slot whose key
    /// differs, and comparing that key would read it from wherever it lives (a `String`'s
    /// bytes: a cache miss), where the stored hash is in the slot at hand.
    fn eq(&self, other: &Self) -> bool {
        Probe::hash(self) == Probe::hash(other) && self.key() == other.key()
    }
}

impl<Q: Eq + ?Sized> Eq for dyn Probe<Q> + '_ {}

impl<K: Eq> PartialEq for Hashed<K> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<K: Eq> Eq for Hashed<K> {}

impl<K> Hash for Hashed<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// The hasher of a shard's map: the key's hash, computed once, passed on.
#[derive(Default)]
pub(super) struct PassHash(u64);

impl Hasher for PassHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` of a precomputed hash reaches this hasher.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }
    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

/// One shard's map.
pub(super) type Map<K, T> = HashMap<Hashed<K>, T, BuildHasherDefault<PassHash>>;

/// One shard, alone on its cache line (two lines on x86-64, whose prefetcher pulls pairs), so
/// that locking one does not slow down a thread locking its neighbour.
#[repr(align(128))]
struct Shard<K, T>(RwLock<Map<K, T>>);

/// Keys to values in shards chosen by the key's hash (made by `S`).
pub(super) struct Shards<K, T, S> {
    shards: Box<[Shard<K, T>]>,
    /// Hashes every key.
    hasher: S,
}

/// A shard, locked, with the hash of the key it was chosen for.
pub(super) struct Locked<G> {
    guard: G,
    hash: u64,
}

impl<K: Hash + Eq, T, S: BuildHasher> Shards<K, T, S> {
    /// Enough shards that threads rarely meet on one: eight per core (at least 16, at most
    /// 1,024), a power of two; keys hashed by `hasher`.
    pub(super) fn with_hasher(hasher: S) -> Self {
        let cores = std::thread::available_parallelism().map_or(4, |cores| cores.get());
        let count = (cores * 8).clamp(16, 1_024).next_power_of_two();
        Shards {
            shards: (0..count)
                .map(|_| Shard(RwLock::new(Map::default())))
                .collect(),
            hasher,
        }
    }

    /// The hash of `key`, and its shard. The high bits pick the shard: the map uses the low
    /// ones for its buckets, and the top seven for its tags, which the shard's keys share
    /// anyway only by chance.
    fn shard<Q: Hash + ?Sized>(&self, key: &Q) -> (u64, &RwLock<Map<K, T>>) {
        let hash = self.hasher.hash_one(key);
        let bits = self.shards.len().trailing_zeros();
        let index = (hash.rotate_left(bits + 7) as usize) & (self.shards.len() - 1);
        (hash, &self.shards[index].0)
    }

    /// The shard of `key`, read-locked. Nothing panics while a shard is locked (the closures
    /// given to the registry run outside), so a poisoned lock is as good as any.
    pub(super) fn read<Q: Hash + ?Sized>(&self, key: &Q) -> Locked<RwLockReadGuard<'_, Map<K, T>>>
    where
        K: Borrow<Q>,
    {
        let (hash, shard) = self.shard(key);
        Locked {
            guard: shard.read().unwrap_or_else(PoisonError::into_inner),
            hash,
        }
    }

    /// The shard of `key`, write-locked.
    pub(super) fn write<Q: Hash + ?Sized>(&self, key: &Q) -> Locked<RwLockWriteGuard<'_, Map<K, T>>>
    where
        K: Borrow<Q>,
    {
        let (hash, shard) = self.shard(key);
        Locked {
            guard: shard.write().unwrap_or_else(PoisonError::into_inner),
            hash,
        }
    }

    /// Every shard in turn, read-locked one at a time (a count or a walk, not a snapshot).
    pub(super) fn each(&self, mut f: impl FnMut(&Map<K, T>)) {
        for shard in self.shards.iter() {
            f(&shard.0.read().unwrap_or_else(PoisonError::into_inner));
        }
    }
}

impl<G> Locked<G> {
    fn probe<'q, Q: ?Sized>(&self, key: &'q Q) -> Borrowed<'q, Q> {
        Borrowed {
            hash: self.hash,
            key,
        }
    }
}

impl<G> Locked<G> {
    /// The value of `key` (the key this shard was locked for).
    pub(super) fn get<K, T, Q>(&self, key: &Q) -> Option<&T>
    where
        K: Borrow<Q> + Eq + 'static,
        Q: Eq + ?Sized + 'static,
        G: std::ops::Deref<Target = Map<K, T>>,
    {
        let probe = self.probe(key);
        self.guard.get(&probe as &dyn Probe<Q>)
    }
}

impl<G> Locked<G> {
    /// The value of `key`, made with `make` if there is none.
    pub(super) fn get_or_insert_with<K, T>(&mut self, key: K, make: impl FnOnce() -> T) -> &mut T
    where
        K: Eq + 'static,
        G: std::ops::DerefMut<Target = Map<K, T>>,
    {
        self.guard
            .entry(Hashed {
                hash: self.hash,
                key,
            })
            .or_insert_with(make)
    }

    /// The value of `key`, to change.
    pub(super) fn get_mut<K, T, Q>(&mut self, key: &Q) -> Option<&mut T>
    where
        K: Borrow<Q> + Eq + 'static,
        Q: Eq + ?Sized + 'static,
        G: std::ops::DerefMut<Target = Map<K, T>>,
    {
        let probe = self.probe(key);
        self.guard.get_mut(&probe as &dyn Probe<Q>)
    }

    /// Removes `key` and its value.
    pub(super) fn remove<K, T, Q>(&mut self, key: &Q) -> Option<T>
    where
        K: Borrow<Q> + Eq + 'static,
        Q: Eq + ?Sized + 'static,
        G: std::ops::DerefMut<Target = Map<K, T>>,
    {
        let probe = self.probe(key);
        self.guard.remove(&probe as &dyn Probe<Q>)
    }
}

impl<K, T, S> Shards<K, T, S> {
    /// Every shard's map, through `&mut` (no locking): for a drop.
    pub(super) fn maps_mut(&mut self) -> impl Iterator<Item = &Map<K, T>> {
        self.shards
            .iter_mut()
            .map(|shard| &*shard.0.get_mut().unwrap_or_else(PoisonError::into_inner))
    }
}
