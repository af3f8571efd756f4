//! The primitives of the crate's lock-free code (the mailbox and the reply cell): loom's under
//! `--cfg loom`, so that the loom models see every access, std's otherwise, behind loom's
//! `UnsafeCell` API (`with` and `with_mut`) in both cases.

#[cfg(loom)]
pub(crate) use loom::{
    cell::UnsafeCell,
    sync::Arc,
    sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering},
};
#[cfg(not(loom))]
pub(crate) use std::{
    sync::Arc,
    sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering},
};

#[cfg(all(target_has_atomic = "64", loom))]
pub(crate) use loom::sync::atomic::AtomicU64;
#[cfg(all(target_has_atomic = "64", not(loom)))]
pub(crate) use std::sync::atomic::AtomicU64;

/// The `with`/`with_mut` access of loom's `UnsafeCell`, for std's.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// A value that counts its drops, for the tests of the code built on these primitives (the
/// count is loom's under loom, which then also checks that no `Arc` leaks).
#[cfg(test)]
pub(crate) struct Dropped(pub(crate) Arc<AtomicUsize>);

#[cfg(test)]
impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}
