//! # genserver
//!
//! Erlang and Elixir's GenServer for Rust. Write a plain struct and a plain `impl` block, mark
//! methods `#[call]`, `#[cast]` or `#[info]`, and `#[genserver]` turns it into a running
//! server: a message enum, a dispatch loop and a typed client handle, on tokio.
//!
//! ```
//! use genserver::prelude::*;
//!
//! pub struct Counter { value: i64 }
//!
//! #[genserver]
//! impl Counter {
//!     #[call]
//!     pub fn increment(&mut self) -> i64 { self.value += 1; self.value }
//!
//!     #[cast]
//!     pub fn reset(&mut self) { self.value = 0; }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let counter = Counter::start(Counter { value: 0 }).await?;
//! assert_eq!(counter.increment().await?, 1);
//! counter.reset()?;
//! assert_eq!(counter.increment().await?, 1);
//! counter.stop().await;
//! # Ok(())
//! # }
//! ```
//!
//! See the README for the whole contract: lifecycle, errors, timers, and the map from
//! Elixir's GenServer idioms to their genserver form.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub use genserver_core::{
    AutoShutdown, CallError, CastError, ChildCounts, ChildInfo, ChildKind, ChildSpec, Context,
    DEFAULT_CALL_TIMEOUT, Down, Exit, ExitReason, GenServer, Info, InfoMessage, KeyRegistry,
    LocalRegistry, MonitorRef, Options, Permit, Pid, Registry, RegistryError, ReplySender, ReplyTo,
    Restart, ServerId, ServerRef, Shutdown, StartError, StopError, Strategy, Supervisor,
    SupervisorBuilder, SupervisorError, SupervisorMsg, SupervisorRef, TimerRef, stage,
};
pub use genserver_macros::genserver;

/// The observer (feature `observer`): a live web page of every supervision tree and server.
/// `genserver::observer::serve("127.0.0.1:9000").await?` starts it; see
/// [`serve`](genserver_observer::serve). The page shows states: keep it on loopback.
#[cfg(feature = "observer")]
pub use genserver_observer as observer;

/// What the observer reads of the live servers (feature `observer`), for other tools.
#[cfg(feature = "observer")]
pub use genserver_core::observe;

/// A test guard: fails a test when a server it started panicked, and stops
/// its servers at the end (ExUnit's `start_supervised`).
pub use genserver_core::testing;

/// Everything a server definition needs: `use genserver::prelude::*;`. For stages it brings
/// [`Demand`](stage::Demand); the rest of their vocabulary is in [`stage`].
///
/// [`Strategy`] is not in it: glob-imported beside `proptest::prelude::*`, it would clash with
/// proptest's `Strategy` trait. Import it by name: `use genserver::Strategy;`.
pub mod prelude {
    pub use genserver_core::stage::Demand;
    pub use genserver_core::{
        AutoShutdown, CallError, CastError, ChildSpec, Context, Down, Exit, ExitReason, GenServer,
        Info, KeyRegistry, MonitorRef, Pid, Registry, RegistryError, ReplyTo, Restart, ServerRef,
        StartError, StopError, Supervisor, SupervisorRef, TimerRef,
    };
    pub use genserver_macros::genserver;
}

#[doc(hidden)]
pub use genserver_core::__private;
