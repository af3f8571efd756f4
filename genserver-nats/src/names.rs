//! Names unique across the cluster, and group members, in a JetStream key-value bucket.
//!
//! # Uniqueness
//!
//! A name is a key (`P.name.N`); taking it is the bucket's `create`, which fails if the key
//! exists: of two starts anywhere in the cluster, one wins. The value says who holds it (the
//! node and the server's incarnation).
//!
//! # Liveness without per-key TTL
//!
//! The nats-server Debian ships (2.9) has no TTL per key, so the bucket has an age limit
//! (`max_age`, the node's [lease](crate::NodeBuilder::lease), `L`): a message older than `L` is
//! dropped by the server, and with it a key that nobody rewrote. A holder rewrites its key
//! every `L/4` (an `update` on the key's revision: compare-and-set), so a live key never ages
//! out; right after a reconnect it rewrites at once.
//!
//! - **The holder exits** (any reason, a panic included): its key is deleted when the server
//!   has exited, before monitors hear of it.
//! - **The holder's process is killed or its connection drops**: nobody rewrites the key, and
//!   it expires at most `L` after its last rewrite. A start that finds the name sooner asks the
//!   holder's server subject whether anyone is there (NATS answers "no responders" at once when
//!   the process is gone); if nobody answers, it watches the key for 1.5 rewrite periods
//!   (`1.5 × L/4`) and, if the revision did not move, takes it over with an `update` on that
//!   revision, so that of several starters, one wins.
//!
//! So a name whose holder died is free for a new start within `1.5 × L/4` (+ a ping and a
//! few round trips) of that start, and free for everyone `L` after the holder's last rewrite.
//! With the default lease of 10 s: 3.75 s and 10 s.
//!
//! A holder that was cut off for longer than the watch and finds, when it can write again,
//! that its key was taken over has lost the name: its server is stopped (the name must not
//! have two holders). A holder whose key merely expired, with nobody taking it, writes it again
//! and keeps it.

use std::time::Duration;

use async_nats::jetstream::kv::{self, CreateErrorKind, Operation, UpdateErrorKind};
use async_nats::jetstream::stream::{self, DiscardPolicy};
use async_nats::jetstream::{self, context::CreateStreamErrorKind, context::GetStreamErrorKind};
use bytes::Bytes;
use futures_util::TryStreamExt as _;
use genserver_core::CallError;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::node::NodeInner;
use crate::node::connection::Connection;
use crate::{NodeError, client, wire};

/// How long a start waits for a holder to answer the "is anyone there" ping.
const PING_TIMEOUT: Duration = Duration::from_secs(1);
/// How long opening the bucket retries while JetStream is not ready (a cluster electing its
/// leader).
const OPEN_DEADLINE: Duration = Duration::from_secs(15);

/// Who holds a key: the value of a name's or a member's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Claimant {
    /// The holder's node.
    pub(crate) node: String,
    /// The holder's server incarnation (its `P.server.I` subject).
    pub(crate) incarnation: String,
}

/// Why a claim failed.
#[derive(Debug)]
pub(crate) enum ClaimError {
    /// A live server holds the key.
    Held(Claimant),
    /// The bucket failed.
    Node(NodeError),
}

impl From<NodeError> for ClaimError {
    fn from(error: NodeError) -> Self {
        ClaimError::Node(error)
    }
}

fn kv_error(error: impl std::fmt::Display) -> NodeError {
    NodeError::Kv(error.to_string())
}

/// The bucket of names and group members.
pub(crate) struct Names {
    pub(crate) kv: kv::Store,
    stream: stream::Stream,
    bucket: String,
    /// The bucket's age limit: the lease in force.
    lease: Duration,
}

impl Names {
    /// Opens the bucket, creating it (with the node's lease, replicas and storage) if it does
    /// not exist. Retries for a while when JetStream is not ready yet.
    ///
    /// The stream behind the bucket is made directly, as a key-value bucket's stream: the
    /// client's `create_key_value` first asks for the account's info, which the nats-server
    /// of Debian (2.9) answers in a form this client version does not parse.
    pub(crate) async fn open(node: &NodeInner) -> Result<Names, NodeError> {
        let bucket = node.config.bucket.clone();
        let context = jetstream::new(node.client.clone());
        let stream_name = format!("KV_{bucket}");
        let fail = |detail: String| NodeError::Bucket {
            bucket: bucket.clone(),
            detail,
        };
        let deadline = Instant::now() + OPEN_DEADLINE;
        let mut last_error;
        loop {
            match context.get_stream(&stream_name).await {
                Ok(stream) => {
                    let kv = context
                        .get_key_value(&bucket)
                        .await
                        .map_err(|error| fail(error.to_string()))?;
                    let lease = stream.cached_info().config.max_age;
                    if lease.is_zero() {
                        return Err(fail(
                            "the bucket exists without an age limit, so names in it would never \
                             expire: delete it or choose another bucket"
                                .to_owned(),
                        ));
                    }
                    return Ok(Names {
                        kv,
                        stream,
                        bucket,
                        lease,
                    });
                }
                Err(error) => match error.kind() {
                    GetStreamErrorKind::JetStream(inner)
                        if inner.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND =>
                    {
                        match context.create_stream(bucket_config(node)).await {
                            Ok(_) => continue,
                            Err(error) => match error.kind() {
                                CreateStreamErrorKind::JetStream(inner)
                                    if inner.error_code()
                                        == jetstream::ErrorCode::STREAM_NAME_EXIST =>
                                {
                                    continue;
                                }
                                CreateStreamErrorKind::JetStreamUnavailable => {
                                    return Err(fail(error.to_string()));
                                }
                                _ => last_error = error.to_string(),
                            },
                        }
                    }
                    GetStreamErrorKind::Request if no_responders(&error) => {
                        return Err(fail("JetStream does not answer".to_owned()));
                    }
                    _ => last_error = error.to_string(),
                },
            }
            if Instant::now() >= deadline {
                return Err(fail(last_error));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// How often a holder rewrites its key.
    pub(crate) fn refresh_period(&self) -> Duration {
        self.lease / 4
    }

    /// Takes `key` for `claimant`: creates it, or takes it over from a holder that is gone (see
    /// the module's documentation). Returns the key's revision.
    pub(crate) async fn claim(
        &self,
        node: &NodeInner,
        key: &str,
        claimant: &Claimant,
    ) -> Result<u64, ClaimError> {
        let value = Bytes::from(wire::encode(claimant).map_err(NodeError::from)?);
        let mut holder = None;
        for _attempt in 0..4 {
            match self.kv.create(key, value.clone()).await {
                Ok(revision) => return Ok(revision),
                Err(error) if error.kind() == CreateErrorKind::AlreadyExists => {}
                Err(error) => return Err(kv_error(error).into()),
            }
            let Some(entry) = self.kv.entry(key).await.map_err(kv_error)? else {
                continue;
            };
            if entry.operation != Operation::Put {
                continue;
            }
            let current = wire::decode::<Claimant>(&entry.value).ok();
            if let Some(current) = &current {
                let subject = node.subjects.server(&current.incarnation);
                match client::ping(node, subject.into(), PING_TIMEOUT).await {
                    Ok(()) => return Err(ClaimError::Held(current.clone())),
                    Err(CallError::NotRunning | CallError::Timeout) => {}
                    Err(CallError::Remote(error)) => return Err(NodeError::from(error).into()),
                    // Any other answer comes from someone who is there.
                    Err(_) => return Err(ClaimError::Held(current.clone())),
                }
            }
            holder = current.clone();
            // Nobody answers for the holder: a live one would still rewrite its key.
            match self.watch(key, entry.revision).await? {
                Watched::Rewritten => {
                    return Err(ClaimError::Held(current.unwrap_or_else(unknown_claimant)));
                }
                Watched::Gone => continue,
                Watched::Stale => match self.kv.update(key, value.clone(), entry.revision).await {
                    Ok(revision) => {
                        tracing::info!(
                            target: "genserver::remote",
                            key,
                            holder = ?current,
                            "took over a name whose holder stopped refreshing it"
                        );
                        return Ok(revision);
                    }
                    Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => continue,
                    Err(error) => return Err(kv_error(error).into()),
                },
            }
        }
        Err(ClaimError::Held(holder.unwrap_or_else(unknown_claimant)))
    }

    /// Watches `key` at `revision` for 1.5 rewrite periods: did its holder rewrite it, did it go,
    /// or did it stay as it was?
    async fn watch(&self, key: &str, revision: u64) -> Result<Watched, NodeError> {
        let period = self.refresh_period();
        let deadline = Instant::now() + period * 3 / 2;
        loop {
            tokio::time::sleep_until(deadline.min(Instant::now() + period / 4)).await;
            match self.kv.entry(key).await.map_err(kv_error)? {
                None => return Ok(Watched::Gone),
                Some(entry) if entry.operation != Operation::Put => return Ok(Watched::Gone),
                Some(entry) if entry.revision != revision => return Ok(Watched::Rewritten),
                Some(_) if Instant::now() >= deadline => return Ok(Watched::Stale),
                Some(_) => {}
            }
        }
    }

    /// Keeps `key` (at `revision`) for `claimant` until the returned lease is released or lost.
    pub(crate) fn keep(
        &self,
        key: String,
        claimant: &Claimant,
        revision: u64,
        connection: std::sync::Arc<Connection>,
        on_release: Release,
    ) -> Lease {
        let value =
            Bytes::from(wire::encode(claimant).expect("a struct of two strings always encodes"));
        let (release, released) = oneshot::channel();
        let (lost_sender, lost) = oneshot::channel();
        let keeper = Keeper {
            kv: self.kv.clone(),
            stream: self.stream.clone(),
            key,
            value,
            revision,
            period: self.refresh_period(),
            on_release,
        };
        let task = tokio::spawn(keeper.run(connection, released, lost_sender));
        Lease {
            release: Some(release),
            lost,
            task,
        }
    }

    /// The keys of `group`'s members (the incarnations), as the bucket has them now.
    pub(crate) async fn members(
        &self,
        node: &NodeInner,
        group: &str,
    ) -> Result<Vec<String>, NodeError> {
        let filter = node.subjects.members_filter(&self.bucket, group);
        let subjects: Vec<(String, usize)> = self
            .stream
            .info_with_subjects(filter)
            .await
            .map_err(kv_error)?
            .try_collect()
            .await
            .map_err(kv_error)?;
        let mut members: Vec<String> = subjects
            .into_iter()
            .filter_map(|(subject, _)| subject.rsplit('.').next().map(str::to_owned))
            .collect();
        members.sort();
        Ok(members)
    }
}

/// Whether the request behind a JetStream API error got "no responders": no JetStream there.
fn no_responders(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut source = error.source();
    while let Some(error) = source {
        if let Some(request) = error.downcast_ref::<jetstream::context::RequestError>() {
            return request.kind() == jetstream::context::RequestErrorKind::NoResponders;
        }
        if let Some(request) = error.downcast_ref::<async_nats::RequestError>() {
            return request.kind() == async_nats::client::RequestErrorKind::NoResponders;
        }
        source = error.source();
    }
    false
}

fn unknown_claimant() -> Claimant {
    Claimant {
        node: "(unknown)".to_owned(),
        incarnation: String::new(),
    }
}

/// The stream of a key-value bucket, as the client's `create_key_value` would make it: one
/// message a key, rollups allowed, deletes of single messages denied, reads by direct get.
fn bucket_config(node: &NodeInner) -> stream::Config {
    let config = &node.config;
    stream::Config {
        name: format!("KV_{}", config.bucket),
        description: Some("genserver: names and group members".to_owned()),
        subjects: vec![format!("$KV.{}.>", config.bucket)],
        max_messages_per_subject: 1,
        max_age: config.lease,
        storage: config.kv_storage,
        num_replicas: config.kv_replicas,
        allow_rollup: true,
        deny_delete: true,
        deny_purge: false,
        allow_direct: true,
        discard: DiscardPolicy::New,
        ..Default::default()
    }
}

enum Watched {
    Rewritten,
    Gone,
    Stale,
}

/// What a released key becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Release {
    /// Deleted (a delete marker, which `create` overwrites): names.
    Delete,
    /// Purged from the stream, so that listings no longer show it: group members.
    Purge,
}

/// A key kept by a task. Dropped without [`release`](Lease::release), the task ends and the
/// key expires on its own within the lease.
pub(crate) struct Lease {
    release: Option<oneshot::Sender<()>>,
    lost: oneshot::Receiver<String>,
    task: JoinHandle<()>,
}

impl Lease {
    /// Resolves with why, if the key is lost (taken over by another holder). Pending forever
    /// otherwise.
    pub(crate) async fn lost(&mut self) -> String {
        match (&mut self.lost).await {
            Ok(why) => why,
            Err(_) => std::future::pending().await,
        }
    }

    /// Frees the key (if this holder still has it) and waits until that is done, at most 5 s.
    pub(crate) async fn release(mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.send(());
        }
        let task = &mut self.task;
        if tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if self.release.is_some() {
            self.task.abort();
        }
    }
}

/// The task that rewrites a key every period.
struct Keeper {
    kv: kv::Store,
    stream: stream::Stream,
    key: String,
    value: Bytes,
    revision: u64,
    period: Duration,
    on_release: Release,
}

impl Keeper {
    async fn run(
        mut self,
        connection: std::sync::Arc<Connection>,
        mut released: oneshot::Receiver<()>,
        lost: oneshot::Sender<String>,
    ) {
        let mut next = Instant::now() + self.period;
        loop {
            let restored = connection.restored();
            tokio::select! {
                _ = &mut released => return self.release().await,
                () = tokio::time::sleep_until(next) => {}
                // Right after a reconnect: the key may have aged while the connection was down.
                () = restored => {}
            }
            next = Instant::now() + self.period;
            match self.refresh().await {
                Ok(()) => {}
                Err(Refresh::Lost(why)) => {
                    tracing::warn!(target: "genserver::remote", key = self.key, why, "lost a name");
                    let _ = lost.send(why);
                    // Nothing to free any more; wait to be told to stop.
                    let _ = released.await;
                    return;
                }
                Err(Refresh::Failed(error)) => {
                    // Disconnected, or the bucket is slow: try again next period. The key
                    // outlives this for the rest of the lease.
                    tracing::debug!(target: "genserver::remote", key = self.key, error, "refresh failed");
                }
            }
        }
    }

    async fn refresh(&mut self) -> Result<(), Refresh> {
        match self
            .kv
            .update(&self.key, self.value.clone(), self.revision)
            .await
        {
            Ok(revision) => {
                self.revision = revision;
                Ok(())
            }
            Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => {
                self.reclaim().await
            }
            Err(error) => Err(Refresh::Failed(error.to_string())),
        }
    }

    /// The key is not at the revision this holder last wrote: it expired, or an update whose
    /// acknowledgement was lost went through, or someone else has it.
    async fn reclaim(&mut self) -> Result<(), Refresh> {
        let entry = self
            .kv
            .entry(&self.key)
            .await
            .map_err(|error| Refresh::Failed(error.to_string()))?;
        let expected = match entry {
            None => 0,
            Some(entry) if entry.operation != Operation::Put => entry.revision,
            Some(entry) if entry.value == self.value => {
                self.revision = entry.revision;
                return Ok(());
            }
            Some(entry) => {
                let holder = wire::decode::<Claimant>(&entry.value)
                    .map(|holder| holder.node)
                    .unwrap_or_else(|_| "(unknown)".to_owned());
                return Err(Refresh::Lost(format!(
                    "the name was taken over by node {holder} while this node could not refresh it"
                )));
            }
        };
        match self
            .kv
            .update(&self.key, self.value.clone(), expected)
            .await
        {
            Ok(revision) => {
                self.revision = revision;
                Ok(())
            }
            Err(error) if error.kind() == UpdateErrorKind::WrongLastRevision => Err(Refresh::Lost(
                "the name was taken by another server while this node could not refresh it"
                    .to_owned(),
            )),
            Err(error) => Err(Refresh::Failed(error.to_string())),
        }
    }

    /// Frees the key if it is still this holder's.
    async fn release(self) {
        let subject = format!("{}{}", self.kv.prefix, self.key);
        match self.on_release {
            Release::Purge => {
                if let Err(error) = self.stream.purge().filter(subject).await {
                    tracing::debug!(target: "genserver::remote", key = self.key, %error, "purge failed");
                }
            }
            Release::Delete => {
                let revision = match self.kv.entry(&self.key).await {
                    Ok(Some(entry))
                        if entry.operation == Operation::Put && entry.value == self.value =>
                    {
                        entry.revision
                    }
                    // Gone, or someone else's by now: nothing of ours to free.
                    Ok(_) => return,
                    Err(_) => self.revision,
                };
                if let Err(error) = self
                    .kv
                    .delete_expect_revision(&self.key, Some(revision))
                    .await
                {
                    tracing::debug!(target: "genserver::remote", key = self.key, %error, "delete failed");
                }
            }
        }
    }
}

enum Refresh {
    Lost(String),
    Failed(String),
}
