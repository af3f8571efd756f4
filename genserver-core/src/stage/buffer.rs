//! A producer's buffer: the events it emitted that no consumer has asked for yet
//! (GenStage's `buffer_size`, `buffer_keep`), and what it drops when full.

use std::collections::VecDeque;

/// GenStage's default buffer size for a producer: 10,000 events.
pub const DEFAULT_BUFFER_SIZE: usize = 10_000;

/// Which events a full buffer keeps (GenStage's `buffer_keep`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BufferKeep {
    /// The oldest: newly emitted events that do not fit are dropped.
    First,
    /// The newest (the default): the oldest buffered events make room.
    #[default]
    Last,
}

/// The events of a producer waiting for demand, in the order emitted.
pub(crate) struct Buffer<E> {
    events: VecDeque<E>,
    /// `None`: unbounded.
    size: Option<usize>,
    keep: BufferKeep,
    /// Events dropped since the producer started.
    dropped: u64,
}

impl<E> Buffer<E> {
    pub(crate) fn new(size: Option<usize>, keep: BufferKeep) -> Self {
        Buffer {
            events: VecDeque::new(),
            size,
            keep,
            dropped: 0,
        }
    }

    pub(crate) fn set_size(&mut self, size: Option<usize>) {
        self.size = size;
    }

    pub(crate) fn set_keep(&mut self, keep: BufferKeep) {
        self.keep = keep;
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Appends `events` (in order) and returns how many events were dropped to stay within
    /// the size: the new ones that do not fit (`First`), or the oldest (`Last`).
    pub(crate) fn push(&mut self, events: impl IntoIterator<Item = E>) -> usize {
        let before = self.dropped;
        match (self.size, self.keep) {
            (None, _) => self.events.extend(events),
            (Some(size), BufferKeep::First) => {
                for event in events {
                    if self.events.len() < size {
                        self.events.push_back(event);
                    } else {
                        self.dropped += 1;
                    }
                }
            }
            (Some(size), BufferKeep::Last) => {
                for event in events {
                    if size == 0 {
                        self.dropped += 1;
                        continue;
                    }
                    if self.events.len() == size {
                        self.events.pop_front();
                        self.dropped += 1;
                    }
                    self.events.push_back(event);
                }
            }
        }
        (self.dropped - before) as usize
    }

    /// Puts events back at the front, in order: events a consumer could not take.
    pub(crate) fn push_front(&mut self, events: Vec<E>) {
        for event in events.into_iter().rev() {
            self.events.push_front(event);
        }
    }

    /// Takes up to `n` events from the front.
    pub(crate) fn take(&mut self, n: usize) -> Vec<E> {
        let n = n.min(self.events.len());
        self.events.drain(..n).collect()
    }

    /// The events, for a dispatcher that picks among them.
    pub(crate) fn events_mut(&mut self) -> &mut VecDeque<E> {
        &mut self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GenStage's buffer_test "discards excess events when buffer is full" (keep first).
    #[test]
    fn keep_first_drops_the_new_events_that_do_not_fit() {
        let mut buffer = Buffer::new(Some(5), BufferKeep::First);
        assert_eq!(buffer.push(['a', 'b', 'c', 'd', 'e']), 0);
        assert_eq!(buffer.push(['f', 'g', 'h']), 3);
        assert_eq!(buffer.take(10), vec!['a', 'b', 'c', 'd', 'e']);
        assert_eq!(buffer.dropped(), 3);
    }

    /// GenStage's buffer_test "keeps last events when buffer overflows".
    #[test]
    fn keep_last_drops_the_oldest() {
        let mut buffer = Buffer::new(Some(5), BufferKeep::Last);
        buffer.push(['a', 'b', 'c', 'd', 'e']);
        assert_eq!(buffer.push(['f', 'g', 'h']), 3);
        assert_eq!(buffer.take(4), vec!['d', 'e', 'f', 'g']);
        assert_eq!(buffer.take(4), vec!['h']);
    }

    /// GenStage's buffer_test "handles infinity buffer size".
    #[test]
    fn an_unbounded_buffer_drops_nothing() {
        let mut buffer = Buffer::new(None, BufferKeep::First);
        assert_eq!(buffer.push(0..100_000), 0);
        assert_eq!(buffer.len(), 100_000);
    }

    #[test]
    fn a_buffer_of_size_zero_keeps_nothing() {
        for keep in [BufferKeep::First, BufferKeep::Last] {
            let mut buffer = Buffer::new(Some(0), keep);
            assert_eq!(buffer.push([1, 2]), 2);
            assert!(buffer.is_empty());
        }
    }

    #[test]
    fn events_put_back_come_first_in_order() {
        let mut buffer = Buffer::new(None, BufferKeep::Last);
        buffer.push([3, 4]);
        buffer.push_front(vec![1, 2]);
        assert_eq!(buffer.take(10), vec![1, 2, 3, 4]);
    }
}
