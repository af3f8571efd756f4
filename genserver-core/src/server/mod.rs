//! What users name: the [`GenServer`] trait they implement (through `#[genserver]`), the typed
//! handle [`ServerRef`] and its calls, the start [`Options`], and the [`Context`] a handler
//! gets.
//!
//! - [`behaviour`]: [`GenServer`], [`Info`], [`InfoMessage`] — and the server task's
//!   `Behaviour`, which every `GenServer` is;
//! - [`handle`]: [`ServerRef`], bound to one server or to a name: casts, stops, state,
//!   monitors;
//! - [`call`]: the future of a call (the crate's hot path);
//! - [`downcast`]: from an untyped [`Pid`](crate::Pid) back to the typed handle;
//! - [`options`]: [`Options`] and `start`, which spawns the server task;
//! - [`context`]: [`Context`]: timers, `continue_with`, `stop`, monitors and links;
//! - [`permit`]: [`Permit`]: room reserved in a bounded mailbox before a cast is built;
//! - [`roles`]: where the stage roles of a server keep their state (type-erased).
//! - [`remote`]: the [`Remote`] trait of transports to servers in other processes, and
//!   `ServerRef::from_remote`.

mod behaviour;
mod call;
mod context;
mod downcast;
pub(crate) mod handle;
mod options;
mod permit;
pub(crate) mod roles;
mod remote;

pub use behaviour::{GenServer, Info, InfoMessage};
pub use context::Context;
pub use handle::{DEFAULT_CALL_TIMEOUT, ServerRef};
pub use options::Options;
pub use permit::Permit;
pub use remote::{Remote, RemoteFuture};

#[cfg(test)]
pub(crate) use options::task_future_size;
