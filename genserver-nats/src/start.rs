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
use genserver_core::{GenServer, Options, ServerRef};

use crate::message::RemoteMessage;
use crate::names::{ClaimError, Claimant, Release};
use crate::protocol::{self, Op};
use crate::serve::{self, Exposure};
use crate::{Holder, Node, NodeError, RemoteError, RemoteStartError};

/// Where a remote server is reached.
#[derive(Debug, Clone)]
enum Exposed {
    Name(String),
    Group(String),
}

/// The options of a server that other processes reach through a [`Node`].
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
    /// A server started with `options`, reached as `name` from every node with the same
    /// prefix. The name is unique in the cluster.
    pub fn named(node: &Node, options: Options<S>, name: impl Into<String>) -> Self {
        RemoteOptions {
            node: node.clone(),
            options,
            exposed: Exposed::Name(name.into()),
        }
    }

    /// A server started with `options`, one of the members of `group`, which share the
    /// group's calls and casts.
    pub fn group(node: &Node, options: Options<S>, group: impl Into<String>) -> Self {
        RemoteOptions {
            node: node.clone(),
            options,
            exposed: Exposed::Group(group.into()),
        }
    }

    /// Starts the server and makes it reachable; returns its local handle once both are done.
    pub async fn start(self, args: S::Args) -> Result<S::Ref, RemoteStartError<S::InitError>> {
        let RemoteOptions {
            node,
            options,
            exposed,
        } = self;
        let inner = &node.inner;
        let names = node.names().await?;
        let incarnation = node.new_id();
        let claimant = Claimant {
            node: node.id().to_owned(),
            incarnation: incarnation.clone(),
        };
        let (key, release, label) = match &exposed {
            Exposed::Name(name) => (inner.subjects.name_key(name), Release::Delete, name.clone()),
            Exposed::Group(group) => (
                inner.subjects.member_key(group, &incarnation),
                Release::Purge,
                group.clone(),
            ),
        };
        let revision = match names.claim(inner, &key, &claimant).await {
            Ok(revision) => revision,
            Err(ClaimError::Held(holder)) => {
                return Err(RemoteStartError::AlreadyStarted(Holder {
                    name: label,
                    node: holder.node,
                }));
            }
            Err(ClaimError::Node(error)) => return Err(error.into()),
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
                return Err(NodeError::from(RemoteError::Transport(error.to_string())).into());
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
                return Err(RemoteStartError::Start(error));
            }
        };
        let server: ServerRef<S> = handle.as_ref().clone();
        let shared = match &exposed {
            Exposed::Name(name) => inner.client.subscribe(inner.subjects.name(name)).await,
            Exposed::Group(group) => {
                inner
                    .client
                    .queue_subscribe(inner.subjects.group(group), inner.subjects.queue(group))
                    .await
            }
        };
        let shared = match shared {
            Ok(shared) => shared,
            Err(error) => {
                server.stop().await;
                lease.release().await;
                return Err(NodeError::from(RemoteError::Transport(error.to_string())).into());
            }
        };
        // The NATS server has the subscriptions before `start` returns.
        node.barrier().await;
        node.ensure_heartbeat();
        tokio::spawn(serve::serve(
            node.clone(),
            server,
            Exposure {
                subscriptions: vec![shared, own],
                lease: Some(lease),
                incarnation,
                label,
            },
        ));
        Ok(handle)
    }
}

/// A request to a server whose init is still running: a ping is answered (someone is there);
/// anything else is answered `not_running`, as a call to a server not started yet.
async fn answer_during_init(node: &Node, request: async_nats::Message) {
    let Some(reply) = request.reply else { return };
    let is_ping = request
        .headers
        .as_ref()
        .and_then(|headers| headers.get(protocol::OP))
        .is_some_and(|op| Op::parse(op.as_str()) == Some(Op::Ping));
    let client = &node.inner.client;
    let _ = if is_ping {
        client.publish(reply, bytes::Bytes::new()).await
    } else {
        let (kind, body) = protocol::error_reply(&genserver_core::CallError::NotRunning.into());
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(protocol::ERROR, kind);
        client
            .publish_with_headers(reply, headers, bytes::Bytes::from(body))
            .await
    };
}
