//! Tests of the crate against real `nats-server` processes on loopback, with servers made by
//! `#[genserver(remote)]` (and one whose `RemoteMessage` impl is written by hand, in
//! `names.rs`).
//!
//! Each test starts its own nats-server; real time throughout (a network is the point), with
//! bounds generous enough for a loaded 2-core machine.

use std::sync::Arc;
use std::time::Duration;

use genserver::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::handle::{Address, RemoteHandle};
use crate::message::{Delivery, Incoming, Outgoing, RemoteMessage};
use crate::protocol;
use crate::testing::NatsServer;
// This crate's `RemoteOptionsExt`, over the facade prelude's: the facade's `nats` feature
// (for the doctests) links a second copy of this crate into its unit tests. The test files
// import this module's names (`use super::*`), not the prelude, so that this one is theirs too.
use crate::{Node, RemoteError, RemoteOptions, RemoteOptionsExt, client, wire};

mod auth;
mod calls;
mod cluster;
mod garbage;
mod groups;
mod monitors;
mod names;

/// The lease of the tests' nodes: short, so that expiry is seen quickly.
const LEASE: Duration = Duration::from_secs(2);
/// The heartbeat of the tests' nodes.
const HEARTBEAT: Duration = Duration::from_millis(300);

/// The facade as `#[genserver(remote, crate = crate::tests::facade)]` names it: genserver's,
/// with this crate as its remote part. (The facade's own `genserver::remote` is another copy
/// of this crate in its unit tests, whose types are not this one's.)
pub(crate) mod facade {
    pub use genserver::*;

    #[doc(hidden)]
    pub mod __private {
        pub use crate::__private as remote;
        pub use genserver::__private::*;
    }
}

/// A tick, an info message: local only.
#[derive(Debug, Clone)]
pub struct Tick;

pub struct Counter {
    value: i64,
    label: String,
}

pub(crate) fn counter(label: &str) -> Counter {
    Counter {
        value: 0,
        label: label.to_owned(),
    }
}

#[genserver(remote, crate = crate::tests::facade)]
impl Counter {
    #[call]
    pub fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }

    #[call]
    pub fn get(&self) -> i64 {
        self.value
    }

    #[call]
    pub fn label(&self) -> String {
        self.label.clone()
    }

    #[cast]
    pub fn add(&mut self, n: i64) {
        self.value += n;
    }

    /// An order-sensitive step: the value tells the order the casts were handled in.
    #[cast]
    pub fn fold(&mut self, n: i64) {
        self.value = self.value.wrapping_mul(31).wrapping_add(n);
    }

    #[call]
    pub async fn slow(&mut self, millis: u64) -> i64 {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        self.value
    }

    #[call]
    pub fn crash(&mut self) -> i64 {
        panic!("{} crashed on purpose", self.label)
    }

    #[call]
    pub fn echo(&self, bytes: Vec<u8>) -> Vec<u8> {
        bytes
    }

    #[call]
    pub fn filler(&self, len: u64) -> Vec<u8> {
        vec![200; usize::try_from(len).unwrap_or(0)]
    }

    #[call]
    pub fn forget(&self, reply: ReplyTo<i64>) {
        drop(reply);
    }

    /// Answers from a thread that is not the runtime's.
    #[call]
    pub fn answer_on_a_thread(&self, reply: ReplyTo<i64>) {
        let value = self.value;
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            reply.send(value);
        });
    }

    #[cast]
    pub fn quit(&mut self, ctx: &mut Context<Self>) {
        ctx.stop(ExitReason::error("asked to quit"));
    }

    #[info]
    pub fn on_tick(&mut self, _tick: Tick) {
        self.value += 100;
    }
}

/// The arguments of a handler without any, as the generated code encodes them (an empty map).
#[derive(Serialize, Deserialize)]
pub(crate) struct NoArgs {}

/// The arguments of `slow`, as the generated code encodes them.
#[derive(Serialize, Deserialize)]
pub(crate) struct SlowArgs {
    pub(crate) millis: u64,
}

/// The arguments of `filler`, as the generated code encodes them.
#[derive(Serialize, Deserialize)]
pub(crate) struct FillerArgs {
    pub(crate) len: u64,
}

/// The arguments of `echo`, as the generated code encodes them.
#[derive(Serialize, Deserialize)]
pub(crate) struct EchoArgs {
    pub(crate) bytes: Vec<u8>,
}

/// A node on `url` with the tests' lease and heartbeat.
pub(crate) async fn node(url: &str) -> Node {
    Node::builder()
        .lease(LEASE)
        .heartbeat(HEARTBEAT)
        .kv_storage(crate::StorageType::Memory)
        .connect(url)
        .await
        .expect("the test's nats-server accepts the node")
}

/// A nats-server for one test.
pub(crate) fn nats() -> NatsServer {
    NatsServer::start().expect("nats-server starts (apt-get install nats-server)")
}

/// The options of a counter under `name` on `node`. Each start registers its server in a
/// local registry of its own: the nodes of a test stand for processes of their own, whose local
/// names never meet (the cluster's name is what is unique).
pub(crate) fn remote_options(node: &Node, name: &str) -> RemoteOptions<Counter> {
    Counter::options()
        .via(Arc::new(genserver::LocalRegistry::new()), name)
        .remote(node)
}

/// Starts a counter under `name`.
pub(crate) async fn start_named(node: &Node, name: &str) -> CounterRef {
    remote_options(node, name)
        .start(counter(name))
        .await
        .expect("the name is free")
}

/// A raw call: what a generated client method sends, with the reply decoded as an `R`.
pub(crate) async fn call<A: Serialize, R: DeserializeOwned>(
    node: &Node,
    address: Address,
    handler: &str,
    args: &A,
    timeout: Duration,
) -> Result<R, CallError> {
    let subject = RemoteHandle::new(node, address).subject().clone();
    let args = wire::encode(args).map_err(CallError::Remote)?;
    let envelope = protocol::call(handler, timeout, &args).map_err(CallError::Remote)?;
    let bytes = client::request(&node.inner, subject, envelope, timeout).await?;
    wire::decode(&bytes).map_err(CallError::Remote)
}

/// A raw call to the server holding `name`.
pub(crate) async fn call_name<R: DeserializeOwned>(
    node: &Node,
    name: &str,
    handler: &str,
) -> Result<R, CallError> {
    call(
        node,
        Address::Name(name.to_owned()),
        handler,
        &NoArgs {},
        Duration::from_secs(5),
    )
    .await
}

/// Calls `increment` on `name` until it answers (a fresh subscription may take a moment to
/// reach another server of a cluster), at most `within`.
pub(crate) async fn until_answers(node: &Node, name: &str, within: Duration) -> i64 {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match call_name::<i64>(node, name, "get").await {
            Ok(value) => return value,
            Err(error) if tokio::time::Instant::now() < deadline => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => panic!("{name} never answered: {error}"),
        }
    }
}
