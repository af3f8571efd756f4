//! [`Node`]: this process's connection to a NATS cluster, and [`NodeBuilder`], its options.
//!
//! - `connection.rs`: whether the connection is up, and the signal of its drops;
//! - `outbox.rs`: the ordered queue of messages published without waiting (casts).
//!
//! A node is a cheap handle (an `Arc`); every remote server, handle and monitor made from it
//! keeps it alive. Its background tasks (the outbox, the heartbeat) end with the last handle.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_nats::jetstream::stream::StorageType;
use async_nats::{Client, ConnectOptions, ToServerAddrs};
use tokio::sync::OnceCell;
use tokio::task::AbortHandle;

use crate::NodeError;
use crate::names::Names;
use crate::protocol::{self, Subjects};

pub(crate) mod connection;
pub(crate) mod outbox;

use connection::Connection;
use outbox::Outbox;

/// The default subject prefix.
pub const DEFAULT_PREFIX: &str = "genserver";
/// The default name of the JetStream key-value bucket that holds names and group members.
pub const DEFAULT_BUCKET: &str = "genserver_names";
/// The default lease of a name: how long a name outlives a holder that stopped refreshing it
/// (a killed process, a lost connection).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(10);
/// The default interval of a node's heartbeat, which remote monitors watch.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(1);

/// This process's connection to NATS: where remote servers are started and remote handles
/// made.
///
/// ```no_run
/// # async fn run() -> Result<(), genserver_nats::NodeError> {
/// use genserver_nats::Node;
///
/// let node = Node::connect("nats://127.0.0.1:4222").await?;
/// println!("node {} on prefix {}", node.id(), node.prefix());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Node {
    pub(crate) inner: Arc<NodeInner>,
}

pub(crate) struct NodeInner {
    pub(crate) client: Client,
    /// Unique among every node that ever connected: a NUID.
    pub(crate) id: String,
    pub(crate) subjects: Subjects,
    pub(crate) config: Config,
    pub(crate) connection: Arc<Connection>,
    pub(crate) outbox: Outbox,
    pub(crate) stats: Arc<Stats>,
    /// The bucket of names, opened by the first remote start or group lookup.
    names: OnceCell<Names>,
    /// The heartbeat task, started with the first remote server.
    heartbeat: OnceLock<AbortHandle>,
    outbox_task: AbortHandle,
}

impl Drop for NodeInner {
    fn drop(&mut self) {
        self.outbox_task.abort();
        if let Some(heartbeat) = self.heartbeat.get() {
            heartbeat.abort();
        }
    }
}

/// The options of a node that are not the NATS client's.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) lease: Duration,
    pub(crate) heartbeat: Duration,
    pub(crate) bucket: String,
    pub(crate) kv_replicas: usize,
    pub(crate) kv_storage: StorageType,
}

/// Counters of a node.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) dropped_messages: AtomicU64,
    pub(crate) error_replies: AtomicU64,
    pub(crate) failed_casts: AtomicU64,
}

/// Counters of a [`Node`], from [`Node::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct NodeStats {
    /// Messages that reached a server of this node and were dropped: not a valid request and
    /// without a reply subject to say so, or a cast its server's mailbox refused.
    pub dropped_messages: u64,
    /// Requests that this node's servers answered with an error reply because they were not
    /// valid (did not decode, named no handler, broke the protocol).
    pub error_replies: u64,
    /// Casts that were queued but could not be published (the connection closed).
    pub failed_casts: u64,
    /// How many times the connection to NATS dropped.
    pub disconnects: u64,
    /// How many times messages to this node's servers arrived faster than they were handled,
    /// until a subscription's buffer (async-nats's `subscription_capacity`, 65,536 messages by
    /// default; see [`NodeBuilder::nats`]) was full and the NATS client dropped what came next
    /// (its "slow consumer"): casts in such a burst are lost, as casts are at most once, and
    /// calls end with `Timeout`. Each overflow is counted once, however many messages it
    /// dropped, and logged as a warning.
    pub overflows: u64,
}

impl Node {
    /// Connects to NATS at `addrs` (e.g. `"nats://127.0.0.1:4222"`, or several servers of a
    /// cluster) with the default options: see [`NodeBuilder`] for credentials, TLS and the
    /// subject prefix.
    pub async fn connect(addrs: impl ToServerAddrs) -> Result<Node, NodeError> {
        Node::builder().connect(addrs).await
    }

    /// The options of a node, ending with [`NodeBuilder::connect`].
    pub fn builder() -> NodeBuilder {
        NodeBuilder::default()
    }

    /// The node's id: unique among all nodes, different at every connect.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// The subject prefix of this node's servers and handles.
    pub fn prefix(&self) -> &str {
        self.inner.subjects.prefix()
    }

    /// The lease of names ([`NodeBuilder::lease`]) this node asked for. The lease in force is
    /// the bucket's: whoever created the bucket chose it.
    pub fn lease(&self) -> Duration {
        self.inner.config.lease
    }

    /// The NATS client underneath, e.g. to publish to subjects of your own.
    pub fn client(&self) -> &Client {
        &self.inner.client
    }

    /// `true` while the node is connected to NATS.
    pub fn is_connected(&self) -> bool {
        connection::check(&self.inner.client).is_ok()
    }

    /// The node's counters.
    pub fn stats(&self) -> NodeStats {
        let stats = &self.inner.stats;
        NodeStats {
            dropped_messages: stats.dropped_messages.load(Ordering::Relaxed),
            error_replies: stats.error_replies.load(Ordering::Relaxed),
            failed_casts: stats.failed_casts.load(Ordering::Relaxed),
            disconnects: self.inner.connection.disconnects(),
            overflows: self.inner.connection.overflows(),
        }
    }

    /// A fresh id, unique among all nodes (a NUID): a server's incarnation.
    pub(crate) fn new_id(&self) -> String {
        unique_suffix(&self.inner.client)
    }

    /// Waits until the NATS server has processed everything this node sent before: a request
    /// to a subject nobody listens on, whose "no responders" answer the server sends only once
    /// it got there. (The client's `flush` only writes the socket.) In a cluster, the other
    /// servers learn of new subscriptions a moment later still.
    pub(crate) async fn barrier(&self) {
        let subject = self.inner.client.new_inbox();
        let request = async_nats::Request::new().timeout(Some(Duration::from_secs(5)));
        let _ = self.inner.client.send_request(subject, request).await;
    }

    /// The bucket of names, opened (or created) on first use.
    pub(crate) async fn names(&self) -> Result<&Names, NodeError> {
        self.inner
            .names
            .get_or_try_init(|| Names::open(&self.inner))
            .await
    }

    /// Starts the node's heartbeat if it is not running yet: every `heartbeat`, a message on
    /// `P.node.D.hb`, which monitors of this node's servers watch.
    pub(crate) fn ensure_heartbeat(&self) {
        self.inner.heartbeat.get_or_init(|| {
            let client = self.inner.client.clone();
            let subject = self.inner.subjects.heartbeat(&self.inner.id);
            let period = self.inner.config.heartbeat;
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(period);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    // A missed beat is what monitors watch for; nothing else to do about it.
                    let _ = client.publish(subject.clone(), bytes::Bytes::new()).await;
                }
            })
            .abort_handle()
        });
    }
}

impl fmt::Debug for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.inner.id)
            .field("prefix", &self.prefix())
            .field("connected", &self.is_connected())
            .finish()
    }
}

/// The unique last token of a fresh inbox subject: a NUID.
fn unique_suffix(client: &Client) -> String {
    client
        .new_inbox()
        .rsplit('.')
        .next()
        .expect("rsplit yields at least one piece")
        .to_owned()
}

/// The options of a [`Node`]: `Node::builder().prefix("shop").connect(url)`.
///
/// ```no_run
/// # async fn run() -> Result<(), genserver_nats::NodeError> {
/// use std::time::Duration;
/// use genserver_nats::{ConnectOptions, Node};
///
/// let node = Node::builder()
///     .nats(ConnectOptions::with_user_and_password("shop".into(), "secret".into()))
///     .prefix("shop.prod")
///     .lease(Duration::from_secs(5))
///     .connect("nats://127.0.0.1:4222")
///     .await?;
/// # Ok(())
/// # }
/// ```
pub struct NodeBuilder {
    nats: ConnectOptions,
    prefix: String,
    config: Config,
}

impl Default for NodeBuilder {
    fn default() -> Self {
        NodeBuilder {
            nats: ConnectOptions::new(),
            prefix: DEFAULT_PREFIX.to_owned(),
            config: Config {
                lease: DEFAULT_LEASE,
                heartbeat: DEFAULT_HEARTBEAT,
                bucket: DEFAULT_BUCKET.to_owned(),
                kv_replicas: 1,
                kv_storage: StorageType::File,
            },
        }
    }
}

impl fmt::Debug for NodeBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeBuilder")
            .field("nats", &self.nats)
            .field("prefix", &self.prefix)
            .field("config", &self.config)
            .finish()
    }
}

impl NodeBuilder {
    /// The NATS client's options: credentials (`ConnectOptions::with_token`,
    /// `with_user_and_password`, `with_nkey`, `with_credentials_file`), TLS
    /// (`require_tls`, `add_root_certificates`, `add_client_certificate`), timeouts, the
    /// client's name. The node installs its own event callback (it watches the connection),
    /// replacing one set here.
    pub fn nats(mut self, options: ConnectOptions) -> Self {
        self.nats = options;
        self
    }

    /// The subject prefix (default `genserver`): dot-separated tokens of letters, digits,
    /// `_` and `-`. Nodes with different prefixes never reach each other's servers, even on
    /// one NATS; give each application (and each environment) its own.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The lease of names (default 10 s, at least 1 s): a holder refreshes its name every
    /// quarter of it, and a name whose holder stopped refreshing (killed, or cut off from NATS)
    /// expires a lease after its last refresh. A start that finds a name whose holder does not
    /// answer takes it over sooner, after watching it go unrefreshed for 1.5 refresh periods.
    ///
    /// The lease is the bucket's age limit, fixed when the bucket is created: a node that opens
    /// an existing bucket uses the bucket's lease, whatever it asked for.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.config.lease = lease;
        self
    }

    /// The interval of this node's heartbeat (default 1 s, at least 50 ms). A remote monitor
    /// of a server on this node reports [`ExitReason`](genserver_core::ExitReason) "no
    /// connection" after three intervals without one.
    pub fn heartbeat(mut self, interval: Duration) -> Self {
        self.config.heartbeat = interval;
        self
    }

    /// The JetStream key-value bucket of names and group members (default `genserver_names`):
    /// letters, digits, `_` and `-`. Keys in it start with the prefix, so applications can
    /// share it.
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.config.bucket = bucket.into();
        self
    }

    /// How many copies of the bucket a NATS cluster keeps (default 1; 3 in a cluster of 3 or
    /// more survives the loss of one server). Used when the bucket is created.
    pub fn kv_replicas(mut self, replicas: usize) -> Self {
        self.config.kv_replicas = replicas;
        self
    }

    /// Where the bucket is stored (default on file). Used when the bucket is created.
    pub fn kv_storage(mut self, storage: StorageType) -> Self {
        self.config.kv_storage = storage;
        self
    }

    fn check(&self) -> Result<(), NodeError> {
        if !protocol::valid_prefix(&self.prefix) {
            return Err(NodeError::InvalidPrefix(self.prefix.clone()));
        }
        let config = &self.config;
        if config.lease < Duration::from_secs(1) {
            return Err(NodeError::InvalidOption(format!(
                "the lease must be at least 1 s, not {:?}",
                config.lease
            )));
        }
        if config.heartbeat < Duration::from_millis(50) {
            return Err(NodeError::InvalidOption(format!(
                "the heartbeat must be at least 50 ms, not {:?}",
                config.heartbeat
            )));
        }
        let valid_bucket = !config.bucket.is_empty()
            && config
                .bucket
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-');
        if !valid_bucket {
            return Err(NodeError::InvalidOption(format!(
                "invalid bucket name {:?}: use letters, digits, `_` and `-`",
                config.bucket
            )));
        }
        if !(1..=5).contains(&config.kv_replicas) {
            return Err(NodeError::InvalidOption(format!(
                "the bucket's replicas must be 1 to 5, not {}",
                config.kv_replicas
            )));
        }
        Ok(())
    }

    /// Connects to NATS at `addrs`. Fails at once, with [`NodeError::Connect`], if the server
    /// cannot be reached or refuses the credentials; once connected, the client reconnects by
    /// itself after a drop (to any server of the cluster it knows).
    pub async fn connect(self, addrs: impl ToServerAddrs) -> Result<Node, NodeError> {
        self.check()?;
        let connection = Arc::new(Connection::default());
        let options = self.nats.event_callback({
            let connection = connection.clone();
            move |event| {
                let connection = connection.clone();
                async move { connection.on_event(&event) }
            }
        });
        let client = options.connect(addrs).await.map_err(NodeError::Connect)?;
        let id = unique_suffix(&client);
        let stats = Arc::new(Stats::default());
        let (outbox, outbox_task) = Outbox::start(client.clone(), stats.clone());
        Ok(Node {
            inner: Arc::new(NodeInner {
                client,
                id,
                subjects: Subjects::new(&self.prefix),
                config: self.config,
                connection,
                outbox,
                stats,
                names: OnceCell::new(),
                heartbeat: OnceLock::new(),
                outbox_task: outbox_task.abort_handle(),
            }),
        })
    }
}
