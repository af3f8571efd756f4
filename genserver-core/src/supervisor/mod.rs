//! Supervisors: OTP's `supervisor` — start children in order, restart them by a strategy when
//! they exit, give up past a restart intensity, stop them in reverse order.
//!
//! A [`Supervisor`] is itself a server (trapping exits, linked to each child), so it can be
//! named, monitored, and be the child of another supervisor.
//!
//! - [`spec`]: [`ChildSpec`], [`Restart`], [`Shutdown`]: one child, as the user describes it;
//! - [`builder`]: [`SupervisorBuilder`] and [`Strategy`]: the supervisor before it starts;
//! - [`server`]: [`Supervisor`], the server: its children, restarts, shutdown;
//! - [`handle`]: [`SupervisorRef`] and its requests ([`SupervisorMsg`]);
//! - [`children`]: what it reports of its children ([`ChildInfo`], [`ChildCounts`]);
//! - [`error`]: [`SupervisorError`].

mod builder;
mod children;
mod error;
mod handle;
mod server;
mod spec;

pub use builder::{Strategy, SupervisorBuilder};
pub use children::{ChildCounts, ChildInfo, ChildKind};
pub use error::SupervisorError;
pub use handle::{SupervisorMsg, SupervisorRef};
pub use server::Supervisor;
pub use spec::{ChildSpec, Restart, Shutdown};
