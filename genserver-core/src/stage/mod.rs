//! Stages: demand-driven pipelines of servers (Elixir's GenStage).
//!
//! A consumer asks its producer for events and never receives more than it asked for; a slow
//! consumer slows its producer, and no buffer grows without bound. Every stage is a full
//! server — calls, casts, infos, timers, names, supervision — with one or two roles:
//!
//! ```
//! use genserver::prelude::*;
//! use genserver::stage::Demand;
//!
//! struct Numbers { next: u64 }
//!
//! #[genserver]
//! impl Numbers {
//!     /// Called with the demand of all subscribers; returns up to that many events.
//!     #[produce]
//!     fn demand(&mut self, demand: usize) -> Vec<u64> {
//!         let events = (self.next..self.next + demand as u64).collect();
//!         self.next += demand as u64;
//!         events
//!     }
//! }
//!
//! struct Double;
//!
//! #[genserver]
//! impl Double {
//!     /// A producer-consumer: a `#[consume]` that returns events.
//!     #[consume]
//!     fn events(&mut self, events: Vec<u64>) -> Vec<u64> {
//!         events.into_iter().map(|n| n * 2).collect()
//!     }
//! }
//!
//! #[derive(Default)]
//! struct Sink { seen: Vec<u64> }
//!
//! #[genserver]
//! impl Sink {
//!     #[consume]
//!     fn events(&mut self, events: Vec<u64>) { self.seen.extend(events); }
//!
//!     #[call]
//!     fn seen(&self) -> usize { self.seen.len() }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let numbers = Numbers::start(Numbers { next: 0 }).await?;
//! let double = Double::start(Double).await?;
//! let sink = Sink::start(Sink::default()).await?;
//! double.subscribe_to(&numbers, Demand::new().max(100).min(50)).await?;
//! sink.subscribe_to(&double, Demand::default()).await?;
//! while sink.seen().await? < 1_000 {
//!     tokio::task::yield_now().await;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The parts, one concept a file:
//!
//! - `subscription`: [`Demand`] (max, min, cancel mode, manual), [`Cancel`],
//!   [`Subscription`] and [`Cancelled`];
//! - `protocol`: the messages stages exchange and the sinks they reach each other through;
//! - `role`: the traits `#[produce]` and `#[consume]` generate: [`Produce`], [`ProducerOf`],
//!   [`Consume`];
//! - `producer`: the producer's side: demand owed, [`Context::emit`](crate::Context::emit),
//!   [`DemandMode`], its options and [`ProducerStats`];
//! - `buffer`: the producer's buffer and [`BufferKeep`];
//! - `consumer`: the consumer's side: `subscribe_to`, batches and asks, cancel modes, and
//!   the relay of a producer-consumer;
//! - `dispatcher`: [`Dispatcher`]: demand, broadcast, partition;
//! - `from_stream`: a producer that pulls a [`Stream`](futures_util::Stream) on demand;
//! - `into_stream`: a [`Stream`](futures_util::Stream) that consumes a producer with demand;
//! - `error`: [`SubscribeError`].

mod buffer;
mod consumer;
mod dispatcher;
mod error;
mod from_stream;
mod into_stream;
mod producer;
mod protocol;
mod role;
mod subscription;

pub use buffer::{BufferKeep, DEFAULT_BUFFER_SIZE};
pub use consumer::{ConsumerStats, Subscribing, SubscriptionStats};
#[doc(hidden)]
pub use consumer::{handle_consumer, relay};
pub use dispatcher::{ConsumerDemand, Dispatcher};
pub use error::SubscribeError;
pub use from_stream::{StreamProducer, from_stream};
pub use into_stream::{ConsumerStream, stream};
#[doc(hidden)]
pub use producer::handle_producer;
pub use producer::{DemandMode, ProducerStats};
pub use protocol::{ConsumerMsg, ProducerMsg};
pub use role::{Consume, Produce, ProducerOf};
pub use subscription::{
    Cancel, CancelKind, Cancelled, DEFAULT_MAX_DEMAND, Demand, Side, Subscription, SubscriptionId,
};
