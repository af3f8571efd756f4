//! Groups: several servers under one group name share its calls and casts (a NATS queue
//! group delivers each message to one member), and a fan-out reaches every member.
//!
//! Each member keeps a key `P.group.G.I` (I: its incarnation) in the bucket of names, under
//! the same lease as a name. The members of a group are the keys there now: a member that
//! exited has purged its key; one whose process died keeps it until it expires (at most a
//! lease), and a fan-out to it ends with `NotRunning` at once ("no responders").

use std::time::Duration;

use bytes::Bytes;

use crate::handle::{Address, RemoteHandle};
use crate::protocol::{self, Failure, Op};
use crate::{Node, NodeError, client};

impl Node {
    /// The incarnations of `group`'s members now, sorted.
    pub async fn members(&self, group: &str) -> Result<Vec<String>, NodeError> {
        self.names().await?.members(&self.inner, group).await
    }

    /// A handle on each member of `group` now.
    pub(crate) async fn member_handles(&self, group: &str) -> Result<Vec<RemoteHandle>, NodeError> {
        Ok(self
            .members(group)
            .await?
            .into_iter()
            .map(|incarnation| RemoteHandle::new(self, Address::Server(incarnation)))
            .collect())
    }
}

/// Sends one call request to every member of `group` at once and collects every outcome, in
/// the order of [`Node::members`].
pub(crate) async fn multi_request(
    node: &Node,
    group: &str,
    handler: &str,
    args: &[u8],
    timeout: Duration,
) -> Result<Vec<(String, Result<Bytes, Failure>)>, NodeError> {
    let members = node.members(group).await?;
    let timeout_ms = timeout.as_millis();
    let requests = members.iter().map(|incarnation| {
        let subject = node.inner.subjects.server(incarnation);
        let headers = protocol::request_headers(Op::Call, handler, Some(timeout_ms));
        client::request(&node.inner, subject, headers, args.to_vec(), timeout)
    });
    let outcomes = futures_util::future::join_all(requests).await;
    Ok(members.into_iter().zip(outcomes).collect())
}
