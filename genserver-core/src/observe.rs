//! What an observer sees of the running system (feature `observer`): every live server, its
//! mailbox, its place in the supervision tree, its links and monitors, the handler it runs.
//!
//! The `genserver-observer` crate (`genserver::observer`) serves this as a live web page; this
//! module is the reading it is built on, for any other tool. Every server is in the table from
//! its start to its exit, whether or not anyone observes it, so a reading taken late still
//! shows the servers started before.
//!
//! ```
//! use genserver::prelude::*;
//! use genserver_core::observe;
//!
//! struct Worker;
//!
//! #[genserver]
//! impl Worker {
//!     #[call]
//!     fn ping(&self) -> &'static str { "pong" }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let worker = Worker::options().name("worker").start(Worker).await.unwrap();
//! worker.ping().await.unwrap();
//! let seen = observe::servers();
//! let me = seen.iter().find(|server| server.id == worker.id()).unwrap();
//! assert_eq!(me.name.as_deref(), Some("worker"));
//! assert_eq!(me.messages, 1);
//! worker.stop().await;
//! assert!(observe::servers().iter().all(|server| server.id != worker.id()));
//! # }
//! ```
//!
//! What the handler of a busy server is, is written down only while a `Sampler` lives (one
//! relaxed load per message otherwise); how long it has run follows from two readings that
//! show the same message count while the server is not waiting for mail.

use std::collections::HashMap;

use crate::process::live;
use crate::process::watchers;
use crate::{LocalRegistry, Registry, ServerId, Supervisor};

/// One live server, as [`servers`] saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerInfo {
    /// Its id.
    pub id: ServerId,
    /// Its type, e.g. `my_app::Counter`.
    pub type_name: &'static str,
    /// The name it holds in the local registry, if any.
    pub name: Option<String>,
    /// The server whose task started it: for a supervised server, its supervisor; for one
    /// started in a handler, that handler's server. `None` for servers started from plain
    /// async code.
    pub parent: Option<ServerId>,
    /// Whether it is a [`Supervisor`].
    pub supervisor: bool,
    /// Messages waiting in its mailbox.
    pub mailbox_len: usize,
    /// Messages it has taken from its mailbox since it started: calls, casts, infos, and the
    /// runtime's requests (`get_state`, stops, monitor signals). The one it is handling now is
    /// counted.
    pub messages: u64,
    /// How many times its supervisor had restarted it when it started this incarnation.
    pub restarts: u32,
    /// The servers linked to it.
    pub links: Vec<ServerId>,
    /// The servers monitoring it.
    pub monitored_by: Vec<ServerId>,
    /// `true` while it waits for mail; `false` while it runs a handler (or its `init`, or
    /// has been woken and not run yet).
    pub waiting: bool,
    /// The handler it runs now, if it is busy and started it while a [`Sampler`] lived.
    pub running: Option<&'static str>,
    /// Whether its state can be read with [`state`] (started with
    /// [`Options::observe_state`](crate::Options::observe_state)).
    pub has_state: bool,
    /// Whether it traps exits.
    pub traps_exits: bool,
    /// Whether it has decided to exit (its exit reason is set; it may still be running
    /// `terminate`).
    pub exiting: bool,
}

/// Every live server now, in no particular order. Each is read without stopping it: the
/// figures of one server are each exact at some moment of the reading.
pub fn servers() -> Vec<ServerInfo> {
    let names = local_names();
    let supervisor = std::any::type_name::<Supervisor>();
    live::snapshot()
        .into_iter()
        .map(|seen| {
            let shared = &seen.shared;
            let (links, monitored_by) = watchers::seen(shared);
            ServerInfo {
                id: shared.id,
                type_name: shared.type_name,
                name: names.get(&shared.id).cloned(),
                parent: ServerId::from_u64(shared.live.parent),
                supervisor: shared.type_name == supervisor,
                mailbox_len: seen.mailbox_len,
                messages: seen.received,
                restarts: shared.restarts,
                links,
                monitored_by,
                waiting: seen.parked,
                running: seen.running,
                has_state: seen.has_state,
                traps_exits: shared.traps_exits(),
                exiting: shared.exit_reason().is_some(),
            }
        })
        .collect()
}

/// The names of the local registry, by holder.
fn local_names() -> HashMap<ServerId, String> {
    let registry = LocalRegistry::global();
    registry
        .names()
        .into_iter()
        .filter_map(|name| Some((registry.whereis(&name)?.id(), name)))
        .collect()
}

/// The `{:#?}` text of the state of server `id`, read inside the server between two messages
/// (as [`ServerRef::get_state`](crate::ServerRef::get_state)), waiting at most a second.
/// `Err` says why there is none: no such live server, a server not started with
/// [`Options::observe_state`](crate::Options::observe_state), or one that did not answer.
pub async fn state(id: ServerId) -> Result<String, String> {
    let Some(state) = live::state(id.as_u64()) else {
        return Err(if servers().iter().any(|server| server.id == id) {
            format!("{id} was not started with `observe_state()`: its state is not shown")
        } else {
            format!("no live server {id}")
        });
    };
    state.await
}

/// While a `Sampler` lives, every server writes down the handler it starts (under the lock of
/// its shard of the table: the cost of an open observer page), so that [`servers`] can say
/// which handler a busy server runs. Drop it to stop.
#[derive(Debug)]
pub struct Sampler(#[allow(dead_code)] live::Sampling);

impl Sampler {
    /// Starts sampling.
    pub fn start() -> Sampler {
        Sampler(live::Sampling::start())
    }
}

impl std::fmt::Debug for live::Sampling {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sampling")
    }
}
