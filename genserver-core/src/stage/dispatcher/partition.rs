//! The partition dispatcher (GenStage's `PartitionDispatcher`): each event to the one consumer
//! of its partition.
//!
//! Unlike GenStage, which queues the events of a partition without demand inside the
//! dispatcher (without a bound), they stay in the producer's buffer, in order, whose size
//! bounds them.

use std::collections::VecDeque;

use super::{Consumer, Hash, Outcome, send};
use crate::stage::buffer::Buffer;
use crate::stage::{SubscribeError, SubscriptionId};

pub(crate) struct PartitionDispatcher<E> {
    /// The consumer of each partition, if one has subscribed.
    partitions: Vec<Option<Consumer<E>>>,
    hash: Hash<E>,
}

/// Where `hash` sends an event.
enum Route {
    To(usize),
    Drop,
    Fault(usize),
}

impl<E: Send + 'static> PartitionDispatcher<E> {
    pub(crate) fn new(partitions: usize, hash: Hash<E>) -> Self {
        PartitionDispatcher {
            partitions: (0..partitions).map(|_| None).collect(),
            hash,
        }
    }

    pub(crate) fn consumers(&self) -> impl Iterator<Item = &Consumer<E>> {
        self.partitions.iter().flatten()
    }

    pub(crate) fn subscribe(
        &mut self,
        consumer: Consumer<E>,
        partition: Option<usize>,
    ) -> Result<(), SubscribeError> {
        let partitions = self.partitions.len();
        let partition = partition.ok_or(SubscribeError::PartitionRequired { partitions })?;
        match self.partitions.get_mut(partition) {
            None => Err(SubscribeError::UnknownPartition {
                partition,
                partitions,
            }),
            Some(Some(_)) => Err(SubscribeError::PartitionTaken(partition)),
            Some(slot) => {
                *slot = Some(consumer);
                Ok(())
            }
        }
    }

    pub(crate) fn cancel(&mut self, sub: SubscriptionId) -> Option<Consumer<E>> {
        self.partitions
            .iter_mut()
            .find(|slot| slot.as_ref().is_some_and(|c| c.sub == sub))?
            .take()
    }

    pub(crate) fn ask(&mut self, sub: SubscriptionId, n: usize) -> bool {
        match self.partitions.iter_mut().flatten().find(|c| c.sub == sub) {
            Some(consumer) => {
                consumer.demand = consumer.demand.saturating_add(n);
                true
            }
            None => false,
        }
    }

    /// The demand of all partitions together.
    pub(crate) fn capacity(&self) -> usize {
        self.consumers()
            .fold(0usize, |sum, c| sum.saturating_add(c.demand))
    }

    fn route(&self, event: &E) -> Route {
        match (self.hash)(event) {
            None => Route::Drop,
            Some(p) if p < self.partitions.len() => Route::To(p),
            Some(p) => Route::Fault(p),
        }
    }

    /// Sends each event whose partition has demand; the others come back in order.
    pub(crate) fn dispatch(&mut self, events: Vec<E>, outcome: &mut Outcome) -> Vec<E> {
        let mut kept = VecDeque::new();
        self.place(events, &mut kept, outcome);
        kept.into()
    }

    /// Like `dispatch`, over the buffered events.
    pub(crate) fn dispatch_buffer(&mut self, buffer: &mut Buffer<E>, outcome: &mut Outcome) {
        let events: Vec<E> = buffer.events_mut().drain(..).collect();
        let mut kept = VecDeque::new();
        self.place(events, &mut kept, outcome);
        *buffer.events_mut() = kept;
    }

    fn place(&mut self, events: Vec<E>, kept: &mut VecDeque<E>, outcome: &mut Outcome) {
        let mut batches: Vec<Vec<E>> = self.partitions.iter().map(|_| Vec::new()).collect();
        let mut room: Vec<usize> = self
            .partitions
            .iter()
            .map(|slot| slot.as_ref().map_or(0, |c| c.demand))
            .collect();
        for event in events {
            if outcome.fault.is_some() {
                kept.push_back(event);
                continue;
            }
            match self.route(&event) {
                Route::Drop => {}
                Route::To(p) if room[p] > 0 => {
                    room[p] -= 1;
                    batches[p].push(event);
                }
                Route::To(_) => kept.push_back(event),
                Route::Fault(p) => {
                    outcome.fault = Some(format!(
                        "the partition dispatcher's hash gave partition {p} for an event, \
                         but there are {} partitions",
                        self.partitions.len()
                    ));
                    kept.push_back(event);
                }
            }
        }
        for (p, batch) in batches.into_iter().enumerate() {
            if batch.is_empty() {
                continue;
            }
            let slot = &mut self.partitions[p];
            let Some(consumer) = slot.as_mut() else {
                continue;
            };
            let sent = batch.len();
            match send(consumer, batch) {
                Ok(()) => consumer.demand -= sent,
                Err(back) => {
                    // Gone: its events wait for the partition's next consumer.
                    outcome.gone.push(consumer.sub);
                    *slot = None;
                    for event in back.into_iter().rev() {
                        kept.push_front(event);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! GenStage's `partition_dispatcher_test.exs`, on the dispatcher alone.
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::process::Pid;
    use crate::stage::buffer::BufferKeep;
    use crate::stage::protocol::{ConsumerSink, ToConsumer};

    #[derive(Default)]
    struct Recorder(Mutex<Vec<(SubscriptionId, Vec<u32>)>>);

    impl ConsumerSink<u32> for Recorder {
        fn send(&self, msg: ToConsumer<u32>) -> Result<(), ToConsumer<u32>> {
            if let ToConsumer::Events { sub, events } = msg {
                self.0.lock().unwrap().push((sub, events));
            }
            Ok(())
        }
        fn pid(&self) -> Option<Pid> {
            None
        }
    }

    impl Recorder {
        fn take(&self) -> Vec<(SubscriptionId, Vec<u32>)> {
            std::mem::take(&mut *self.0.lock().unwrap())
        }
    }

    fn consumer(sub: SubscriptionId, sink: &Arc<Recorder>) -> Consumer<u32> {
        Consumer {
            sub,
            sink: sink.clone(),
            demand: 0,
            sent: 0,
        }
    }

    fn parity() -> PartitionDispatcher<u32> {
        PartitionDispatcher::new(2, Arc::new(|n: &u32| Some((n % 2) as usize)))
    }

    /// "subscribes, asks and dispatches"
    #[test]
    fn subscribes_asks_and_dispatches() {
        let sink = Arc::new(Recorder::default());
        let sub = SubscriptionId::next();
        let mut d = PartitionDispatcher::new(1, Arc::new(|_: &u32| Some(0)));
        let mut outcome = Outcome::default();
        d.subscribe(consumer(sub, &sink), Some(0)).unwrap();
        d.ask(sub, 3);
        assert_eq!(d.dispatch(vec![1], &mut outcome), vec![]);
        assert_eq!(d.capacity(), 2);
        d.ask(sub, 3);
        assert_eq!(
            d.dispatch(vec![2, 5, 6, 7, 8, 9, 11], &mut outcome),
            vec![9, 11]
        );
        assert_eq!(
            sink.take(),
            vec![(sub, vec![1]), (sub, vec![2, 5, 6, 7, 8])]
        );
    }

    /// "subscribes, asks and dispatches to partitions or none"
    #[test]
    fn a_hash_of_none_drops_the_event() {
        let sink = Arc::new(Recorder::default());
        let (odd, even) = (SubscriptionId::next(), SubscriptionId::next());
        let mut d = PartitionDispatcher::new(
            2,
            Arc::new(|n: &u32| (n % 3 != 0).then_some((n % 2) as usize)),
        );
        let mut outcome = Outcome::default();
        d.subscribe(consumer(even, &sink), Some(0)).unwrap();
        d.subscribe(consumer(odd, &sink), Some(1)).unwrap();
        d.ask(even, 4);
        d.ask(odd, 4);
        let rest = d.dispatch((1..=12).collect(), &mut outcome);
        assert_eq!(rest, Vec::<u32>::new());
        assert_eq!(
            sink.take(),
            vec![(even, vec![2, 4, 8, 10]), (odd, vec![1, 5, 7, 11])]
        );
    }

    /// "buffers events before subscription": a partition without a consumer keeps its events
    /// until one subscribes and asks.
    #[test]
    fn events_wait_for_their_partition() {
        let sink = Arc::new(Recorder::default());
        let (zero, one) = (SubscriptionId::next(), SubscriptionId::next());
        let mut d = parity();
        let mut outcome = Outcome::default();
        let mut buffer = Buffer::new(None, BufferKeep::Last);
        d.subscribe(consumer(one, &sink), Some(1)).unwrap();
        d.ask(one, 5);
        let rest = d.dispatch(vec![1, 2, 5, 6, 7], &mut outcome);
        assert_eq!(rest, vec![2, 6]);
        assert_eq!(sink.take(), vec![(one, vec![1, 5, 7])]);
        buffer.push(rest);
        d.subscribe(consumer(zero, &sink), Some(0)).unwrap();
        d.ask(zero, 5);
        d.dispatch_buffer(&mut buffer, &mut outcome);
        assert!(buffer.is_empty());
        assert_eq!(sink.take(), vec![(zero, vec![2, 6])]);
        assert_eq!(d.capacity(), 3 + 2);
    }

    /// "errors on subscribe"
    #[test]
    fn subscriptions_name_one_free_partition() {
        let sink = Arc::new(Recorder::default());
        let mut d = parity();
        assert_eq!(
            d.subscribe(consumer(SubscriptionId::next(), &sink), None),
            Err(SubscribeError::PartitionRequired { partitions: 2 })
        );
        assert_eq!(
            d.subscribe(consumer(SubscriptionId::next(), &sink), Some(2)),
            Err(SubscribeError::UnknownPartition {
                partition: 2,
                partitions: 2
            })
        );
        d.subscribe(consumer(SubscriptionId::next(), &sink), Some(0))
            .unwrap();
        assert_eq!(
            d.subscribe(consumer(SubscriptionId::next(), &sink), Some(0)),
            Err(SubscribeError::PartitionTaken(0))
        );
    }

    /// "raises on unknown partition": here a fault that stops the producer, events kept.
    #[test]
    fn a_partition_out_of_range_is_a_fault() {
        let sink = Arc::new(Recorder::default());
        let sub = SubscriptionId::next();
        let mut d = PartitionDispatcher::new(2, Arc::new(|_: &u32| Some(7)));
        let mut outcome = Outcome::default();
        d.subscribe(consumer(sub, &sink), Some(0)).unwrap();
        d.ask(sub, 3);
        assert_eq!(d.dispatch(vec![1, 2], &mut outcome), vec![1, 2]);
        assert!(outcome.fault.unwrap().contains("partition 7"));
    }
}
