//! [`RemoteMessage`]: how a server's message enum crosses NATS. `#[genserver(remote)]`
//! implements it for `{Type}Msg`; the rest of the crate only moves what it produces.
//!
//! The caller's side turns a message into an [`Outgoing`]: the handler's name, its arguments
//! in the [wire format](crate::wire), and for a call a [`ReplyDecoder`] that decodes the
//! reply and completes the call's reply channel with it. The server's side turns the handler's
//! name and the arguments ([`Incoming`]) back into a message and hands it to the local server,
//! which gives a [`Delivery`]: done, for a cast; for a call, a future of the encoded reply.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use genserver_core::{CallError, CastError, GenServer, ReplySender, ServerRef};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::{self, Op};
use crate::{RemoteError, wire};

/// A server's message enum that can travel over NATS.
///
/// `#[genserver(remote)]` implements it for `{Type}Msg`, with one arm per `#[call]` and
/// `#[cast]` handler; an `#[info]` message stays local ([`RemoteError::NotRemote`]). A hand
/// implementation looks like this:
///
/// ```
/// use genserver::{GenServer, ReplySender, ServerRef};
/// use genserver_nats::message::{Delivery, Incoming, Outgoing, RemoteMessage};
/// use genserver_nats::RemoteError;
/// use serde::{Deserialize, Serialize};
///
/// pub enum CounterMsg {
///     Add { n: i64 },
///     Get { reply_to: ReplySender<i64> },
/// }
///
/// #[derive(Serialize, Deserialize)]
/// struct AddArgs { n: i64 }
/// #[derive(Serialize, Deserialize)]
/// struct GetArgs {}
///
/// impl RemoteMessage for CounterMsg {
///     fn encode(self) -> Result<Outgoing, RemoteError> {
///         match self {
///             CounterMsg::Add { n } => Outgoing::cast("add", &AddArgs { n }),
///             CounterMsg::Get { reply_to } => Outgoing::call("get", &GetArgs {}, reply_to),
///         }
///     }
///
///     fn deliver<S: GenServer<Msg = Self>>(
///         request: Incoming<'_>,
///         server: &ServerRef<S>,
///     ) -> Result<Delivery, RemoteError> {
///         match request.handler() {
///             "add" => {
///                 let AddArgs { n } = request.args()?;
///                 Ok(Delivery::cast(server, CounterMsg::Add { n }))
///             }
///             "get" => {
///                 let GetArgs {} = request.args()?;
///                 Ok(Delivery::call(server, |reply_to| CounterMsg::Get { reply_to }))
///             }
///             other => Err(RemoteError::UnknownMessage(other.to_owned())),
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "the messages of this server cannot travel to another process",
    label = "not a message enum of a remote server",
    note = "put `#[genserver(remote)]` on the server's impl block (and enable the `nats` feature of genserver)"
)]
pub trait RemoteMessage: Sized + Send + 'static {
    /// The caller's side: the wire form of this message. A call's form carries the decoder
    /// that completes its reply channel.
    fn encode(self) -> Result<Outgoing, RemoteError>;

    /// The server's side: decodes `request` into a message and hands it to `server`. [`RemoteError::UnknownMessage`] for a handler it does not
    /// have, [`RemoteError::Decode`] for arguments that do not decode.
    fn deliver<S: GenServer<Msg = Self>>(
        request: Incoming<'_>,
        server: &ServerRef<S>,
    ) -> Result<Delivery, RemoteError>;
}

/// What a [`ReplyDecoder`] runs on the reply's bytes.
type Complete = Box<dyn FnOnce(&[u8]) -> Result<(), RemoteError> + Send>;

/// What a call's reply does when it arrives: decodes it and completes the reply channel.
pub struct ReplyDecoder(Complete);

impl ReplyDecoder {
    /// A decoder that decodes an `R` and sends it to `reply_to`.
    pub fn new<R: DeserializeOwned + Send + 'static>(reply_to: ReplySender<R>) -> ReplyDecoder {
        ReplyDecoder::from_fn(move |bytes| {
            reply_to.send(wire::decode::<R>(bytes)?);
            Ok(())
        })
    }

    /// A decoder that runs `complete` on the reply's bytes.
    pub fn from_fn(
        complete: impl FnOnce(&[u8]) -> Result<(), RemoteError> + Send + 'static,
    ) -> ReplyDecoder {
        ReplyDecoder(Box::new(complete))
    }

    /// Decodes `bytes` and completes the reply channel; a decode failure leaves it unanswered.
    pub fn complete(self, bytes: &[u8]) -> Result<(), RemoteError> {
        (self.0)(bytes)
    }
}

impl fmt::Debug for ReplyDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ReplyDecoder")
    }
}

/// A message in its wire form, ready to be sent: the request's envelope (see
/// [`protocol`]) with its arguments in the wire format.
#[derive(Debug)]
pub struct Outgoing {
    handler: &'static str,
    envelope: Vec<u8>,
    /// Where the arguments start in `envelope`.
    args_at: usize,
    reply: Option<ReplyDecoder>,
}

impl Outgoing {
    /// A cast to `handler` with `args` (a struct with named fields, one per argument).
    pub fn cast<A: Serialize + ?Sized>(
        handler: &'static str,
        args: &A,
    ) -> Result<Outgoing, RemoteError> {
        Outgoing::new(Op::Cast, handler, args, None)
    }

    /// A call to `handler` with `args`, whose reply, an `R`, goes to `reply_to`.
    pub fn call<A, R>(
        handler: &'static str,
        args: &A,
        reply_to: ReplySender<R>,
    ) -> Result<Outgoing, RemoteError>
    where
        A: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
    {
        Outgoing::call_with(handler, args, ReplyDecoder::new(reply_to))
    }

    /// A call to `handler` with `args`, whose reply is handled by `reply`.
    pub fn call_with<A: Serialize + ?Sized>(
        handler: &'static str,
        args: &A,
        reply: ReplyDecoder,
    ) -> Result<Outgoing, RemoteError> {
        Outgoing::new(Op::Call, handler, args, Some(reply))
    }

    fn new<A: Serialize + ?Sized>(
        op: Op,
        handler: &'static str,
        args: &A,
        reply: Option<ReplyDecoder>,
    ) -> Result<Outgoing, RemoteError> {
        // The arguments are encoded behind the envelope's start, in the same buffer.
        let mut envelope = protocol::start(op, handler, 32)?;
        let args_at = envelope.len();
        wire::encode_into(&mut envelope, args)?;
        Ok(Outgoing {
            handler,
            envelope,
            args_at,
            reply,
        })
    }

    /// The handler's name.
    pub fn handler(&self) -> &'static str {
        self.handler
    }

    /// The encoded arguments.
    pub fn args(&self) -> &[u8] {
        &self.envelope[self.args_at..]
    }

    /// `true` for a call.
    pub fn is_call(&self) -> bool {
        self.reply.is_some()
    }

    /// The request to send: the envelope (a call's with `timeout` in it) and, for a call, the
    /// decoder of its reply.
    pub(crate) fn into_request(mut self, timeout: Duration) -> (Vec<u8>, Option<ReplyDecoder>) {
        if self.reply.is_some() {
            protocol::set_timeout(&mut self.envelope, timeout);
        }
        (self.envelope, self.reply)
    }
}

/// A request as the server's side received it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    handler: &'a str,
    args: &'a [u8],
    timeout: Duration,
}

impl<'a> Incoming<'a> {
    /// A request for `handler` with encoded `args`; a call waits for the local reply at most
    /// `timeout`.
    pub fn new(handler: &'a str, args: &'a [u8], timeout: Duration) -> Incoming<'a> {
        Incoming {
            handler,
            args,
            timeout,
        }
    }

    /// The handler's name.
    pub fn handler(&self) -> &'a str {
        self.handler
    }

    /// The encoded arguments.
    pub fn raw_args(&self) -> &'a [u8] {
        self.args
    }

    /// The arguments, decoded.
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, RemoteError> {
        wire::decode(self.args)
    }

    /// The caller's timeout: after it the caller no longer waits for the reply.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// The future of a delivered call: the encoded reply, or how the call failed.
pub type ReplyFuture = Pin<Box<dyn Future<Output = Result<Vec<u8>, CallError>> + Send>>;

/// A request handed to the local server.
pub enum Delivery {
    /// A cast, queued (or refused by the server's mailbox).
    Cast(Result<(), CastError>),
    /// A call, whose message is in the server's mailbox: the future resolves with the encoded
    /// reply.
    Call(ReplyFuture),
}

impl Delivery {
    /// Casts `msg` to `server`.
    pub fn cast<S: GenServer>(server: &ServerRef<S>, msg: S::Msg) -> Delivery {
        Delivery::Cast(server.cast(msg))
    }

    /// Puts the message `msg` builds around the reply channel into `server`'s mailbox now
    /// ([`ServerRef::relay_call`]), and gives the future of the encoded reply. It has no
    /// timeout: the caller has its own (the request's [`Incoming::timeout`]), and the serving
    /// side waits as long as the server may answer (it exits, or drops the reply channel).
    pub fn call<S, R, F>(server: &ServerRef<S>, msg: F) -> Delivery
    where
        S: GenServer,
        R: Serialize + Send + 'static,
        F: FnOnce(ReplySender<R>) -> S::Msg + Send + 'static,
    {
        let reply = server.relay_call(msg);
        Delivery::Call(Box::pin(async move {
            let reply = reply.await?;
            wire::encode(&reply).map_err(CallError::Remote)
        }))
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Delivery::Cast(result) => f.debug_tuple("Cast").field(result).finish(),
            Delivery::Call(_) => f.write_str("Call(..)"),
        }
    }
}
