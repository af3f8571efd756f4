//! [`KeyRegistry`]: Elixir's `Registry` — keys to servers, with a value each, unique (one
//! server a key) or duplicate (many: a local pub/sub), forgotten when a server exits.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use super::KeyHasher;
use super::entries::Entries;
use super::shards::Shards;
use super::{Registry, RegistryError};
use crate::process::watchers::{self, ExitHook};
use crate::process::{Pid, ServerId};

/// One server a key, or many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keys {
    Unique,
    Duplicate,
}

/// What the registry knows of one server: its handle and its keys (a key twice if it was
/// registered twice, in a duplicate registry).
struct Owner<K> {
    pid: Pid,
    keys: Vec<K>,
}

/// Keys to servers, each entry with a value: Elixir's `Registry`, local to the program.
///
/// A registry is either **unique** ([`unique`](KeyRegistry::unique): one server a key, as a
/// name) or **duplicate** ([`duplicate`](KeyRegistry::duplicate): any number of entries a key,
/// one server may even register a key twice — a local pub/sub, where the key is a topic and
/// [`dispatch`](KeyRegistry::dispatch) reaches every subscriber). It is a value one makes and
/// shares: `unique()` and `duplicate()` return an `Arc`.
///
/// Entries of a server vanish when it exits, whatever the reason: the registry is told in the
/// server's exit path, so they are gone by the time [`exited`](crate::ServerRef::exited)
/// returns and before its monitors get their [`Down`](crate::Down).
///
/// Lookups do not take one lock for the whole registry: the keys are spread over shards, each
/// with a read-write lock of its own, and a lookup read-locks one shard. Each call returns
/// owned entries (clones of the [`Pid`]s and values); [`dispatch`](KeyRegistry::dispatch) runs
/// its closure outside every lock, so the closure may use the registry.
///
/// ```
/// use genserver::prelude::*;
///
/// struct Reader { seen: Vec<String> }
///
/// #[genserver]
/// impl Reader {
///     #[cast]
///     fn deliver(&mut self, news: String) { self.seen.push(news); }
///
///     #[call]
///     fn seen(&self) -> Vec<String> { self.seen.clone() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let topics = KeyRegistry::<String, u32>::duplicate();
/// let ann = Reader::start(Reader { seen: vec![] }).await.unwrap();
/// let bob = Reader::start(Reader { seen: vec![] }).await.unwrap();
/// topics.register(&ann.pid(), "news".into(), 1).unwrap();
/// topics.register(&bob.pid(), "news".into(), 2).unwrap();
/// assert_eq!(topics.count(), 2);
///
/// // Publish: every subscriber of the topic gets the message.
/// topics.dispatch(&"news".into(), |entries| {
///     for (pid, _) in entries {
///         let reader = pid.downcast::<Reader>().unwrap();
///         reader.deliver("rates are up".into()).unwrap();
///     }
/// });
/// assert_eq!(ann.seen().await.unwrap(), ["rates are up"]);
///
/// // An exited server's entries are gone by the time `exited` returns.
/// bob.stop().await;
/// assert_eq!(topics.lookup(&"news".into()).len(), 1);
/// # }
/// ```
///
/// A unique registry of `String` keys is also a [`Registry`] of names: start servers in it
/// with [`Options::via`](crate::Options::via) (the entry's value is `V::default()`).
///
/// ```
/// use genserver::prelude::*;
///
/// struct Session { user: String }
///
/// #[genserver]
/// impl Session {
///     #[call]
///     fn user(&self) -> String { self.user.clone() }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sessions = KeyRegistry::<String, ()>::unique();
/// let ann = Session::options()
///     .via(sessions.clone(), "ann")
///     .start(Session { user: "ann".into() })
///     .await
///     .unwrap();
/// assert_eq!(sessions.lookup(&"ann".into()).len(), 1);
/// let found = ServerRef::<Session>::whereis_via(&*sessions, "ann").unwrap();
/// assert_eq!(SessionRef::from(found).user().await.unwrap(), "ann");
/// assert!(matches!(
///     Session::options().via(sessions.clone(), "ann").start(Session { user: "eve".into() }).await,
///     Err(StartError::AlreadyStarted(_))
/// ));
/// ann.stop().await;
/// assert!(sessions.lookup(&"ann".into()).is_empty());
/// # }
/// ```
///
/// Keys are hashed by `S`, [`KeyHasher`] unless the registry is made with another
/// ([`unique_with_hasher`](KeyRegistry::unique_with_hasher)): see there which to choose when
/// the keys come from outside the program.
pub struct KeyRegistry<K, V, S = KeyHasher> {
    /// The key of this registry's exit hook on the servers it holds.
    id: u64,
    keys: Keys,
    /// Key → its entries, in registration order.
    entries: Shards<K, Entries<V>, S>,
    /// Server → its keys: what an exit must remove, and [`keys`](KeyRegistry::keys).
    owners: Shards<ServerId, Owner<K>, KeyHasher>,
    /// This registry, as the exit hook the servers it holds keep.
    me: Weak<KeyRegistry<K, V, S>>,
}

impl<K, V> KeyRegistry<K, V>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    /// A registry with one server a key: a second registration of a key held by a live server
    /// fails with [`RegistryError::AlreadyRegistered`].
    pub fn unique() -> Arc<Self> {
        Self::new(Keys::Unique, KeyHasher::default())
    }

    /// A registry with any number of entries a key (several servers, or one server more than
    /// once): a local pub/sub.
    pub fn duplicate() -> Arc<Self> {
        Self::new(Keys::Duplicate, KeyHasher::default())
    }
}

impl<K, V, S> KeyRegistry<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Send + Sync + 'static,
{
    fn new(keys: Keys, hasher: S) -> Arc<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Arc::new_cyclic(|me| KeyRegistry {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            keys,
            entries: Shards::with_hasher(hasher),
            owners: Shards::with_hasher(KeyHasher::default()),
            me: me.clone(),
        })
    }

    /// [`unique`](KeyRegistry::unique), with the keys hashed by `hasher`.
    ///
    /// The default, [`KeyHasher`], is fast, and seeded at random so that keys picked in
    /// advance do not collide; it is not built to hold out against a party that sends keys,
    /// watches how long the program takes, and adapts. Where such a party chooses the keys
    /// (a session id from a request, a topic named by a client), hash them with std's
    /// SipHash, as `HashMap` does by default:
    ///
    /// ```
    /// use std::hash::RandomState;
    /// use genserver::prelude::*;
    ///
    /// let sessions = KeyRegistry::<String, u64, _>::unique_with_hasher(RandomState::new());
    /// assert!(sessions.is_unique());
    /// assert!(sessions.lookup(&"ann".to_owned()).is_empty());
    /// ```
    pub fn unique_with_hasher(hasher: S) -> Arc<Self> {
        Self::new(Keys::Unique, hasher)
    }

    /// [`duplicate`](KeyRegistry::duplicate), with the keys hashed by `hasher` (see
    /// [`unique_with_hasher`](KeyRegistry::unique_with_hasher) for when to choose one).
    pub fn duplicate_with_hasher(hasher: S) -> Arc<Self> {
        Self::new(Keys::Duplicate, hasher)
    }

    /// `true` for a registry made with [`unique`](KeyRegistry::unique).
    pub fn is_unique(&self) -> bool {
        self.keys == Keys::Unique
    }

    /// Registers `pid` under `key` with `value` (in a handler, the server's own `Pid` is
    /// `ctx.handle().pid()`). The entry stays until [`unregister`](KeyRegistry::unregister)
    /// or until the server exits.
    ///
    /// - [`RegistryError::AlreadyRegistered`]: a unique registry, and a live server holds the
    ///   key (which may be `pid` itself). A holder that is exiting no longer counts: its entry
    ///   is replaced.
    /// - [`RegistryError::NotRunning`]: the server has exited.
    pub fn register(&self, pid: &Pid, key: K, value: V) -> Result<(), RegistryError> {
        self.insert(pid, key, value, self.keys == Keys::Unique)
    }

    /// [`register`](KeyRegistry::register); with `exclusive`, the key must be free (unique
    /// registries, and names given through [`Registry`]).
    fn insert(&self, pid: &Pid, key: K, value: V, exclusive: bool) -> Result<(), RegistryError> {
        if pid.shared().is_closed() {
            return Err(RegistryError::NotRunning);
        }
        {
            let mut shard = self.entries.write(&key);
            // A key's first entry is kept in the map's slot, no `Vec` (see `Entries`).
            let entries = shard.get_or_insert_with(key.clone(), Entries::empty);
            if exclusive {
                // Entries of an exiting server are about to go: they do not hold the key.
                entries.retain(|(holder, _)| !holder.shared().is_closed());
                if let Some((holder, _)) = entries.as_slice().first() {
                    return Err(RegistryError::AlreadyRegistered(holder.clone()));
                }
            }
            entries.push((pid.clone(), value));
        }
        // The server's keys and the hook that forgets them at its exit change together, under
        // the lock of its shard, so an `unregister` of its last key cannot take off the hook
        // this registration relies on.
        let mut owners = self.owners.write(&pid.id());
        let hook: Weak<dyn ExitHook> = self.me.clone();
        if !watchers::add_exit_hook(pid.shared(), self.id, hook) {
            // It exited meanwhile, and its exit path may not see this entry: take it back.
            drop(owners);
            self.remove_entries(pid.id(), &key, Some(1));
            return Err(RegistryError::NotRunning);
        }
        owners
            .get_or_insert_with(pid.id(), || Owner {
                pid: pid.clone(),
                keys: Vec::new(),
            })
            .keys
            .push(key);
        Ok(())
    }

    /// Removes every entry of `pid` under `key` (Elixir's `Registry.unregister`). Nothing
    /// happens if it has none.
    pub fn unregister(&self, pid: &Pid, key: &K) {
        self.remove_key(pid.id(), key);
    }

    /// Removes the entries of the server `id` under `key`, and the key from its keys; its last
    /// key gone, the registry forgets it (and takes its exit hook off).
    fn remove_key<Q: Hash + Eq + ?Sized + 'static>(&self, id: ServerId, key: &Q)
    where
        K: Borrow<Q>,
    {
        self.remove_entries(id, key, None);
        let mut owners = self.owners.write(&id);
        if let Some(owner) = owners.get_mut(&id) {
            owner.keys.retain(|held| held.borrow() != key);
            if owner.keys.is_empty() {
                if let Some(owner) = owners.remove(&id) {
                    watchers::remove_exit_hook(owner.pid.shared(), self.id);
                }
            }
        }
    }

    /// Removes the entries of the server `id` under `key`: all of them, or the last `count`.
    fn remove_entries<Q: Hash + Eq + ?Sized + 'static>(
        &self,
        id: ServerId,
        key: &Q,
        count: Option<usize>,
    ) where
        K: Borrow<Q>,
    {
        let mut shard = self.entries.write(key);
        let Some(entries) = shard.get_mut(key) else {
            return;
        };
        match count {
            None => entries.retain(|(pid, _)| pid.id() != id),
            Some(count) => entries.remove_last_of(id, count),
        }
        if entries.is_empty() {
            shard.remove(key);
        }
    }

    /// The entries under `key`, in registration order: the servers and their values. Empty if
    /// there are none.
    pub fn lookup(&self, key: &K) -> Vec<(Pid, V)> {
        self.entries
            .read(key)
            .get(key)
            .map(Entries::to_vec)
            .unwrap_or_default()
    }

    /// Runs `f` with the entries under `key` (Elixir's `Registry.dispatch`): typically to send
    /// each subscriber of a topic a message. With no entries, `f` does not run at all. `f`
    /// runs on the caller's task, outside the registry's locks, on a copy of the entries taken
    /// when `dispatch` was called.
    pub fn dispatch(&self, key: &K, f: impl FnOnce(&[(Pid, V)])) {
        let entries = self.lookup(key);
        if !entries.is_empty() {
            f(&entries);
        }
    }

    /// The values `pid` registered under `key` (Elixir's `Registry.values`).
    pub fn values(&self, key: &K, pid: &Pid) -> Vec<V> {
        let id = pid.id();
        self.entries
            .read(key)
            .get(key)
            .map(|entries| {
                entries
                    .as_slice()
                    .iter()
                    .filter(|(holder, _)| holder.id() == id)
                    .map(|(_, value)| value.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The keys `pid` is registered under, in registration order (a key twice if it
    /// registered it twice).
    pub fn keys(&self, pid: &Pid) -> Vec<K> {
        let id = pid.id();
        self.owners
            .read(&id)
            .get(&id)
            .map(|owner| owner.keys.clone())
            .unwrap_or_default()
    }

    /// How many entries the registry holds (Elixir's `Registry.count`): a key registered by
    /// three servers counts three times.
    pub fn count(&self) -> usize {
        let mut count = 0;
        self.entries.each(|shard| {
            count += shard
                .values()
                .map(|entries| entries.as_slice().len())
                .sum::<usize>();
        });
        count
    }
}

impl<K, V, S> ExitHook for KeyRegistry<K, V, S>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    S: BuildHasher + Send + Sync + 'static,
{
    fn server_exited(&self, id: ServerId) {
        let Some(owner) = self.owners.write(&id).remove(&id) else {
            return;
        };
        for key in &owner.keys {
            self.remove_entries(id, key, None);
        }
    }
}

impl<K, V, S> Drop for KeyRegistry<K, V, S> {
    /// The servers it held forget it: their exit hooks on it come off.
    fn drop(&mut self) {
        let id = self.id;
        for owners in self.owners.maps_mut() {
            for owner in owners.values() {
                watchers::remove_exit_hook(owner.pid.shared(), id);
            }
        }
    }
}

/// A unique registry of `String` keys names servers: `options().via(registry, "key")` registers
/// the server under the key, with the value `V::default()`, before its init runs; its entry
/// goes when it exits. Through a duplicate registry, a name is taken as long as any live
/// server has an entry under it.
impl<V, S> Registry for KeyRegistry<String, V, S>
where
    V: Default + Clone + Send + Sync + 'static,
    S: BuildHasher + Send + Sync + 'static,
{
    fn register(&self, name: &str, pid: Pid) -> Result<(), Pid> {
        match self.insert(&pid, name.to_owned(), V::default(), true) {
            Ok(()) => Ok(()),
            Err(RegistryError::AlreadyRegistered(holder)) => Err(holder),
            // A server being started has not exited: it cannot happen, and refusing the name
            // with the server itself as the holder is the least surprising answer if it did.
            Err(RegistryError::NotRunning) => Err(pid),
        }
    }

    fn unregister(&self, name: &str, id: ServerId) {
        self.remove_key(id, name);
    }

    fn whereis(&self, name: &str) -> Option<Pid> {
        self.entries
            .read(name)
            .get(name)
            .and_then(|entries| entries.as_slice().first())
            .map(|(pid, _)| pid.clone())
    }
}

impl<K, V, S> fmt::Debug for KeyRegistry<K, V, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRegistry")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}
