//! The wire format: MessagePack with named fields ([`rmp_serde::to_vec_named`]).
//!
//! Every argument, reply and exit reason that crosses NATS is a serde value encoded as
//! MessagePack, structs as maps from field name to value. It is self-describing, so a reader
//! finds fields by name and skips what it does not know; compact (a call without arguments is
//! one byte); and decoding arbitrary bytes returns an error, never a panic, with nesting limited
//! to [`MAX_DEPTH`] levels.
//!
//! What goes where (see [`protocol`](crate::protocol) for the envelope around it):
//!
//! - a call or cast: the handler's arguments as one map, `{ "n": 5 }` for
//!   `fn add(&mut self, n: i64)`; the handler's name travels in the envelope in front of it;
//! - a reply: the handler's return value itself;
//! - an exit reason: `{ "kind": "panic", "message": "boom" }`.
//!
//! # Schema evolution
//!
//! Clients and servers of one server type may run different versions of it (a rolling
//! deploy). These changes are compatible, in both directions:
//!
//! 1. **Adding an argument, or a field to an argument or reply struct**, if it is an
//!    `Option<T>` (missing: `None`) or has `#[serde(default)]`. An old reader ignores the new
//!    field; a new reader gets the default from an old writer.
//! 2. **Removing an argument or field** whose readers have it as `Option` or
//!    `#[serde(default)]`: what an old writer still sends is ignored.
//! 3. **Reordering arguments or fields**: they are matched by name.
//! 4. **Widening an integer** (`u32` to `u64`, `i32` to `i64`): MessagePack stores the smallest
//!    encoding of the value, and decoding checks that it fits.
//! 5. **Adding a handler**: old servers answer a call to it with
//!    [`RemoteError::UnknownMessage`]; nothing else changes.
//!
//! These break, and show up as [`RemoteError::Decode`] on the call that meets them:
//!
//! - renaming an argument or field (unless the reader keeps the old name with
//!   `#[serde(alias = "old")]`), or a handler;
//! - adding a required (non-`Option`, non-default) field;
//! - changing a type to one whose encoding differs (a string to a number, a struct to a list);
//! - adding a variant to an enum that an old reader receives;
//! - changing a tuple or tuple struct: they are encoded as lists, by position. Use structs
//!   with named fields for data that will change.
//!
//! Do not put `#[serde(deny_unknown_fields)]` on types that cross NATS: it turns rule 1 into
//! a break.

use genserver_core::ExitReason;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::RemoteError;

/// Encodes `value` in the wire format.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, RemoteError> {
    rmp_serde::to_vec_named(value).map_err(|error| RemoteError::Encode(error.to_string()))
}

/// Encodes `value` in the wire format at the end of `buffer` (a request's envelope is written
/// in front of its arguments this way, without a copy).
pub fn encode_into<T: Serialize + ?Sized>(
    buffer: &mut Vec<u8>,
    value: &T,
) -> Result<(), RemoteError> {
    rmp_serde::encode::write_named(buffer, value)
        .map_err(|error| RemoteError::Encode(error.to_string()))
}

/// How deeply lists and maps may nest in a message. Skipping an unknown field recurses once
/// per level, and rmp-serde's own limit (1024) is more than a thread's stack holds in a debug
/// build.
pub const MAX_DEPTH: usize = 64;

/// Decodes a value of type `T` from the wire format. Never panics, whatever the bytes; nesting
/// deeper than [`MAX_DEPTH`] is an error.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, RemoteError> {
    let mut deserializer = rmp_serde::Deserializer::from_read_ref(bytes);
    deserializer.set_max_depth(MAX_DEPTH);
    T::deserialize(&mut deserializer).map_err(|error| {
        RemoteError::Decode(format!(
            "{error} (decoding {} bytes as {})",
            bytes.len(),
            std::any::type_name::<T>()
        ))
    })
}

/// An exit reason on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct WireExit {
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// For `linked`: the id of the partner, in its own process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    partner: Option<u64>,
    /// For `linked`: the partner's reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<Box<WireExit>>,
}

impl WireExit {
    fn kind(kind: &str) -> WireExit {
        WireExit {
            kind: kind.to_owned(),
            message: None,
            partner: None,
            reason: None,
        }
    }

    fn with_message(kind: &str, message: &str) -> WireExit {
        WireExit {
            message: Some(message.to_owned()),
            ..WireExit::kind(kind)
        }
    }
}

fn exit_to_wire(reason: &ExitReason) -> WireExit {
    match reason {
        ExitReason::Normal => WireExit::kind("normal"),
        ExitReason::Shutdown => WireExit::kind("shutdown"),
        ExitReason::Killed => WireExit::kind("killed"),
        ExitReason::Panic(message) => WireExit::with_message("panic", message),
        ExitReason::Error(message) => WireExit::with_message("error", message),
        ExitReason::NoProc => WireExit::kind("noproc"),
        ExitReason::NoConnection => WireExit::kind("noconnection"),
        ExitReason::Linked { id, reason } => WireExit {
            partner: Some(id.as_u64()),
            reason: Some(Box::new(exit_to_wire(reason))),
            ..WireExit::kind("linked")
        },
    }
}

/// The exit reason a [`WireExit`] stands for. A reason this version does not know becomes an
/// [`ExitReason::Error`] that names it, and a `Linked` reason (whose partner id belongs to the
/// other process) an `Error` that describes the link: both stay abnormal.
fn exit_from_wire(wire: WireExit) -> ExitReason {
    let message = wire.message.unwrap_or_default();
    match wire.kind.as_str() {
        "normal" => ExitReason::Normal,
        "shutdown" => ExitReason::Shutdown,
        "killed" => ExitReason::Killed,
        "panic" => ExitReason::Panic(message),
        "error" => ExitReason::Error(message),
        "noproc" => ExitReason::NoProc,
        "noconnection" => ExitReason::NoConnection,
        "linked" => {
            let partner = wire
                .partner
                .map_or_else(|| "?".to_owned(), |id| format!("<0.{id}.0>"));
            let reason = wire
                .reason
                .map_or(ExitReason::Error(String::new()), |reason| {
                    exit_from_wire(*reason)
                });
            ExitReason::Error(format!(
                "linked server {partner} (in the remote process) exited: {reason}"
            ))
        }
        other if message.is_empty() => ExitReason::Error(other.to_owned()),
        other => ExitReason::Error(format!("{other}: {message}")),
    }
}

/// Encodes an exit reason.
pub(crate) fn encode_exit(reason: &ExitReason) -> Vec<u8> {
    rmp_serde::to_vec_named(&exit_to_wire(reason))
        .expect("a struct of strings and integers always encodes")
}

/// Decodes an exit reason.
pub(crate) fn decode_exit(bytes: &[u8]) -> Result<ExitReason, RemoteError> {
    decode::<WireExit>(bytes).map(exit_from_wire)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct V1 {
        name: String,
        count: u32,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct V2 {
        count: u64,
        name: String,
        tag: Option<String>,
        #[serde(default)]
        retries: u8,
    }

    #[test]
    fn fields_are_named_and_added_optional_fields_are_tolerated() {
        let old = V1 {
            name: "a".into(),
            count: 7,
        };
        let bytes = encode(&old).unwrap();
        // A map with the field names in it.
        assert_eq!(bytes[0], 0x82);
        assert!(bytes.windows(5).any(|window| window == b"count"));
        let new: V2 = decode(&bytes).unwrap();
        assert_eq!(
            new,
            V2 {
                count: 7,
                name: "a".into(),
                tag: None,
                retries: 0
            }
        );
        let back: V1 = decode(
            &encode(&V2 {
                count: 9,
                name: "b".into(),
                tag: Some("t".into()),
                retries: 3,
            })
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            back,
            V1 {
                name: "b".into(),
                count: 9
            }
        );
    }

    #[test]
    fn a_missing_required_field_or_a_narrowing_is_a_decode_error() {
        #[derive(Debug, Serialize, Deserialize)]
        struct Needs {
            name: String,
            count: u8,
        }
        let error = decode::<Needs>(
            &encode(&V1 {
                name: "a".into(),
                count: 300,
            })
            .unwrap(),
        )
        .unwrap_err();
        assert!(matches!(error, RemoteError::Decode(_)), "{error:?}");
        let error = decode::<Needs>(&encode(&()).unwrap()).unwrap_err();
        assert!(error.to_string().contains("did not decode"), "{error}");
    }

    #[test]
    fn exit_reasons_round_trip() {
        for reason in [
            ExitReason::Normal,
            ExitReason::Shutdown,
            ExitReason::Killed,
            ExitReason::Panic("boom".into()),
            ExitReason::Error("bad".into()),
            ExitReason::NoProc,
            ExitReason::NoConnection,
        ] {
            assert_eq!(decode_exit(&encode_exit(&reason)).unwrap(), reason);
        }
    }

    #[test]
    fn unknown_and_linked_exit_reasons_become_abnormal_errors() {
        let unknown = rmp_serde::to_vec_named(&WireExit::with_message("meltdown", "core")).unwrap();
        assert_eq!(
            decode_exit(&unknown).unwrap(),
            ExitReason::Error("meltdown: core".into())
        );
        let linked = WireExit {
            partner: Some(42),
            reason: Some(Box::new(WireExit::with_message("panic", "boom"))),
            ..WireExit::kind("linked")
        };
        let reason = decode_exit(&rmp_serde::to_vec_named(&linked).unwrap()).unwrap();
        assert_eq!(
            reason,
            ExitReason::Error(
                "linked server <0.42.0> (in the remote process) exited: panicked: boom".into()
            )
        );
        assert!(!reason.is_normal());
    }

    /// A V2 with an unknown field `x` holding `depth` nested one-element lists.
    fn with_nested_unknown_field(depth: usize) -> Vec<u8> {
        let mut bytes = vec![0x83, 0xa5];
        bytes.extend(b"count");
        bytes.push(0x01);
        bytes.push(0xa4);
        bytes.extend(b"name");
        bytes.extend([0xa1, b'n', 0xa1, b'x']);
        bytes.extend(std::iter::repeat_n(0x91, depth));
        bytes.push(0x01);
        bytes
    }

    #[test]
    fn unknown_fields_nested_within_the_limit_are_skipped() {
        let value: V2 = decode(&with_nested_unknown_field(MAX_DEPTH - 2)).unwrap();
        assert_eq!(value.count, 1);
        assert!(decode::<V2>(&with_nested_unknown_field(MAX_DEPTH + 1)).is_err());
    }

    #[test]
    fn deeply_nested_garbage_is_an_error_not_a_stack_overflow() {
        // 100_000 nested one-element lists, then an integer.
        let mut bytes = vec![0x91; 100_000];
        bytes.push(0x01);
        assert!(decode::<V1>(&bytes).is_err());
        // The same inside a map, as an unknown field that is skipped.
        let mut bytes = vec![0x81, 0xa1, b'x'];
        bytes.extend(std::iter::repeat_n(0x91, 100_000));
        bytes.push(0x01);
        assert!(decode::<V2>(&bytes).is_err());
    }
}
