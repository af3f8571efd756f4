//! A server as everything else sees it: the record its handles share, its untyped handle, and
//! who is told when it exits. It knows no server type: the typed handle implements its
//! [`Process`] trait.
//!
//! - [`shared`]: [`Shared`], the record every handle of one server shares (exit reason, flags,
//!   the task's abort handle), and how to wait for the exit;
//! - [`scope`]: which server's task this thread is polling, to catch a handler calling itself;
//! - [`pid`]: [`Pid`], the untyped handle, over the [`Process`] trait that the typed handle
//!   implements;
//! - [`signal`]: what the runtime tells a server of another's exit ([`Down`], [`Exit`]);
//! - [`watchers`]: the monitors, links and exit hooks (of registries) on a server, told when
//!   it exits;
//! - [`stand_in`]: the stand-in [`Pid`] of a server in another process, which a transport
//!   marks exited;
//! - [`live`] (feature `observer`): the table of live servers an observer reads;
//! - [`test_guard`]: which test guard each server belongs to;
//! - [`waits`]: which server's handler waits for a call to which, to refuse a call that
//!   would close a cycle.

#[cfg(feature = "observer")]
pub(crate) mod live;
pub(crate) mod pid;
pub(crate) mod scope;
mod shared;
mod signal;
mod stand_in;
pub(crate) mod test_guard;
pub(crate) mod waits;
pub(crate) mod watchers;

pub use crate::id::ServerId;
pub use pid::Pid;
pub(crate) use pid::Process;
pub(crate) use shared::{Shared, with_restarts};
pub(crate) use signal::Signal;
pub use signal::{Down, Exit, MonitorRef};
pub use stand_in::{RemoteProcess, StandIn};
