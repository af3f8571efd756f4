//! A server's mailbox: an unbounded, lock-free queue with many senders and one receiver (the
//! server's task), grown on demand.
//!
//! tokio's unbounded channel would do, but it allocates its first block of 32 slots with the
//! channel, and that block alone is most of what an idle server costs. This queue starts with
//! no block at all; its blocks are linked in a list and double in size from 2 slots to 32, so a
//! server that gets a message now and then keeps a block of a few slots, and a busy one gets
//! tokio's block size.
//!
//! # The algorithm
//!
//! The blocks form a singly linked list: senders write at the tail, the receiver reads at the
//! head and frees each block once it has read all of it. The tail is one atomic word holding
//! the number of the tail block (`seq`), the next free slot in it (`offset`) and three flags
//! (see [`Tail`]). The capacity of block `seq` is a function of `seq`, so a sender learns
//! everything it needs from the word alone.
//!
//! A sender claims a slot with a compare-and-swap of the tail word, and only then touches the
//! block: a successful swap proves the tail did not move since the sender read the word and the
//! block pointer, so the block is the word's and is still alive (the receiver frees a block only
//! after every one of its slots was claimed, written and read). The sender that claims a
//! block's last slot sets `INSTALLING`, links the next block (allocated before the swap), then
//! clears the flag; other senders wait for it, spinning on the word (a few instructions, no
//! allocation, no lock). The first block is installed the same way by the first sender
//! (`NO_BLOCK`). After claiming, a sender writes its slot, sets the slot's bit in the block's
//! `written` mask, and wakes the receiver.
//!
//! The receiver reads the slot at its head once its bit is set; a claimed slot not yet written
//! reads as "empty" (its sender will wake the receiver when done). Closing sets `CLOSED` in the
//! tail word: no slot is claimed after it, so once the receiver has read up to the tail
//! position, nothing can follow.
//!
//! Waking: a receiver that finds nothing stores its waker and sets `PARKED` in the tail word,
//! then looks once more. A sender, after writing its slot, reads the tail word: only if
//! `PARKED` is set does it turn it into `WAKING`, wake the receiver and clear `WAKING`. So the
//! senders of a busy server (one that has not parked) pay one load for the wake-up, where an
//! `AtomicWaker` costs two read-modify-writes per send. The flag and the slot's bit are written
//! and read with sequentially consistent accesses, which is what makes "the receiver finds the
//! value, or the sender finds the flag" hold (see `Receiver::park`).
//!
//! The loom tests (`RUSTFLAGS="--cfg loom" cargo test -p genserver-core --release --lib
//! mailbox`, a few minutes) check this under every interleaving of a few senders, up to a
//! preemption bound of 2 (`LOOM_PREEMPTIONS=3` for more), block changes and wake-ups included.
#![allow(unsafe_code)]

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::future::poll_fn;
use std::mem::MaybeUninit;
use std::ptr::{self, NonNull};
use std::task::{Context, Poll, Waker};

use crate::sync::{Arc, AtomicPtr, AtomicU32, Ordering, UnsafeCell};

/// The tail word, 64 bits wide where the target has 64-bit atomics: its position counts every
/// message a server ever receives, and must not wrap.
#[cfg(target_has_atomic = "64")]
type AtomicWord = crate::sync::AtomicU64;
#[cfg(target_has_atomic = "64")]
type Word = u64;
/// Without 64-bit atomics, the word is a `usize`: on a 32-bit target a server can then receive
/// about 2^27 messages in its life.
#[cfg(not(target_has_atomic = "64"))]
type AtomicWord = crate::sync::AtomicUsize;
#[cfg(not(target_has_atomic = "64"))]
type Word = usize;

#[cfg(test)]
mod tests;

/// Slots of the first block.
const FIRST_CAP: usize = 2;
/// Slots of the largest block (and of every block from the fifth on). At most 32: one bit per
/// slot in [`Block::written`].
const MAX_CAP: usize = 32;
/// Blocks before the first of `MAX_CAP` slots (2, 4, 8, 16).
const GROWING: usize = MAX_CAP.trailing_zeros() as usize - FIRST_CAP.trailing_zeros() as usize;

/// The slots of block number `seq`.
fn cap(seq: Word) -> usize {
    if seq < GROWING as Word {
        FIRST_CAP << seq
    } else {
        MAX_CAP
    }
}

/// How many slots come before block number `seq`.
fn start(seq: Word) -> Word {
    // FIRST_CAP * (2^seq - 1) while growing, then MAX_CAP more per block.
    let growing = seq.min(GROWING as Word);
    (FIRST_CAP as Word) * ((1 << growing) - 1) + (seq - growing) * MAX_CAP as Word
}

/// The tail word: `seq << SEQ_SHIFT | offset << OFFSET_SHIFT | flags`.
struct Tail;

impl Tail {
    /// No slot can be claimed any more.
    const CLOSED: Word = 1;
    /// A sender is installing the block `seq`: the others wait until the flag is cleared.
    const INSTALLING: Word = 2;
    /// Block `seq` (the first) is not allocated yet: the next sender installs it.
    const NO_BLOCK: Word = 4;
    /// The receiver waits for a value, with its waker stored: the sender that clears the flag
    /// wakes it.
    const PARKED: Word = 8;
    /// A sender is waking the receiver (reading its waker, which the receiver must not change
    /// meanwhile).
    const WAKING: Word = 16;
    /// The receiver's flags: kept by every change of the word's position.
    const RECEIVER: Word = Self::PARKED | Self::WAKING;
    const OFFSET_SHIFT: u32 = 5;
    /// Offsets go up to `MAX_CAP - 1`; the word moves to the next block after the last one.
    const OFFSET_BITS: u32 = MAX_CAP.trailing_zeros();
    const OFFSET_ONE: Word = 1 << Self::OFFSET_SHIFT;
    const SEQ_SHIFT: u32 = Self::OFFSET_SHIFT + Self::OFFSET_BITS;

    fn seq(word: Word) -> Word {
        word >> Self::SEQ_SHIFT
    }

    fn offset(word: Word) -> usize {
        ((word >> Self::OFFSET_SHIFT) & ((1 << Self::OFFSET_BITS) - 1)) as usize
    }

    /// The number of slots claimed so far.
    fn position(word: Word) -> Word {
        start(Self::seq(word)) + Self::offset(word) as Word
    }
}

/// A slot's value, written once by the sender that claimed it, read once by the receiver.
type Slot<T> = UnsafeCell<MaybeUninit<T>>;

/// The header of a block; its `cap` slots follow it in the same allocation.
#[repr(C)]
struct Block<T> {
    /// The next block, set by the sender that claimed this block's last slot, before it writes
    /// that slot.
    next: AtomicPtr<Block<T>>,
    /// Bit `i` is set once slot `i` is written.
    written: AtomicU32,
    /// Number of slots (fixed at allocation, read by whoever frees the block).
    cap: u32,
    slots: [Slot<T>; 0],
}

impl<T> Block<T> {
    fn layout(cap: usize) -> (Layout, usize) {
        let (layout, offset) = Layout::new::<Block<T>>()
            .extend(Layout::array::<Slot<T>>(cap).expect("a block of at most 32 slots"))
            .expect("a block of at most 32 slots");
        (layout.pad_to_align(), offset)
    }

    /// A new block of `cap` empty slots.
    fn alloc(cap: usize) -> NonNull<Block<T>> {
        let (layout, slots_at) = Self::layout(cap);
        // SAFETY: the layout has a non-zero size (the header alone has one).
        let raw = unsafe { alloc(layout) };
        let Some(block) = NonNull::new(raw.cast::<Block<T>>()) else {
            handle_alloc_error(layout)
        };
        // SAFETY: `raw` is a fresh allocation of `layout`, which holds the header and, at
        // `slots_at`, `cap` slots; each field and slot is written once before any use.
        unsafe {
            block.as_ptr().write(Block {
                next: AtomicPtr::new(ptr::null_mut()),
                written: AtomicU32::new(0),
                cap: cap as u32,
                slots: [],
            });
            let slots = raw.add(slots_at).cast::<Slot<T>>();
            for i in 0..cap {
                slots.add(i).write(UnsafeCell::new(MaybeUninit::uninit()));
            }
        }
        block
    }

    /// Slot `i` of `block`.
    ///
    /// # Safety
    /// `block` is alive and `i < cap`.
    unsafe fn slot<'a>(block: *const Block<T>, i: usize) -> &'a Slot<T> {
        // SAFETY: the slots follow the header, as laid out by `alloc`.
        unsafe { &*ptr::addr_of!((*block).slots).cast::<Slot<T>>().add(i) }
    }

    /// Frees `block`, without dropping any value still in it.
    ///
    /// # Safety
    /// `block` came from [`Block::alloc`] and nothing uses it any more.
    unsafe fn free(block: *mut Block<T>) {
        // SAFETY: per the contract, `block` is alive and ours alone.
        unsafe {
            let cap = (*block).cap as usize;
            for i in 0..cap {
                // Freeing writes the slot: tell loom, which then reports a sender's write that
                // does not happen before it (loom does not see the deallocation itself).
                #[cfg(loom)]
                Self::slot(block, i).with_mut(|_| ());
                ptr::drop_in_place(ptr::from_ref(Self::slot(block, i)).cast_mut());
            }
            ptr::drop_in_place(block);
            dealloc(block.cast(), Self::layout(cap).0);
        }
    }
}

/// Where the receiver reads next. Only the receiver touches it.
struct Head<T> {
    /// The block being read; null until the first block is found.
    block: *mut Block<T>,
    seq: Word,
    offset: usize,
}

/// The queue, shared by the senders and the receiver.
struct Queue<T> {
    tail: AtomicWord,
    /// The block senders write into (the one of the tail word's `seq`).
    tail_block: AtomicPtr<Block<T>>,
    /// The first block, set once by the sender that installs it; the receiver starts there.
    first_block: AtomicPtr<Block<T>>,
    /// Only the receiver reads or writes it (a [`Receiver`] is not `Clone`, and its methods
    /// take `&mut self`).
    head: UnsafeCell<Head<T>>,
    /// The receiver's waker. Written by the receiver only while neither `PARKED` nor `WAKING`
    /// is set; read by the one sender that turned `PARKED` into `WAKING`.
    receiver: UnsafeCell<Option<Waker>>,
    /// How many values the receiver has taken, for [`Observed`]: written by the receiver
    /// alone (a plain store, no read-modify-write), beside the head it writes anyway.
    #[cfg(all(feature = "observer", not(loom)))]
    received: AtomicWord,
}

// SAFETY: values of `T` move from sender to receiver threads, so `T: Send` is needed and
// enough; the raw pointers are the queue's own blocks, whose access the algorithm orders.
unsafe impl<T: Send> Send for Queue<T> {}
// SAFETY: as above; shared access is through atomics, and `head` only by the single receiver.
unsafe impl<T: Send> Sync for Queue<T> {}

/// What an observer reads of a mailbox of any value type, from any thread: how many values
/// wait, how many were taken, whether the receiver waits for one. A reading, not a
/// synchronisation: each figure is exact at some moment during the call.
#[cfg(all(feature = "observer", not(loom)))]
pub(crate) trait Observed: Send + Sync + 'static {
    /// Values taken by the receiver so far.
    fn received(&self) -> u64;
    /// Values sent and not taken yet.
    fn len(&self) -> usize;
    /// `true` while the receiver waits for a value (it found none, and nobody woke it since).
    fn parked(&self) -> bool;
}

#[cfg(all(feature = "observer", not(loom)))]
impl<T: Send + 'static> Observed for Queue<T> {
    // `Word` is a `usize` on targets without 64-bit atomics.
    #[allow(clippy::unnecessary_cast)]
    fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed) as u64
    }

    fn len(&self) -> usize {
        // `received` first: it never passes the tail read after it (a value is claimed at the
        // tail before it is taken), so the difference is not negative.
        let received = self.received.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        Tail::position(tail).saturating_sub(received) as usize
    }

    fn parked(&self) -> bool {
        self.tail.load(Ordering::Acquire) & Tail::PARKED != 0
    }
}

/// Creates a mailbox: a sender (cheap to clone) and the one receiver.
pub(crate) fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let queue = Arc::new(Queue {
        tail: AtomicWord::new(Tail::NO_BLOCK),
        tail_block: AtomicPtr::new(ptr::null_mut()),
        first_block: AtomicPtr::new(ptr::null_mut()),
        head: UnsafeCell::new(Head {
            block: ptr::null_mut(),
            seq: 0,
            offset: 0,
        }),
        receiver: UnsafeCell::new(None),
        #[cfg(all(feature = "observer", not(loom)))]
        received: AtomicWord::new(0),
    });
    (
        Sender {
            queue: queue.clone(),
        },
        Receiver { queue },
    )
}

/// The sending side of a mailbox.
pub(crate) struct Sender<T> {
    queue: Arc<Queue<T>>,
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            queue: self.queue.clone(),
        }
    }
}

impl<T: Send + 'static> Sender<T> {
    /// The mailbox, as an observer reads it (the same queue, not a copy).
    #[cfg(all(feature = "observer", not(loom)))]
    pub(crate) fn observed(&self) -> std::sync::Arc<dyn Observed> {
        self.queue.clone()
    }
}

impl<T> Sender<T> {
    /// Queues `value`, or gives it back if the mailbox is closed.
    #[inline]
    pub(crate) fn send(&self, value: T) -> Result<(), T> {
        let queue = &*self.queue;
        // The common case, inline: an open queue whose tail block has a free slot that is not
        // its last. Everything else (the first block, the last slot of a block, a block being
        // installed, a closed queue, a lost race) takes the loop of `send_slow`.
        let word = queue.tail.load(Ordering::Acquire);
        if word & (Tail::CLOSED | Tail::INSTALLING | Tail::NO_BLOCK) == 0
            && Tail::offset(word) + 1 < cap(Tail::seq(word))
        {
            let offset = Tail::offset(word);
            // Read before the swap; used only if the swap proves it is the word's block.
            let block = queue.tail_block.load(Ordering::Acquire);
            if queue
                .tail
                .compare_exchange_weak(
                    word,
                    word + Tail::OFFSET_ONE,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                // SAFETY: as in `send_slow`, for a slot that is not the block's last.
                unsafe { queue.publish(block, offset, value) };
                return Ok(());
            }
        }
        self.send_slow(value)
    }

    /// [`send`](Sender::send), in every case.
    #[inline(never)]
    fn send_slow(&self, value: T) -> Result<(), T> {
        let queue = &*self.queue;
        // The block for the next one, allocated before claiming a block's last slot (or the
        // first slot of all), so that the others wait for a few stores, not an allocation.
        let mut spare: Option<NonNull<Block<T>>> = None;
        let result = loop {
            let word = queue.tail.load(Ordering::Acquire);
            if word & Tail::CLOSED != 0 {
                break Err(value);
            }
            if word & Tail::INSTALLING != 0 {
                spin();
                continue;
            }
            let seq = Tail::seq(word);
            if word & Tail::NO_BLOCK != 0 {
                let block = *spare.get_or_insert_with(|| Block::alloc(cap(seq)));
                let installing = (word & !Tail::NO_BLOCK) | Tail::INSTALLING;
                if queue
                    .tail
                    .compare_exchange(word, installing, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    spare = None;
                    queue.first_block.store(block.as_ptr(), Ordering::Release);
                    queue.tail_block.store(block.as_ptr(), Ordering::Release);
                    queue.tail.fetch_and(!Tail::INSTALLING, Ordering::Release);
                }
                continue;
            }
            let offset = Tail::offset(word);
            // Read before the swap; used only if the swap proves it is the word's block.
            let block = queue.tail_block.load(Ordering::Acquire);
            let last = offset + 1 == cap(seq);
            let claimed = if last {
                if let Some(stale) = spare {
                    // SAFETY: the spare is ours alone, fresh from `Block::alloc`.
                    unsafe {
                        if (*stale.as_ptr()).cap as usize != cap(seq + 1) {
                            Block::free(stale.as_ptr());
                            spare = None;
                        }
                    }
                }
                spare.get_or_insert_with(|| Block::alloc(cap(seq + 1)));
                ((seq + 1) << Tail::SEQ_SHIFT) | Tail::INSTALLING | (word & Tail::RECEIVER)
            } else {
                word + Tail::OFFSET_ONE
            };
            if queue
                .tail
                .compare_exchange_weak(word, claimed, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
            {
                continue;
            }
            // SAFETY: the swap succeeded, so the tail did not move since `word` was read: `block`
            // is the block of `seq` (installed before the word left `INSTALLING`), alive (its
            // slot `offset` is claimed but not written, so the receiver has not freed it), and
            // slot `offset` is ours to write, once.
            unsafe {
                if last {
                    let next = spare.take().expect("allocated above").as_ptr();
                    (*block).next.store(next, Ordering::Release);
                    queue.tail_block.store(next, Ordering::Release);
                    queue.tail.fetch_and(!Tail::INSTALLING, Ordering::Release);
                }
                queue.publish(block, offset, value);
            }
            break Ok(());
        };
        if let Some(spare) = spare {
            // SAFETY: never shared.
            unsafe { Block::free(spare.as_ptr()) };
        }
        result
    }
}

impl<T> Queue<T> {
    /// Writes `value` into slot `offset` of `block`, marks it written, and wakes the receiver
    /// if it waits: the end of every send.
    ///
    /// # Safety
    /// The caller claimed that slot (by moving the tail word past it) and has not written it;
    /// `block` is alive, as it is until its claimed slots are written and read.
    #[inline(always)]
    unsafe fn publish(&self, block: *mut Block<T>, offset: usize, value: T) {
        // SAFETY: per the contract, the slot is this sender's to write, once.
        unsafe {
            Block::slot(block, offset).with_mut(|slot| (*slot).write(value));
            // SeqCst, with the load of the tail word in `wake`: see `Receiver::park`.
            (*block).written.fetch_or(1 << offset, Ordering::SeqCst);
        }
        self.wake();
    }

    /// Wakes the receiver if it waits: a sender calls it after writing its value.
    ///
    /// While the receiver is busy (`PARKED` clear), this is one load of the tail word, the one
    /// the sender just swapped: a busy server's senders pay for no wake-up.
    #[inline]
    fn wake(&self) {
        sc_fence();
        let word = self.tail.load(Ordering::SeqCst);
        if word & Tail::PARKED != 0 {
            self.wake_parked(word);
        }
    }

    /// Wakes the receiver, which set `PARKED` in `word`, unless another sender does.
    #[cold]
    fn wake_parked(&self, mut word: Word) {
        while word & Tail::PARKED != 0 {
            // Only the sender that turns `PARKED` into `WAKING` wakes the receiver.
            let waking = (word & !Tail::PARKED) | Tail::WAKING;
            match self
                .tail
                .compare_exchange_weak(word, waking, Ordering::Acquire, Ordering::SeqCst)
            {
                Ok(_) => {
                    // SAFETY: with `WAKING` set the receiver does not write the waker (see
                    // `Receiver::park`), and it wrote it before setting `PARKED`, which the swap
                    // read (acquire): the read below is ordered after that write.
                    self.receiver.with(|waker| {
                        if let Some(waker) = unsafe { &*waker } {
                            waker.wake_by_ref();
                        }
                    });
                    // Release: the receiver's next write of the waker comes after this read.
                    self.tail.fetch_and(!Tail::WAKING, Ordering::Release);
                    return;
                }
                Err(actual) => word = actual,
            }
        }
    }
}

/// The Dekker pattern between a sender (write its slot, then look for `PARKED`) and the
/// receiver (set `PARKED`, then look at the slot) needs sequentially consistent accesses on
/// both sides, which the code uses. loom models `SeqCst` accesses as acquire/release only, but
/// models `SeqCst` fences: under loom, this fence stands in for the ordering the accesses give.
#[inline(always)]
fn sc_fence() {
    #[cfg(loom)]
    loom::sync::atomic::fence(Ordering::SeqCst);
}

/// Waiting for a sender that is installing a block: a few stores away.
fn spin() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::hint::spin_loop();
}

/// The receiving side of a mailbox: the server's task.
pub(crate) struct Receiver<T> {
    queue: Arc<Queue<T>>,
}

impl<T> Receiver<T> {
    /// The next value, if one is written.
    pub(crate) fn try_recv(&mut self) -> Option<T> {
        let queue = &*self.queue;
        // SAFETY: `head` is the receiver's alone, and `&mut self` makes this the only access.
        queue
            .head
            .with_mut(|head| unsafe { Self::pop(queue, &mut *head) })
    }

    /// # Safety
    /// `head` is the queue's head, accessed by nothing else meanwhile.
    unsafe fn pop(queue: &Queue<T>, head: &mut Head<T>) -> Option<T> {
        if head.block.is_null() {
            head.block = queue.first_block.load(Ordering::Acquire);
            if head.block.is_null() {
                return None;
            }
        }
        // SAFETY: `head.block` is alive: only the receiver frees blocks, and only once it has
        // moved past them. Slots are read once their `written` bit is set (the sender's value
        // write happens before), and each once: the head moves past it.
        unsafe {
            let mut block = head.block;
            if head.offset == (*block).cap as usize {
                let next = (*block).next.load(Ordering::Acquire);
                if next.is_null() {
                    return None;
                }
                // Every slot of `block` was claimed, written and read: no one uses it now.
                Block::free(block);
                block = next;
                head.block = next;
                head.seq += 1;
                head.offset = 0;
            }
            // SeqCst: see `park`.
            if (*block).written.load(Ordering::SeqCst) & (1 << head.offset) == 0 {
                return None;
            }
            let value = Block::slot(block, head.offset).with(|slot| (*slot).assume_init_read());
            head.offset += 1;
            #[cfg(all(feature = "observer", not(loom)))]
            queue.received.store(
                queue.received.load(Ordering::Relaxed) + 1,
                Ordering::Relaxed,
            );
            Some(value)
        }
    }

    /// Whether the mailbox is closed and every value sent before it closed was received.
    fn is_finished(&mut self) -> bool {
        let queue = &*self.queue;
        let tail = queue.tail.load(Ordering::SeqCst);
        tail & Tail::CLOSED != 0 && Tail::position(tail) == self.position()
    }

    /// The number of values received so far.
    fn position(&mut self) -> Word {
        // SAFETY: as in `try_recv`.
        self.queue
            .head
            .with(|head| unsafe { start((*head).seq) + (*head).offset as Word })
    }

    /// Values sent and not received yet.
    pub(crate) fn len(&mut self) -> usize {
        let tail = self.queue.tail.load(Ordering::Acquire);
        (Tail::position(tail) - self.position()) as usize
    }

    /// Refuses every later send. Values already sent can still be received.
    pub(crate) fn close(&mut self) {
        self.queue.tail.fetch_or(Tail::CLOSED, Ordering::AcqRel);
    }

    /// Polls for the next value: `None` once the mailbox is closed and empty. Takes part in
    /// tokio's cooperative scheduling, as tokio's own channels do.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        #[cfg(not(loom))]
        let coop = std::task::ready!(tokio::task::coop::poll_proceed(cx));
        let received = match self.try_recv() {
            Some(value) => Some(value),
            None => {
                self.park(cx.waker());
                // A sender that wrote its value before `PARKED` was set does not wake this
                // waker: look again.
                match self.try_recv() {
                    Some(value) => {
                        // Awake after all: spare the next sender a wake-up.
                        self.unpark();
                        Some(value)
                    }
                    None if self.is_finished() => {
                        self.unpark();
                        #[cfg(not(loom))]
                        coop.made_progress();
                        return Poll::Ready(None);
                    }
                    None => return Poll::Pending,
                }
            }
        };
        #[cfg(not(loom))]
        coop.made_progress();
        Poll::Ready(received)
    }

    /// Stores `waker` for the senders, then sets `PARKED`: the next sender to write a value
    /// wakes it.
    ///
    /// The receiver sets `PARKED` and then reads the slot at its head; a sender writes its slot
    /// and then reads the tail word for `PARKED` (in [`Queue::wake`]). Both with sequentially
    /// consistent accesses, so at least one sees the other: the receiver finds the value, or
    /// the sender finds the flag and wakes it. A slot claimed but not written yet is the
    /// second case: its sender writes, then looks for the flag.
    fn park(&mut self, waker: &Waker) {
        let queue = &*self.queue;
        // SAFETY: only the receiver writes the waker, so reading it here races with nothing
        // but the reads of a waking sender.
        let stored = queue
            .receiver
            .with(|stored| unsafe { (*stored).as_ref().is_some_and(|w| w.will_wake(waker)) });
        if !stored {
            // A new waker (a server's task always polls with the same one, so this is the first
            // park): first make sure no sender reads the old one.
            loop {
                let word = queue.tail.load(Ordering::Acquire);
                if word & Tail::WAKING != 0 {
                    spin();
                } else if word & Tail::PARKED == 0
                    || queue
                        .tail
                        .compare_exchange_weak(
                            word,
                            word & !Tail::PARKED,
                            Ordering::Acquire,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                {
                    break;
                }
            }
            // SAFETY: neither `PARKED` nor `WAKING` is set, and only this receiver sets
            // `PARKED`: no sender reads the waker until it is set again below.
            queue
                .receiver
                .with_mut(|stored| unsafe { *stored = Some(waker.clone()) });
        }
        // Release: a sender that sees the flag sees the waker. SeqCst: see above.
        queue.tail.fetch_or(Tail::PARKED, Ordering::SeqCst);
        sc_fence();
    }

    /// Clears `PARKED`, when the receiver found a value after all.
    fn unpark(&mut self) {
        self.queue.tail.fetch_and(!Tail::PARKED, Ordering::Relaxed);
    }

    /// The next value; `None` once the mailbox is closed and empty.
    /// (A plain function, not an `async fn`, which would hold `self` twice: its future is part
    /// of every idle server's task.)
    pub(crate) fn recv(&mut self) -> impl Future<Output = Option<T>> + '_ {
        poll_fn(|cx| self.poll_recv(cx))
    }
}

impl<T> Drop for Receiver<T> {
    /// Closes the mailbox and drops what is in it at once (its calls' reply channels with it),
    /// as tokio's receiver does.
    fn drop(&mut self) {
        self.close();
        while self.try_recv().is_some() {}
    }
}

impl<T> Drop for Queue<T> {
    fn drop(&mut self) {
        // No sender or receiver is left: every claimed slot is written. Drop the unread values
        // from the head on, and free the blocks.
        let head = self.head.with_mut(|head| {
            // SAFETY: `&mut self`: nothing else has access.
            unsafe { ptr::read(head) }
        });
        let (mut block, mut offset) = if head.block.is_null() {
            (self.first_block.load(Ordering::Acquire), 0)
        } else {
            (head.block, head.offset)
        };
        while !block.is_null() {
            // SAFETY: the blocks from the head on are alive and ours; a set `written` bit at or
            // after the head's offset marks a value not read yet.
            unsafe {
                let written = (*block).written.load(Ordering::Acquire);
                for i in offset..(*block).cap as usize {
                    if written & (1 << i) != 0 {
                        Block::slot(block, i).with_mut(|slot| (*slot).assume_init_drop());
                    }
                }
                let next = (*block).next.load(Ordering::Acquire);
                Block::free(block);
                block = next;
            }
            offset = 0;
        }
    }
}
