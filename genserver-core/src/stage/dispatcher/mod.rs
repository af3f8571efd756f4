//! How a producer shares its events among its consumers (GenStage's dispatchers), chosen when
//! it starts with [`Options::dispatcher`](crate::Options::dispatcher):
//!
//! - [`demand`]: each batch to the consumer with the most demand (the default);
//! - [`broadcast`]: every event to every consumer, as fast as the slowest asks;
//! - [`partition`]: each event to the consumer of its partition, chosen by a hash.
//!
//! A dispatcher keeps each consumer's open demand and never sends a consumer more than that.
//! What it cannot place stays in the producer's buffer, in order.

use std::fmt;
use std::sync::Arc;

use super::buffer::Buffer;
use super::protocol::ConsumerSink;
use super::{Demand, SubscribeError, SubscriptionId};

mod broadcast;
mod demand;
mod partition;

use broadcast::BroadcastDispatcher;
use demand::DemandDispatcher;
use partition::PartitionDispatcher;

/// The dispatcher of a producer of `E`s: [`demand`](Dispatcher::demand) (the default),
/// [`broadcast`](Dispatcher::broadcast) or [`partition`](Dispatcher::partition).
///
/// ```
/// use genserver_core::stage::Dispatcher;
///
/// let by_parity = Dispatcher::<u64>::partition(2, |n| Some((n % 2) as usize));
/// let everyone = Dispatcher::<String>::broadcast();
/// # let _ = (by_parity, everyone);
/// ```
pub struct Dispatcher<E>(pub(crate) Kind<E>);

pub(crate) enum Kind<E> {
    Demand,
    Broadcast(fn(&[E]) -> Vec<E>),
    Partition(usize, Hash<E>),
}

/// The hash of a partition dispatcher: an event's partition, or `None` to drop it.
pub(crate) type Hash<E> = Arc<dyn Fn(&E) -> Option<usize> + Send + Sync>;

impl<E> Default for Dispatcher<E> {
    fn default() -> Self {
        Dispatcher::demand()
    }
}

impl<E> fmt::Debug for Dispatcher<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Demand => f.write_str("Dispatcher::demand()"),
            Kind::Broadcast(_) => f.write_str("Dispatcher::broadcast()"),
            Kind::Partition(n, _) => write!(f, "Dispatcher::partition({n}, ..)"),
        }
    }
}

impl<E> Dispatcher<E> {
    /// GenStage's `DemandDispatcher`: each batch goes to the consumer with the most open
    /// demand (the first subscribed among equals), the rest to the next. Consumers should have
    /// the same `max`, or the greedy one gets more.
    pub fn demand() -> Self {
        Dispatcher(Kind::Demand)
    }

    /// GenStage's `BroadcastDispatcher`: every consumer gets every event. Events go out when
    /// every consumer has asked for them, so the producer runs at the pace of the slowest
    /// consumer. A consumer subscribes once; a second subscription of the same consumer is
    /// refused ([`SubscribeError::AlreadySubscribed`]).
    pub fn broadcast() -> Self
    where
        E: Clone,
    {
        Dispatcher(Kind::Broadcast(<[E]>::to_vec))
    }

    /// GenStage's `PartitionDispatcher`: `partitions` partitions, numbered from 0, each
    /// consumed by one consumer that subscribes with
    /// [`Demand::partition`](super::Demand::partition). `hash` gives each event's partition,
    /// or `None` to drop the event. The producer is asked for the demand of all partitions
    /// together, so events of a partition whose consumer does not keep up wait in the
    /// producer's buffer (its size bounds them); events are evenly spread for this to work
    /// well. A hash that gives a partition out of range stops the producer with an error.
    pub fn partition(
        partitions: usize,
        hash: impl Fn(&E) -> Option<usize> + Send + Sync + 'static,
    ) -> Self {
        Dispatcher(Kind::Partition(partitions, Arc::new(hash)))
    }
}

/// One consumer of a dispatcher.
pub(crate) struct Consumer<E> {
    pub(crate) sub: SubscriptionId,
    pub(crate) sink: Arc<dyn ConsumerSink<E>>,
    /// Events asked for and not yet sent.
    pub(crate) demand: usize,
    /// Events sent since it subscribed.
    pub(crate) sent: u64,
}

/// Sends `events` to `consumer`; gives them back if it is gone.
pub(crate) fn send<E: Send + 'static>(
    consumer: &mut Consumer<E>,
    events: Vec<E>,
) -> Result<(), Vec<E>> {
    use super::protocol::ToConsumer;
    let count = events.len() as u64;
    consumer
        .sink
        .send(ToConsumer::Events {
            sub: consumer.sub,
            events,
        })
        .map_err(|msg| match msg {
            ToConsumer::Events { events, .. } => events,
            _ => Vec::new(),
        })?;
    consumer.sent += count;
    Ok(())
}

/// One consumer of a producer, as [`ProducerStats`](super::ProducerStats) reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerDemand {
    /// The subscription.
    pub subscription: SubscriptionId,
    /// Events it asked for and was not sent yet.
    pub open: usize,
    /// Events it was sent since it subscribed.
    pub sent: u64,
}

/// What a dispatch found wrong.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Consumers found gone (their mailbox closed): the producer forgets them.
    pub(crate) gone: Vec<SubscriptionId>,
    /// A fault of the user's configuration that stops the producer (a partition out of range).
    pub(crate) fault: Option<String>,
}

/// A dispatcher at work.
pub(crate) enum Dispatch<E> {
    Demand(DemandDispatcher<E>),
    Broadcast(BroadcastDispatcher<E>),
    Partition(PartitionDispatcher<E>),
}

macro_rules! each {
    ($self:ident, $d:ident => $body:expr) => {
        match $self {
            Dispatch::Demand($d) => $body,
            Dispatch::Broadcast($d) => $body,
            Dispatch::Partition($d) => $body,
        }
    };
}

impl<E: Send + 'static> Dispatch<E> {
    pub(crate) fn new(dispatcher: Dispatcher<E>) -> Self {
        match dispatcher.0 {
            Kind::Demand => Dispatch::Demand(DemandDispatcher::default()),
            Kind::Broadcast(clone) => Dispatch::Broadcast(BroadcastDispatcher::new(clone)),
            Kind::Partition(n, hash) => Dispatch::Partition(PartitionDispatcher::new(n, hash)),
        }
    }

    /// The dispatcher's name, for stats.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Dispatch::Demand(_) => "demand",
            Dispatch::Broadcast(_) => "broadcast",
            Dispatch::Partition(_) => "partition",
        }
    }

    /// A new consumer, with no demand yet.
    pub(crate) fn subscribe(
        &mut self,
        sub: SubscriptionId,
        sink: Arc<dyn ConsumerSink<E>>,
        demand: &Demand,
    ) -> Result<(), SubscribeError> {
        let consumer = Consumer {
            sub,
            sink,
            demand: 0,
            sent: 0,
        };
        match self {
            Dispatch::Partition(d) => d.subscribe(consumer, demand.partition),
            _ if demand.partition.is_some() => Err(SubscribeError::NotPartitioned),
            Dispatch::Demand(d) => {
                d.subscribe(consumer);
                Ok(())
            }
            Dispatch::Broadcast(d) => d.subscribe(consumer),
        }
    }

    /// Forgets a consumer, and gives it back if it was known.
    pub(crate) fn cancel(&mut self, sub: SubscriptionId) -> Option<Consumer<E>> {
        each!(self, d => d.cancel(sub))
    }

    /// A consumer's demand grows by `n`; `false` if it is not known.
    pub(crate) fn ask(&mut self, sub: SubscriptionId, n: usize) -> bool {
        each!(self, d => d.ask(sub, n))
    }

    /// How many more events the consumers can take now.
    pub(crate) fn capacity(&self) -> usize {
        each!(self, d => d.capacity())
    }

    /// The open demand of each consumer, and what it was sent.
    pub(crate) fn demands(&self) -> Vec<ConsumerDemand> {
        each!(self, d => d
            .consumers()
            .map(|c| ConsumerDemand {
                subscription: c.sub,
                open: c.demand,
                sent: c.sent,
            })
            .collect())
    }

    /// Sends what it can of `events` (in order); returns the rest.
    pub(crate) fn dispatch(&mut self, events: Vec<E>, outcome: &mut Outcome) -> Vec<E> {
        each!(self, d => d.dispatch(events, outcome))
    }

    /// Sends what it can of the buffered events, which stay in order.
    pub(crate) fn dispatch_buffer(&mut self, buffer: &mut Buffer<E>, outcome: &mut Outcome) {
        if buffer.is_empty() || self.capacity() == 0 {
            return;
        }
        match self {
            Dispatch::Partition(d) => d.dispatch_buffer(buffer, outcome),
            _ => {
                let events = buffer.take(self.capacity());
                let rest = self.dispatch(events, outcome);
                buffer.push_front(rest);
            }
        }
    }
}
