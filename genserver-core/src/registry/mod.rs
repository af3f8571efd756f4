//! Names and keys of servers: the [`Registry`] trait of names (OTP's `:via`), the
//! [`LocalRegistry`] behind `Options::name`, and [`KeyRegistry`], Elixir's `Registry` of keys
//! (unique, or duplicate for pub/sub).
//!
//! - [`local`]: [`LocalRegistry`], the names local to the program;
//! - [`name`]: `Name`, a name and the registry it lives in, as a start or a name handle holds
//!   it;
//! - [`keys`]: [`KeyRegistry`]: keys to servers, with values, cleaned up when a server exits;
//! - [`entries`]: the entries under one key, the first kept in the map's slot;
//! - [`shards`]: the sharded map under a `KeyRegistry`, which lookups read without one
//!   global lock;
//! - [`error`]: [`RegistryError`].

mod entries;
mod error;
mod hasher;
mod keys;
mod local;
mod name;
mod shards;

pub use error::RegistryError;
pub use hasher::{KeyHash, KeyHasher};
pub use keys::KeyRegistry;
pub use local::LocalRegistry;
pub(crate) use name::Name;

use crate::process::{Pid, ServerId};

/// Where names of servers are kept: OTP's `{:via, module, name}`.
///
/// A server started with [`Options::name`](crate::Options::name) is registered in the
/// [`LocalRegistry`]; with [`Options::via`](crate::Options::via) it is registered in the
/// registry given, which can be any type implementing this trait (a registry with namespaces,
/// a distributed one, one that logs). The runtime calls [`register`](Registry::register) before
/// the server's init runs and [`unregister`](Registry::unregister) when it exits, whatever the
/// reason (or when its init fails); name handles call [`whereis`](Registry::whereis) each time
/// they are used, so it should be quick.
///
/// A registry only stores [`Pid`]s: the typed handle comes from [`Pid::downcast`].
///
/// ```
/// use std::collections::HashMap;
/// use std::sync::{Arc, Mutex};
/// use genserver_core::{Pid, Registry, ServerId};
///
/// /// A registry that keeps each tenant's names apart: "acme/cache", "globex/cache".
/// struct Tenants {
///     names: Mutex<HashMap<String, Pid>>,
/// }
///
/// impl Registry for Tenants {
///     fn register(&self, name: &str, pid: Pid) -> Result<(), Pid> {
///         let mut names = self.names.lock().unwrap();
///         match names.get(name) {
///             Some(holder) => Err(holder.clone()),
///             None => {
///                 names.insert(name.to_owned(), pid);
///                 Ok(())
///             }
///         }
///     }
///
///     fn unregister(&self, name: &str, id: ServerId) {
///         let mut names = self.names.lock().unwrap();
///         // Only the holder's own exit frees the name.
///         if names.get(name).is_some_and(|holder| holder.id() == id) {
///             names.remove(name);
///         }
///     }
///
///     fn whereis(&self, name: &str) -> Option<Pid> {
///         self.names.lock().unwrap().get(name).cloned()
///     }
/// }
///
/// let tenants: Arc<dyn Registry> = Arc::new(Tenants { names: Mutex::default() });
/// assert!(tenants.whereis("acme/cache").is_none());
/// // Start servers in it with `Cache::options().via(tenants.clone(), "acme/cache")`, find them
/// // with `ServerRef::<Cache>::whereis_via(&*tenants, "acme/cache")`, and reach them across
/// // restarts with `CacheRef::from(ServerRef::from_name_via(tenants.clone(), "acme/cache"))`.
/// ```
pub trait Registry: Send + Sync + 'static {
    /// Registers `pid` under `name`. If the name is taken, leaves it as it is and returns the
    /// holder: the start then fails with [`StartError::AlreadyStarted`](crate::StartError).
    fn register(&self, name: &str, pid: Pid) -> Result<(), Pid>;

    /// Frees `name` if the server `id` holds it (a name taken over by another server since is
    /// left alone). Called from the exiting server's task: it must not block for long.
    fn unregister(&self, name: &str, id: ServerId);

    /// The server registered under `name`, if any.
    fn whereis(&self, name: &str) -> Option<Pid>;
}
