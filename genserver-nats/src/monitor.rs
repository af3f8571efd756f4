//! Remote monitors: the exit reason of a server in another process, or "no connection" when
//! its node can no longer be heard.
//!
//! A monitor asks the server (a `monitor` request to its subject) to publish its exit reason
//! to a fresh inbox of the monitor's own; the server's side records the inbox before it
//! answers, so no exit is missed between the two. The answer names the server's node, whose
//! heartbeat the monitor then listens to. The monitor ends with:
//!
//! - the server's exit reason, published by its side once it has exited and freed its name;
//! - [`ExitReason::NoProc`] if nobody serves the subject (as a local monitor of a name nobody
//!   holds);
//! - [`ExitReason::NoConnection`] when the server's node was not heard for three of its heartbeat intervals
//!   (its process died, or its connection or ours dropped), or at once when this node's own
//!   connection to NATS drops: as in Erlang, where a monitor of a process on a node that
//!   disconnects fires with `noconnection`.

use std::time::Duration;

use async_nats::Subject;
use futures_util::StreamExt as _;
use genserver_core::{CallError, ExitReason};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use crate::node::outbox::Outbound;
use crate::protocol::{self, Op};
use crate::{Node, client, wire};

/// How long a monitor waits for the server to answer its `monitor` request.
const MONITOR_TIMEOUT: Duration = Duration::from_secs(5);

/// The body of a `monitor` (and `demonitor`) request.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct MonitorRequest {
    /// Where the exit reason goes.
    pub(crate) notify: String,
}

/// The answer to a `monitor` request.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct MonitorReply {
    pub(crate) node: String,
    pub(crate) incarnation: String,
    pub(crate) heartbeat_ms: u64,
}

/// The reason of a monitor whose server's node can no longer be heard.
pub(crate) fn no_connection() -> ExitReason {
    ExitReason::NoConnection
}

/// Tells the server, if the monitor is dropped before it fired, to forget it.
struct Demonitor<'a> {
    node: &'a Node,
    subject: Subject,
    notify: String,
    armed: bool,
}

impl Drop for Demonitor<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(body) = wire::encode(&MonitorRequest {
            notify: std::mem::take(&mut self.notify),
        }) else {
            return;
        };
        self.node.inner.outbox.push(Outbound::message(
            self.subject.clone(),
            protocol::other(Op::Demonitor, &body).into(),
        ));
    }
}

/// Monitors the server that serves `subject` now; resolves with how it ended.
pub(crate) async fn monitor(node: Node, subject: Subject) -> ExitReason {
    let inner = &node.inner;
    let client = &inner.client;
    // Armed first: a drop from here on ends the monitor.
    let lost = inner.connection.lost();
    let notify = client.new_inbox();
    let Ok(mut downs) = client.subscribe(notify.clone()).await else {
        return no_connection();
    };
    let Ok(body) = wire::encode(&MonitorRequest {
        notify: notify.clone(),
    }) else {
        return no_connection();
    };
    let envelope = protocol::other(Op::Monitor, &body);
    let reply = match client::request(inner, subject.clone(), envelope, MONITOR_TIMEOUT).await {
        Ok(reply) => reply,
        Err(CallError::NotRunning) => return ExitReason::NoProc,
        Err(_) => return no_connection(),
    };
    let mut demonitor = Demonitor {
        node: &node,
        subject,
        notify,
        armed: true,
    };
    let Ok(reply) = wire::decode::<MonitorReply>(&reply) else {
        return ExitReason::Error(
            "the server answered the monitor request in a form this version does not know"
                .to_owned(),
        );
    };
    let Ok(mut beats) = client
        .subscribe(inner.subjects.heartbeat(&reply.node))
        .await
    else {
        return no_connection();
    };
    let silence = Duration::from_millis(reply.heartbeat_ms.max(1)).saturating_mul(3);
    let mut deadline = Instant::now() + silence;
    let mut lost = lost;
    loop {
        tokio::select! {
            biased;
            down = downs.next() => match down {
                Some(down) => {
                    demonitor.armed = false;
                    return wire::decode_exit(&down.payload).unwrap_or_else(|error| {
                        ExitReason::Error(format!(
                            "the server exited, with a reason that did not decode: {error}"
                        ))
                    });
                }
                // The client closed.
                None => return no_connection(),
            },
            // The guard still says goodbye: if the server is alive after all, it forgets us.
            () = &mut lost => return no_connection(),
            beat = beats.next() => match beat {
                Some(_) => deadline = Instant::now() + silence,
                None => return no_connection(),
            },
            () = tokio::time::sleep_until(deadline) => return no_connection(),
        }
    }
}
