//! A [`Stream`] that consumes a producer with demand: [`stream`] (GenStage's `stream/2`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::Stream;
use tokio::sync::mpsc;

use super::protocol::{ConsumerSink, Subscribe, ToConsumer, ToProducer};
use super::{Demand, ProducerOf, SubscribeError, Subscription, SubscriptionId};
use crate::process::Pid;
use crate::{ExitReason, ServerRef};

/// A stream of the events of a producer, consumed with demand (see [`stream`]).
///
/// It asks for `max` events when made and for more as it is read, in batches of `max - min`,
/// as a consumer server does: a stream read slowly slows its producer. It ends when the
/// producer exits or cancels the subscription ([`end_reason`](ConsumerStream::end_reason)
/// says why); dropped, it cancels the subscription. Its cancel mode plays no part: a stream
/// has no server to exit.
pub struct ConsumerStream<T: Send + 'static> {
    subscription: Subscription<T>,
    events: mpsc::UnboundedReceiver<ToConsumer<T>>,
    producer_exit: Pin<Box<dyn Future<Output = ExitReason> + Send>>,
    max: usize,
    min: usize,
    /// Asked for and not yet received.
    pending: usize,
    /// The batch being read.
    batch: std::vec::IntoIter<T>,
    /// What to ask for once `batch` has been read.
    ask: usize,
    /// What arrived and is not yet split into batches.
    rest: Vec<T>,
    ended: Option<ExitReason>,
}

/// Where the producer sends a stream's events.
struct Channel<T>(mpsc::UnboundedSender<ToConsumer<T>>);

impl<T: Send + 'static> ConsumerSink<T> for Channel<T> {
    fn send(&self, msg: ToConsumer<T>) -> Result<(), ToConsumer<T>> {
        self.0.send(msg).map_err(|error| error.0)
    }
    fn pid(&self) -> Option<Pid> {
        None
    }
}

/// A stream of the events of `producer`, consumed with `demand` (GenStage's `stream/2`): a
/// producer's events read by plain async code. A name handle is resolved now.
///
/// Fails if `demand` is not valid or the producer is not running; a producer that refuses
/// the subscription (a partition taken, say) ends the stream at once.
///
/// ```
/// use futures_util::StreamExt;
/// use genserver::prelude::*;
/// use genserver::stage::{self, Demand};
///
/// struct Counter { next: u64 }
///
/// #[genserver]
/// impl Counter {
///     #[produce]
///     fn demand(&mut self, demand: usize) -> Vec<u64> {
///         let events = (self.next..self.next + demand as u64).collect();
///         self.next += demand as u64;
///         events
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let counter = Counter::start(Counter { next: 0 }).await?;
/// let first: Vec<u64> = stage::stream(&counter, Demand::new().max(100))?.take(10).collect().await;
/// assert_eq!(first, (0..10).collect::<Vec<_>>());
/// # Ok(())
/// # }
/// ```
pub fn stream<P, E>(
    producer: &impl AsRef<ServerRef<P>>,
    demand: Demand,
) -> Result<ConsumerStream<E>, SubscribeError>
where
    P: ProducerOf<E>,
    E: Send + 'static,
{
    demand.validate()?;
    let producer = producer.as_ref();
    let pid = producer.pid();
    let server = pid
        .direct::<P>()
        .cloned()
        .ok_or(SubscribeError::ProducerNotRunning)?;
    let sink: Arc<dyn super::protocol::ProducerSink<E>> =
        Arc::new(super::protocol::ProducerServer::<P, E> {
            server,
            events: std::marker::PhantomData,
        });
    let subscription = Subscription {
        id: SubscriptionId::next(),
        producer: sink.clone(),
    };
    let (tx, events) = mpsc::unbounded_channel();
    let sent = sink.send(ToProducer::Subscribe(Box::new(Subscribe {
        subscription: subscription.clone(),
        consumer: Arc::new(Channel(tx)),
        demand: demand.clone(),
        reply: None,
    })));
    if sent.is_err() {
        return Err(SubscribeError::ProducerNotRunning);
    }
    let max = demand.max_demand();
    let _ = sink.send(ToProducer::Ask {
        sub: subscription.id,
        n: max,
    });
    Ok(ConsumerStream {
        subscription,
        events,
        producer_exit: Box::pin(pid.monitor()),
        max,
        min: demand.min_demand(),
        pending: max,
        batch: Vec::new().into_iter(),
        ask: 0,
        rest: Vec::new(),
        ended: None,
    })
}

impl<T: Send + 'static> ConsumerStream<T> {
    /// Why the stream ended, once it has: the producer's exit reason, or the reason its
    /// subscription was cancelled with.
    pub fn end_reason(&self) -> Option<&ExitReason> {
        self.ended.as_ref()
    }

    /// The subscription the stream reads.
    pub fn subscription(&self) -> &Subscription<T> {
        &self.subscription
    }

    /// Splits what arrived into the next batch (as a consumer server does).
    fn next_batch(&mut self) {
        let size = self.rest.len().min(self.max - self.min);
        let batch = if size == self.rest.len() {
            std::mem::take(&mut self.rest)
        } else {
            let rest = self.rest.split_off(size);
            std::mem::replace(&mut self.rest, rest)
        };
        self.pending = self.pending.saturating_sub(size);
        if self.pending <= self.min {
            self.ask = self.max - self.pending;
            self.pending = self.max;
        }
        self.batch = batch.into_iter();
    }

    /// Takes a message of the producer; `true` if the stream goes on.
    fn take(&mut self, msg: ToConsumer<T>) -> bool {
        match msg {
            ToConsumer::Events { events, .. } => {
                self.rest = events;
                true
            }
            ToConsumer::Cancelled { reason, .. } => {
                self.ended = Some(reason);
                false
            }
            _ => true,
        }
    }
}

impl<T: Send + 'static> Stream for ConsumerStream<T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.get_mut();
        loop {
            if let Some(event) = this.batch.next() {
                return Poll::Ready(Some(event));
            }
            if this.ask > 0 {
                let _ = this.subscription.ask(std::mem::take(&mut this.ask));
            }
            if !this.rest.is_empty() {
                this.next_batch();
                continue;
            }
            if this.ended.is_some() {
                return Poll::Ready(None);
            }
            match this.events.poll_recv(cx) {
                Poll::Ready(Some(msg)) => {
                    this.take(msg);
                    continue;
                }
                Poll::Ready(None) => {}
                Poll::Pending => {}
            }
            let Poll::Ready(reason) = this.producer_exit.as_mut().poll(cx) else {
                return Poll::Pending;
            };
            // Everything it sent before it exited is in the channel by now.
            match this.events.try_recv() {
                Ok(msg) => {
                    this.take(msg);
                }
                Err(_) => this.ended = Some(reason),
            }
        }
    }
}

impl<T: Send + 'static> Drop for ConsumerStream<T> {
    fn drop(&mut self) {
        if self.ended.is_none() {
            // The producer forgets the subscription (and sends nothing more).
            let _ = self.subscription.producer.send(ToProducer::Cancel {
                sub: self.subscription.id,
                reason: ExitReason::Normal,
            });
        }
    }
}

// Nothing in it is pinned: the producer's exit future is boxed.
impl<T: Send + 'static> Unpin for ConsumerStream<T> {}

impl<T: Send + 'static> fmt::Debug for ConsumerStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsumerStream")
            .field("subscription", &self.subscription)
            .field("pending", &self.pending)
            .field("ended", &self.ended)
            .finish()
    }
}
