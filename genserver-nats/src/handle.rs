//! The caller's side: remote handles. [`Node::lookup`] and [`Node::group`] give the same typed
//! `{Type}Ref` as a local start, whose `ServerRef` goes through a [`RemoteServer`]: the
//! runtime's [`Remote`] trait on one address (a name, a group, or one server incarnation).

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_nats::Subject;
use bytes::Bytes;
use genserver_core::{
    CallError, CastError, ExitReason, GenServer, Pid, Remote, RemoteFuture, RemoteProcess,
    ServerId, ServerRef, StopError,
};

use crate::message::RemoteMessage;
use crate::node::outbox::Outbound;
use crate::protocol::{self, Op};
use crate::{Node, RemoteError, client, monitor, wire};

/// How long a remote `stop` waits for the server to have exited.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);
/// How often the watch behind a stand-in `Pid` checks that anyone still wants it.
const STAND_IN_CHECK: Duration = Duration::from_secs(1);

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
    /// Worked out once; cheap to clone (shared bytes).
    subject: Subject,
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
            subject: Subject::from(subject),
        }
    }

    /// What the handle addresses, for `Debug` and errors.
    pub(crate) fn label(&self) -> &str {
        match &self.address {
            Address::Name(name) | Address::Group(name) | Address::Server(name) => name,
        }
    }

    /// The subject the handle's messages go to.
    #[cfg(test)]
    pub(crate) fn subject(&self) -> &Subject {
        &self.subject
    }

    /// Sends a call's message and completes its reply channel with the reply.
    pub(crate) async fn call<M: RemoteMessage>(
        &self,
        msg: M,
        timeout: Duration,
    ) -> Result<(), CallError> {
        let outgoing = msg.encode().map_err(CallError::Remote)?;
        client::call(&self.node.inner, self.subject.clone(), outgoing, timeout).await
    }

    /// Queues a cast's message.
    pub(crate) fn cast<M: RemoteMessage>(&self, msg: M) -> Result<(), RemoteError> {
        let outgoing = msg.encode()?;
        client::cast(&self.node.inner, self.subject.clone(), outgoing)
    }

    /// Asks the server to stop and waits until it has exited, at most `timeout` (a minute
    /// when `None`). [`StopError::NotRunning`] when nobody serves the address (NATS answers
    /// "no responders" at once), [`StopError::Timeout`] when no answer came in time (the
    /// server is still stopping, or its node cannot be reached).
    pub(crate) async fn stop(
        &self,
        reason: ExitReason,
        timeout: Option<Duration>,
    ) -> Result<(), StopError> {
        let envelope = protocol::other(Op::Stop, &wire::encode_exit(&reason));
        let result = client::request(
            &self.node.inner,
            self.subject.clone(),
            envelope,
            timeout.unwrap_or(STOP_TIMEOUT),
        )
        .await;
        match result {
            Ok(_) => Ok(()),
            Err(CallError::NotRunning) => Err(StopError::NotRunning),
            Err(error) => {
                tracing::debug!(target: "genserver::remote", %error, address = self.label(), "remote stop");
                Err(StopError::Timeout)
            }
        }
    }

    /// Asks the server to stop, without waiting; `false` if it could not be sent.
    fn request_stop(&self, reason: &ExitReason) -> bool {
        self.publish(Op::Stop, wire::encode_exit(reason))
    }

    /// Asks the server to end at once, without `terminate`, and returns.
    pub(crate) fn kill(&self) {
        self.publish(Op::Kill, Vec::new());
    }

    fn publish(&self, op: Op, body: Vec<u8>) -> bool {
        self.node.is_connected()
            && self.node.inner.outbox.push(Outbound::message(
                self.subject.clone(),
                Bytes::from(protocol::other(op, &body)),
            ))
    }

    /// Monitors the server serving the address now.
    pub(crate) fn monitor(&self) -> impl Future<Output = ExitReason> + Send + 'static {
        monitor::monitor(self.node.clone(), self.subject.clone())
    }

    /// A stand-in `Pid` for the server serving the address now, kept by a task that watches
    /// the server (a remote monitor) until it exits or nobody wants the stand-in any more.
    pub(crate) fn stand_in(&self, type_name: &'static str, id: ServerId) -> Pid {
        let (pid, stand_in) = Pid::stand_in(type_name, id, Arc::new(self.clone()));
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // No runtime to watch from: nothing can be learned of the server.
            stand_in.exited(ExitReason::NoConnection);
            return pid;
        };
        let monitor = self.monitor();
        runtime.spawn(async move {
            tokio::pin!(monitor);
            let mut checks = tokio::time::interval(STAND_IN_CHECK);
            loop {
                tokio::select! {
                    reason = &mut monitor => return stand_in.exited(reason),
                    _ = checks.tick() => {
                        if !stand_in.is_wanted() {
                            return;
                        }
                    }
                }
            }
        });
        pid
    }
}

impl RemoteProcess for RemoteHandle {
    fn request_stop(&self, reason: ExitReason) -> bool {
        RemoteHandle::request_stop(self, &reason)
    }

    fn kill(&self) {
        RemoteHandle::kill(self);
    }
}

/// A remote handle's [`Remote`]: what `ServerRef::from_remote` holds for a server of type `S`.
pub(crate) struct RemoteServer<S> {
    handle: RemoteHandle,
    /// `false` after a call found nobody serving the address; `true` after any other outcome.
    reachable: AtomicBool,
    server: PhantomData<fn() -> S>,
}

impl<S> RemoteServer<S> {
    pub(crate) fn new(node: &Node, address: Address) -> RemoteServer<S> {
        RemoteServer {
            handle: RemoteHandle::new(node, address),
            reachable: AtomicBool::new(true),
            server: PhantomData,
        }
    }
}

impl<S> Remote<S> for RemoteServer<S>
where
    S: GenServer,
    S::Msg: RemoteMessage,
{
    fn name(&self) -> &str {
        self.handle.label()
    }

    fn call(&self, msg: S::Msg, timeout: Duration) -> RemoteFuture<'_, Result<(), CallError>> {
        Box::pin(async move {
            let result = self.handle.call(msg, timeout).await;
            self.reachable
                .store(result != Err(CallError::NotRunning), Ordering::Relaxed);
            result
        })
    }

    fn cast(&self, msg: S::Msg) -> Result<(), CastError> {
        self.handle.cast(msg).map_err(CastError::Remote)
    }

    fn stop(
        &self,
        reason: ExitReason,
        timeout: Option<Duration>,
    ) -> RemoteFuture<'_, Result<(), StopError>> {
        Box::pin(self.handle.stop(reason, timeout))
    }

    fn kill(&self) {
        self.handle.kill();
    }

    /// Whether the node is connected and the last call did not find the address unserved: a
    /// guess that asks nobody. A call, or `monitor`, asks the server.
    fn is_alive(&self) -> bool {
        self.handle.node.is_connected() && self.reachable.load(Ordering::Relaxed)
    }

    fn pid(&self, id: ServerId) -> Pid {
        self.handle.stand_in(std::any::type_name::<S>(), id)
    }

    fn monitor(&self) -> RemoteFuture<'static, ExitReason> {
        Box::pin(self.handle.monitor())
    }
}

impl Node {
    /// A handle to the server of type `S` that holds `name` in the cluster (on any node with
    /// this node's prefix): the same `{Type}Ref` a local start returns. Like `from_name`, it
    /// resolves the name at each call (NATS routes the request to whoever serves it then), so
    /// it follows restarts; with nobody serving the name, a call fails with
    /// `CallError::NotRunning` at once. Making the handle sends nothing and cannot fail.
    ///
    /// ```no_run
    /// # use genserver::prelude::*;
    /// # pub struct Counter { value: i64 }
    /// # #[genserver(remote)]
    /// # impl Counter {
    /// #     #[call] pub fn increment(&mut self) -> i64 { self.value += 1; self.value }
    /// # }
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let node = genserver_nats::Node::connect("nats://127.0.0.1:4222").await?;
    /// let counter: CounterRef = node.lookup::<Counter>("counter");
    /// println!("{}", counter.increment().await?);
    /// # Ok(())
    /// # }
    /// ```
    pub fn lookup<S>(&self, name: impl Into<String>) -> S::Ref
    where
        S: GenServer,
        S::Msg: RemoteMessage,
    {
        self.handle::<S>(Address::Name(name.into()))
    }

    /// A handle to the servers of type `S` in `group`: each call or cast goes to one member
    /// (a NATS queue group picks it); with no member, a call fails with `NotRunning` at once.
    pub fn group<S>(&self, group: impl Into<String>) -> S::Ref
    where
        S: GenServer,
        S::Msg: RemoteMessage,
    {
        self.handle::<S>(Address::Group(group.into()))
    }

    pub(crate) fn handle<S>(&self, address: Address) -> S::Ref
    where
        S: GenServer,
        S::Msg: RemoteMessage,
    {
        S::Ref::from(ServerRef::from_remote(RemoteServer::<S>::new(
            self, address,
        )))
    }

    /// Monitors the server a handle reaches now, local or remote: resolves with its exit reason
    /// once it has exited, [`ExitReason::NoProc`] if there is none, and
    /// [`ExitReason::NoConnection`] when a remote server's node can no longer be heard (three
    /// of its heartbeat intervals), or at once when this node's own connection drops. The
    /// same as `handle.monitor()`; a server monitors with `ctx.monitor(&handle)` and gets a
    /// `Down` with the same reason.
    pub fn monitor<S: GenServer>(
        &self,
        handle: &impl AsRef<ServerRef<S>>,
    ) -> impl Future<Output = ExitReason> + Send + 'static {
        handle.as_ref().monitor()
    }
}
