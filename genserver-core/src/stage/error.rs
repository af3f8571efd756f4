//! Why a subscription was not made.

use crate::CallError;

/// Why [`subscribe_to`](crate::ServerRef::subscribe_to) made no subscription.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscribeError {
    /// The producer has exited or was never started. A consumer whose subscription was
    /// permanent or transient exits too, with [`ExitReason::NoProc`](crate::ExitReason::NoProc)
    /// (as GenStage's does); a temporary one goes on.
    #[error("the producer is not running: it has exited or was never started")]
    ProducerNotRunning,
    /// The demand is not valid: `max` must be at least 1 and `min` below `max`.
    #[error("invalid demand (max {max}, min {min}): max must be at least 1 and min less than max")]
    InvalidDemand {
        /// The `max` asked for.
        max: usize,
        /// The `min` asked for (or the default).
        min: usize,
    },
    /// The producer has a partition dispatcher: the subscription must name its partition with
    /// `Demand::partition`.
    #[error(
        "the producer has a partition dispatcher with {partitions} partitions: subscribe with \
         `Demand::new().partition(n)`"
    )]
    PartitionRequired {
        /// How many partitions there are.
        partitions: usize,
    },
    /// The partition asked for does not exist.
    #[error("partition {partition} does not exist: there are {partitions}, numbered from 0")]
    UnknownPartition {
        /// The partition asked for.
        partition: usize,
        /// How many partitions there are.
        partitions: usize,
    },
    /// Another consumer already consumes this partition.
    #[error("partition {0} already has a consumer")]
    PartitionTaken(usize),
    /// A partition was named, but the producer's dispatcher has no partitions.
    #[error(
        "a partition was named, but the producer does not partition its events (its dispatcher \
         is not `Dispatcher::partition`)"
    )]
    NotPartitioned,
    /// The consumer is already subscribed to this producer, whose broadcast dispatcher would
    /// send it every event twice.
    #[error(
        "the consumer is already subscribed to this producer, which broadcasts: a second \
         subscription would get every event twice"
    )]
    AlreadySubscribed,
    /// A stage cannot subscribe to itself.
    #[error("a stage cannot subscribe to itself")]
    SelfSubscription,
    /// The consumer could not take the request (it is not running, or did not answer in time).
    #[error("the consumer could not take the subscription: {0}")]
    Consumer(#[from] CallError),
}
