//! The caller's side of a remote call or cast: send over NATS, wait, and turn what came back
//! (a reply, an error reply, "no responders", a timeout, a dropped connection) into how the
//! call ends.

use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::{Request, Subject};
use bytes::Bytes;
use genserver_core::CallError;

use crate::RemoteError;
use crate::message::Outgoing;
use crate::node::NodeInner;
use crate::node::connection;
use crate::node::outbox::Outbound;
use crate::protocol::{self, Op};

/// Fails with [`RemoteError::PayloadTooLarge`] if a payload of `size` bytes exceeds the
/// server's limit.
fn check_size(node: &NodeInner, size: usize) -> Result<(), RemoteError> {
    let max = node.client.max_payload();
    if size > max {
        return Err(RemoteError::PayloadTooLarge { size, max });
    }
    Ok(())
}

/// Sends a request (an envelope of [`protocol`]) and waits for its reply, at most `timeout`:
/// the reply's payload, or how the request failed. Waits first for casts queued before it, so
/// that it does not overtake them.
pub(crate) async fn request(
    node: &NodeInner,
    subject: Subject,
    payload: Vec<u8>,
    timeout: Duration,
) -> Result<Bytes, CallError> {
    connection::check(&node.client).map_err(CallError::Remote)?;
    check_size(node, payload.len()).map_err(CallError::Remote)?;
    node.outbox.flushed().await;
    // Armed before the request goes out: a drop while it is in flight ends it.
    let lost = node.connection.lost();
    connection::check(&node.client).map_err(CallError::Remote)?;
    let request = Request::new()
        .payload(Bytes::from(payload))
        .timeout(Some(timeout));
    let reply = tokio::select! {
        biased;
        reply = node.client.send_request(subject, request) => reply,
        () = lost => {
            return Err(CallError::Remote(RemoteError::ConnectionLost(
                "the connection dropped while the call waited for its reply".to_owned(),
            )));
        }
    };
    let message = reply.map_err(|error| match error.kind() {
        RequestErrorKind::NoResponders => CallError::NotRunning,
        RequestErrorKind::TimedOut => CallError::Timeout,
        // Checked above; the limit changed in between (a reconnect to another server).
        RequestErrorKind::MaxPayloadExceeded => {
            CallError::Remote(RemoteError::Transport(error.to_string()))
        }
        RequestErrorKind::InvalidSubject => {
            CallError::Remote(RemoteError::Transport(error.to_string()))
        }
        RequestErrorKind::Other => {
            CallError::Remote(RemoteError::ConnectionLost(error.to_string()))
        }
    })?;
    if let Some(kind) = message
        .headers
        .as_ref()
        .and_then(|headers| headers.get(protocol::ERROR))
    {
        return Err(protocol::failure_of_reply(kind.as_str(), &message.payload));
    }
    if let Some(status) = message.status.filter(|status| !status.is_success()) {
        return Err(CallError::Remote(RemoteError::Transport(format!(
            "the NATS server answered with status {status}{}",
            message
                .description
                .as_deref()
                .map(|text| format!(": {text}"))
                .unwrap_or_default()
        ))));
    }
    Ok(message.payload)
}

/// A call: sends `outgoing` to `subject`, waits at most `timeout`, and completes the call's
/// reply channel with the decoded reply.
pub(crate) async fn call(
    node: &NodeInner,
    subject: Subject,
    outgoing: Outgoing,
    timeout: Duration,
) -> Result<(), CallError> {
    let handler = outgoing.handler();
    let (envelope, reply) = outgoing.into_request(timeout);
    let Some(reply) = reply else {
        return Err(CallError::Remote(RemoteError::Transport(format!(
            "`{handler}` is a cast: it cannot be called"
        ))));
    };
    let bytes = request(node, subject, envelope, timeout).await?;
    reply.complete(&bytes).map_err(CallError::Remote)
}

/// A cast: queues `outgoing` for `subject` and returns. At most once: delivered unless the
/// connection drops first or nobody serves the subject, and in both cases silently, as a cast
/// to a local server that has died.
pub(crate) fn cast(
    node: &NodeInner,
    subject: Subject,
    outgoing: Outgoing,
) -> Result<(), RemoteError> {
    if outgoing.is_call() {
        return Err(RemoteError::Transport(format!(
            "`{}` is a call: it cannot be cast",
            outgoing.handler()
        )));
    }
    connection::check(&node.client)?;
    let (envelope, _) = outgoing.into_request(Duration::ZERO);
    check_size(node, envelope.len())?;
    if !node
        .outbox
        .push(Outbound::message(subject, Bytes::from(envelope)))
    {
        return Err(RemoteError::NotConnected);
    }
    Ok(())
}

/// Is anyone serving `subject`? `Ok` if it answered within `timeout`.
pub(crate) async fn ping(
    node: &NodeInner,
    subject: Subject,
    timeout: Duration,
) -> Result<(), CallError> {
    request(node, subject, protocol::other(Op::Ping, &[]), timeout)
        .await
        .map(drop)
}
