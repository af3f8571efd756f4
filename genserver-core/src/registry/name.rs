//! [`Name`]: a name and the registry it lives in, as a start or a name handle holds it.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use super::{LocalRegistry, Registry};
use crate::process::{Pid, ServerId};

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
