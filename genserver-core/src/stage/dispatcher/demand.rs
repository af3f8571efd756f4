//! The demand dispatcher (GenStage's `DemandDispatcher`): each batch to the consumer with the
//! most open demand.

use super::{Consumer, Outcome, send};
use crate::stage::SubscriptionId;

/// Consumers ordered by open demand, the largest first; among equals, the one that got there
/// first (as GenStage orders them).
pub(crate) struct DemandDispatcher<E> {
    consumers: Vec<Consumer<E>>,
}

impl<E> Default for DemandDispatcher<E> {
    fn default() -> Self {
        DemandDispatcher {
            consumers: Vec::new(),
        }
    }
}

impl<E: Send + 'static> DemandDispatcher<E> {
    pub(crate) fn consumers(&self) -> impl Iterator<Item = &Consumer<E>> {
        self.consumers.iter()
    }

    pub(crate) fn subscribe(&mut self, consumer: Consumer<E>) {
        // No demand yet: last.
        self.consumers.push(consumer);
    }

    pub(crate) fn cancel(&mut self, sub: SubscriptionId) -> Option<Consumer<E>> {
        self.take(sub)
    }

    pub(crate) fn ask(&mut self, sub: SubscriptionId, n: usize) -> bool {
        let Some(mut consumer) = self.take(sub) else {
            return false;
        };
        consumer.demand = consumer.demand.saturating_add(n);
        self.insert(consumer);
        true
    }

    pub(crate) fn capacity(&self) -> usize {
        self.consumers
            .iter()
            .fold(0usize, |sum, c| sum.saturating_add(c.demand))
    }

    pub(crate) fn dispatch(&mut self, mut events: Vec<E>, outcome: &mut Outcome) -> Vec<E> {
        while !events.is_empty() {
            let Some(first) = self.consumers.first() else {
                break;
            };
            if first.demand == 0 {
                break;
            }
            let mut consumer = self.consumers.remove(0);
            let rest = if events.len() > consumer.demand {
                events.split_off(consumer.demand)
            } else {
                Vec::new()
            };
            let sent = events.len();
            match send(&mut consumer, events) {
                Ok(()) => {
                    consumer.demand -= sent;
                    events = rest;
                    self.insert(consumer);
                }
                Err(mut back) => {
                    // Gone: the events are not lost, they go to the next consumer or back to
                    // the buffer.
                    outcome.gone.push(consumer.sub);
                    back.extend(rest);
                    events = back;
                }
            }
        }
        events
    }

    fn take(&mut self, sub: SubscriptionId) -> Option<Consumer<E>> {
        let index = self.consumers.iter().position(|c| c.sub == sub)?;
        Some(self.consumers.remove(index))
    }

    /// Before the first consumer with less demand: after every one with as much or more.
    fn insert(&mut self, consumer: Consumer<E>) {
        let index = self
            .consumers
            .iter()
            .position(|c| c.demand < consumer.demand)
            .unwrap_or(self.consumers.len());
        self.consumers.insert(index, consumer);
    }
}

#[cfg(test)]
mod tests {
    //! GenStage's `demand_dispatcher_test.exs`, on the dispatcher alone.
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::process::Pid;
    use crate::stage::protocol::{ConsumerSink, ToConsumer};

    /// A consumer that records what it is sent.
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

    impl Recorder {
        fn take(&self) -> Vec<(SubscriptionId, Vec<char>)> {
            std::mem::take(&mut *self.0.lock().unwrap())
        }
    }

    /// A consumer whose mailbox is closed.
    struct Gone;

    impl ConsumerSink<char> for Gone {
        fn send(&self, msg: ToConsumer<char>) -> Result<(), ToConsumer<char>> {
            Err(msg)
        }
        fn pid(&self) -> Option<Pid> {
            None
        }
    }

    fn consumer(sub: SubscriptionId, sink: &Arc<Recorder>) -> Consumer<char> {
        Consumer {
            sub,
            sink: sink.clone(),
            demand: 0,
            sent: 0,
        }
    }

    fn demands(d: &DemandDispatcher<char>) -> Vec<(SubscriptionId, usize)> {
        d.consumers().map(|c| (c.sub, c.demand)).collect()
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    /// "subscribes, asks and dispatches"
    #[test]
    fn subscribes_asks_and_dispatches() {
        let sink = Arc::new(Recorder::default());
        let sub = SubscriptionId::next();
        let mut d = DemandDispatcher::default();
        let mut outcome = Outcome::default();
        d.subscribe(consumer(sub, &sink));
        assert!(d.ask(sub, 3));
        assert_eq!(d.dispatch(chars("a"), &mut outcome), vec![]);
        assert_eq!(demands(&d), vec![(sub, 2)]);
        assert_eq!(sink.take(), vec![(sub, chars("a"))]);
        d.ask(sub, 3);
        assert_eq!(d.dispatch(chars("bcdefgh"), &mut outcome), chars("gh"));
        assert_eq!(sink.take(), vec![(sub, chars("bcdef"))]);
        assert_eq!(d.dispatch(chars("ij"), &mut outcome), chars("ij"));
        assert!(sink.take().is_empty());
    }

    /// "subscribes, asks multiple consumers": the largest demand first, equals in arrival order.
    #[test]
    fn orders_consumers_by_demand() {
        let sink = Arc::new(Recorder::default());
        let (one, two, three) = (
            SubscriptionId::next(),
            SubscriptionId::next(),
            SubscriptionId::next(),
        );
        let mut d = DemandDispatcher::default();
        for sub in [one, two, three] {
            d.subscribe(consumer(sub, &sink));
        }
        d.ask(one, 4);
        d.ask(two, 2);
        d.ask(three, 3);
        assert_eq!(demands(&d), vec![(one, 4), (three, 3), (two, 2)]);
        d.ask(three, 2);
        assert_eq!(demands(&d), vec![(three, 5), (one, 4), (two, 2)]);
        d.ask(two, 4);
        assert_eq!(demands(&d), vec![(two, 6), (three, 5), (one, 4)]);
        assert_eq!(d.capacity(), 15);
    }

    /// "subscribes, asks and dispatches to multiple consumers"
    #[test]
    fn dispatches_to_multiple_consumers() {
        let sink = Arc::new(Recorder::default());
        let (one, two) = (SubscriptionId::next(), SubscriptionId::next());
        let mut d = DemandDispatcher::default();
        let mut outcome = Outcome::default();
        d.subscribe(consumer(one, &sink));
        d.subscribe(consumer(two, &sink));
        d.ask(one, 3);
        d.ask(two, 2);
        // One batch fits all.
        assert_eq!(d.dispatch(chars("abcde"), &mut outcome), vec![]);
        assert_eq!(sink.take(), vec![(one, chars("abc")), (two, chars("de"))]);
        assert_eq!(d.dispatch(chars("abc"), &mut outcome), chars("abc"));
        // Two batches with left-over.
        d.ask(one, 3);
        d.ask(two, 3);
        assert_eq!(d.dispatch(chars("ab"), &mut outcome), vec![]);
        assert_eq!(demands(&d), vec![(two, 3), (one, 1)]);
        assert_eq!(d.dispatch(chars("cd"), &mut outcome), vec![]);
        assert_eq!(demands(&d), vec![(one, 1), (two, 1)]);
        assert_eq!(d.dispatch(chars("efg"), &mut outcome), chars("g"));
        assert_eq!(
            sink.take(),
            vec![
                (one, chars("ab")),
                (two, chars("cd")),
                (one, chars("e")),
                (two, chars("f"))
            ]
        );
    }

    /// "subscribes twice, asks twice and cancel one"
    #[test]
    fn a_cancelled_consumer_takes_its_demand_with_it() {
        let sink = Arc::new(Recorder::default());
        let (one, two) = (SubscriptionId::next(), SubscriptionId::next());
        let mut d = DemandDispatcher::default();
        let mut outcome = Outcome::default();
        d.subscribe(consumer(one, &sink));
        d.ask(one, 3);
        d.subscribe(consumer(two, &sink));
        d.ask(two, 3);
        assert!(d.cancel(one).is_some());
        assert!(d.cancel(one).is_none());
        assert_eq!(d.capacity(), 3);
        assert_eq!(d.dispatch(chars("abcde"), &mut outcome), chars("de"));
        assert_eq!(sink.take(), vec![(two, chars("abc"))]);
    }

    #[test]
    fn events_for_a_consumer_that_is_gone_go_to_the_next() {
        let sink = Arc::new(Recorder::default());
        let (gone, live) = (SubscriptionId::next(), SubscriptionId::next());
        let mut d = DemandDispatcher::default();
        let mut outcome = Outcome::default();
        d.subscribe(Consumer {
            sub: gone,
            sink: Arc::new(Gone),
            demand: 0,
            sent: 0,
        });
        d.subscribe(consumer(live, &sink));
        d.ask(gone, 5);
        d.ask(live, 2);
        assert_eq!(d.dispatch(chars("abcd"), &mut outcome), chars("cd"));
        assert_eq!(outcome.gone, vec![gone]);
        assert_eq!(sink.take(), vec![(live, chars("ab"))]);
    }

    #[test]
    fn asking_an_unknown_subscription_is_refused() {
        let mut d = DemandDispatcher::<char>::default();
        assert!(!d.ask(SubscriptionId::next(), 1));
    }
}
