//! A producer's side of its subscriptions: its consumers' demand (through its dispatcher), its
//! buffer, its demand mode, and when its demand handler is called.
//!
//! # Demand is never lost
//!
//! The producer side counts the demand its demand handler was given and has not yet met with
//! events (`owed`). Every event emitted, from the demand handler or from any other handler
//! with [`Context::emit`], meets some of it. After every change (a consumer asks, subscribes,
//! goes; events are emitted; the mode changes) the buffer is offered to the consumers first,
//! and the demand handler is asked only for the consumers' open demand beyond what it already
//! owes. So a demand handler that returns fewer events than asked, even none, can emit the
//! rest later (GenStage issue #214); the demand of a consumer that goes away stays owed, and
//! the next consumer's demand is met by what the producer emits (or had buffered) before it is
//! asked again (#311); and no demand is asked twice.

use super::buffer::{Buffer, BufferKeep, DEFAULT_BUFFER_SIZE};
use super::dispatcher::{ConsumerDemand, Dispatch, Dispatcher, Outcome};
use super::protocol::{ProducerMsg, Subscribe, ToConsumer, ToProducer, notice};
use super::{CancelKind, Produce, Side, SubscriptionId};
use crate::process::{Down, MonitorRef};
use crate::server::roles::Roles;
use crate::{CallError, CastError, Context, ExitReason, Options, ServerRef};

/// Whether a producer's demand handler is called (GenStage's `:demand` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DemandMode {
    /// Demand goes to the demand handler and events to the consumers as they come (the
    /// default).
    #[default]
    Forward,
    /// Demand is kept and events are buffered until the mode is set to `Forward`: to hold a
    /// producer until all its consumers have subscribed.
    Accumulate,
}

/// What a producer's side holds, as [`ServerRef::producer_stats`] reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProducerStats {
    /// Events in the buffer, waiting for demand.
    pub buffered: usize,
    /// Events the full buffer dropped since the producer started.
    pub dropped: u64,
    /// Events emitted since the producer started.
    pub emitted: u64,
    /// Each consumer: how many events it may still be sent, and how many it was sent.
    pub demand: Vec<ConsumerDemand>,
    /// How many events the dispatcher can send now (with the demand dispatcher, the sum of
    /// the open demands; with broadcast, the least).
    pub capacity: usize,
    /// Demand given to the demand handler and not yet met by emitted events.
    pub owed: usize,
    /// The demand mode.
    pub mode: DemandMode,
    /// `"demand"`, `"broadcast"` or `"partition"`.
    pub dispatcher: &'static str,
}

/// A producer's side of its subscriptions.
pub(crate) struct ProducerSide<E> {
    dispatch: Dispatch<E>,
    buffer: Buffer<E>,
    mode: DemandMode,
    /// A producer-consumer: it has no demand handler to owe anything.
    relay: bool,
    /// Demand given to the demand handler and not yet met.
    owed: usize,
    emitted: u64,
    /// The subscriptions of this producer, each with its monitor of the consumer (none for a
    /// stream, which cancels when dropped).
    subscriptions: Vec<(SubscriptionId, Option<MonitorRef>)>,
}

impl<E: Send + 'static> ProducerSide<E> {
    fn new(relay: bool) -> Self {
        ProducerSide {
            dispatch: Dispatch::new(Dispatcher::demand()),
            // GenStage's defaults: 10,000 for a producer, unbounded for a producer-consumer
            // (what it holds is bounded by the demand it asked for).
            buffer: Buffer::new((!relay).then_some(DEFAULT_BUFFER_SIZE), BufferKeep::Last),
            mode: DemandMode::Forward,
            relay,
            owed: 0,
            emitted: 0,
            subscriptions: Vec::new(),
        }
    }

    fn stats(&self) -> ProducerStats {
        ProducerStats {
            buffered: self.buffer.len(),
            dropped: self.buffer.dropped(),
            emitted: self.emitted,
            demand: self.dispatch.demands(),
            capacity: self.dispatch.capacity(),
            owed: self.owed,
            mode: self.mode,
            dispatcher: self.dispatch.name(),
        }
    }

    /// Offers the buffer to the consumers and returns how many new events to ask the demand
    /// handler for (for a producer-consumer: how many its consumers can take now).
    fn settle(&mut self, outcome: &mut Outcome) -> usize {
        if self.mode == DemandMode::Accumulate {
            return 0;
        }
        self.dispatch.dispatch_buffer(&mut self.buffer, outcome);
        let capacity = self.dispatch.capacity();
        if self.relay {
            return capacity;
        }
        let want = capacity.saturating_sub(self.owed);
        self.owed += want;
        want
    }

    /// Sends `events` to the consumers that asked for them; buffers the rest.
    fn emit(&mut self, events: Vec<E>, outcome: &mut Outcome) {
        if events.is_empty() {
            return;
        }
        if !self.relay {
            self.owed = self.owed.saturating_sub(events.len());
        }
        self.emitted += events.len() as u64;
        if self.mode == DemandMode::Accumulate {
            self.store(events);
        } else if self.buffer.is_empty() {
            let rest = self.dispatch.dispatch(events, outcome);
            self.store(rest);
        } else {
            // Behind what is buffered, to keep the order.
            self.store(events);
            self.dispatch.dispatch_buffer(&mut self.buffer, outcome);
        }
    }

    fn store(&mut self, events: Vec<E>) {
        if events.is_empty() {
            return;
        }
        let dropped = self.buffer.push(events);
        if dropped > 0 {
            #[cfg(feature = "tracing")]
            tracing::warn!(
                target: "genserver",
                dropped,
                buffered = self.buffer.len(),
                "a producer's buffer is full: it dropped {dropped} events",
            );
        }
    }

    /// Events in the buffer.
    pub(crate) fn buffered(&self) -> usize {
        self.buffer.len()
    }

    fn forget(&mut self, sub: SubscriptionId) -> Option<Option<MonitorRef>> {
        let index = self.subscriptions.iter().position(|(s, _)| *s == sub)?;
        Some(self.subscriptions.remove(index).1)
    }
}

/// The producer side of the server of `ctx`, made with the defaults on first use.
pub(crate) fn side<S: Produce>(ctx: &mut Context<S>) -> &mut ProducerSide<S::Event> {
    side_in(ctx.roles.get_or_insert_with(Default::default), S::RELAY)
}

fn side_in<E: Send + 'static>(roles: &mut Roles, relay: bool) -> &mut ProducerSide<E> {
    roles
        .producer
        .get_or_insert_with(|| Box::new(ProducerSide::<E>::new(relay)))
        .downcast_mut()
        .expect("a producer's side holds the producer's own event type")
}

/// What a dispatch found: consumers found gone are forgotten by the dispatcher (their
/// monitor's `Down` or their stream's cancel does the rest); a fault stops the producer.
fn settle_outcome<S: Produce>(outcome: Outcome, ctx: &mut Context<S>) {
    if let Some(fault) = outcome.fault {
        ctx.stop(ExitReason::Error(fault));
    }
}

impl<S: Produce> Context<S> {
    /// Hands events to the producer's consumers (GenStage's `{:noreply, events, state}`),
    /// from any handler: a cast that enqueues a job, a timer, an info from a socket. What the
    /// consumers have not asked for waits in the buffer, in order, and goes out as they ask;
    /// a full buffer drops events as its [`BufferKeep`] says, and counts them
    /// ([`ProducerStats::dropped`]).
    ///
    /// Events emitted meet demand the demand handler was given and did not meet, so a demand
    /// handler may return fewer events than asked, even none, and emit the rest later.
    pub fn emit(&mut self, events: Vec<S::Event>) {
        let mut outcome = Outcome::default();
        side(self).emit(events, &mut outcome);
        settle_outcome(outcome, self);
    }
}

impl<S: Produce> Options<S> {
    fn producer_side(&mut self) -> &mut ProducerSide<S::Event> {
        side_in(self.roles.get_or_insert_with(Default::default), S::RELAY)
    }

    /// The producer's dispatcher (default [`Dispatcher::demand`]).
    pub fn dispatcher(mut self, dispatcher: Dispatcher<S::Event>) -> Self {
        self.producer_side().dispatch = Dispatch::new(dispatcher);
        self
    }

    /// The most events the producer buffers while its consumers have no demand (GenStage's
    /// `buffer_size`; default 10,000, unbounded for a producer-consumer).
    pub fn buffer_size(mut self, size: usize) -> Self {
        self.producer_side().buffer.set_size(Some(size));
        self
    }

    /// No bound on the buffer (GenStage's `buffer_size: :infinity`).
    pub fn unbounded_buffer(mut self) -> Self {
        self.producer_side().buffer.set_size(None);
        self
    }

    /// Which events a full buffer keeps (default [`BufferKeep::Last`]).
    pub fn buffer_keep(mut self, keep: BufferKeep) -> Self {
        self.producer_side().buffer.set_keep(keep);
        self
    }

    /// The demand mode the producer starts in (default [`DemandMode::Forward`]).
    pub fn demand_mode(mut self, mode: DemandMode) -> Self {
        self.producer_side().mode = mode;
        self
    }
}

impl<S: Produce> ServerRef<S> {
    /// Sets the producer's demand mode (GenStage's `demand/2`): with
    /// [`Accumulate`](DemandMode::Accumulate) demand is kept and events are buffered; back to
    /// [`Forward`](DemandMode::Forward), the buffer goes out and the demand handler is asked
    /// for the demand kept. Never refused by a bounded mailbox.
    pub fn set_demand_mode(&self, mode: DemandMode) -> Result<(), CastError> {
        self.send_protocol(ToProducer::SetMode(mode))
    }

    /// The producer's demand mode (GenStage's `demand/1`).
    pub async fn demand_mode(&self) -> Result<DemandMode, CallError> {
        self.call(|reply| {
            S::producer_msg(ProducerMsg(ToProducer::Mode(crate::ReplyTo::from(reply))))
        })
        .await
    }

    /// What the producer's side holds: buffer, open demand, dropped events (GenStage's
    /// `estimate_buffered_count/1`, and more).
    pub async fn producer_stats(&self) -> Result<ProducerStats, CallError> {
        self.call(|reply| {
            S::producer_msg(ProducerMsg(ToProducer::Stats(crate::ReplyTo::from(reply))))
        })
        .await
    }

    fn send_protocol(&self, msg: ToProducer<S::Event>) -> Result<(), CastError> {
        let pid = self.pid();
        let server = pid.direct::<S>().ok_or(CastError::NotRunning)?;
        super::protocol::send_protocol(server, S::producer_msg(ProducerMsg(msg)))
            .map_err(|_| CastError::NotRunning)
    }
}

/// The `Down` of a producer's monitor of one of its consumers, as the producer's message.
fn consumer_down<S: Produce>(down: Down) -> S::Msg {
    S::producer_msg(ProducerMsg(ToProducer::Down(down)))
}

/// Handles a protocol message of a producer: generated code calls it for the producer's
/// hidden message variant.
#[doc(hidden)]
pub async fn handle_producer<S: Produce>(
    state: &mut S,
    msg: ProducerMsg<S::Event>,
    ctx: &mut Context<S>,
) {
    match msg.0 {
        ToProducer::Subscribe(subscribe) => {
            if self::subscribe(*subscribe, ctx) {
                pump(state, ctx).await;
            }
        }
        ToProducer::Ask { sub, n } => {
            // An unknown subscription was cancelled meanwhile: its consumer knows.
            if side(ctx).dispatch.ask(sub, n) {
                pump(state, ctx).await;
            }
        }
        ToProducer::Cancel { sub, reason } => {
            let Some(monitor) = side(ctx).forget(sub) else {
                return;
            };
            if let Some(monitor) = monitor {
                ctx.demonitor(monitor);
            }
            if let Some(consumer) = side(ctx).dispatch.cancel(sub) {
                let _ = consumer.sink.send(ToConsumer::Cancelled {
                    sub,
                    reason: reason.clone(),
                    refused: false,
                });
            }
            let cancelled = notice(sub, Side::Producer, CancelKind::Cancelled, reason);
            S::cancelled(state, cancelled, ctx).await;
            pump(state, ctx).await;
        }
        ToProducer::Down(down) => {
            let side = side(ctx);
            let Some(sub) = side
                .subscriptions
                .iter()
                .find(|(_, monitor)| *monitor == Some(down.monitor))
                .map(|(sub, _)| *sub)
            else {
                return;
            };
            side.forget(sub);
            side.dispatch.cancel(sub);
            let cancelled = notice(sub, Side::Producer, CancelKind::Exited, down.reason);
            S::cancelled(state, cancelled, ctx).await;
            pump(state, ctx).await;
        }
        ToProducer::SetMode(mode) => {
            side(ctx).mode = mode;
            pump(state, ctx).await;
        }
        ToProducer::Mode(reply) => reply.send(side(ctx).mode),
        ToProducer::Stats(reply) => reply.send(side(ctx).stats()),
    }
}

/// A consumer subscribes: `true` if accepted. The caller of `subscribe_to` is answered here.
fn subscribe<S: Produce>(subscribe: Subscribe<S::Event>, ctx: &mut Context<S>) -> bool {
    let Subscribe {
        subscription,
        consumer,
        demand,
        reply,
    } = subscribe;
    let sub = subscription.id;
    if let Err(error) = side(ctx).dispatch.subscribe(sub, consumer.clone(), &demand) {
        // The consumer forgets the subscription without exiting: nothing ever ran.
        let _ = consumer.send(ToConsumer::Cancelled {
            sub,
            reason: ExitReason::error(&error),
            refused: true,
        });
        if let Some(reply) = reply {
            reply.send(Err(error));
        }
        return false;
    }
    let monitor = consumer
        .pid()
        .map(|pid| ctx.monitor_into(&pid, consumer_down::<S>));
    side(ctx).subscriptions.push((sub, monitor));
    if let Some(reply) = reply {
        reply.send(Ok(subscription));
    }
    true
}

/// Offers the buffer to the consumers, then asks the demand handler for what is still
/// wanted, and emits what it returns.
async fn pump<S: Produce>(state: &mut S, ctx: &mut Context<S>) {
    let mut outcome = Outcome::default();
    let want = side(ctx).settle(&mut outcome);
    settle_outcome(outcome, ctx);
    if want == 0 || ctx.stopping() {
        return;
    }
    let events = S::produce(state, want, ctx).await;
    ctx.emit(events);
}

/// How many events a producer-consumer's consumers can take now, after its buffer was offered
/// to them.
pub(crate) fn room_downstream<S: Produce>(ctx: &mut Context<S>) -> usize {
    let mut outcome = Outcome::default();
    let side = side(ctx);
    let room = if side.mode == DemandMode::Accumulate {
        0
    } else {
        side.dispatch
            .dispatch_buffer(&mut side.buffer, &mut outcome);
        side.dispatch.capacity()
    };
    settle_outcome(outcome, ctx);
    room
}
