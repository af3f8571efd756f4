//! The protocol on NATS: subjects, headers, and how each way a call ends travels.
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
//! A call is a NATS request, a cast a publish without a reply subject. Headers:
//!
//! - `Genserver-Op`: `call`, `cast`, `ping` (answered by the serving side without the server),
//!   `monitor` (body: the subject where the exit reason goes; reply: the server's node,
//!   incarnation and heartbeat interval), `demonitor` (body: that subject), `stop` (body: the
//!   exit reason; the reply, if asked for, comes once the server has exited), `kill`;
//! - `Genserver-Msg`: the handler's name (`increment`), for `call` and `cast`;
//! - `Genserver-Timeout`: the caller's timeout in milliseconds, for `call`: the server side
//!   gives up waiting for the local reply then too.
//!
//! The body is the handler's arguments in the [wire format](crate::wire).
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

use async_nats::HeaderMap;
use genserver_core::CallError;

use crate::{RemoteError, wire};

/// Header: the operation of a request.
pub const OP: &str = "Genserver-Op";
/// Header: the handler a call or cast goes to.
pub const MSG: &str = "Genserver-Msg";
/// Header: the caller's timeout, in milliseconds.
pub const TIMEOUT: &str = "Genserver-Timeout";
/// Header: how a call failed (in a reply).
pub const ERROR: &str = "Genserver-Error";

/// The operation of a request (`Genserver-Op`).
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
    /// The header value.
    pub fn as_str(self) -> &'static str {
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

    /// The operation of a header value.
    pub fn parse(value: &str) -> Option<Op> {
        match value {
            "call" => Some(Op::Call),
            "cast" => Some(Op::Cast),
            "ping" => Some(Op::Ping),
            "monitor" => Some(Op::Monitor),
            "demonitor" => Some(Op::Demonitor),
            "stop" => Some(Op::Stop),
            "kill" => Some(Op::Kill),
            _ => None,
        }
    }
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

/// The headers of a call or cast request.
pub(crate) fn request_headers(op: Op, handler: &str, timeout_ms: Option<u128>) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(OP, op.as_str());
    if !handler.is_empty() {
        headers.insert(MSG, handler);
    }
    if let Some(timeout) = timeout_ms {
        headers.insert(
            TIMEOUT,
            timeout.min(u128::from(u64::MAX)).to_string().as_str(),
        );
    }
    headers
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
