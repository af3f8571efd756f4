//! The caller's side of one remote address: a name, a group, or one server incarnation.

use std::time::Duration;

use genserver_core::ExitReason;

use crate::message::RemoteMessage;
use crate::protocol::Failure;
use crate::{Node, RemoteError, client, monitor};

/// Where a remote handle's messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Address {
    /// The server holding a name.
    Name(String),
    /// One member of a group (NATS picks it).
    Group(String),
    /// One server incarnation (a member reached by `multi_call`).
    Server(String),
}

/// A remote address on a node, with its subject worked out once.
#[derive(Debug, Clone)]
pub(crate) struct RemoteHandle {
    node: Node,
    address: Address,
    subject: String,
}

impl RemoteHandle {
    pub(crate) fn new(node: &Node, address: Address) -> RemoteHandle {
        let subjects = &node.inner.subjects;
        let subject = match &address {
            Address::Name(name) => subjects.name(name),
            Address::Group(group) => subjects.group(group),
            Address::Server(incarnation) => subjects.server(incarnation),
        };
        RemoteHandle {
            node: node.clone(),
            address,
            subject,
        }
    }

    /// What the handle addresses, for `Debug` and errors.
    pub(crate) fn label(&self) -> &str {
        match &self.address {
            Address::Name(name) | Address::Group(name) | Address::Server(name) => name,
        }
    }

    /// The subject the handle's messages go to.
    pub(crate) fn subject(&self) -> &str {
        &self.subject
    }

    pub(crate) fn node(&self) -> &Node {
        &self.node
    }

    /// Sends a call's message and completes its reply channel with the reply.
    pub(crate) async fn call<M: RemoteMessage>(
        &self,
        msg: M,
        timeout: Duration,
    ) -> Result<(), Failure> {
        let outgoing = msg.encode()?;
        client::call(&self.node.inner, self.subject.clone(), outgoing, timeout).await
    }

    /// Queues a cast's message.
    pub(crate) fn cast<M: RemoteMessage>(&self, msg: M) -> Result<(), RemoteError> {
        let outgoing = msg.encode()?;
        client::cast(&self.node.inner, self.subject.clone(), outgoing)
    }

    /// Is anyone serving the address?
    pub(crate) async fn ping(&self, timeout: Duration) -> Result<(), Failure> {
        client::ping(&self.node.inner, self.subject.clone(), timeout).await
    }

    /// Monitors the server serving the address now.
    pub(crate) fn monitor(&self) -> impl std::future::Future<Output = ExitReason> + Send + 'static {
        monitor::monitor(self.node.clone(), self.subject.clone())
    }
}
