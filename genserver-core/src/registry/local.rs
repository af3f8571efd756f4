//! [`LocalRegistry`]: the names local to this program, like Erlang's `register/2`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use super::Registry;
use crate::process::{Pid, ServerId};

/// The registry of [`Options::name`](crate::Options::name): names local to this program, like
/// Erlang's `register/2`.
///
/// [`LocalRegistry::global`] is the one `name`, `whereis` and `from_name` use. Other instances
/// can be made with [`LocalRegistry::new`] and used through `via`, e.g. to give each test its
/// own names.
#[derive(Default)]
pub struct LocalRegistry {
    names: RwLock<HashMap<Box<str>, Pid>>,
    /// Bumped by every change of `names`: what a name resolved earlier is checked against.
    generation: AtomicU64,
}

impl LocalRegistry {
    /// An empty registry, apart from the global one.
    pub fn new() -> Self {
        Self::default()
    }

    /// The registry of [`Options::name`](crate::Options::name), `whereis` and `from_name`.
    pub fn global() -> &'static LocalRegistry {
        static GLOBAL: OnceLock<LocalRegistry> = OnceLock::new();
        GLOBAL.get_or_init(LocalRegistry::new)
    }

    /// A number that changes whenever a name is registered or freed: a resolution made when
    /// it had the same value is still right.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The names registered now, in no particular order: Erlang's `registered/0`.
    pub fn names(&self) -> Vec<String> {
        let names = self.names.read().unwrap_or_else(PoisonError::into_inner);
        names.keys().map(|name| name.to_string()).collect()
    }
}

impl std::fmt::Debug for LocalRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = self.names.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_map().entries(names.iter()).finish()
    }
}

impl Registry for LocalRegistry {
    fn register(&self, name: &str, pid: Pid) -> Result<(), Pid> {
        let mut names = self.names.write().unwrap_or_else(PoisonError::into_inner);
        match names.get(name) {
            Some(holder) => Err(holder.clone()),
            None => {
                names.insert(name.into(), pid);
                self.generation.fetch_add(1, Ordering::AcqRel);
                Ok(())
            }
        }
    }

    fn unregister(&self, name: &str, id: ServerId) {
        let mut names = self.names.write().unwrap_or_else(PoisonError::into_inner);
        if names.get(name).is_some_and(|holder| holder.id() == id) {
            names.remove(name);
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
    }

    fn whereis(&self, name: &str) -> Option<Pid> {
        let names = self.names.read().unwrap_or_else(PoisonError::into_inner);
        names.get(name).cloned()
    }
}
