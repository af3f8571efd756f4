//! The broadcast dispatcher (GenStage's `BroadcastDispatcher`): every event to every
//! consumer, as many as the consumer with the least open demand can take.

use super::{Consumer, Outcome, send};
use crate::stage::{SubscribeError, SubscriptionId};

pub(crate) struct BroadcastDispatcher<E> {
    consumers: Vec<Consumer<E>>,
    /// `<[E]>::to_vec`: the copies for all consumers but the last.
    clone: fn(&[E]) -> Vec<E>,
}

impl<E: Send + 'static> BroadcastDispatcher<E> {
    pub(crate) fn new(clone: fn(&[E]) -> Vec<E>) -> Self {
        BroadcastDispatcher {
            consumers: Vec::new(),
            clone,
        }
    }

    pub(crate) fn consumers(&self) -> impl Iterator<Item = &Consumer<E>> {
        self.consumers.iter()
    }

    /// A consumer server subscribes once: a second subscription would get every event twice.
    pub(crate) fn subscribe(&mut self, consumer: Consumer<E>) -> Result<(), SubscribeError> {
        if let Some(pid) = consumer.sink.pid() {
            let twice = self
                .consumers
                .iter()
                .any(|c| c.sink.pid().is_some_and(|other| other == pid));
            if twice {
                return Err(SubscribeError::AlreadySubscribed);
            }
        }
        self.consumers.push(consumer);
        Ok(())
    }

    pub(crate) fn cancel(&mut self, sub: SubscriptionId) -> Option<Consumer<E>> {
        let index = self.consumers.iter().position(|c| c.sub == sub)?;
        Some(self.consumers.remove(index))
    }

    pub(crate) fn ask(&mut self, sub: SubscriptionId, n: usize) -> bool {
        match self.consumers.iter_mut().find(|c| c.sub == sub) {
            Some(consumer) => {
                consumer.demand = consumer.demand.saturating_add(n);
                true
            }
            None => false,
        }
    }

    /// The least open demand: what every consumer can take.
    pub(crate) fn capacity(&self) -> usize {
        self.consumers.iter().map(|c| c.demand).min().unwrap_or(0)
    }

    pub(crate) fn dispatch(&mut self, mut events: Vec<E>, outcome: &mut Outcome) -> Vec<E> {
        let n = self.capacity().min(events.len());
        if n == 0 {
            return events;
        }
        let rest = events.split_off(n);
        let last = self.consumers.len() - 1;
        let mut batch = Some(events);
        for (i, consumer) in self.consumers.iter_mut().enumerate() {
            let copy = if i == last {
                batch
                    .take()
                    .expect("the last consumer takes the batch itself")
            } else {
                (self.clone)(
                    batch
                        .as_deref()
                        .expect("the batch is kept for the last consumer"),
                )
            };
            consumer.demand -= n;
            if send(consumer, copy).is_err() {
                outcome.gone.push(consumer.sub);
            }
        }
        for sub in &outcome.gone {
            self.cancel(*sub);
        }
        rest
    }
}

#[cfg(test)]
mod tests {
    //! GenStage's `broadcast_dispatcher_test.exs`, on the dispatcher alone.
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::process::Pid;
    use crate::stage::protocol::{ConsumerSink, ToConsumer};

    #[derive(Default)]
    struct Recorder(Mutex<Vec<(SubscriptionId, Vec<char>)>>);

    impl ConsumerSink<char> for Recorder {
        fn send(&self, msg: ToConsumer<char>) -> Result<(), ToConsumer<char>> {
            if let ToConsumer::Events { sub, events } = msg {
                self.0.lock().unwrap().push((sub, events));
            }
            Ok(())
        }
        fn pid(&self) -> Option<Pid> {
            None
        }
    }

    fn dispatcher() -> BroadcastDispatcher<char> {
        BroadcastDispatcher::new(<[char]>::to_vec)
    }

    fn consumer(sub: SubscriptionId, sink: &Arc<Recorder>) -> Consumer<char> {
        Consumer {
            sub,
            sink: sink.clone(),
            demand: 0,
            sent: 0,
        }
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// "subscribes, asks and dispatches to multiple consumers"
    #[test]
    fn every_consumer_gets_what_the_least_demand_allows() {
        let sink = Arc::new(Recorder::default());
        let (one, two, three) = (
            SubscriptionId::next(),
            SubscriptionId::next(),
            SubscriptionId::next(),
        );
        let mut d = dispatcher();
        let mut outcome = Outcome::default();
        d.subscribe(consumer(one, &sink)).unwrap();
        d.subscribe(consumer(two, &sink)).unwrap();
        d.ask(one, 3);
        d.ask(two, 2);
        assert_eq!(d.capacity(), 2);
        // One batch fits all.
        assert_eq!(d.dispatch(chars("ab"), &mut outcome), vec![]);
        assert_eq!(
            std::mem::take(&mut *sink.0.lock().unwrap()),
            vec![(one, chars("ab")), (two, chars("ab"))]
        );
        // A batch with left-over.
        d.ask(two, 2);
        assert_eq!(d.dispatch(chars("cd"), &mut outcome), chars("d"));
        // A batch with no demand.
        assert_eq!(d.dispatch(chars("d"), &mut outcome), chars("d"));
        // A late subscriber holds everyone back until it asks.
        d.ask(one, 1);
        d.subscribe(consumer(three, &sink)).unwrap();
        assert_eq!(d.capacity(), 0);
        // Even out.
        d.ask(one, 2);
        d.ask(two, 2);
        d.ask(three, 3);
        assert_eq!(d.dispatch(chars("def"), &mut outcome), vec![]);
        let sent = std::mem::take(&mut *sink.0.lock().unwrap());
        assert_eq!(
            sent,
            vec![
                (one, chars("c")),
                (two, chars("c")),
                (one, chars("def")),
                (two, chars("def")),
                (three, chars("def"))
            ]
        );
        assert_eq!(d.capacity(), 0);
    }

    /// "subscribes, asks, cancels, and dispatcher reuses events for another subscriber"
    #[test]
    fn cancelling_the_slowest_lets_the_others_go_on() {
        let sink = Arc::new(Recorder::default());
        let (one, two) = (SubscriptionId::next(), SubscriptionId::next());
        let mut d = dispatcher();
        d.subscribe(consumer(one, &sink)).unwrap();
        d.subscribe(consumer(two, &sink)).unwrap();
        d.ask(one, 10);
        assert_eq!(d.capacity(), 0);
        assert!(d.cancel(two).is_some());
        assert_eq!(d.capacity(), 10);
    }

    #[test]
    fn no_consumer_takes_nothing() {
        let mut d = dispatcher();
        assert_eq!(d.capacity(), 0);
        assert_eq!(
            d.dispatch(chars("abc"), &mut Outcome::default()),
            chars("abc")
        );
    }
}
