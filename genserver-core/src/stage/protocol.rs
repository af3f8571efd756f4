//! What stages tell each other, and how it reaches them.
//!
//! A consumer sends its producer [`ToProducer`] messages (subscribe, ask, cancel); a producer
//! sends its consumers [`ToConsumer`] messages (events, cancellations). They travel inside the
//! stage's own message enum (the generated `{Type}Msg` has one hidden variant per role, holding
//! a [`ProducerMsg`] or a [`ConsumerMsg`]) through the mailbox as `Mail::Protocol`, which a
//! bounded mailbox never refuses: demand and events must not be dropped, and their amount is
//! bounded by the demand itself.
//!
//! A side knows the other only as a sink ([`ProducerSink`], [`ConsumerSink`]): a consumer
//! need not know its producer's type, only its event type, and a stream can stand in for a
//! consumer server.

use std::marker::PhantomData;

use super::{
    Cancelled, Consume, Demand, ProducerOf, ProducerStats, SubscribeError, Subscription,
    SubscriptionId,
};
use crate::process::{Down, Pid};
use crate::server::handle::Direct;
use crate::task::Mail;
use crate::{ExitReason, GenServer, ReplyTo, ServerId};

/// A message of the stage protocol for a producer of `E`s. Opaque: it travels in the
/// producer's message enum, which `#[genserver]` extends with a variant for it.
pub struct ProducerMsg<E>(pub(crate) ToProducer<E>);

/// A message of the stage protocol for a consumer of `E`s. Opaque, like [`ProducerMsg`].
pub struct ConsumerMsg<E>(pub(crate) ToConsumer<E>);

/// What a producer is told.
pub(crate) enum ToProducer<E> {
    /// A consumer subscribes (boxed: rare, and it would widen every message).
    Subscribe(Box<Subscribe<E>>),
    /// A consumer asks for `n` more events.
    Ask { sub: SubscriptionId, n: usize },
    /// Anyone holding the subscription cancels it.
    Cancel {
        sub: SubscriptionId,
        reason: ExitReason,
    },
    /// A consumer this producer monitors exited.
    Down(Down),
    /// `set_demand_mode`.
    SetMode(super::DemandMode),
    /// `demand_mode`.
    Mode(ReplyTo<super::DemandMode>),
    /// `producer_stats`.
    Stats(ReplyTo<ProducerStats>),
}

/// A subscription request, as the consumer sends it to the producer.
pub(crate) struct Subscribe<E> {
    /// The subscription as the caller of `subscribe_to` will hold it.
    pub(crate) subscription: Subscription<E>,
    pub(crate) consumer: std::sync::Arc<dyn ConsumerSink<E>>,
    pub(crate) demand: Demand,
    /// The caller of `subscribe_to`, answered by the producer once it has accepted (or
    /// refused) the subscription.
    pub(crate) reply: Option<ReplyTo<Result<Subscription<E>, SubscribeError>>>,
}

/// What a consumer is told.
pub(crate) enum ToConsumer<E> {
    /// Events of a subscription, never more than it asked for.
    Events { sub: SubscriptionId, events: Vec<E> },
    /// The producer ended the subscription (cancelled by someone, or refused at subscribe).
    Cancelled {
        sub: SubscriptionId,
        reason: ExitReason,
        refused: bool,
    },
    /// `subscribe_to` from outside the consumer (boxed, as `Subscribe`).
    SubscribeTo(Box<SubscribeTo<E>>),
    /// A producer this consumer monitors exited.
    Down(Down),
    /// `consumer_stats`.
    Stats(ReplyTo<super::ConsumerStats>),
}

/// `subscribe_to` from outside the consumer.
pub(crate) struct SubscribeTo<E> {
    pub(crate) producer: std::sync::Arc<dyn ProducerSink<E>>,
    pub(crate) demand: Demand,
    pub(crate) reply: ReplyTo<Result<Subscription<E>, SubscribeError>>,
}

/// Where a consumer's messages to its producer go: the producer's mailbox.
pub(crate) trait ProducerSink<E>: Send + Sync + 'static {
    /// Puts `msg` in the producer's mailbox; gives it back if the producer has exited.
    fn send(&self, msg: ToProducer<E>) -> Result<(), ToProducer<E>>;
    /// The producer, to monitor it.
    fn pid(&self) -> Pid;
    /// The producer's id.
    fn id(&self) -> ServerId;
}

/// Where a producer's messages to one consumer go: a consumer server's mailbox, or a stream.
pub(crate) trait ConsumerSink<E>: Send + Sync + 'static {
    /// Delivers `msg`; gives it back if the consumer is gone.
    fn send(&self, msg: ToConsumer<E>) -> Result<(), ToConsumer<E>>;
    /// The consumer server, to monitor it; `None` for a stream, which cancels its
    /// subscription when dropped.
    fn pid(&self) -> Option<Pid>;
}

/// A producer server `P` of `E`s, as a consumer's sink.
pub(crate) struct ProducerServer<P: GenServer, E> {
    pub(crate) server: Direct<P>,
    pub(crate) events: PhantomData<fn(E)>,
}

impl<P: ProducerOf<E>, E: Send + 'static> ProducerSink<E> for ProducerServer<P, E> {
    fn send(&self, msg: ToProducer<E>) -> Result<(), ToProducer<E>> {
        send_protocol(&self.server, P::producer_msg(ProducerMsg(msg))).map_err(|msg| {
            P::unwrap_producer_msg(msg)
                .expect("the mailbox gives back the producer message it was given")
                .0
        })
    }
    fn pid(&self) -> Pid {
        self.server.pid(crate::DEFAULT_CALL_TIMEOUT)
    }
    fn id(&self) -> ServerId {
        self.server.shared.id
    }
}

/// A consumer server `C`, as a producer's sink.
pub(crate) struct ConsumerServer<C: GenServer> {
    pub(crate) server: Direct<C>,
}

impl<C: Consume> ConsumerSink<C::Event> for ConsumerServer<C> {
    fn send(&self, msg: ToConsumer<C::Event>) -> Result<(), ToConsumer<C::Event>> {
        send_protocol(&self.server, C::consumer_msg(ConsumerMsg(msg))).map_err(|msg| {
            C::unwrap_consumer_msg(msg)
                .expect("the mailbox gives back the consumer message it was given")
                .0
        })
    }
    fn pid(&self) -> Option<Pid> {
        Some(self.server.pid(crate::DEFAULT_CALL_TIMEOUT))
    }
}

/// Sends a server message through `server`'s mailbox as protocol mail.
pub(crate) fn send_protocol<S: GenServer>(server: &Direct<S>, msg: S::Msg) -> Result<(), S::Msg> {
    server
        .mailbox
        .send(Mail::Protocol(Box::new(msg)))
        .map_err(|mail| match mail {
            Mail::Protocol(msg) => *msg,
            _ => unreachable!("the mailbox gives back the mail it was given"),
        })
}

/// A `Cancelled` notice for the user's `#[cancel]` handler.
pub(crate) fn notice(
    sub: SubscriptionId,
    side: super::Side,
    kind: super::CancelKind,
    reason: ExitReason,
) -> Cancelled {
    Cancelled {
        subscription: sub,
        side,
        kind,
        reason,
    }
}
