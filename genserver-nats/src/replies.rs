//! The replies of the calls a serving task relayed to its server, published from wherever the
//! call completes: on the server's own task, as its handler returns, rather than by waking the
//! serving task to publish them.
//!
//! A relayed call's future (the reply channel, then the reply encoded) runs as a small task of
//! its own, made with `async-task`, whose schedule runs it at once, on the thread that woke it:
//! polled first by the serving task as the call is handed over, then by the server's task when
//! it sends the reply (the reply channel wakes its waiter there), or by whoever drops the reply
//! channel unanswered (a server exiting; off the runtime's threads, it is run on the runtime).
//! So a reply costs the server's task an encode and a
//! publish handed to the client, and a call one wake-up less. The serving task keeps count of
//! the replies still due ([`TaskTracker`]), to wait for them when its server exits.
//!
//! Nothing in a reply's future may block or panic: it runs inside a handler's `send`. It
//! encodes (a failure is an error reply) and hands the message to the node's outbox, which
//! never waits.

use async_nats::{HeaderMap, Subject};
use async_task::Runnable;
use bytes::Bytes;
use genserver_core::CallError;
use tokio::runtime::Handle;
use tokio_util::task::TaskTracker;

use crate::message::ReplyFuture;
use crate::node::NodeInner;
use crate::node::outbox::Outbound;
use crate::{Node, RemoteError, protocol};

/// The replies a serving task has yet to send.
#[derive(Default)]
pub(crate) struct Replies {
    due: TaskTracker,
}

impl Replies {
    /// Publishes the result of `call` to `subject` once it completes, from where it completes
    /// (a request without a reply subject: the call is made, its reply dropped).
    pub(crate) fn relay(&self, node: &Node, subject: Option<Subject>, call: ReplyFuture) {
        let token = self.due.token();
        let node = node.clone();
        let reply = async move {
            let result = call.await;
            if let Some(subject) = subject {
                let message = reply_message(&node.inner, subject, result);
                if !node.inner.outbox.push(message) {
                    tracing::debug!(target: "genserver::remote", "a reply was not sent: the node is closing");
                }
            }
            drop(token);
        };
        // Run where woken: in the server's task as its handler answers. Woken outside the
        // runtime (a reply channel dropped on a thread of its own), it runs on the runtime,
        // which its timer (waiting for an exit reason) needs.
        let runtime = Handle::current();
        let (runnable, task) = async_task::spawn(reply, move |runnable: Runnable| {
            if Handle::try_current().is_ok() {
                runnable.run();
            } else {
                runtime.spawn(async move {
                    runnable.run();
                });
            }
        });
        task.detach();
        runnable.run();
    }

    /// Waits until every reply due has been handed to the client (each ends: its server
    /// answers it, or drops it as it exits).
    pub(crate) async fn sent(&self) {
        self.due.close();
        self.due.wait().await;
    }
}

/// The message that answers a call with `result`; a reply too large for NATS is replaced by an
/// error saying so.
pub(crate) fn reply_message(
    node: &NodeInner,
    subject: Subject,
    result: Result<Vec<u8>, CallError>,
) -> Outbound {
    let max = node.client.max_payload();
    let result = match result {
        Ok(bytes) if bytes.len() > max => Err(CallError::Remote(RemoteError::PayloadTooLarge {
            size: bytes.len(),
            max,
        })),
        result => result,
    };
    let (headers, payload) = match result {
        Ok(bytes) => (None, bytes),
        Err(failure) => {
            let (kind, body) = protocol::error_reply(&failure);
            let mut headers = HeaderMap::new();
            headers.insert(protocol::ERROR, kind);
            (Some(headers), body)
        }
    };
    Outbound {
        subject,
        payload: Bytes::from(payload),
        headers,
        reply: true,
    }
}
