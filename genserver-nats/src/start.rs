//! Starting a server that other processes reach: under a name unique in the cluster, or as a
//! member of a group. [`RemoteOptions`] wraps the server's local [`Options`].
//!
//! The order of a start, so that a failure at any step leaves nothing behind:
//!
//! 1. claim the key (the name, or this member's key): a live holder elsewhere means
//!    [`RemoteStartError::AlreadyStarted`] and nothing runs;
//! 2. keep the key (its lease), and answer pings on the server's own subject, so that a
//!    second start during a long init sees a live holder;
//! 3. start the server locally (its local options apply: call timeout, mailbox, a local name);
//!    if that fails, the key is freed before the error is returned;
//! 4. subscribe to its subjects, and serve until it exits.

use futures_util::StreamExt as _;
use genserver_core::{GenServer, Options, RemoteError, ServerId, ServerRef, StartError};

use crate::Node;
use crate::handle::{Address, RemoteHandle};
use crate::message::RemoteMessage;
use crate::names::{ClaimError, Claimant, Release};
use crate::protocol::{self, Op};
use crate::serve::{self, Exposure};

/// Where a remote server is reached.
#[derive(Debug, Clone)]
enum Exposed {
    Name(String),
    Group(String),
    /// `.remote(&node)` without a name: refused at start.
    Unnamed,
}

/// `.remote(&node)` and `.remote_group(&node, group)` on a server's [`Options`]: a server
/// that other processes reach. In the prelude of `genserver` with its `nats` feature.
///
/// ```no_run
/// # use genserver::prelude::*;
/// use genserver::remote::{Node, RemoteOptionsExt};
/// # #[derive(Default)] pub struct Counter { value: i64 }
/// # #[genserver(remote)]
/// # impl Counter {
/// #     #[call] pub fn increment(&mut self) -> i64 { self.value += 1; self.value }
/// # }
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let node = Node::connect("nats://127.0.0.1:4222").await?;
/// let counter = Counter::options()
///     .name("counter")
///     .remote(&node)
///     .start(Counter::default())
///     .await?;
/// # Ok(())
/// # }
/// ```
pub trait RemoteOptionsExt<S: GenServer>: Sized {
    /// Makes the server reachable through `node` under its name (given with `.name(..)`
    /// before), which is then unique in the cluster: a second start anywhere fails with
    /// `StartError::AlreadyStarted`. The name is freed when the server exits, and within the
    /// lease (see [`NodeBuilder::lease`](crate::NodeBuilder::lease)) when its process dies or
    /// its connection drops. The server is registered locally under the name too.
    fn remote(self, node: &Node) -> RemoteOptions<S>;

    /// Makes the server a member of `group` through `node`: the members of a group share its
    /// calls and casts (`node.group::<S>(group)`), and `node.multi_call` reaches them all.
    fn remote_group(self, node: &Node, group: impl Into<String>) -> RemoteOptions<S>;
}

impl<S: GenServer> RemoteOptionsExt<S> for Options<S> {
    fn remote(self, node: &Node) -> RemoteOptions<S> {
        let exposed = match self.registered_name() {
            Some(name) => Exposed::Name(name.to_owned()),
            None => Exposed::Unnamed,
        };
        RemoteOptions {
            node: node.clone(),
            options: self,
            exposed,
        }
    }

    fn remote_group(self, node: &Node, group: impl Into<String>) -> RemoteOptions<S> {
        RemoteOptions {
            node: node.clone(),
            options: self,
            exposed: Exposed::Group(group.into()),
        }
    }
}

/// The options of a server that other processes reach through a [`Node`], from
/// [`RemoteOptionsExt`].
pub struct RemoteOptions<S: GenServer> {
    node: Node,
    options: Options<S>,
    exposed: Exposed,
}

impl<S: GenServer> std::fmt::Debug for RemoteOptions<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteOptions")
            .field("node", &self.node)
            .field("options", &self.options)
            .field("exposed", &self.exposed)
            .finish()
    }
}

impl<S> RemoteOptions<S>
where
    S: GenServer,
    S::Msg: RemoteMessage,
{
    /// Starts the server and makes it reachable; returns its local handle once both are done.
    ///
    /// Fails with `StartError::AlreadyStarted` (a stand-in `Pid` of the holder, which can be
    /// monitored) if a live server holds the name anywhere in the cluster, and with
    /// `StartError::Remote` if the name could not be claimed (NATS or JetStream failed, or no
    /// name was given); nothing runs then.
    pub async fn start(self, args: S::Args) -> Result<S::Ref, StartError<S::InitError>> {
        let RemoteOptions {
            node,
            options,
            exposed,
        } = self;
        let inner = &node.inner;
        let remote = |error: crate::NodeError| StartError::Remote(error.into_remote());
        let incarnation = node.new_id();
        // The key, what becomes of it at exit, the label, and the shared subject (with the
        // queue group of a group).
        let (key, release, label, subject, queue) = match &exposed {
            Exposed::Name(name) => (
                inner.subjects.name_key(name),
                Release::Delete,
                name.clone(),
                inner.subjects.name(name),
                None,
            ),
            Exposed::Group(group) => (
                inner.subjects.member_key(group, &incarnation),
                Release::Purge,
                group.clone(),
                inner.subjects.group(group),
                Some(inner.subjects.queue(group)),
            ),
            Exposed::Unnamed => {
                return Err(StartError::Remote(RemoteError::Transport(
                    "a remote server needs a name: call `.name(..)` before `.remote(..)`, or use \
                     `.remote_group(..)`"
                        .to_owned(),
                )));
            }
        };
        let names = node.names().await.map_err(remote)?;
        let claimant = Claimant {
            node: node.id().to_owned(),
            incarnation: incarnation.clone(),
        };
        let revision = match names.claim(inner, &key, &claimant).await {
            Ok(revision) => revision,
            Err(ClaimError::Held(holder)) => {
                // A stand-in of the holder (that server incarnation, not whoever holds the name
                // later), as a local `AlreadyStarted` gives the holder's `Pid`.
                let holder = RemoteHandle::new(&node, Address::Server(holder.incarnation))
                    .stand_in(std::any::type_name::<S>(), ServerId::unique());
                return Err(StartError::AlreadyStarted(holder));
            }
            Err(ClaimError::Node(error)) => return Err(remote(error)),
        };
        let lease = names.keep(key, &claimant, revision, inner.connection.clone(), release);
        let mut own = match inner
            .client
            .subscribe(inner.subjects.server(&incarnation))
            .await
        {
            Ok(own) => own,
            Err(error) => {
                lease.release().await;
                return Err(StartError::Remote(RemoteError::Transport(
                    error.to_string(),
                )));
            }
        };
        // While init runs, answer pings (a live holder) and nothing else yet.
        let started = {
            let start = options.start(args);
            tokio::pin!(start);
            loop {
                tokio::select! {
                    started = &mut start => break started,
                    Some(request) = own.next() => answer_during_init(&node, request).await,
                }
            }
        };
        let handle = match started {
            Ok(handle) => handle,
            Err(error) => {
                lease.release().await;
                return Err(error);
            }
        };
        let server: ServerRef<S> = handle.as_ref().clone();
        let group = queue.is_some();
        let shared = match queue {
            Some(queue) => inner.client.queue_subscribe(subject, queue).await,
            None => inner.client.subscribe(subject).await,
        };
        let shared = match shared {
            Ok(shared) => shared,
            Err(error) => {
                server.stop().await;
                lease.release().await;
                return Err(StartError::Remote(RemoteError::Transport(
                    error.to_string(),
                )));
            }
        };
        // The NATS server has the subscriptions before `start` returns.
        node.barrier().await;
        node.ensure_heartbeat();
        tokio::spawn(serve::serve(
            node.clone(),
            server,
            Exposure {
                subscriptions: (shared, own),
                lease: Some(lease),
                incarnation,
                label,
                group,
            },
        ));
        Ok(handle)
    }
}

/// A request to a server whose init is still running: a ping is answered (someone is there);
/// anything else is answered `not_running`, as a call to a server not started yet.
async fn answer_during_init(node: &Node, request: async_nats::Message) {
    let Some(reply) = request.reply else { return };
    let is_ping = protocol::parse(&request.payload).is_ok_and(|request| request.op == Op::Ping);
    let client = &node.inner.client;
    let _ = if is_ping {
        client.publish(reply, bytes::Bytes::new()).await
    } else {
        let (kind, body) = protocol::error_reply(&genserver_core::CallError::NotRunning);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(protocol::ERROR, kind);
        client
            .publish_with_headers(reply, headers, bytes::Bytes::from(body))
            .await
    };
}
