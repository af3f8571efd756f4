//! The protocol on NATS: subjects, the request envelope, and how each way a call ends travels.
//!
//! # Subjects
//!
//! Every subject starts with the node's prefix `P` (default `genserver`), so applications with
//! different prefixes on one NATS never reach each other's servers:
//!
//! | subject | who subscribes | what for |
//! | --- | --- | --- |
//! | `P.name.N` | the server holding the name `N` | its calls and casts |
//! | `P.group.G` | every member of the group `G`, in the NATS queue group `G` | calls and casts, each to one member |
//! | `P.server.I` | the server incarnation `I` (a unique id per started server) | calls of `multi_call`, monitors |
//! | `P.node.D.hb` | monitors of servers on node `D` | the node's heartbeat |
//!
//! Names and group names are any strings: each becomes one subject token, letters, digits,
//! `_` and `-` kept and every other byte written `=XX` (hex), so `"my cache"` is
//! `my=20cache` and `"a.b"` is `a=2Eb` (the empty name is `=`).
//!
//! # Requests
//!
//! A call is a NATS request, a cast a publish without a reply subject. What a request is, and
//! for which handler, is a short envelope in front of the body (no NATS headers: a message
//! with headers costs both clients a parse of them, and the server's side a map of them, on
//! every call and cast):
//!
//! | byte 0: operation | then | then |
//! | --- | --- | --- |
//! | `1` call | the handler's name: its length (one byte), its UTF-8 bytes | the caller's timeout in milliseconds (4 bytes, big-endian, at most `u32::MAX`), then the arguments |
//! | `2` cast | the handler's name, as for a call | the arguments |
//! | `3` ping | | answered by the serving side without the server: someone is there |
//! | `4` monitor | the subject where the exit reason goes (in the wire format) | the reply names the server's node, incarnation and heartbeat interval |
//! | `5` demonitor | that subject, to forget it | |
//! | `6` stop | the exit reason (in the wire format) | the reply, if asked for, comes once the server has exited |
//! | `7` kill | | the server ends at once, without `terminate` |
//!
//! The arguments are the handler's arguments in the [wire format](crate::wire). A call's
//! timeout makes the serving side give up waiting for the local reply then too.
//!
//! A request that is not an envelope of these (empty, an operation this version does not know,
//! a name cut short or not UTF-8) gets the error reply `decode` if it has a reply subject, and
//! is dropped and counted if not. A later version adds operations with new numbers, never
//! changes the meaning of one: a server of this version answers those with `decode`, and its
//! callers then know that the other side is older.
//!
//! # Replies
//!
//! A reply without a `Genserver-Error` header is the handler's return value in the wire
//! format. With one, the call failed, and the header says how, exactly as it would have
//! failed locally:
//!
//! | `Genserver-Error` | body | the caller gets |
//! | --- | --- | --- |
//! | `exited` | the exit reason | `CallError::Exited(reason)` |
//! | `timeout` | | `CallError::Timeout` |
//! | `not_running` | | `CallError::NotRunning` |
//! | `no_reply` | | `CallError::NoReply` |
//! | `calling_self` | | `CallError::CallingSelf` |
//! | `deadlock` | text | [`RemoteError::Transport`] with the text: the call would have closed a cycle of handlers in the remote process (its server ids mean nothing here) |
//! | `decode` | text | [`RemoteError::Decode`]: the server could not decode the request |
//! | `encode` | text | [`RemoteError::Encode`]: the server could not encode the reply |
//! | `unknown_message` | the handler's name | [`RemoteError::UnknownMessage`] |
//! | `not_remote` | the handler's name | [`RemoteError::NotRemote`] |
//! | `too_large` | `size max` | [`RemoteError::PayloadTooLarge`]: the reply was too large |
//! | anything else | text | [`RemoteError::Transport`] |
//!
//! NATS itself answers a request to a subject nobody subscribes to with "no responders", which
//! the caller turns into `CallError::NotRunning` at once: no waiting for the timeout.

use std::time::Duration;

use genserver_core::CallError;

use crate::{RemoteError, wire};

/// Header of an error reply: how the call failed (see the table of replies).
pub const ERROR: &str = "Genserver-Error";

/// The operation of a request: the envelope's first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// A call: a reply is expected.
    Call,
    /// A cast: no reply.
    Cast,
    /// Is anyone serving this subject? Answered without the server.
    Ping,
    /// Tell the subject in the body when the server exits.
    Monitor,
    /// Forget a monitor made with [`Op::Monitor`] (the subject in the body).
    Demonitor,
    /// Stop with the exit reason in the body; answered (if asked) once the server has exited.
    Stop,
    /// End at once, without `terminate`.
    Kill,
}

impl Op {
    /// The envelope's first byte.
    pub fn code(self) -> u8 {
        match self {
            Op::Call => 1,
            Op::Cast => 2,
            Op::Ping => 3,
            Op::Monitor => 4,
            Op::Demonitor => 5,
            Op::Stop => 6,
            Op::Kill => 7,
        }
    }

    /// The operation of an envelope's first byte.
    pub fn from_code(code: u8) -> Option<Op> {
        match code {
            1 => Some(Op::Call),
            2 => Some(Op::Cast),
            3 => Some(Op::Ping),
            4 => Some(Op::Monitor),
            5 => Some(Op::Demonitor),
            6 => Some(Op::Stop),
            7 => Some(Op::Kill),
            _ => None,
        }
    }

    /// The operation's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Op::Call => "call",
            Op::Cast => "cast",
            Op::Ping => "ping",
            Op::Monitor => "monitor",
            Op::Demonitor => "demonitor",
            Op::Stop => "stop",
            Op::Kill => "kill",
        }
    }
}

/// A request's envelope, read from a message's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The operation.
    pub op: Op,
    /// The handler, for a call or a cast (empty otherwise).
    pub handler: &'a str,
    /// The caller's timeout, for a call.
    pub timeout: Option<Duration>,
    /// The arguments of a call or cast, or the body of the other operations.
    pub body: &'a [u8],
}

/// The envelope of a call to `handler` with `args`, waited for at most `timeout`.
pub fn call(handler: &str, timeout: Duration, args: &[u8]) -> Result<Vec<u8>, RemoteError> {
    let mut envelope = start(Op::Call, handler, args.len())?;
    set_timeout(&mut envelope, timeout);
    envelope.extend_from_slice(args);
    Ok(envelope)
}

/// The envelope of a cast to `handler` with `args`.
pub fn cast(handler: &str, args: &[u8]) -> Result<Vec<u8>, RemoteError> {
    let mut envelope = start(Op::Cast, handler, args.len())?;
    envelope.extend_from_slice(args);
    Ok(envelope)
}

/// The start of a call's or cast's envelope, up to where its arguments go (a call's timeout
/// left at zero, for [`set_timeout`]), with room for `args` bytes of them.
pub(crate) fn start(op: Op, handler: &str, args: usize) -> Result<Vec<u8>, RemoteError> {
    let timeout = if op == Op::Call { 4 } else { 0 };
    let mut envelope = named(op, handler, timeout + args)?;
    envelope.extend_from_slice(&[0; 4][..timeout]);
    Ok(envelope)
}

/// Writes `timeout` into the envelope of a call made with [`start`].
pub(crate) fn set_timeout(envelope: &mut [u8], timeout: Duration) {
    let millis = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
    let at = 2 + usize::from(envelope[1]);
    envelope[at..at + 4].copy_from_slice(&millis.to_be_bytes());
}

/// The envelope of an operation without a handler (ping, monitor, demonitor, stop, kill).
pub fn other(op: Op, body: &[u8]) -> Vec<u8> {
    let mut envelope = Vec::with_capacity(1 + body.len());
    envelope.push(op.code());
    envelope.extend_from_slice(body);
    envelope
}

/// The start of a call's or cast's envelope, with room for `rest` more bytes.
fn named(op: Op, handler: &str, rest: usize) -> Result<Vec<u8>, RemoteError> {
    let length = u8::try_from(handler.len()).map_err(|_| {
        RemoteError::Encode(format!(
            "the handler name `{handler}` is longer than 255 bytes"
        ))
    })?;
    let mut envelope = Vec::with_capacity(2 + handler.len() + rest);
    envelope.push(op.code());
    envelope.push(length);
    envelope.extend_from_slice(handler.as_bytes());
    Ok(envelope)
}

/// Reads the envelope of a request; [`RemoteError::Decode`] if it is not one.
pub fn parse(payload: &[u8]) -> Result<Request<'_>, RemoteError> {
    let not = |what: &str| RemoteError::Decode(format!("not a genserver request: {what}"));
    let (&code, rest) = payload.split_first().ok_or_else(|| not("it is empty"))?;
    let op = Op::from_code(code).ok_or_else(|| {
        RemoteError::Decode(format!(
            "unknown operation {code} (a newer version of genserver, or not a genserver request)"
        ))
    })?;
    if !matches!(op, Op::Call | Op::Cast) {
        return Ok(Request {
            op,
            handler: "",
            timeout: None,
            body: rest,
        });
    }
    let (&length, rest) = rest
        .split_first()
        .ok_or_else(|| not("the handler's name is missing"))?;
    let length = usize::from(length);
    if rest.len() < length {
        return Err(not("the handler's name is cut short"));
    }
    let (name, rest) = rest.split_at(length);
    let handler = std::str::from_utf8(name).map_err(|_| not("the handler's name is not UTF-8"))?;
    let (timeout, body) = if op == Op::Call {
        if rest.len() < 4 {
            return Err(not("the call's timeout is cut short"));
        }
        let (millis, body) = rest.split_at(4);
        let millis = u32::from_be_bytes(millis.try_into().expect("split at 4 bytes"));
        (Some(Duration::from_millis(u64::from(millis))), body)
    } else {
        (None, rest)
    };
    Ok(Request {
        op,
        handler,
        timeout,
        body,
    })
}

/// The `Genserver-Error` value and body of a failed call's reply.
pub(crate) fn error_reply(failure: &CallError) -> (&'static str, Vec<u8>) {
    match failure {
        CallError::Exited(reason) => ("exited", wire::encode_exit(reason)),
        CallError::Timeout => ("timeout", Vec::new()),
        CallError::NotRunning => ("not_running", Vec::new()),
        CallError::NoReply => ("no_reply", Vec::new()),
        CallError::CallingSelf => ("calling_self", Vec::new()),
        // The ids of the cycle are the remote process's own: they travel as text.
        CallError::Deadlock(_) => ("deadlock", failure.to_string().into_bytes()),
        CallError::Remote(RemoteError::Decode(text)) => ("decode", text.clone().into_bytes()),
        CallError::Remote(RemoteError::Encode(text)) => ("encode", text.clone().into_bytes()),
        CallError::Remote(RemoteError::UnknownMessage(name)) => {
            ("unknown_message", name.clone().into_bytes())
        }
        CallError::Remote(RemoteError::NotRemote(name)) => {
            ("not_remote", name.clone().into_bytes())
        }
        CallError::Remote(RemoteError::PayloadTooLarge { size, max }) => {
            ("too_large", format!("{size} {max}").into_bytes())
        }
        CallError::Remote(other) => ("transport", other.to_string().into_bytes()),
    }
}

/// The failure a reply with `Genserver-Error: kind` stands for.
pub(crate) fn failure_of_reply(kind: &str, body: &[u8]) -> CallError {
    let text = || String::from_utf8_lossy(body).into_owned();
    match kind {
        "exited" => match wire::decode_exit(body) {
            Ok(reason) => CallError::Exited(reason),
            Err(error) => CallError::Remote(error),
        },
        "timeout" => CallError::Timeout,
        "not_running" => CallError::NotRunning,
        "no_reply" => CallError::NoReply,
        "calling_self" => CallError::CallingSelf,
        "deadlock" => CallError::Remote(RemoteError::Transport(format!(
            "in the remote process, {}",
            text()
        ))),
        "decode" => CallError::Remote(RemoteError::Decode(format!(
            "the remote server could not decode the request: {}",
            text()
        ))),
        "encode" => CallError::Remote(RemoteError::Encode(format!(
            "the remote server could not encode the reply: {}",
            text()
        ))),
        "unknown_message" => CallError::Remote(RemoteError::UnknownMessage(text())),
        "not_remote" => CallError::Remote(RemoteError::NotRemote(text())),
        "too_large" => {
            let text = text();
            let mut numbers = text.split(' ').map(str::parse::<usize>);
            match (numbers.next(), numbers.next()) {
                (Some(Ok(size)), Some(Ok(max))) => {
                    CallError::Remote(RemoteError::PayloadTooLarge { size, max })
                }
                _ => CallError::Remote(RemoteError::Transport(format!("reply too large: {text}"))),
            }
        }
        other => CallError::Remote(RemoteError::Transport(format!("{other}: {}", text()))),
    }
}

/// Checks a subject prefix: dot-separated tokens of letters, digits, `_` and `-`.
pub(crate) fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.split('.').all(|token| {
            !token.is_empty()
                && token
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-')
        })
}

/// A name or group name as one subject token (and key-value key token): letters, digits, `_`
/// and `-` kept, every other byte as `=XX`. Injective, so two names never share a subject.
pub fn token(name: &str) -> String {
    if name.is_empty() {
        return "=".to_owned();
    }
    let mut token = String::with_capacity(name.len());
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
            token.push(char::from(byte));
        } else {
            token.push_str(&format!("={byte:02X}"));
        }
    }
    token
}

/// The subjects and keys of one prefix.
#[derive(Debug, Clone)]
pub(crate) struct Subjects {
    prefix: String,
}

impl Subjects {
    pub(crate) fn new(prefix: &str) -> Subjects {
        Subjects {
            prefix: prefix.to_owned(),
        }
    }

    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Where the server holding `name` listens.
    pub(crate) fn name(&self, name: &str) -> String {
        format!("{}.name.{}", self.prefix, token(name))
    }

    /// Where the members of `group` listen, in a queue group.
    pub(crate) fn group(&self, group: &str) -> String {
        format!("{}.group.{}", self.prefix, token(group))
    }

    /// The queue group of `group`'s members.
    pub(crate) fn queue(&self, group: &str) -> String {
        token(group)
    }

    /// Where one server incarnation listens.
    pub(crate) fn server(&self, incarnation: &str) -> String {
        format!("{}.server.{incarnation}", self.prefix)
    }

    /// Where a node publishes its heartbeat.
    pub(crate) fn heartbeat(&self, node: &str) -> String {
        format!("{}.node.{node}.hb", self.prefix)
    }

    /// The key-value key of `name`.
    pub(crate) fn name_key(&self, name: &str) -> String {
        format!("{}.name.{}", self.prefix, token(name))
    }

    /// The key-value key of one member of `group`.
    pub(crate) fn member_key(&self, group: &str, incarnation: &str) -> String {
        format!("{}.group.{}.{incarnation}", self.prefix, token(group))
    }

    /// The key-value keys of every member of `group`, as a subject filter inside the bucket.
    pub(crate) fn members_filter(&self, bucket: &str, group: &str) -> String {
        format!("$KV.{bucket}.{}.group.{}.*", self.prefix, token(group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use genserver_core::ExitReason;

    #[test]
    fn tokens_keep_safe_characters_and_escape_the_rest_injectively() {
        assert_eq!(token("counter"), "counter");
        assert_eq!(token("Work_ers-2"), "Work_ers-2");
        assert_eq!(token("my cache"), "my=20cache");
        assert_eq!(token("a.b"), "a=2Eb");
        assert_eq!(token("a>*"), "a=3E=2A");
        assert_eq!(token("="), "=3D");
        assert_eq!(token(""), "=");
        assert_eq!(token("é"), "=C3=A9");
        assert_ne!(token("a=2Eb"), token("a.b"));
    }

    #[test]
    fn prefixes_are_checked() {
        assert!(valid_prefix("genserver"));
        assert!(valid_prefix("acme.prod-1.gs_x"));
        for bad in ["", ".", "a.", ".a", "a..b", "a b", "a.*", "a.>", "a\tb"] {
            assert!(!valid_prefix(bad), "{bad:?}");
        }
    }

    #[test]
    fn envelopes_round_trip_and_anything_else_is_a_decode_error() {
        let call = super::call("increment", Duration::from_millis(1_500), b"\x80").unwrap();
        assert_eq!(call[..2], [1, 9]);
        assert_eq!(
            parse(&call),
            Ok(Request {
                op: Op::Call,
                handler: "increment",
                timeout: Some(Duration::from_millis(1_500)),
                body: b"\x80",
            })
        );
        let cast = super::cast("add", b"args").unwrap();
        assert_eq!(
            parse(&cast),
            Ok(Request {
                op: Op::Cast,
                handler: "add",
                timeout: None,
                body: b"args",
            })
        );
        for op in [Op::Ping, Op::Monitor, Op::Demonitor, Op::Stop, Op::Kill] {
            let envelope = other(op, b"body");
            let request = parse(&envelope).unwrap();
            assert_eq!((request.op, request.body), (op, &b"body"[..]));
            assert_eq!(Op::from_code(op.code()), Some(op));
        }
        // Timeouts past u32::MAX milliseconds saturate.
        let long = super::call("get", Duration::from_secs(u64::MAX / 2), b"").unwrap();
        assert_eq!(
            parse(&long).unwrap().timeout,
            Some(Duration::from_millis(u64::from(u32::MAX)))
        );
        assert!(super::cast(&"x".repeat(256), b"").is_err());
        let bad: [&[u8]; 7] = [
            b"",
            b"\x00",
            b"\xee rest",
            b"\x02",
            b"\x02\x05add",
            b"\x02\x02\xff\xfe",
            b"\x01\x03get\x00\x01",
        ];
        for payload in bad {
            assert!(
                matches!(parse(payload), Err(RemoteError::Decode(_))),
                "{payload:?}"
            );
        }
    }

    #[test]
    fn every_failure_survives_the_trip_through_a_reply() {
        let failures: Vec<CallError> = vec![
            CallError::Exited(ExitReason::Panic("boom".into())),
            CallError::Exited(ExitReason::NoConnection),
            CallError::Exited(ExitReason::Normal),
            CallError::Timeout,
            CallError::NotRunning,
            CallError::NoReply,
            CallError::CallingSelf,
            CallError::Remote(RemoteError::UnknownMessage("increment".into())),
            CallError::Remote(RemoteError::NotRemote("on_tick".into())),
            CallError::Remote(RemoteError::PayloadTooLarge {
                size: 2_000_000,
                max: 1_048_576,
            }),
        ];
        for failure in failures {
            let (kind, body) = error_reply(&failure);
            assert_eq!(failure_of_reply(kind, &body), failure, "{kind}");
        }
        let (kind, body) = error_reply(&CallError::Remote(RemoteError::Decode("bad map".into())));
        let CallError::Remote(RemoteError::Decode(text)) = failure_of_reply(kind, &body) else {
            panic!("a decode failure stays one");
        };
        assert!(
            text.contains("could not decode the request: bad map"),
            "{text}"
        );
        assert!(matches!(
            failure_of_reply("exited", b"\xc1"),
            CallError::Remote(RemoteError::Decode(_))
        ));
        assert!(matches!(
            failure_of_reply("from_the_future", b"x"),
            CallError::Remote(RemoteError::Transport(_))
        ));
    }
}
