//! Tests of the mailbox queue: sequential ones and tokio tasks here, loom models of its
//! concurrency below.
//!
//! Some tests look inside the queue (its tail word, its blocks): they check the states the
//! module docs describe, which no public method shows (a block allocated or not, a sender
//! stalled between its claim and its write).

/// Helpers shared by the sequential tests and the tokio tests.
#[cfg(not(loom))]
mod support {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicIsize, Ordering};
    use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
    use std::task::{Context, Poll, Waker};

    use super::super::*;

    /// Polls `rx` once, with a waker that does nothing.
    pub(super) fn poll<T>(rx: &mut Receiver<T>) -> Poll<Option<T>> {
        rx.poll_recv(&mut Context::from_waker(Waker::noop()))
    }

    /// A slot claimed and not written yet: what a sender holds between its swap of the tail
    /// word and its write.
    pub(super) struct Claimed<T> {
        block: *mut Block<T>,
        offset: usize,
    }

    /// Claims the next slot as `send` does, without writing it: a sender stalled between its
    /// claim and its write. The slot must not be a block's last (whose claim installs the next
    /// block).
    pub(super) fn claim<T>(tx: &Sender<T>) -> Claimed<T> {
        let queue = &*tx.queue;
        let word = queue.tail.load(Ordering::Acquire);
        assert_eq!(
            word & (Tail::CLOSED | Tail::INSTALLING | Tail::NO_BLOCK),
            0,
            "claim needs an open queue with a block"
        );
        let offset = Tail::offset(word);
        assert!(offset + 1 < cap(Tail::seq(word)), "not a block's last slot");
        let block = queue.tail_block.load(Ordering::Acquire);
        queue
            .tail
            .compare_exchange(
                word,
                word + Tail::OFFSET_ONE,
                Ordering::AcqRel,
                Ordering::Relaxed,
            )
            .expect("no other sender");
        Claimed { block, offset }
    }

    /// Ends the send of a slot claimed by [`claim`]: writes it and wakes the receiver, as
    /// `send` does.
    pub(super) fn finish<T>(tx: &Sender<T>, claimed: Claimed<T>, value: T) {
        let Claimed { block, offset } = claimed;
        // SAFETY: `claim` claimed slot `offset` of `block`, which stays alive until the slot is
        // written and read; nothing else writes it.
        unsafe { tx.queue.publish(block, offset, value) };
    }

    /// How many times each value was dropped, by value id.
    #[derive(Clone, Debug, Default)]
    pub(super) struct Drops(Arc<Mutex<HashMap<usize, usize>>>);

    impl Drops {
        /// A new value with this `id`.
        pub(super) fn value(&self, id: usize) -> Tracked {
            Tracked {
                id,
                drops: self.clone(),
            }
        }

        /// The number of drops so far, all values together.
        pub(super) fn total(&self) -> usize {
            self.0.lock().unwrap().values().sum()
        }

        /// Checks that values `0..n` were each dropped exactly once, and no other.
        #[track_caller]
        pub(super) fn assert_each_once(&self, n: usize) {
            let drops = self.0.lock().unwrap();
            for id in 0..n {
                assert_eq!(drops.get(&id), Some(&1), "drops of value {id}");
            }
            assert_eq!(drops.len(), n, "values dropped");
        }
    }

    /// A value that counts its drops in its [`Drops`].
    #[derive(Debug)]
    pub(super) struct Tracked {
        pub(super) id: usize,
        drops: Drops,
    }

    impl Drop for Tracked {
        fn drop(&mut self) {
            *self.drops.0.lock().unwrap().entry(self.id).or_default() += 1;
        }
    }

    /// The alignment of [`Marked`], which no other allocation of this test binary has: the
    /// allocations of that alignment are the blocks of queues of `Marked`.
    const MARK_ALIGN: usize = 512;

    /// A value whose blocks [`live_marked_blocks`] counts.
    #[repr(align(512))]
    #[derive(Debug, PartialEq)]
    pub(super) struct Marked(pub(super) usize);

    const _: () = assert!(align_of::<Marked>() == MARK_ALIGN);

    static LIVE_MARKED: AtomicIsize = AtomicIsize::new(0);
    static MARKED_TESTS: Mutex<()> = Mutex::new(());

    /// The system allocator, counting the live allocations of alignment [`MARK_ALIGN`].
    struct CountingAllocator;

    // SAFETY: every call is forwarded to the system allocator with the same arguments.
    unsafe impl GlobalAlloc for CountingAllocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: forwarded.
            let ptr = unsafe { System.alloc(layout) };
            if layout.align() == MARK_ALIGN && !ptr.is_null() {
                LIVE_MARKED.fetch_add(1, Ordering::Relaxed);
            }
            ptr
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: forwarded.
            let ptr = unsafe { System.alloc_zeroed(layout) };
            if layout.align() == MARK_ALIGN && !ptr.is_null() {
                LIVE_MARKED.fetch_add(1, Ordering::Relaxed);
            }
            ptr
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // SAFETY: forwarded; the alignment is kept, so the count does not change.
            unsafe { System.realloc(ptr, layout, new_size) }
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if layout.align() == MARK_ALIGN {
                LIVE_MARKED.fetch_sub(1, Ordering::Relaxed);
            }
            // SAFETY: forwarded.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: CountingAllocator = CountingAllocator;

    /// Serializes the tests that count blocks of [`Marked`] values.
    pub(super) fn marked_test() -> MutexGuard<'static, ()> {
        let guard = MARKED_TESTS.lock().unwrap_or_else(PoisonError::into_inner);
        assert_eq!(live_marked_blocks(), 0, "blocks left by an earlier test");
        guard
    }

    /// The blocks of queues of [`Marked`] allocated and not freed yet.
    pub(super) fn live_marked_blocks() -> isize {
        LIVE_MARKED.load(Ordering::Relaxed)
    }
}

#[cfg(not(loom))]
mod sequential {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Poll;

    use super::super::*;
    use super::support::{Drops, Marked, claim, finish, live_marked_blocks, marked_test, poll};

    /// Sends `0..n` and receives them back in order, checking `len` at every step.
    fn round_trip(n: usize) {
        let (tx, mut rx) = channel::<usize>();
        for i in 0..n {
            assert_eq!(rx.len(), i, "len before send {i} of {n}");
            tx.send(i).unwrap();
        }
        assert_eq!(rx.len(), n);
        for i in 0..n {
            assert_eq!(rx.try_recv(), Some(i), "value {i} of {n}");
            assert_eq!(rx.len(), n - i - 1);
        }
        assert_eq!(rx.try_recv(), None, "after {n} values");
        assert_eq!(rx.len(), 0);
    }

    /// Block `seq` has `cap(seq)` slots, 2 doubling up to 32, and `start(seq)` slots before it:
    /// the boundaries the order tests below straddle.
    #[test]
    fn block_sizes_double_from_2_to_32() {
        let caps: Vec<usize> = (0..7).map(cap).collect();
        assert_eq!(caps, [2, 4, 8, 16, 32, 32, 32]);
        let starts: Vec<Word> = (0..7).map(start).collect();
        assert_eq!(starts, [0, 2, 6, 14, 30, 62, 94]);
        for seq in 0..40 {
            assert_eq!(start(seq + 1), start(seq) + cap(seq) as Word, "block {seq}");
        }
        let word = (3 << Tail::SEQ_SHIFT) | (5 << Tail::OFFSET_SHIFT) | Tail::CLOSED;
        assert_eq!((Tail::seq(word), Tail::offset(word)), (3, 5));
        assert_eq!(Tail::position(word), 19);
    }

    /// 1000 values in a row come out in the order they went in.
    #[test]
    fn values_come_out_in_order_across_growing_blocks() {
        let (tx, mut rx) = channel::<usize>();
        for i in 0..1_000 {
            tx.send(i).unwrap();
        }
        assert_eq!(rx.len(), 1_000);
        for i in 0..1_000 {
            assert_eq!(rx.try_recv(), Some(i));
        }
        assert_eq!(rx.try_recv(), None);
        assert_eq!(rx.len(), 0);
    }

    /// Counts that end just before, at and just after block boundaries (2, 6, 14, 30, 62)
    /// keep their order, and `len` follows each send and receive.
    #[test]
    fn order_at_every_block_boundary() {
        for n in [1, 2, 3, 6, 7, 14, 30, 31, 62, 63, 1_000] {
            round_trip(n);
        }
    }

    /// Receiving while sending, the head catching up with the tail inside blocks and at their
    /// boundaries, keeps the order.
    #[test]
    fn interleaved_sends_and_receives_keep_order() {
        for (burst, take) in [(1, 1), (2, 1), (3, 2), (5, 5), (7, 3), (33, 31)] {
            let (tx, mut rx) = channel::<usize>();
            let (mut sent, mut received) = (0, 0);
            while sent < 500 {
                for _ in 0..burst {
                    tx.send(sent).unwrap();
                    sent += 1;
                }
                for _ in 0..take {
                    assert_eq!(rx.try_recv(), Some(received), "burst {burst}, take {take}");
                    received += 1;
                }
                assert_eq!(rx.len(), sent - received);
            }
            while received < sent {
                assert_eq!(rx.try_recv(), Some(received));
                received += 1;
            }
            assert_eq!(rx.try_recv(), None);
            assert_eq!(rx.len(), 0);
        }
    }

    /// `len` is the number of values sent and not received, across blocks, and stays 0 on an
    /// empty queue however often it is read.
    #[test]
    fn len_counts_values_in_and_out() {
        let (tx, mut rx) = channel::<u8>();
        assert_eq!(rx.len(), 0);
        assert_eq!(rx.try_recv(), None);
        assert_eq!(rx.len(), 0);
        for _ in 0..5 {
            tx.send(1).unwrap();
        }
        assert_eq!(rx.len(), 5);
        rx.try_recv().unwrap();
        rx.try_recv().unwrap();
        assert_eq!(rx.len(), 3);
        for _ in 0..40 {
            tx.send(2).unwrap();
        }
        assert_eq!(rx.len(), 43);
        for left in (0..43).rev() {
            rx.try_recv().unwrap();
            assert_eq!(rx.len(), left);
        }
        assert_eq!(rx.try_recv(), None);
        assert_eq!(rx.len(), 0);
        rx.close();
        assert_eq!(rx.len(), 0, "closing adds nothing");
    }

    /// After `close`, `send` gives back the very value it was given, from every sender, every
    /// time, and the refused values do not count in `len`.
    #[test]
    fn close_gives_the_value_back() {
        let (tx, mut rx) = channel::<String>();
        let other = tx.clone();
        tx.send("kept".to_owned()).unwrap();
        rx.close();
        assert_eq!(tx.send("first".to_owned()), Err("first".to_owned()));
        assert_eq!(other.send("second".to_owned()), Err("second".to_owned()));
        assert_eq!(tx.send("third".to_owned()), Err("third".to_owned()));
        assert_eq!(rx.len(), 1);
        assert_eq!(rx.try_recv().as_deref(), Some("kept"));
        assert_eq!(rx.try_recv(), None);
    }

    /// Values sent before `close`, over several blocks, are all received after it, in order;
    /// then the queue reads as finished: `None`, and `None` again.
    #[test]
    fn values_sent_before_close_are_received_then_none() {
        for n in [1, 2, 3, 40] {
            let (tx, mut rx) = channel::<usize>();
            for i in 0..n {
                tx.send(i).unwrap();
            }
            rx.close();
            assert_eq!(tx.send(n), Err(n));
            assert_eq!(rx.len(), n);
            for i in 0..n {
                assert_eq!(poll(&mut rx), Poll::Ready(Some(i)), "value {i} of {n}");
            }
            assert_eq!(poll(&mut rx), Poll::Ready(None), "after {n} values");
            assert_eq!(poll(&mut rx), Poll::Ready(None), "still finished");
            assert_eq!(rx.len(), 0);
        }
    }

    /// An open, empty queue is pending, not finished, whether it has a block or not.
    #[test]
    fn open_empty_queue_is_pending() {
        let (tx, mut rx) = channel::<u8>();
        assert_eq!(poll(&mut rx), Poll::Pending, "no block yet");
        tx.send(1).unwrap();
        assert_eq!(poll(&mut rx), Poll::Ready(Some(1)));
        assert_eq!(poll(&mut rx), Poll::Pending, "inside the first block");
        tx.send(2).unwrap();
        assert_eq!(poll(&mut rx), Poll::Ready(Some(2)));
        assert_eq!(
            poll(&mut rx),
            Poll::Pending,
            "at the end of the first block"
        );
    }

    /// Closing before the first send: sends are refused, no block is ever installed, and the
    /// receiver finishes at once.
    #[test]
    fn close_before_any_send() {
        let (tx, mut rx) = channel::<u32>();
        rx.close();
        assert_eq!(tx.send(7), Err(7));
        assert!(tx.queue.first_block.load(Ordering::Acquire).is_null());
        assert_eq!(rx.len(), 0);
        assert_eq!(poll(&mut rx), Poll::Ready(None));
    }

    /// A slot claimed before `close` and written after it is still received: the closed
    /// receiver waits for it (pending, `len` 1) instead of finishing.
    #[test]
    fn closed_receiver_waits_for_a_claimed_slot() {
        let (tx, mut rx) = channel::<u32>();
        tx.send(1).unwrap();
        tx.send(2).unwrap();
        let stalled = claim(&tx);
        rx.close();
        assert_eq!(tx.send(4), Err(4));
        assert_eq!(poll(&mut rx), Poll::Ready(Some(1)));
        assert_eq!(poll(&mut rx), Poll::Ready(Some(2)));
        assert_eq!(
            poll(&mut rx),
            Poll::Pending,
            "a claimed slot is not the end"
        );
        assert_eq!(rx.len(), 1);
        finish(&tx, stalled, 3);
        assert_eq!(poll(&mut rx), Poll::Ready(Some(3)));
        assert_eq!(poll(&mut rx), Poll::Ready(None));
    }

    /// Dropping the receiver drops the values in the queue right away, though a sender keeps
    /// the queue alive, whether part of them was read or not; later sends are refused.
    #[test]
    fn dropping_the_receiver_drops_queued_values_at_once() {
        for (n, read) in [(1, 0), (2, 0), (40, 0), (40, 2), (40, 7)] {
            let value = Arc::new(());
            let (tx, mut rx) = channel::<Arc<()>>();
            for _ in 0..n {
                tx.send(value.clone()).unwrap();
            }
            for _ in 0..read {
                rx.try_recv().unwrap();
            }
            assert_eq!(Arc::strong_count(&value), 1 + n - read);
            drop(rx);
            assert_eq!(Arc::strong_count(&value), 1, "{n} sent, {read} read");
            let refused = tx.send(value.clone()).unwrap_err();
            assert!(Arc::ptr_eq(&refused, &value));
            drop(refused);
            drop(tx);
            assert_eq!(Arc::strong_count(&value), 1);
        }
    }

    /// Dropping the receiver and the senders (in either order) with unread values, in the
    /// first block or over several, the head anywhere in a block, drops each value exactly
    /// once.
    #[test]
    fn dropping_everything_drops_each_unread_value_once() {
        for n in [1, 2, 3, 5, 6, 40, 100] {
            for read in [0, 1, 2, 3, 6, 7, 31] {
                if read > n {
                    continue;
                }
                for receiver_first in [true, false] {
                    let drops = Drops::default();
                    let (tx, mut rx) = channel();
                    for id in 0..n {
                        tx.send(drops.value(id)).unwrap();
                    }
                    for id in 0..read {
                        assert_eq!(rx.try_recv().map(|value| value.id), Some(id));
                    }
                    assert_eq!(drops.total(), read, "only the values read");
                    if receiver_first {
                        drop(rx);
                        drop(tx);
                    } else {
                        drop(tx);
                        drop(rx);
                    }
                    drops.assert_each_once(n);
                }
            }
        }
    }

    /// Values left behind a slot whose sender stalled are dropped with the queue: the
    /// receiver's drop stops at the stalled slot, the queue's own drop takes the rest, each
    /// exactly once.
    #[test]
    fn drop_with_a_stalled_sender_drops_each_value_once() {
        let drops = Drops::default();
        let (tx, mut rx) = channel();
        for id in 0..3 {
            tx.send(drops.value(id)).unwrap();
        }
        // Slot 1 of the second block.
        let stalled = claim(&tx);
        for id in 4..50 {
            tx.send(drops.value(id)).unwrap();
        }
        assert_eq!(rx.try_recv().map(|value| value.id), Some(0));
        drop(rx);
        assert_eq!(drops.total(), 3, "the values before the stalled slot");
        assert!(tx.send(drops.value(50)).is_err());
        assert_eq!(drops.total(), 4, "and the refused one");
        finish(&tx, stalled, drops.value(3));
        assert_eq!(drops.total(), 4);
        drop(tx);
        drops.assert_each_once(51);
    }

    /// Zero-sized values go through, are counted and are dropped like any other.
    #[test]
    fn zero_sized_values() {
        static DROPS: AtomicUsize = AtomicUsize::new(0);
        #[derive(Debug)]
        struct Zst;
        impl Drop for Zst {
            fn drop(&mut self) {
                DROPS.fetch_add(1, Ordering::Relaxed);
            }
        }
        const _: () = assert!(size_of::<Zst>() == 0);

        let (tx, mut rx) = channel::<()>();
        for _ in 0..100 {
            tx.send(()).unwrap();
        }
        assert_eq!(rx.len(), 100);
        for _ in 0..100 {
            assert_eq!(rx.try_recv(), Some(()));
        }
        assert_eq!(rx.try_recv(), None);

        let (tx, mut rx) = channel::<Zst>();
        for _ in 0..70 {
            tx.send(Zst).unwrap();
        }
        for _ in 0..10 {
            assert!(rx.try_recv().is_some());
        }
        assert_eq!(DROPS.load(Ordering::Relaxed), 10);
        assert_eq!(rx.len(), 60);
        drop(rx);
        assert_eq!(DROPS.load(Ordering::Relaxed), 70);
        drop(tx);
        assert_eq!(DROPS.load(Ordering::Relaxed), 70);
    }

    /// A value aligned to 32 bytes: every slot of every block size is aligned, and values
    /// come out intact and in order.
    #[test]
    fn values_aligned_to_32() {
        #[repr(align(32))]
        #[derive(Debug, PartialEq)]
        struct Aligned(u64, u8);
        const _: () = assert!(align_of::<Aligned>() == 32);

        for seq in 0..GROWING as Word + 1 {
            let block = Block::<Aligned>::alloc(cap(seq));
            assert_eq!(block.as_ptr().addr() % 32, 0);
            for i in 0..cap(seq) {
                // SAFETY: the block is alive and `i < cap`.
                let slot = unsafe { Block::slot(block.as_ptr(), i) };
                let addr = slot.with(|slot| slot.addr());
                assert_eq!(addr % 32, 0, "slot {i} of a block of {}", cap(seq));
                assert!(addr - block.as_ptr().addr() >= size_of::<Block<Aligned>>());
            }
            // SAFETY: fresh from `Block::alloc`, no slot written.
            unsafe { Block::free(block.as_ptr()) };
        }

        let (tx, mut rx) = channel::<Aligned>();
        for i in 0..100 {
            tx.send(Aligned(i, i as u8)).unwrap();
        }
        for i in 0..100 {
            assert_eq!(rx.try_recv(), Some(Aligned(i, i as u8)));
        }
        assert_eq!(rx.try_recv(), None);
    }

    /// The queue allocates no block before the first send, one per block reached by the
    /// sends, frees each block once the head has moved past it, and nothing is left after a
    /// drop; a refused send allocates nothing.
    #[test]
    fn blocks_are_allocated_on_demand_and_freed_once_read() {
        let _serial = marked_test();
        let (tx, mut rx) = channel::<Marked>();
        assert_eq!(live_marked_blocks(), 0, "an idle queue has no block");
        tx.send(Marked(0)).unwrap();
        assert_eq!(live_marked_blocks(), 1, "the first block");
        tx.send(Marked(1)).unwrap();
        assert_eq!(
            live_marked_blocks(),
            2,
            "the last slot's sender installs the next"
        );
        assert_eq!(rx.try_recv(), Some(Marked(0)));
        assert_eq!(rx.try_recv(), Some(Marked(1)));
        assert_eq!(live_marked_blocks(), 2);
        assert_eq!(rx.try_recv(), None);
        assert_eq!(live_marked_blocks(), 1, "the first block is freed");
        for i in 2..200 {
            tx.send(Marked(i)).unwrap();
        }
        for i in 2..200 {
            assert_eq!(rx.try_recv(), Some(Marked(i)));
        }
        assert_eq!(rx.try_recv(), None);
        // The head's block and the one its last slot's sender installed, at most.
        assert!(live_marked_blocks() <= 2, "{} blocks", live_marked_blocks());
        for i in 200..300 {
            tx.send(Marked(i)).unwrap();
        }
        drop(rx);
        drop(tx);
        assert_eq!(live_marked_blocks(), 0, "all freed with the queue");

        let (tx, mut rx) = channel::<Marked>();
        rx.close();
        assert_eq!(tx.send(Marked(0)), Err(Marked(0)));
        assert_eq!(live_marked_blocks(), 0, "a refused send allocates nothing");
        drop((tx, rx));
        let (tx, rx) = channel::<Marked>();
        for i in 0..3 {
            tx.send(Marked(i)).unwrap();
        }
        drop((tx, rx));
        assert_eq!(
            live_marked_blocks(),
            0,
            "unread blocks freed with the queue"
        );
    }
}

/// The queue between tokio tasks and threads, for real.
#[cfg(not(loom))]
mod tasks {
    use std::sync::{Arc, Barrier};
    use std::thread;
    use std::time::Duration;

    use tokio::time::{sleep, timeout};

    use super::super::*;
    use super::support::{Marked, live_marked_blocks, marked_test};

    /// Long enough for anything that should happen in these tests (under Miri too, which is a
    /// thousand times slower); a hang fails instead.
    const LIMIT: Duration = Duration::from_secs(if cfg!(miri) { 600 } else { 10 });

    /// A `recv` with nothing to read waits, and a `send` from another task wakes it: on a
    /// queue without a block, inside a block, and with the head at a block's end.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn recv_waits_for_a_later_send() {
        for before in [0, 1, 2, 6] {
            let (tx, mut rx) = channel::<usize>();
            for i in 0..before {
                tx.send(i).unwrap();
                assert_eq!(rx.recv().await, Some(i));
            }
            let receiver = tokio::spawn(async move {
                let value = rx.recv().await;
                (value, rx)
            });
            sleep(Duration::from_millis(20)).await;
            assert!(!receiver.is_finished(), "recv returned with nothing sent");
            let sender = tokio::spawn(async move {
                tx.send(100).unwrap();
                tx
            });
            let (value, mut rx) = timeout(LIMIT, receiver).await.unwrap().unwrap();
            assert_eq!(value, Some(100), "after {before} values");
            let tx = sender.await.unwrap();
            rx.close();
            assert_eq!(rx.recv().await, None);
            drop(tx);
        }
    }

    /// Four sender tasks on a multi-thread runtime, 50,000 values each: every value comes out
    /// exactly once, each sender's in the order it sent them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_senders_every_value_once_in_order() {
        const SENDERS: usize = 4;
        // Miri runs this a thousand times slower.
        const EACH: usize = if cfg!(miri) { 100 } else { 50_000 };
        let (tx, mut rx) = channel::<(usize, usize)>();
        let senders: Vec<_> = (0..SENDERS)
            .map(|id| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    for seq in 0..EACH {
                        tx.send((id, seq)).unwrap();
                        if seq % 1_000 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        let mut next = [0; SENDERS];
        timeout(LIMIT, async {
            for _ in 0..SENDERS * EACH {
                let (id, seq) = rx.recv().await.unwrap();
                assert_eq!(seq, next[id], "sender {id}");
                next[id] += 1;
            }
        })
        .await
        .expect("every value received");
        assert_eq!(next, [EACH; SENDERS]);
        for sender in senders {
            sender.await.unwrap();
        }
        assert_eq!(rx.len(), 0);
        assert_eq!(rx.try_recv(), None);
        rx.close();
        assert_eq!(rx.recv().await, None);
        drop(tx);
    }

    /// The receiver closes while four senders keep sending: each sender is refused from some
    /// point on (with its value given back, and for good), and every value it had sent
    /// before is received, in order, before `recv` returns `None`.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn close_while_senders_race() {
        const SENDERS: usize = 4;
        let (tx, mut rx) = channel::<(usize, usize)>();
        let senders: Vec<_> = (0..SENDERS)
            .map(|id| {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let mut seq = 0;
                    loop {
                        match tx.send((id, seq)) {
                            Ok(()) => seq += 1,
                            Err(value) => {
                                assert_eq!(value, (id, seq), "the refused value given back");
                                assert_eq!(tx.send((id, seq + 1)), Err((id, seq + 1)));
                                return seq;
                            }
                        }
                        if seq % 256 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        drop(tx);
        let mut next = [0; SENDERS];
        timeout(LIMIT, async {
            for _ in 0..if cfg!(miri) { 200 } else { 5_000 } {
                let (id, seq) = rx.recv().await.unwrap();
                assert_eq!(seq, next[id], "sender {id}");
                next[id] += 1;
            }
            rx.close();
            while let Some((id, seq)) = rx.recv().await {
                assert_eq!(seq, next[id], "sender {id}");
                next[id] += 1;
            }
        })
        .await
        .expect("every value received");
        for (id, sender) in senders.into_iter().enumerate() {
            let sent = sender.await.unwrap();
            assert_eq!(next[id], sent, "sender {id}: values sent, values received");
        }
        assert_eq!(rx.try_recv(), None);
        assert_eq!(rx.len(), 0);
    }

    /// Threads racing the first send of fresh queues, then racing over many blocks while the
    /// receiver reads: no block is left once the queues are dropped (a sender that loses the
    /// race for a block frees the one it allocated).
    #[test]
    fn racing_senders_leave_no_block() {
        const THREADS: usize = 4;
        let _serial = marked_test();
        for round in 0..200 {
            let (tx, mut rx) = channel::<Marked>();
            let start = Arc::new(Barrier::new(THREADS));
            let threads: Vec<_> = (0..THREADS)
                .map(|id| {
                    let (tx, start) = (tx.clone(), start.clone());
                    thread::spawn(move || {
                        start.wait();
                        tx.send(Marked(id)).unwrap();
                        // Races for the last slots of the first and second blocks too.
                        tx.send(Marked(THREADS + id)).unwrap();
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
            let mut got: Vec<usize> = (0..2 * THREADS).map(|_| rx.try_recv().unwrap().0).collect();
            got.sort_unstable();
            assert_eq!(got, Vec::from_iter(0..2 * THREADS), "round {round}");
            assert_eq!(rx.try_recv(), None);
            drop((tx, rx));
            assert_eq!(live_marked_blocks(), 0, "round {round}");
        }

        let (tx, mut rx) = channel::<Marked>();
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let tx = tx.clone();
                thread::spawn(move || {
                    for i in 0..5_000 {
                        tx.send(Marked(i)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        let mut received = 0;
        while received < THREADS * 5_000 {
            match rx.try_recv() {
                Some(_) => received += 1,
                None => thread::yield_now(),
            }
        }
        for thread in threads {
            thread.join().unwrap();
        }
        assert!(live_marked_blocks() <= 2, "{} blocks", live_marked_blocks());
        drop(rx);
        assert_eq!(live_marked_blocks(), 0);
    }
}

/// Loom models: every interleaving of a few threads (up to a preemption bound where the full
/// model is too slow), with loom's checks of data races on the slots, of leaked `Arc`s, and
/// of deadlocks (a receiver left waiting without a wake).
#[cfg(loom)]
mod loom_models {
    use loom::future::block_on;
    use loom::thread;

    use super::super::*;
    use crate::sync::{AtomicUsize, Dropped};

    /// The preemption bound of every model (override with `LOOM_PREEMPTIONS`).
    const PREEMPTIONS: usize = 2;

    /// Runs `f` under every interleaving with at most `preemptions` preemptions.
    fn check(preemptions: usize, f: impl Fn() + Sync + Send + 'static) {
        let mut builder = loom::model::Builder::new();
        let preemptions = std::env::var("LOOM_PREEMPTIONS")
            .ok()
            .and_then(|bound| bound.parse().ok())
            .unwrap_or(preemptions);
        builder.preemption_bound = Some(preemptions);
        builder.check(f);
    }

    /// One value sent first, then two senders of one value each while the receiver reads: the
    /// two fill the first block (2 slots) and cross into the second, so the claim of the first
    /// block's last slot and the install of the second block race the other sender's claim,
    /// and the receiver frees the first block. Every value arrives once.
    ///
    /// Sizes: each sender's own order is a sequential property (tested above); the concurrent
    /// part is the boundary. Two values per sender took over 15 minutes at a preemption bound
    /// of 2, once the senders also look for a parked receiver.
    #[test]
    fn two_senders_cross_the_first_block() {
        check(PREEMPTIONS, || {
            let (tx, mut rx) = channel::<usize>();
            tx.send(0).unwrap();
            let senders: Vec<_> = (1..3)
                .map(|value| {
                    let tx = tx.clone();
                    thread::spawn(move || tx.send(value).unwrap())
                })
                .collect();
            drop(tx);
            let mut received = [false; 3];
            for _ in 0..3 {
                let value = block_on(rx.recv()).unwrap();
                assert!(!received[value], "{value} received twice");
                received[value] = true;
            }
            assert!(received[0], "the first value");
            for sender in senders {
                sender.join().unwrap();
            }
            assert_eq!(rx.try_recv(), None);
            assert_eq!(rx.len(), 0);
        });
    }

    /// Two senders race the very first send, which installs the first block (`NO_BLOCK`),
    /// while the receiver waits for the first value (both senders may find it parked, and one
    /// wakes it): both values arrive once, and the first block is the one the receiver read.
    ///
    /// Sizes: one value per sender is the whole race. The receiver waits for the first value
    /// only (the second is read after the senders are done): waiting for both took four
    /// minutes at a preemption bound of 2.
    #[test]
    fn two_senders_race_the_first_install() {
        check(PREEMPTIONS, || {
            let (tx, mut rx) = channel::<usize>();
            let senders: Vec<_> = (0..2)
                .map(|id| {
                    let tx = tx.clone();
                    thread::spawn(move || tx.send(id).unwrap())
                })
                .collect();
            let a = block_on(rx.recv()).unwrap();
            for sender in senders {
                sender.join().unwrap();
            }
            let b = rx
                .try_recv()
                .expect("the second value, once both sends are done");
            assert_eq!(a + b, 1, "both values, once: {a} and {b}");
            assert_eq!(rx.len(), 0);
            assert_eq!(rx.try_recv(), None);
            assert_eq!(Tail::position(tx.queue.tail.load(Ordering::Acquire)), 2);
        });
    }

    /// `close` races a sender's two sends, from a fresh queue (the first block's install) and
    /// after one value (the second block's install): each send either is refused, and every
    /// later one too, or its value is received before `recv` returns `None`.
    ///
    /// Sizes: one sender of two values, the receiver closing then draining; the full model
    /// is fast enough.
    #[test]
    fn close_races_a_send() {
        for before in [0, 1] {
            check(PREEMPTIONS, move || {
                let (tx, mut rx) = channel::<usize>();
                for i in 0..before {
                    tx.send(i).unwrap();
                }
                let sender = thread::spawn(move || {
                    let first = tx.send(10).is_ok();
                    let second = tx.send(11).is_ok();
                    assert!(first || !second, "a send accepted after one refused");
                    (first, second)
                });
                rx.close();
                let mut received = Vec::new();
                while let Some(value) = block_on(rx.recv()) {
                    received.push(value);
                }
                let (first, second) = sender.join().unwrap();
                let mut expected = Vec::from_iter(0..before);
                expected.extend(
                    [(first, 10), (second, 11)]
                        .iter()
                        .filter(|v| v.0)
                        .map(|v| v.1),
                );
                assert_eq!(received, expected);
                assert_eq!(rx.len(), 0);
            });
        }
    }

    /// The receiver blocked in `recv` is woken by a send from another thread: on a fresh
    /// queue, inside the first block, and at its end (loom fails the model as a deadlock if
    /// a wake is lost).
    ///
    /// Sizes: one value sent while the receiver waits; the full model is fast enough.
    #[test]
    fn blocked_recv_is_woken_by_a_send() {
        for before in [0, 1, 2] {
            check(PREEMPTIONS, move || {
                let (tx, mut rx) = channel::<usize>();
                for i in 0..before {
                    tx.send(i).unwrap();
                    assert_eq!(rx.try_recv(), Some(i));
                }
                let sender = thread::spawn(move || {
                    tx.send(7).unwrap();
                    tx
                });
                assert_eq!(block_on(rx.recv()), Some(7));
                let tx = sender.join().unwrap();
                assert_eq!(rx.try_recv(), None);
                drop(tx);
            });
        }
    }

    /// The receiver is dropped (after reading one value) while two senders are sending, and
    /// the queue goes with whoever holds it last: every value is dropped exactly once,
    /// received, refused or left in the queue (counted, and loom checks that no `Arc` leaks).
    ///
    /// Sizes: one value sent first and one per sender, so the senders cross the first block
    /// as the receiver goes; two values per sender took four minutes at a preemption bound
    /// of 2.
    #[test]
    fn drop_with_values_in_flight() {
        check(PREEMPTIONS, || {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, mut rx) = channel::<Dropped>();
            assert!(tx.send(Dropped(drops.clone())).is_ok());
            let senders: Vec<_> = (0..2)
                .map(|_| {
                    let (tx, drops) = (tx.clone(), drops.clone());
                    thread::spawn(move || {
                        let _ = tx.send(Dropped(drops.clone()));
                    })
                })
                .collect();
            drop(tx);
            drop(block_on(rx.recv()));
            drop(rx);
            for sender in senders {
                sender.join().unwrap();
            }
            assert_eq!(drops.load(Ordering::Relaxed), 3);
            assert_eq!(Arc::strong_count(&drops), 1);
        });
    }
}
