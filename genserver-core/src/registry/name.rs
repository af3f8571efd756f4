//! [`Name`]: a name and the registry it lives in, as a start or a name handle holds it.

use std::cell::RefCell;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{LocalRegistry, Registry};
use crate::process::{Pid, ServerId};

/// A name and the registry it lives in.
pub(crate) struct Name {
    name: Box<str>,
    /// `None`: the global [`LocalRegistry`].
    registry: Option<Arc<dyn Registry>>,
    /// Tells this name from every other in [`RESOLVED`].
    id: u64,
}

/// The last names this thread resolved in the global registry, each with the registry's
/// generation then: a name handle called again and again (what `from_name` is for) finds its
/// server here, with one atomic load, instead of hashing and locking the registry each time.
/// A few slots a thread; an entry whose generation is old is resolved again. (An entry keeps
/// its server's record alive until it is replaced.)
struct Resolved {
    slots: [Option<Slot>; 4],
    next: usize,
}

struct Slot {
    name: u64,
    generation: u64,
    pid: Pid,
}

thread_local! {
    static RESOLVED: RefCell<Resolved> = const {
        RefCell::new(Resolved {
            slots: [const { None }; 4],
            next: 0,
        })
    };
}

impl Name {
    pub(crate) fn local(name: String) -> Name {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Name {
            name: name.into_boxed_str(),
            registry: None,
            id: NEXT.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub(crate) fn via(registry: Arc<dyn Registry>, name: String) -> Name {
        Name {
            name: name.into_boxed_str(),
            registry: Some(registry),
            id: 0,
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

    /// The server holding the name now.
    pub(crate) fn whereis(&self) -> Option<Pid> {
        match &self.registry {
            Some(registry) => registry.whereis(&self.name),
            None => self.whereis_local(),
        }
    }

    /// [`whereis`](Name::whereis) in the global registry, through this thread's [`RESOLVED`].
    fn whereis_local(&self) -> Option<Pid> {
        let registry = LocalRegistry::global();
        let generation = registry.generation();
        let cached = RESOLVED.try_with(|resolved| {
            resolved
                .borrow()
                .slots
                .iter()
                .flatten()
                .find(|slot| slot.name == self.id && slot.generation == generation)
                .map(|slot| slot.pid.clone())
        });
        if let Ok(Some(pid)) = cached {
            return Some(pid);
        }
        let pid = registry.whereis(&self.name)?;
        let _ = RESOLVED.try_with(|resolved| {
            let replaced = {
                let mut resolved = resolved.borrow_mut();
                let next = resolved.next;
                resolved.next = (next + 1) % resolved.slots.len();
                resolved.slots[next].replace(Slot {
                    name: self.id,
                    generation,
                    pid: pid.clone(),
                })
            };
            // Dropped outside the borrow.
            drop(replaced);
        });
        Some(pid)
    }
}
