//! A consumer's side of its subscriptions: subscribing, the demand it keeps and asks for,
//! the batches its events handler gets, what the end of a subscription does to it — and, for
//! a producer-consumer, the events it holds until its own consumers ask.

use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use super::producer::room_downstream;
use super::protocol::{
    ConsumerMsg, ConsumerServer, ConsumerSink, ProducerServer, ProducerSink, Subscribe,
    SubscribeTo, ToConsumer, ToProducer, notice,
};
use super::{
    Cancel, CancelKind, Cancelled, Consume, Demand, Produce, ProducerOf, Side, SubscribeError,
    Subscription, SubscriptionId,
};
use crate::process::{Down, MonitorRef, Pid};
use crate::{CallError, Context, ExitReason, ReplyTo, ServerId, ServerRef};

/// One subscription as its consumer keeps it.
struct Sub<E> {
    id: SubscriptionId,
    producer: Arc<dyn ProducerSink<E>>,
    cancel: Cancel,
    /// `None` with manual demand.
    auto: Option<Auto>,
    monitor: MonitorRef,
}

/// Automatic demand: GenStage's `{pending, min, max}`.
#[derive(Debug, Clone, Copy)]
struct Auto {
    max: usize,
    min: usize,
    /// Asked for and not yet received.
    pending: usize,
}

/// What a producer-consumer holds until its consumers ask.
enum Held<E> {
    Events {
        sub: SubscriptionId,
        events: Vec<E>,
    },
    /// A subscription that ended behind those events: it takes effect after them.
    Ended {
        cancelled: Cancelled,
        cancel: Cancel,
    },
}

/// The future of [`ServerRef::subscribe_to`]: resolves once the producer has accepted the
/// subscription (or with why it was not made).
pub type Subscribing<'a, E> =
    Pin<Box<dyn Future<Output = Result<Subscription<E>, SubscribeError>> + Send + 'a>>;

/// What to ask a producer for once a batch is handled.
type Ask<E> = Option<(Arc<dyn ProducerSink<E>>, usize)>;

/// A consumer's side of its subscriptions.
pub(crate) struct ConsumerSide<E> {
    subs: Vec<Sub<E>>,
    /// A producer-consumer's events waiting for demand from its own consumers.
    held: VecDeque<Held<E>>,
}

/// One subscription, as [`ConsumerStats`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionStats {
    /// The subscription.
    pub id: SubscriptionId,
    /// Its producer.
    pub producer: ServerId,
    /// Events asked for and not yet received (`None` with manual demand): never above `max`.
    pub pending: Option<usize>,
    /// Its `max` demand.
    pub max: usize,
    /// Its `min` demand.
    pub min: usize,
    /// Its cancel mode.
    pub cancel: Cancel,
}

/// What a consumer's side holds, as [`ServerRef::consumer_stats`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerStats {
    /// Its subscriptions.
    pub subscriptions: Vec<SubscriptionStats>,
    /// For a producer-consumer: events received and waiting for its consumers' demand.
    pub held: usize,
}

impl<E: Send + 'static> ConsumerSide<E> {
    fn new() -> Self {
        ConsumerSide {
            subs: Vec::new(),
            held: VecDeque::new(),
        }
    }

    fn find(&mut self, sub: SubscriptionId) -> Option<&mut Sub<E>> {
        self.subs.iter_mut().find(|s| s.id == sub)
    }

    fn remove(&mut self, sub: SubscriptionId) -> Option<Sub<E>> {
        let index = self.subs.iter().position(|s| s.id == sub)?;
        Some(self.subs.remove(index))
    }

    fn stats(&self) -> ConsumerStats {
        ConsumerStats {
            subscriptions: self
                .subs
                .iter()
                .map(|s| SubscriptionStats {
                    id: s.id,
                    producer: s.producer.id(),
                    pending: s.auto.map(|auto| auto.pending),
                    max: s.auto.map_or(0, |auto| auto.max),
                    min: s.auto.map_or(0, |auto| auto.min),
                    cancel: s.cancel,
                })
                .collect(),
            held: self
                .held
                .iter()
                .map(|held| match held {
                    Held::Events { events, .. } => events.len(),
                    Held::Ended { .. } => 0,
                })
                .sum(),
        }
    }

    /// The next batch of `events` for the events handler, and what to ask for once it is
    /// handled (GenStage's `split_batches`): with automatic demand, batches of at most
    /// `max - min`, and after each one that brings the outstanding demand to `min` or below,
    /// enough to be back at `max`.
    fn next_batch(&mut self, sub: SubscriptionId, events: &mut Vec<E>) -> (Vec<E>, Ask<E>) {
        let Some(entry) = self.find(sub) else {
            return (std::mem::take(events), None);
        };
        let Some(auto) = entry.auto.as_mut() else {
            return (std::mem::take(events), None);
        };
        let size = events.len().min(auto.max - auto.min);
        let batch = if size == events.len() {
            std::mem::take(events)
        } else {
            let rest = events.split_off(size);
            std::mem::replace(events, rest)
        };
        // More than asked for cannot come from a producer of this crate; if it does, the
        // demand is simply used up.
        auto.pending = auto.pending.saturating_sub(size);
        let ask = if auto.pending <= auto.min {
            let ask = auto.max - auto.pending;
            auto.pending = auto.max;
            Some((entry.producer.clone(), ask))
        } else {
            None
        };
        (batch, ask)
    }
}

/// The consumer side of the server of `ctx`, made on first use.
pub(crate) fn side<S: Consume>(ctx: &mut Context<S>) -> &mut ConsumerSide<S::Event> {
    ctx.roles
        .get_or_insert_with(Default::default)
        .consumer
        .get_or_insert_with(|| Box::new(ConsumerSide::<S::Event>::new()))
        .downcast_mut()
        .expect("a consumer's side holds the consumer's own event type")
}

/// The `Down` of a consumer's monitor of one of its producers, as the consumer's message.
fn producer_down<S: Consume>(down: Down) -> S::Msg {
    S::consumer_msg(ConsumerMsg(ToConsumer::Down(down)))
}

/// The sink of the producer behind `producer`; for a name no server holds, a sink of no
/// producer, which refuses everything.
fn producer_sink<P, E>(producer: &ServerRef<P>) -> Arc<dyn ProducerSink<E>>
where
    P: ProducerOf<E>,
    E: Send + 'static,
{
    let pid = producer.pid();
    match pid.direct::<P>() {
        Some(server) => Arc::new(ProducerServer::<P, E> {
            server: server.clone(),
            events: PhantomData,
        }),
        None => Arc::new(NoProducer),
    }
}

/// What a name held by no server resolves to.
struct NoProducer;

impl<E: Send + 'static> ProducerSink<E> for NoProducer {
    fn send(&self, msg: ToProducer<E>) -> Result<(), ToProducer<E>> {
        Err(msg)
    }
    fn pid(&self) -> Pid {
        Pid::no_process()
    }
    fn id(&self) -> ServerId {
        Pid::no_process().id()
    }
}

/// Subscribes the consumer of `ctx` to `producer`. The caller of `subscribe_to`, if any, is
/// answered by the producer once it has accepted the subscription (or here, if it cannot be
/// made).
fn subscribe<S: Consume>(
    ctx: &mut Context<S>,
    producer: Arc<dyn ProducerSink<S::Event>>,
    demand: Demand,
    reply: Option<ReplyTo<Result<Subscription<S::Event>, SubscribeError>>>,
) -> Result<Subscription<S::Event>, SubscribeError> {
    let refuse = |error: SubscribeError, reply: Option<ReplyTo<_>>| {
        if let Some(reply) = reply {
            reply.send(Err(error.clone()));
        }
        Err(error)
    };
    if let Err(error) = demand.validate() {
        return refuse(error, reply);
    }
    if producer.id() == ctx.id() {
        return refuse(SubscribeError::SelfSubscription, reply);
    }
    let subscription = Subscription {
        id: SubscriptionId::next(),
        producer: producer.clone(),
    };
    let sub = subscription.id;
    // Before the subscribe goes out: a producer that has exited gives its `Down` at once.
    let monitor = ctx.monitor_into(&producer.pid(), producer_down::<S>);
    let auto = (!demand.manual).then(|| Auto {
        max: demand.max,
        min: demand.min_demand(),
        pending: demand.max,
    });
    side(ctx).subs.push(Sub {
        id: sub,
        producer: producer.clone(),
        cancel: demand.cancel,
        auto,
        monitor,
    });
    let me: Arc<dyn ConsumerSink<S::Event>> = Arc::new(ConsumerServer {
        server: ctx.direct().clone(),
    });
    let subscribed = producer.send(ToProducer::Subscribe(Box::new(Subscribe {
        subscription: subscription.clone(),
        consumer: me,
        demand: demand.clone(),
        reply,
    })));
    if let Err(ToProducer::Subscribe(subscribe)) = subscribed {
        // The producer has exited: there was no producer to subscribe to (OTP's `noproc`).
        side(ctx).remove(sub);
        ctx.demonitor(monitor);
        if demand.cancel.exits_on(&ExitReason::NoProc) {
            ctx.stop(ExitReason::NoProc);
        }
        return refuse(SubscribeError::ProducerNotRunning, subscribe.reply);
    }
    if let Some(auto) = auto {
        // GenStage's consumer asks at once, before the producer has confirmed. If the
        // producer has exited meanwhile, its `Down` is on its way.
        let _ = producer.send(ToProducer::Ask {
            sub,
            n: auto.pending,
        });
    }
    Ok(subscription)
}

impl<C: Consume> ServerRef<C> {
    /// Subscribes this consumer to `producer` (GenStage's `sync_subscribe/2`): returns once
    /// the producer has accepted the subscription. The consumer then asks for `demand`'s `max`
    /// events (unless its demand is [manual](Demand::manual)) and its events handler gets them
    /// in batches.
    ///
    /// The producer must produce the events this consumer consumes: a consumer of `String`s
    /// subscribed to a producer of `u64`s does not compile. A name handle is resolved now.
    ///
    /// If the producer is not running, the result is
    /// [`ProducerNotRunning`](SubscribeError::ProducerNotRunning), and a consumer whose
    /// subscription was permanent or transient exits with [`ExitReason::NoProc`], as
    /// GenStage's does.
    pub fn subscribe_to<P>(
        &self,
        producer: &impl AsRef<ServerRef<P>>,
        demand: Demand,
    ) -> Subscribing<'_, C::Event>
    where
        P: ProducerOf<C::Event>,
    {
        // Boxed, so that the future's type does not name the producer's: a producer of the
        // wrong events is reported once, here, not again where the future is awaited.
        Box::pin(self.subscribe_through(producer_sink::<P, C::Event>(producer.as_ref()), demand))
    }

    async fn subscribe_through(
        &self,
        producer: Arc<dyn ProducerSink<C::Event>>,
        demand: Demand,
    ) -> Result<Subscription<C::Event>, SubscribeError> {
        let result = self
            .call(|reply| {
                C::consumer_msg(ConsumerMsg(ToConsumer::SubscribeTo(Box::new(
                    SubscribeTo {
                        producer,
                        demand,
                        reply: ReplyTo::from(reply),
                    },
                ))))
            })
            .await;
        match result {
            Ok(result) => result,
            // Dropped unanswered: by a producer that exited before it took the subscription.
            Err(CallError::NoReply) => Err(SubscribeError::ProducerNotRunning),
            Err(error) => Err(SubscribeError::Consumer(error)),
        }
    }

    /// This consumer's subscriptions and the demand of each.
    pub async fn consumer_stats(&self) -> Result<ConsumerStats, CallError> {
        self.call(|reply| C::consumer_msg(ConsumerMsg(ToConsumer::Stats(ReplyTo::from(reply)))))
            .await
    }
}

impl<C: Consume> Context<C> {
    /// Subscribes this consumer to `producer`, from one of its own handlers or its `#[init]`
    /// (GenStage's `subscribe_to` init option): a consumer restarted by its supervisor
    /// subscribes again. Returns once the request is sent; the producer's answer comes later
    /// (a refusal ends the subscription, without an exit). A producer that is not running
    /// gives [`ProducerNotRunning`](SubscribeError::ProducerNotRunning), and then a
    /// permanent or transient subscription makes this consumer exit with
    /// [`ExitReason::NoProc`] after the current handler.
    pub fn subscribe_to<P>(
        &mut self,
        producer: &impl AsRef<ServerRef<P>>,
        demand: Demand,
    ) -> Result<Subscription<C::Event>, SubscribeError>
    where
        P: ProducerOf<C::Event>,
    {
        subscribe(
            self,
            producer_sink::<P, C::Event>(producer.as_ref()),
            demand,
            None,
        )
    }
}

/// Handles a protocol message of a consumer: generated code calls it for the consumer's
/// hidden message variant.
#[doc(hidden)]
pub async fn handle_consumer<S: Consume>(
    state: &mut S,
    msg: ConsumerMsg<S::Event>,
    ctx: &mut Context<S>,
) {
    match msg.0 {
        ToConsumer::Events { sub, events } => {
            if S::RELAY {
                side(ctx).held.push_back(Held::Events { sub, events });
                S::relay(state, ctx).await;
            } else {
                handle_events(state, sub, events, ctx).await;
            }
        }
        ToConsumer::Cancelled {
            sub,
            reason,
            refused,
        } => ended(state, sub, reason, CancelKind::Cancelled, refused, ctx).await,
        ToConsumer::Down(down) => {
            let sub = side(ctx)
                .subs
                .iter()
                .find(|s| s.monitor == down.monitor)
                .map(|s| s.id);
            if let Some(sub) = sub {
                ended(state, sub, down.reason, CancelKind::Exited, false, ctx).await;
            }
        }
        ToConsumer::SubscribeTo(request) => {
            let SubscribeTo {
                producer,
                demand,
                reply,
            } = *request;
            // The caller learns the result through `reply`.
            let _ = subscribe(ctx, producer, demand, Some(reply));
        }
        ToConsumer::Stats(reply) => reply.send(side(ctx).stats()),
    }
}

/// Hands `events` to the events handler, batch by batch, asking for more after each batch
/// that calls for it.
async fn handle_events<S: Consume>(
    state: &mut S,
    sub: SubscriptionId,
    mut events: Vec<S::Event>,
    ctx: &mut Context<S>,
) {
    loop {
        let (batch, ask) = side(ctx).next_batch(sub, &mut events);
        S::consume(state, batch, ctx).await;
        if let Some((producer, n)) = ask {
            // A producer that has exited: its `Down` is on its way.
            let _ = producer.send(ToProducer::Ask { sub, n });
        }
        if events.is_empty() || ctx.stopping() {
            return;
        }
    }
}

/// A subscription has ended: the consumer forgets it, its `#[cancel]` handler is told, and a
/// permanent (or, for an abnormal reason, transient) subscription makes it exit.
async fn ended<S: Consume>(
    state: &mut S,
    sub: SubscriptionId,
    reason: ExitReason,
    kind: CancelKind,
    refused: bool,
    ctx: &mut Context<S>,
) {
    let Some(entry) = side(ctx).remove(sub) else {
        return;
    };
    ctx.demonitor(entry.monitor);
    if refused {
        return;
    }
    let cancelled = notice(sub, Side::Consumer, kind, reason);
    let side = side(ctx);
    if S::RELAY && !side.held.is_empty() {
        // Behind the events it sent: those are handled first (GenStage's "queued events with
        // lost producer").
        side.held.push_back(Held::Ended {
            cancelled,
            cancel: entry.cancel,
        });
        return;
    }
    take_effect(state, cancelled, entry.cancel, ctx).await;
}

async fn take_effect<S: Consume>(
    state: &mut S,
    cancelled: Cancelled,
    cancel: Cancel,
    ctx: &mut Context<S>,
) {
    let exits = cancel
        .exits_on(&cancelled.reason)
        .then(|| cancelled.reason.clone());
    S::cancelled(state, cancelled, ctx).await;
    if let Some(reason) = exits {
        ctx.stop(reason);
    }
}

/// A producer-consumer's relay: hands what it holds to its events handler, which emits, while
/// its own consumers have demand. Generated code calls it as the producer-consumer's demand
/// handler and after it receives events.
#[doc(hidden)]
pub async fn relay<S: Produce + Consume>(state: &mut S, ctx: &mut Context<S>) {
    while !ctx.stopping() && room_downstream(ctx) > 0 {
        let Some(held) = side(ctx).held.pop_front() else {
            return;
        };
        match held {
            Held::Events { sub, events } => handle_events(state, sub, events, ctx).await,
            Held::Ended { cancelled, cancel } => take_effect(state, cancelled, cancel, ctx).await,
        }
    }
}
