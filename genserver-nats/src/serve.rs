//! The server's side: one task per exposed server that reads its subjects, hands each request
//! to the local server, and sends the replies.
//!
//! A call is handed over at once, in the order requests arrive (its message goes into the
//! server's mailbox before the next request is read, `ServerRef::relay_call`), and its reply is
//! sent when it comes, from the server's task ([`crate::replies`]), while this task goes on
//! reading: a slow handler delays only its own callers, as locally.
//! The serving side arms no timer for it: the caller has its own timeout (as in OTP, where a
//! call's timeout is the caller's alone), and the reply is waited for until the server answers,
//! drops the reply channel, or exits. A request that is not valid gets an error reply if it has
//! a reply subject, and is dropped and counted ([`NodeStats::dropped_messages`](crate::NodeStats))
//! if not; it never disturbs the server.
//!
//! When the server exits, the task unsubscribes (callers get "no responders": `NotRunning`; a
//! request already on its way is answered `NotRunning`), frees the name, waits for the replies
//! of the calls still due (`Exited(reason)`), and tells the remote monitors the reason.

use std::sync::atomic::Ordering;
use std::time::Duration;

use async_nats::{Message, Subject, Subscriber};
use bytes::Bytes;
use futures_util::{FutureExt as _, StreamExt as _};
use genserver_core::{CallError, DEFAULT_CALL_TIMEOUT, GenServer, ServerRef};

use crate::message::{Delivery, Incoming, RemoteMessage, ReplyFuture};
use crate::monitor::{self, MonitorReply, MonitorRequest};
use crate::names::Lease;
use crate::protocol::{self, Op};
use crate::replies::{self, Replies};
use crate::{Node, RemoteError, client, wire};

/// What makes a local server reachable: its subscriptions, and the lease of its key.
pub(crate) struct Exposure {
    /// The shared subject's (the name's or the group's) and the incarnation's own.
    pub(crate) subscriptions: (Subscriber, Subscriber),
    pub(crate) lease: Option<Lease>,
    pub(crate) incarnation: String,
    /// The name or group, for logs.
    pub(crate) label: String,
    /// A group's (its shared subject is a queue subscription), not a name's.
    pub(crate) group: bool,
}

/// The most requests handled in a row before the loop looks at the server's exit and the
/// replies again.
const DRAIN: usize = 64;

/// How long an exited server's subscriptions are drained at most.
const DRAIN_BOUND: Duration = Duration::from_secs(2);

/// How long an exited server waits to learn whether another serves its name or group.
const PING_OTHERS: Duration = Duration::from_millis(500);

/// The requests of both subscriptions.
type Requests = futures_util::stream::Select<Subscriber, Subscriber>;

/// Serves `server` on `exposure`'s subjects until the server exits.
pub(crate) async fn serve<S>(node: Node, server: ServerRef<S>, exposure: Exposure)
where
    S: GenServer,
    S::Msg: RemoteMessage,
{
    let Exposure {
        subscriptions,
        mut lease,
        incarnation,
        label,
        group,
    } = exposure;
    // Both subjects, in turns (a `SelectAll` would allocate at every message).
    let mut requests: Requests = futures_util::stream::select(subscriptions.0, subscriptions.1);
    let mut serving = Serving {
        node,
        server,
        incarnation,
        replies: Replies::default(),
        watchers: Vec::new(),
    };
    let exited = serving.server.monitor();
    tokio::pin!(exited);
    let reason = loop {
        tokio::select! {
            biased;
            reason = &mut exited => break Some(reason),
            why = lost(&mut lease) => {
                // Another server holds the name now: this one must not answer under it.
                tracing::warn!(target: "genserver::remote", name = label, why, "stopping a server that lost its name");
                lease = None;
                let server = serving.server.clone();
                tokio::spawn(async move { server.stop_with(monitor::no_connection()).await });
            }
            request = requests.next() => match request {
                Some(request) => {
                    serving.handle(request);
                    // The requests already there, without a round of the `select!` each.
                    if !serving.drain(&mut requests) {
                        break None;
                    }
                }
                // The client closed for good: nothing more can arrive.
                None => break None,
            },
        }
    };
    // No new requests: callers from now on get "no responders". The subscriptions are
    // drained rather than dropped: the client unsubscribes and keeps delivering what NATS sent
    // before it saw the unsubscribe (the server has exited, this task not yet unsubscribed),
    // rather than losing it (its caller would wait for its timeout). What came for this
    // incarnation is answered `NotRunning`. What came for the name or group depends on whether
    // another server serves it now (asked once, after the unsubscribe): nobody, and it is
    // answered `NotRunning`; a name's other holder (after a takeover) got the request too and
    // answers it, so it is left alone; a group's other member did not (NATS gave it to one
    // member), so it is passed on to the group. Bounded: a connection that is down delivers
    // nothing more, and its callers get their own errors.
    let (mut shared, mut own) = requests.into_inner();
    let _ = shared.drain().await;
    let _ = own.drain().await;
    let mut drained = futures_util::stream::select(
        shared.map(|message| (true, message)),
        own.map(|message| (false, message)),
    );
    let _ = tokio::time::timeout(DRAIN_BOUND, async {
        let mut others = None;
        while let Some((for_the_name, message)) = drained.next().await {
            if !for_the_name {
                serving.reply(message.reply, Err(CallError::NotRunning));
                continue;
            }
            let others = match others {
                Some(others) => others,
                None => *others.insert(serving.served_by_another(&message.subject).await),
            };
            match (others, group) {
                (false, _) => {
                    serving.reply(message.reply, Err(CallError::NotRunning));
                }
                (true, false) => {}
                (true, true) => serving.pass_on(message).await,
            }
        }
    })
    .await;
    drop(drained);
    if let Some(lease) = lease {
        lease.release().await;
    }
    serving.replies.sent().await;
    let reason = match reason {
        Some(reason) => reason,
        None => exited.await,
    };
    let payload = Bytes::from(wire::encode_exit(&reason));
    for watcher in serving.watchers.drain(..) {
        let _ = serving
            .node
            .inner
            .client
            .publish(watcher, payload.clone())
            .await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(5), async {
        serving.node.inner.outbox.flushed().await;
        serving.node.inner.client.flush().await
    })
    .await;
}

/// Resolves when `lease` is lost; never without one.
async fn lost(lease: &mut Option<Lease>) -> String {
    match lease {
        Some(lease) => lease.lost().await,
        None => std::future::pending().await,
    }
}

struct Serving<S: GenServer> {
    node: Node,
    server: ServerRef<S>,
    incarnation: String,
    /// The replies of relayed calls still due.
    replies: Replies,
    /// Where remote monitors want the exit reason.
    watchers: Vec<Subject>,
}

impl<S> Serving<S>
where
    S: GenServer,
    S::Msg: RemoteMessage,
{
    fn handle(&mut self, message: Message) {
        let Message { reply, payload, .. } = message;
        let request = match protocol::parse(&payload) {
            Ok(request) => request,
            Err(error) => return self.invalid(reply, error),
        };
        match request.op {
            // A server that has exited (its task is gone, this loop has not seen it yet) is not
            // there: a start that asks must not take it for a live holder.
            Op::Ping if !self.server.is_alive() => {
                self.reply(reply, Err(CallError::NotRunning));
            }
            Op::Ping => self.reply(reply, Ok(Vec::new())),
            Op::Monitor => match wire::decode::<MonitorRequest>(request.body) {
                Ok(monitor) => {
                    self.watchers.push(Subject::from(monitor.notify));
                    let answer = MonitorReply {
                        node: self.node.id().to_owned(),
                        incarnation: self.incarnation.clone(),
                        heartbeat_ms: u64::try_from(self.node.inner.config.heartbeat.as_millis())
                            .unwrap_or(u64::MAX),
                    };
                    self.reply(reply, wire::encode(&answer).map_err(CallError::Remote));
                }
                Err(error) => self.invalid(reply, error),
            },
            Op::Demonitor => match wire::decode::<MonitorRequest>(request.body) {
                Ok(monitor) => {
                    self.watchers
                        .retain(|watcher| watcher.as_str() != monitor.notify);
                }
                Err(error) => self.invalid(reply, error),
            },
            Op::Stop => match wire::decode_exit(request.body) {
                Ok(reason) => {
                    let server = self.server.clone();
                    let client = self.node.inner.client.clone();
                    // Stopping waits for terminate: not in this loop, which must go on
                    // answering the callers still queued.
                    tokio::spawn(async move {
                        server.stop_with(reason).await;
                        if let Some(reply) = reply {
                            let _ = client.publish(reply, Bytes::new()).await;
                        }
                    });
                }
                Err(error) => self.invalid(reply, error),
            },
            Op::Kill => self.server.kill(),
            Op::Call | Op::Cast => {
                let timeout = request.timeout.unwrap_or(DEFAULT_CALL_TIMEOUT);
                // A cast's reply subject (there should be none) is not answered.
                let is_call = request.op == Op::Call;
                let reply = if is_call { reply } else { None };
                let incoming = Incoming::new(request.handler, request.body, timeout);
                match S::Msg::deliver(incoming, &self.server) {
                    Ok(Delivery::Cast(result)) => {
                        if result.is_err() {
                            self.count_dropped();
                        }
                        if is_call {
                            let error = RemoteError::Transport(format!(
                                "`{}` is a cast: it sends no reply",
                                request.handler
                            ));
                            self.reply(reply, Err(CallError::Remote(error)));
                        }
                    }
                    Ok(Delivery::Call(future)) if is_call => self.start_call(reply, future),
                    Ok(Delivery::Call(_)) => {
                        // Sent as a cast: nobody waits for the reply, so the call is not made.
                        self.invalid(
                            None,
                            RemoteError::Transport(format!(
                                "`{}` is a call, sent as a cast",
                                request.handler
                            )),
                        );
                    }
                    Err(error) => self.invalid(reply, error),
                }
            }
        }
    }

    /// Handles up to [`DRAIN`] requests that are already waiting; `false` if the subscriptions
    /// ended (the client closed).
    fn drain(&mut self, requests: &mut Requests) -> bool {
        for _ in 0..DRAIN {
            match requests.next().now_or_never() {
                Some(Some(request)) => self.handle(request),
                Some(None) => return false,
                None => break,
            }
        }
        true
    }

    /// Sends the reply of a call, already in the server's mailbox (so that the next request
    /// does not overtake it), when it comes: from the server's task ([`Replies`]).
    fn start_call(&mut self, reply: Option<Subject>, future: ReplyFuture) {
        self.replies.relay(&self.node, reply, future);
    }

    /// Whether another server answers on `subject` (asked after this one unsubscribed); when
    /// it cannot tell, as if one did (a request is then left alone rather than answered
    /// wrongly).
    async fn served_by_another(&self, subject: &Subject) -> bool {
        let asked = client::ping(&self.node.inner, subject.clone(), PING_OTHERS).await;
        !matches!(asked, Err(CallError::NotRunning))
    }

    /// Passes a request that came for the group on to another member, and its reply back.
    async fn pass_on(&mut self, message: Message) {
        let Message {
            subject,
            reply,
            payload,
            ..
        } = message;
        let node = self.node.clone();
        let Some(reply) = reply else {
            // A cast: to the group, for another member.
            if let Err(error) = node.inner.client.publish(subject, payload).await {
                tracing::debug!(target: "genserver::remote", %error, "a cast for an exited member was not passed on");
            }
            return;
        };
        let timeout = protocol::parse(&payload)
            .ok()
            .and_then(|request| request.timeout)
            .unwrap_or(DEFAULT_CALL_TIMEOUT);
        tokio::spawn(async move {
            let result = client::request(&node.inner, subject, payload.to_vec(), timeout)
                .await
                .map(|bytes| bytes.to_vec());
            // The caller gave up as this one did: nobody to answer.
            if result != Err(CallError::Timeout) {
                node.inner
                    .outbox
                    .push(replies::reply_message(&node.inner, reply, result));
            }
        });
    }

    /// A request that is not valid: an error reply, or, without a reply subject, counted.
    fn invalid(&self, reply: Option<Subject>, error: RemoteError) {
        tracing::debug!(target: "genserver::remote", %error, "invalid request");
        if reply.is_some() {
            self.node
                .inner
                .stats
                .error_replies
                .fetch_add(1, Ordering::Relaxed);
            self.reply(reply, Err(CallError::Remote(error)));
        } else {
            self.count_dropped();
        }
    }

    fn count_dropped(&self) {
        self.node
            .inner
            .stats
            .dropped_messages
            .fetch_add(1, Ordering::Relaxed);
    }

    /// Sends the reply of a call (through the node's outbox, which never waits); a reply too
    /// large for NATS is replaced by an error saying so.
    fn reply(&self, reply: Option<Subject>, result: Result<Vec<u8>, CallError>) {
        let Some(subject) = reply else { return };
        let message = replies::reply_message(&self.node.inner, subject, result);
        if !self.node.inner.outbox.push(message) {
            tracing::debug!(target: "genserver::remote", "a reply was not sent: the node is closing");
        }
    }
}
