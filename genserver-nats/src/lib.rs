//! Remote [genserver](https://docs.rs/genserver) servers over [NATS](https://nats.io): a
//! server in one process, called by name from any other, with every call ending as it does
//! locally.
//!
//! The pieces:
//!
//! - [`Node`]: this process's connection to NATS ([`NodeBuilder`]: credentials, TLS, the
//!   subject prefix that keeps applications apart, the lease of names);
//! - [`RemoteOptions`]: a server started under a name unique in the cluster, or in a group;
//! - [`message::RemoteMessage`]: how a message enum crosses the network, implemented by
//!   `#[genserver(remote)]`;
//! - [`wire`]: the format (MessagePack with named fields) and its schema-evolution rules;
//! - [`protocol`]: the subjects, the headers, and how each way a call ends travels;
//! - [`testing`]: a `nats-server` (or a cluster of them) on loopback for tests.
//!
//! How names stay unique and are freed when their holder dies, without the per-key TTL that
//! the nats-server of Debian (2.9) lacks: see the `names` module's documentation, summed up
//! in [`NodeBuilder::lease`].
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod client;
mod error;
mod group;
mod handle;
pub mod message;
mod monitor;
mod names;
mod node;
pub mod protocol;
mod serve;
mod start;
pub mod testing;
pub mod wire;

#[cfg(test)]
mod tests;

pub use async_nats::ConnectOptions;
pub use async_nats::jetstream::stream::StorageType;
pub use error::{Holder, NodeError, RemoteError, RemoteStartError};
pub use node::{
    DEFAULT_BUCKET, DEFAULT_HEARTBEAT, DEFAULT_LEASE, DEFAULT_PREFIX, Node, NodeBuilder, NodeStats,
};
pub use start::RemoteOptions;

/// The NATS client this crate is built on, for what the node does not cover.
pub use async_nats as nats;
