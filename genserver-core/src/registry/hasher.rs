//! [`KeyHasher`]: how a [`KeyRegistry`](super::KeyRegistry) hashes its keys unless it is made
//! with another hasher.

use std::hash::{BuildHasher, Hasher};

/// The hasher of a [`KeyRegistry`](crate::KeyRegistry)'s keys unless it is made with another
/// ([`unique_with_hasher`](crate::KeyRegistry::unique_with_hasher)): foldhash, with a random
/// seed of its own in each registry.
///
/// A lookup hashes its key once, and on short keys foldhash takes a fraction of the time of
/// SipHash (std's `RandomState`, the default of `HashMap` and of `dashmap`). Its seed keeps keys
/// picked in advance from colliding; it does not claim to hold out against a party that
/// chooses keys, watches the program's timing and adapts. For keys such a party chooses, make
/// the registry with std's `RandomState` (see `unique_with_hasher`).
///
/// ```
/// use std::hash::BuildHasher;
/// use genserver::KeyHasher;
///
/// let hasher = KeyHasher::default();
/// assert_eq!(hasher.hash_one("ann"), hasher.hash_one("ann"));
/// assert_ne!(hasher.hash_one("ann"), hasher.hash_one("bob"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct KeyHasher(foldhash::fast::RandomState);

impl BuildHasher for KeyHasher {
    type Hasher = KeyHash;

    #[inline]
    fn build_hasher(&self) -> KeyHash {
        KeyHash(self.0.build_hasher())
    }
}

/// The state of one hash a [`KeyHasher`] makes.
#[derive(Clone)]
pub struct KeyHash(foldhash::fast::FoldHasher<'static>);

impl std::fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyHash").finish_non_exhaustive()
    }
}

impl Hasher for KeyHash {
    #[inline]
    fn finish(&self) -> u64 {
        self.0.finish()
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.0.write_u8(n);
    }

    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.0.write_u16(n);
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.0.write_u32(n);
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0.write_u64(n);
    }

    #[inline]
    fn write_u128(&mut self, n: u128) {
        self.0.write_u128(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0.write_usize(n);
    }
}
