//! The caller's side of a remote call or cast: send over NATS, wait, and turn what came back
//! (a reply, an error reply, "no responders", a timeout, a dropped connection) into how the
//! call ends.

use std::time::Duration;

use async_nats::client::RequestErrorKind;
use async_nats::{HeaderMap, Request, Subject};
use bytes::Bytes;
use genserver_core::CallError;

use crate::RemoteError;
use crate::message::Outgoing;
use crate::node::NodeInner;
use crate::node::connection;
use crate::node::outbox::Outbound;
use crate::protocol::{self, Op};

/// The size NATS counts for a message with these headers and this payload (`HPUB`'s total).
fn wire_size(headers: &HeaderMap, payload: usize) -> usize {
    // "NATS/1.0\r\n", then "name: value\r\n" per value, then "\r\n".
    let headers: usize = headers
        .iter()
        .map(|(name, values)| {
            let name: &str = name.as_ref();
            values
                .iter()
                .map(|value| name.len() + 2 + AsRef::<str>::as_ref(value).len() + 2)
                .sum::<usize>()
        })
        .sum();
    10 + headers + 2 + payload
}

/// Fails with [`RemoteError::PayloadTooLarge`] if the message exceeds the server's limit.
fn check_size(node: &NodeInner, size: usize) -> Result<(), RemoteError> {
    let max = node.client.max_payload();
    if size > max {
        return Err(RemoteError::PayloadTooLarge { size, max });
    }
    Ok(())
}

/// Sends a request and waits for its reply, at most `timeout`: the reply's payload, or how the
/// request failed. Waits first for casts queued before it, so that it does not overtake them.
pub(crate) async fn request(
    node: &NodeInner,
    subject: String,
    headers: HeaderMap,
    payload: Vec<u8>,
    timeout: Duration,
) -> Result<Bytes, CallError> {
    connection::check(&node.client).map_err(CallError::Remote)?;
    check_size(node, wire_size(&headers, payload.len())).map_err(CallError::Remote)?;
    node.outbox.flushed().await;
    // Armed before the request goes out: a drop while it is in flight ends it.
    let lost = node.connection.lost();
    connection::check(&node.client).map_err(CallError::Remote)?;
    let request = Request::new()
        .headers(headers)
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
    subject: String,
    outgoing: Outgoing,
    timeout: Duration,
) -> Result<(), CallError> {
    let (handler, args, reply) = outgoing.into_parts();
    let Some(reply) = reply else {
        return Err(CallError::Remote(RemoteError::Transport(format!(
            "`{handler}` is a cast: it cannot be called"
        ))));
    };
    let headers = protocol::request_headers(Op::Call, handler, Some(timeout.as_millis()));
    let bytes = request(node, subject, headers, args, timeout).await?;
    reply.complete(&bytes).map_err(CallError::Remote)
}

/// A cast: queues `outgoing` for `subject` and returns. At most once: delivered unless the
/// connection drops first or nobody serves the subject, and in both cases silently, as a cast
/// to a local server that has died.
pub(crate) fn cast(
    node: &NodeInner,
    subject: String,
    outgoing: Outgoing,
) -> Result<(), RemoteError> {
    let (handler, args, reply) = outgoing.into_parts();
    if reply.is_some() {
        return Err(RemoteError::Transport(format!(
            "`{handler}` is a call: it cannot be cast"
        )));
    }
    connection::check(&node.client)?;
    let headers = protocol::request_headers(Op::Cast, handler, None);
    check_size(node, wire_size(&headers, args.len()))?;
    let subject = Subject::from(subject);
    if !node.outbox.push(Outbound {
        subject,
        headers,
        payload: Bytes::from(args),
    }) {
        return Err(RemoteError::NotConnected);
    }
    Ok(())
}

/// Is anyone serving `subject`? `Ok` if it answered within `timeout`.
pub(crate) async fn ping(
    node: &NodeInner,
    subject: String,
    timeout: Duration,
) -> Result<(), CallError> {
    let headers = protocol::request_headers(Op::Ping, "", None);
    request(node, subject, headers, Vec::new(), timeout)
        .await
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_size_of_a_message_is_counted_as_nats_counts_it() {
        let mut headers = HeaderMap::new();
        headers.insert(protocol::OP, "cast");
        headers.insert(protocol::MSG, "add");
        let bytes = {
            // What async-nats puts on the wire for these headers.
            let mut text = String::from("NATS/1.0\r\n");
            for (name, values) in headers.iter() {
                for value in values {
                    text.push_str(&format!("{name}: {value}\r\n"));
                }
            }
            text.push_str("\r\n");
            text.len()
        };
        assert_eq!(wire_size(&headers, 5), bytes + 5);
    }
}
