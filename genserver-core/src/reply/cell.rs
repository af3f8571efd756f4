//! The reply cell: where one call's reply goes, from the server side ([`Tx`]) to the caller
//! ([`Rx`]).
//!
//! tokio's `oneshot` would do, but a call is the crate's hot path and needs less: one
//! allocation with no reference counts (each side owns the cell until it is done with it, and
//! the second to be done frees it), the caller's waker moved out and woken by value, and a
//! caller that finds its reply frees the cell without a single read-modify-write.
//!
//! # The protocol
//!
//! The cell holds a state word, the caller's waker and the reply. The sender side finishes
//! exactly once: with a reply (`VALUE`), with none (`NO_REPLY`: a `ReplyTo` dropped
//! unanswered), or by being dropped (neither: the server died with the message). Finishing sets
//! `TX_DONE`, after which the sender touches nothing, except that if the caller was already
//! gone (`RX_GONE`) the sender frees the cell.
//!
//! The caller stores its waker, then sets `RX_WAKER`. A finishing sender that sees `RX_WAKER`
//! first takes the lock `TX_LOCK`, moves the waker out, then publishes `TX_DONE` (clearing
//! `RX_WAKER` and the lock) and wakes the caller with the waker it now owns: it never reads the
//! cell after `TX_DONE`, when the caller may already have freed it. While `TX_LOCK` is set, the
//! caller neither changes its waker nor leaves: it wakes itself and looks again (the lock is
//! held for a few instructions).
//!
//! The loom tests (`RUSTFLAGS="--cfg loom" cargo test -p genserver-core --release --lib
//! reply`) check this under every interleaving of a sender and a caller.
#![allow(unsafe_code)]

use std::mem::MaybeUninit;
use std::ptr::NonNull;
use std::task::{Context, Poll, RawWakerVTable, Waker};

use crate::sync::{AtomicUsize, Ordering, UnsafeCell};

/// The caller stored a waker, which the finishing sender takes and wakes.
const RX_WAKER: usize = 1;
/// A finishing sender is taking the waker: the caller leaves the waker alone, and stays.
const TX_LOCK: usize = 2;
/// The sender side is done; with `VALUE`, the reply is in the cell.
const TX_DONE: usize = 4;
/// With `TX_DONE`: the reply was written.
const VALUE: usize = 8;
/// With `TX_DONE`: the sender was a `ReplyTo` dropped unanswered.
const NO_REPLY: usize = 16;
/// The caller is gone (timed out, or its future dropped): the sender frees the cell.
const RX_GONE: usize = 32;

struct Cell<T> {
    state: AtomicUsize,
    /// The caller's waker: written by the caller while `RX_WAKER` is clear, moved out by the
    /// sender that holds `TX_LOCK`.
    waker: UnsafeCell<Option<Waker>>,
    /// Written once by the sender before `TX_DONE | VALUE`, read once by the caller after.
    value: UnsafeCell<MaybeUninit<T>>,
}

/// How the sender side finished.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Received<T> {
    /// The reply.
    Value(T),
    /// A `ReplyTo` was dropped unanswered.
    NoReply,
    /// The sender was dropped without a word: the server died with the message.
    Closed,
}

/// A new cell: its sender side and its caller side.
pub(crate) fn channel<T>() -> (Tx<T>, Rx<T>) {
    let cell = Box::new(Cell {
        state: AtomicUsize::new(0),
        waker: UnsafeCell::new(None),
        value: UnsafeCell::new(MaybeUninit::uninit()),
    });
    let cell = NonNull::from(Box::leak(cell));
    (
        Tx { cell },
        Rx {
            cell: Some(cell),
            stored: None,
        },
    )
}

/// The sender side: finishes once, by [`send`](Tx::send), [`no_reply`](Tx::no_reply) or drop.
pub(crate) struct Tx<T> {
    cell: NonNull<Cell<T>>,
}

/// The caller side.
pub(crate) struct Rx<T> {
    /// `None` once the reply was taken (and the cell freed).
    cell: Option<NonNull<Cell<T>>>,
    /// Which waker is stored in the cell, if any: compared with the next poll's waker without
    /// reading the cell, which a finishing sender may be changing.
    stored: Option<(*const (), &'static RawWakerVTable)>,
}

// SAFETY: a `Tx` moves a `T` to the caller (hence `T: Send`); shared, it only reads the state.
unsafe impl<T: Send> Send for Tx<T> {}
// SAFETY: `&Tx` gives `is_closed` only, an atomic load.
unsafe impl<T: Send> Sync for Tx<T> {}
// SAFETY: an `Rx` receives a `T` from another thread; it is polled through `&mut` only.
unsafe impl<T: Send> Send for Rx<T> {}
// SAFETY: `&Rx` gives nothing.
unsafe impl<T: Send> Sync for Rx<T> {}

impl<T> Tx<T> {
    /// Sends the reply (dropped at once if the caller is gone).
    pub(crate) fn send(self, value: T) {
        // SAFETY: the cell is alive while this side is not done, and the value is written by
        // this side alone, before `VALUE` tells the caller to read it.
        unsafe { self.cell().value.with_mut(|slot| (*slot).write(value)) };
        self.finish(VALUE);
    }

    /// Finishes without a reply: the caller gets [`Received::NoReply`].
    pub(crate) fn no_reply(self) {
        self.finish(NO_REPLY);
    }

    /// Whether the caller is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.cell().state.load(Ordering::Acquire) & RX_GONE != 0
    }

    fn cell(&self) -> &Cell<T> {
        // SAFETY: the cell is freed only once both sides are done, and this one is not.
        unsafe { self.cell.as_ref() }
    }

    /// Publishes `TX_DONE | outcome` (the reply already written for `VALUE`), wakes the caller
    /// if it waits, and frees the cell if the caller is gone.
    fn finish(self, outcome: usize) {
        let cell = self.cell;
        std::mem::forget(self);
        // SAFETY: this side is not done yet, so the cell is alive until the swap below that
        // sets `TX_DONE`; after it, the cell is touched again only if the caller was gone.
        unsafe { finish(cell, outcome) }
    }
}

/// [`Tx::finish`], for a sender that has forgotten itself.
///
/// # Safety
/// `cell` is alive and its sender side is not done; `outcome` is `VALUE` only if the value
/// is written.
unsafe fn finish<T>(cell: NonNull<Cell<T>>, outcome: usize) {
    // SAFETY: per the contract, the cell is alive until `TX_DONE` is published below.
    let c = unsafe { cell.as_ref() };
    let mut state = c.state.load(Ordering::Acquire);
    let waker = loop {
        if state & RX_GONE != 0 {
            // The caller is gone and will not look: this side frees the cell.
            // SAFETY: the caller side is done, and this one is now.
            unsafe { free(cell, state | TX_DONE | outcome) };
            return;
        }
        if state & RX_WAKER == 0 {
            // No waker to take: publish at once. The caller sees `TX_DONE` when it registers.
            match c.state.compare_exchange_weak(
                state,
                state | TX_DONE | outcome,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
            continue;
        }
        // Lock the waker, move it out, then publish.
        match c.state.compare_exchange_weak(
            state,
            state | TX_LOCK,
            Ordering::Acquire,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                // SAFETY: with `TX_LOCK` held the caller does not touch the waker, and its
                // write of it came before `RX_WAKER`, which the swap read (acquire).
                let waker = unsafe { c.waker.with_mut(|waker| (*waker).take()) };
                let done = (state | TX_DONE | outcome) & !(RX_WAKER | TX_LOCK);
                // Release: the caller that sees `TX_DONE` sees the value and the taken waker.
                let before = c.state.swap(done, Ordering::AcqRel);
                if before & RX_GONE != 0 {
                    // The caller left while the lock was held: this side frees the cell.
                    drop(waker);
                    // SAFETY: both sides are done.
                    unsafe { free(cell, done | RX_GONE) };
                    return;
                }
                break waker;
            }
            Err(actual) => state = actual,
        }
    };
    // The cell is not touched any more: the caller may be freeing it already.
    if let Some(waker) = waker {
        waker.wake();
    }
}

impl<T> Drop for Tx<T> {
    /// Finishes without a reply: the caller gets [`Received::Closed`].
    fn drop(&mut self) {
        // SAFETY: this side is not done (`send` and `no_reply` forget it), so the cell is alive.
        unsafe { finish(self.cell, 0) }
    }
}

impl<T> Rx<T> {
    /// The reply if the sender side is done; else `Pending`, with `cx`'s waker stored for the
    /// sender to wake. Polled again after `Ready`, it stays `Pending`.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Received<T>> {
        let Some(cell) = self.cell else {
            return Poll::Pending;
        };
        // SAFETY: this side is not done, so the cell is alive.
        let c = unsafe { cell.as_ref() };
        let waker = cx.waker();
        let identity = (waker.data(), waker.vtable());
        let mut state = c.state.load(Ordering::Acquire);
        loop {
            if state & TX_DONE != 0 {
                return Poll::Ready(self.take(cell, state));
            }
            if self.stored == Some(identity) {
                // Registered with this very waker; a sender holding the lock wakes it.
                return Poll::Pending;
            }
            if state & TX_LOCK != 0 {
                // The sender is finishing, with the old waker in hand: look again soon.
                // (Under loom, a spin on another thread's progress must say so.)
                #[cfg(loom)]
                loom::thread::yield_now();
                waker.wake_by_ref();
                return Poll::Pending;
            }
            if state & RX_WAKER == 0 {
                break;
            }
            // Another waker is stored: take it back before replacing it.
            match c.state.compare_exchange_weak(
                state,
                state & !RX_WAKER,
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        // SAFETY: `RX_WAKER` is clear, so no sender holds the lock or can take it: the waker
        // is this side's to write until `RX_WAKER` is set again.
        unsafe { c.waker.with_mut(|stored| *stored = Some(waker.clone())) };
        self.stored = Some(identity);
        // Release: the sender that sees `RX_WAKER` sees the waker.
        let before = c.state.fetch_or(RX_WAKER, Ordering::AcqRel);
        if before & TX_DONE != 0 {
            // Finished before the waker was stored: nobody took it; it goes with the cell.
            return Poll::Ready(self.take(cell, before));
        }
        Poll::Pending
    }

    /// The reply if the sender side is done, without storing a waker: for a caller that will
    /// be polled again anyway (it stepped aside).
    pub(crate) fn try_recv(&mut self) -> Option<Received<T>> {
        let cell = self.cell?;
        // SAFETY: this side is not done, so the cell is alive.
        let state = unsafe { cell.as_ref() }.state.load(Ordering::Acquire);
        (state & TX_DONE != 0).then(|| self.take(cell, state))
    }

    /// The outcome of a finished sender (`state` has `TX_DONE`); this side is done and frees
    /// the cell.
    fn take(&mut self, cell: NonNull<Cell<T>>, state: usize) -> Received<T> {
        self.cell = None;
        let received = if state & VALUE != 0 {
            // SAFETY: `VALUE` with `TX_DONE`: written, and read once (the cell goes below).
            Received::Value(unsafe { cell.as_ref().value.with(|slot| (*slot).assume_init_read()) })
        } else if state & NO_REPLY != 0 {
            Received::NoReply
        } else {
            Received::Closed
        };
        // SAFETY: both sides are done; the value, if any, was moved out above.
        unsafe { free(cell, state & !VALUE) };
        received
    }
}

impl<T> Drop for Rx<T> {
    /// Leaves: the sender frees the cell when it finishes, or this side does if it already has.
    fn drop(&mut self) {
        let Some(cell) = self.cell else {
            return;
        };
        // SAFETY: this side is not done, so the cell is alive.
        let c = unsafe { cell.as_ref() };
        let mut state = c.state.load(Ordering::Acquire);
        // First take the waker back (unless a sender holds it), so that the sender never wakes
        // a task whose call is gone, nor keeps that task alive with it. This must come before
        // `RX_GONE`: once that is set, a finishing sender frees the cell.
        loop {
            if state & TX_DONE != 0 {
                // SAFETY: the sender is done, and now this side is.
                unsafe { free(cell, state) };
                return;
            }
            if state & RX_WAKER == 0 || state & TX_LOCK != 0 {
                break;
            }
            match c.state.compare_exchange_weak(
                state,
                state & !RX_WAKER,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    // SAFETY: `RX_WAKER` was ours to clear while no sender held the lock, and
                    // with it clear no sender takes it: the waker is this side's again.
                    drop(unsafe { c.waker.with_mut(|waker| (*waker).take()) });
                    break;
                }
                Err(actual) => state = actual,
            }
        }
        // Leave. The cell is not touched after this, unless the sender is already done (it
        // then saw no `RX_GONE` and left the cell to this side).
        let before = c.state.fetch_or(RX_GONE, Ordering::AcqRel);
        if before & TX_DONE != 0 {
            // SAFETY: both sides are done.
            unsafe { free(cell, before) };
        }
    }
}

/// Frees a cell whose two sides are done, dropping what it still holds: the value if `state`
/// has `VALUE`, and the waker if it is still there.
///
/// # Safety
/// Both sides are done, and `state` says whether the value is in the cell.
unsafe fn free<T>(cell: NonNull<Cell<T>>, state: usize) {
    // SAFETY: per the contract, nothing else uses the cell: it goes back to a box.
    let cell = unsafe { Box::from_raw(cell.as_ptr()) };
    // Freeing writes the whole cell: tell loom, which then reports any access of the other
    // side that does not happen before this one (loom does not see the deallocation itself).
    #[cfg(loom)]
    {
        cell.waker.with_mut(|_| ());
        cell.value.with_mut(|_| ());
    }
    // Moved out before anything is dropped: a panicking drop of the value leaks nothing else.
    let value = (state & VALUE != 0 && state & TX_DONE != 0)
        // SAFETY: `VALUE` with `TX_DONE`: written and not read.
        .then(|| unsafe { cell.value.with(|slot| (*slot).assume_init_read()) });
    drop(cell);
    drop(value);
}

#[cfg(test)]
mod tests;
