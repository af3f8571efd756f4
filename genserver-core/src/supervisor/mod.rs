//! Supervisors: OTP's `supervisor` — start children in order, restart them by a strategy when
//! they exit, give up past a restart intensity, stop them in reverse order.
//!
//! A [`Supervisor`] is itself a server (trapping exits, linked to each child), so it can be
//! named, monitored, and be the child of another supervisor.
//!
//! - [`spec`]: [`ChildSpec`] (a server or a plain future), [`Restart`], [`Shutdown`]: one
//!   child, as the user describes it;
//! - [`builder`]: [`SupervisorBuilder`], [`Strategy`], [`AutoShutdown`]: the supervisor
//!   before it starts;
//! - [`server`]: [`Supervisor`], the server: its state, its start, its requests;
//! - [`children`]: what it keeps of each child, and what it reports of them ([`ChildInfo`],
//!   [`ChildCounts`]);
//! - [`restart`]: a child's exit: the strategy, the intensity, retries, escalation, and
//!   `auto_shutdown` for significant children;
//! - [`shutdown`]: stopping children by their [`Shutdown`], every wait bounded;
//! - [`admin`]: child administration: start, terminate, restart, delete;
//! - [`handle`]: [`SupervisorRef`] and its requests ([`SupervisorMsg`]);
//! - [`error`]: [`SupervisorError`].

mod admin;
mod builder;
mod children;
mod error;
mod handle;
mod restart;
mod server;
mod shutdown;
mod spec;

pub use builder::{AutoShutdown, Strategy, SupervisorBuilder};
pub use children::{ChildCounts, ChildInfo, ChildKind};
pub use error::SupervisorError;
pub use handle::{SupervisorMsg, SupervisorRef};
pub use server::Supervisor;
pub use spec::{ChildSpec, Restart, Shutdown};
