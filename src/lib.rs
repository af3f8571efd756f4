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
    DEFAULT_CALL_TIMEOUT, Down, Exit, ExitReason, GenServer, Info, InfoMessage, KeyHash, KeyHasher,
    KeyRegistry, LocalRegistry, MonitorRef, Options, Permit, Pid, Registry, RegistryError, Remote,
    RemoteError, RemoteFuture, RemoteProcess, ReplySender, ReplyTo, Restart, ServerId, ServerRef,
    Shutdown, StandIn, StartError, StopError, Strategy, Supervisor, SupervisorBuilder,
    SupervisorError, SupervisorMsg, SupervisorRef, TimerRef, stage,
};
/// Turns an inherent `impl` block into a GenServer.
///
/// The methods marked with a role become the server: `#[call]` (a request answered with the
/// method's return value), `#[cast]` (a request without an answer), `#[info]` (the handler of
/// one message type, sent with `send`, a timer or `continue_with`), `#[init]` (builds the state
/// from the argument of `start`) and `#[terminate]` (runs when the server stops). The README is
/// the guide; `docs/expansion.md` shows what the macro generates.
///
/// # `#[init]`
///
/// `#[init]` takes the start argument (one value: put several in a tuple or a struct), may take
/// `ctx: &mut Context<Self>` too, may be `async`, and returns one of four shapes, written with
/// `Self` or the type's own name:
///
/// | `#[init]` returns | `start` gives | OTP's `init/1` returns |
/// |---|---|---|
/// | `Self` | the handle (the error type is `StartError<Infallible>`) | `{ok, State}` |
/// | `Result<Self, E>` | the handle, or `Err(StartError::Init(e))` | `{ok, State}`, `{stop, Reason}` |
/// | `Option<Self>` | the handle, or `Err(StartError::Ignored)` for `None` | `{ok, State}`, `ignore` |
/// | `Result<Option<Self>, E>` | the handle, `Err(StartError::Ignored)` for `Ok(None)`, or `Err(StartError::Init(e))` | all three |
///
/// An alias of `Result` with its error type fixed (`anyhow::Result<Self>`,
/// `io::Result<Option<Self>>`) stands for either `Result`. Any other return type is a compile
/// error at that type. Without `#[init]`, `start` takes the state itself.
///
/// An ignored start (OTP's `:ignore`) means "nothing to run here", not a failure: no server
/// runs, nothing of it is left, and its name is free again when `start` returns. A supervisor
/// keeps a static child whose init ignored its start as not running (`restart_child` tries
/// again) and drops a dynamic one.
///
/// ```
/// use genserver::prelude::*;
///
/// #[derive(Debug, PartialEq)]
/// struct ZeroInterval;
///
/// struct Poller {
///     every_ms: u64,
/// }
///
/// #[genserver]
/// impl Poller {
///     /// No interval configured: nothing to poll, so no server. Zero is a mistake.
///     #[init]
///     async fn init(every_ms: Option<u64>) -> Result<Option<Self>, ZeroInterval> {
///         match every_ms {
///             None => Ok(None),
///             Some(0) => Err(ZeroInterval),
///             Some(every_ms) => Ok(Some(Poller { every_ms })),
///         }
///     }
///
///     #[call]
///     fn every_ms(&self) -> u64 {
///         self.every_ms
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let ignored = Poller::options().name("poller").start(None).await;
/// assert!(matches!(ignored, Err(StartError::Ignored)));
/// assert!(Poller::whereis("poller").is_none()); // the name is free
///
/// let failed = Poller::start(Some(0)).await;
/// assert!(matches!(failed, Err(StartError::Init(ZeroInterval))));
///
/// let poller = Poller::options().name("poller").start(Some(500)).await.unwrap();
/// assert_eq!(poller.every_ms().await, Ok(500));
/// # }
/// ```
#[doc(inline)]
pub use genserver_macros::genserver;
/// Remote servers over NATS (the `genserver-nats` crate), with the `nats` feature: a server
/// started with `Counter::options().name("counter").remote(&node)` is called from any other
/// process through `node.lookup::<Counter>("counter")`, the same `CounterRef`. See the
/// README's section on remote servers.
#[cfg(feature = "nats")]
pub use genserver_nats as remote;

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
    /// `.remote(&node)` and `.remote_group(&node, group)` on a server's options.
    #[cfg(feature = "nats")]
    pub use genserver_nats::RemoteOptionsExt;
}

/// What code generated by `#[genserver]` names. Not public API: it may change in any release.
#[doc(hidden)]
pub mod __private {
    pub use genserver_core::__private::*;
    /// What `#[genserver(remote)]` generates names.
    #[cfg(feature = "nats")]
    pub use genserver_nats::__private as remote;
}

/// The items `#[genserver(remote)]` generates, with the `nats` feature. Not public API.
#[cfg(feature = "nats")]
#[doc(hidden)]
#[macro_export]
macro_rules! __remote_items {
    ($($items:tt)*) => { $($items)* };
}

/// Without the `nats` feature, `#[genserver(remote)]` is one error that says what to do.
#[cfg(not(feature = "nats"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __remote_items {
    ($($items:tt)*) => {
        ::core::compile_error! {
            "`#[genserver(remote)]` needs the `nats` feature of genserver: \
`gen-server = { version = \"0.1\", features = [\"nats\"] }` in Cargo.toml"
        }
    };
}
