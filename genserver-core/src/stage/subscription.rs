//! A subscription and its demand: what a consumer asks of a producer ([`Demand`]), what
//! happens to the consumer when the subscription ends ([`Cancel`]), the handle of a running
//! subscription ([`Subscription`]) and the notice that it ended ([`Cancelled`]).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::protocol::{ProducerSink, ToProducer};
use crate::{CastError, ExitReason, ServerId};

/// GenStage's default `max_demand`.
pub const DEFAULT_MAX_DEMAND: usize = 1000;

/// The identity of one subscription, unique for the life of the program.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(u64);

impl SubscriptionId {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        SubscriptionId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The number behind the id.
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Sub<{}>", self.0)
    }
}

impl fmt::Debug for SubscriptionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What becomes of a consumer when its subscription ends, because the producer exited or
/// the subscription was cancelled (GenStage's `:cancel` option).
///
/// The consumer exits with the reason the subscription ended with: the producer's exit
/// reason, or the reason given to [`Subscription::cancel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Cancel {
    /// The consumer exits whatever the reason (the default).
    #[default]
    Permanent,
    /// The consumer exits only if the reason is abnormal (not
    /// [`Normal`](ExitReason::Normal) or [`Shutdown`](ExitReason::Shutdown)).
    Transient,
    /// The consumer never exits because of this subscription.
    Temporary,
}

impl Cancel {
    /// Whether a subscription with this mode ending with `reason` makes its consumer exit.
    pub fn exits_on(self, reason: &ExitReason) -> bool {
        match self {
            Cancel::Permanent => true,
            Cancel::Transient => !reason.is_normal(),
            Cancel::Temporary => false,
        }
    }
}

/// The demand of a subscription: how many events a consumer may have asked for and not yet
/// received or handled (`max`, GenStage's `max_demand`, default 1000), and how low that may
/// fall before it asks for more (`min`, default three quarters of `max`: 750).
///
/// A consumer asks for `max` events when it subscribes. It handles what arrives in batches of
/// at most `max - min` events, and after each batch that brings its outstanding demand down
/// to `min` or below it asks for enough to be back at `max`. So it never holds more than
/// `max` events it has not handled, and a slow consumer slows its producer.
///
/// ```
/// use genserver_core::stage::{Cancel, Demand};
///
/// let demand = Demand::new().max(100).min(50).cancel(Cancel::Transient);
/// assert_eq!((demand.max_demand(), demand.min_demand()), (100, 50));
/// assert_eq!(Demand::default().min_demand(), 750);
/// assert_eq!(Demand::new().max(10).min_demand(), 7);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub(crate) max: usize,
    pub(crate) min: Option<usize>,
    pub(crate) cancel: Cancel,
    pub(crate) manual: bool,
    pub(crate) partition: Option<usize>,
}

impl Default for Demand {
    fn default() -> Self {
        Demand {
            max: DEFAULT_MAX_DEMAND,
            min: None,
            cancel: Cancel::Permanent,
            manual: false,
            partition: None,
        }
    }
}

impl Demand {
    /// GenStage's defaults: `max` 1000, `min` 750, permanent, automatic.
    pub fn new() -> Self {
        Self::default()
    }

    /// The most events the consumer may have asked for and not handled (at least 1).
    pub fn max(mut self, max: usize) -> Self {
        self.max = max;
        self
    }

    /// The outstanding demand at or below which the consumer asks for more (less than `max`).
    /// Without it, three quarters of `max`, rounded down.
    pub fn min(mut self, min: usize) -> Self {
        self.min = Some(min);
        self
    }

    /// What the consumer does when the subscription ends (default [`Cancel::Permanent`]).
    pub fn cancel(mut self, cancel: Cancel) -> Self {
        self.cancel = cancel;
        self
    }

    /// Manual demand (GenStage's `{:manual, state}`): the consumer asks for nothing by itself,
    /// not even when it subscribes; it asks with [`Subscription::ask`] when it decides, and
    /// keeps within its own limits. Each message of events is handled whole.
    pub fn manual(mut self) -> Self {
        self.manual = true;
        self
    }

    /// The partition to consume, for a producer with a
    /// [`Dispatcher::partition`](super::Dispatcher::partition) (required there, refused
    /// elsewhere).
    pub fn partition(mut self, partition: usize) -> Self {
        self.partition = Some(partition);
        self
    }

    /// `max`.
    pub fn max_demand(&self) -> usize {
        self.max
    }

    /// `min`, given or by default.
    pub fn min_demand(&self) -> usize {
        self.min.unwrap_or(self.max / 4 * 3 + self.max % 4 * 3 / 4)
    }

    /// The cancel mode.
    pub fn cancel_mode(&self) -> Cancel {
        self.cancel
    }

    /// Whether demand is manual.
    pub fn is_manual(&self) -> bool {
        self.manual
    }

    /// The partition asked for, if any.
    pub fn partition_number(&self) -> Option<usize> {
        self.partition
    }

    /// `Err` if `max` is 0 or `min` is not below `max`.
    pub(crate) fn validate(&self) -> Result<(), super::SubscribeError> {
        let (max, min) = (self.max, self.min_demand());
        if max == 0 || min >= max {
            return Err(super::SubscribeError::InvalidDemand { max, min });
        }
        Ok(())
    }
}

/// A running subscription of a consumer to a producer of `E`s: what
/// [`subscribe_to`](crate::ServerRef::subscribe_to) returns. Cheap to clone.
///
/// With [manual demand](Demand::manual) it is how the consumer asks for events; anyone holding
/// it may [`cancel`](Subscription::cancel) it.
pub struct Subscription<E> {
    pub(crate) id: SubscriptionId,
    pub(crate) producer: Arc<dyn ProducerSink<E>>,
}

impl<E> Clone for Subscription<E> {
    fn clone(&self) -> Self {
        Subscription {
            id: self.id,
            producer: self.producer.clone(),
        }
    }
}

impl<E: Send + 'static> fmt::Debug for Subscription<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("producer", &self.producer.id())
            .finish()
    }
}

impl<E: Send + 'static> Subscription<E> {
    /// The subscription's id (what [`Cancelled`] names).
    pub fn id(&self) -> SubscriptionId {
        self.id
    }

    /// The producer's id.
    pub fn producer(&self) -> ServerId {
        self.producer.id()
    }

    /// Asks the producer for `n` more events (GenStage's `ask/2`): for a consumer with
    /// [manual demand](Demand::manual). Asking for 0 does nothing. Never refused by a bounded
    /// mailbox; fails only if the producer has exited.
    pub fn ask(&self, n: usize) -> Result<(), CastError> {
        if n == 0 {
            return Ok(());
        }
        self.send(ToProducer::Ask { sub: self.id, n })
    }

    /// Cancels the subscription (GenStage's `cancel/2`): the producer forgets it and tells the
    /// consumer, which then reacts as its [`Cancel`] mode says — a permanent subscription
    /// makes it exit with `reason`, a transient one if `reason` is abnormal.
    pub fn cancel(&self, reason: ExitReason) -> Result<(), CastError> {
        self.send(ToProducer::Cancel {
            sub: self.id,
            reason,
        })
    }

    fn send(&self, msg: ToProducer<E>) -> Result<(), CastError> {
        self.producer.send(msg).map_err(|_| CastError::NotRunning)
    }
}

/// Which side of a subscription a server is on, in a [`Cancelled`] notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The server is the subscription's producer: its consumer went away.
    Producer,
    /// The server is the subscription's consumer: its producer went away or cancelled it.
    Consumer,
}

/// What ended a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelKind {
    /// It was cancelled ([`Subscription::cancel`], or by the producer).
    Cancelled,
    /// The other side exited (GenStage's `{:down, reason}`).
    Exited,
}

/// The notice a stage's `#[cancel]` handler gets when one of its subscriptions ends
/// (GenStage's `handle_cancel/3`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancelled {
    /// The subscription that ended.
    pub subscription: SubscriptionId,
    /// Which side of it this server was on.
    pub side: Side,
    /// Why it ended.
    pub kind: CancelKind,
    /// The reason: the other side's exit reason, or the reason given to `cancel`.
    pub reason: ExitReason,
}
