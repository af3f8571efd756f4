//! Names: the local registry, and the [`Registry`] trait for others (OTP's `:via`).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

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

/// The registry of [`Options::name`](crate::Options::name): names local to this program, like
/// Erlang's `register/2`.
///
/// [`LocalRegistry::global`] is the one `name`, `whereis` and `from_name` use. Other instances
/// can be made with [`LocalRegistry::new`] and used through `via`, e.g. to give each test its
/// own names.
#[derive(Default)]
pub struct LocalRegistry {
    names: RwLock<HashMap<Box<str>, Pid>>,
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
                Ok(())
            }
        }
    }

    fn unregister(&self, name: &str, id: ServerId) {
        let mut names = self.names.write().unwrap_or_else(PoisonError::into_inner);
        if names.get(name).is_some_and(|holder| holder.id() == id) {
            names.remove(name);
        }
    }

    fn whereis(&self, name: &str) -> Option<Pid> {
        let names = self.names.read().unwrap_or_else(PoisonError::into_inner);
        names.get(name).cloned()
    }
}

/// A name and the registry it lives in.
pub(crate) struct Name {
    name: Box<str>,
    /// `None`: the global [`LocalRegistry`].
    registry: Option<Arc<dyn Registry>>,
}

impl Name {
    pub(crate) fn local(name: String) -> Name {
        Name {
            name: name.into_boxed_str(),
            registry: None,
        }
    }

    pub(crate) fn via(registry: Arc<dyn Registry>, name: String) -> Name {
        Name {
            name: name.into_boxed_str(),
            registry: Some(registry),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    fn registry(&self) -> &dyn Registry {
        match &self.registry {
            Some(registry) => &**registry,
            None => LocalRegistry::global(),
        }
    }

    pub(crate) fn register(&self, pid: Pid) -> Result<(), Pid> {
        self.registry().register(&self.name, pid)
    }

    /// Runs in the exit path of the holder, possibly inside a `Drop`: a panicking user registry
    /// must not turn into an abort.
    pub(crate) fn unregister(&self, id: ServerId) {
        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.registry().unregister(&self.name, id);
        }));
    }

    pub(crate) fn whereis(&self) -> Option<Pid> {
        self.registry().whereis(&self.name)
    }
}
