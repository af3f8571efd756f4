//! [`RegistryError`]: why a key was not registered.

use crate::Pid;

/// Why [`KeyRegistry::register`](crate::KeyRegistry::register) registered nothing.
///
/// ```
/// use genserver_core::RegistryError;
///
/// assert!(RegistryError::NotRunning.to_string().contains("exited"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// The registry is unique and a live server holds the key; this is its handle (Elixir's
    /// `{:error, {:already_registered, pid}}`).
    #[error("the key is already registered by a live server ({0:?})")]
    AlreadyRegistered(Pid),
    /// The server to register has exited (or is exiting): it would vanish from the registry at
    /// once, so nothing was registered.
    #[error("the server to register has exited; nothing was registered")]
    NotRunning,
}
