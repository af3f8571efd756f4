//! [`ServerId`]: the identity of a server.

use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// The identity of a running server, unique for the life of the program.
///
/// Displays like an Erlang pid: `<0.42.0>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(NonZeroU64);

impl ServerId {
    /// A new id, which no server has nor will have: for the stand-in of a server in another
    /// process (see [`Pid::stand_in`](crate::Pid::stand_in)).
    pub fn unique() -> Self {
        ServerId::next()
    }

    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        ServerId(NonZeroU64::new(id).expect("server ids start at 1 and a u64 does not wrap"))
    }

    /// The id whose number is `id` (what [`as_u64`](ServerId::as_u64) gives); `None` for 0,
    /// which no server has. Whether a server with that id runs is another matter.
    pub fn from_u64(id: u64) -> Option<Self> {
        NonZeroU64::new(id).map(ServerId)
    }

    /// The number behind the id.
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<0.{}.0>", self.0)
    }
}

impl fmt::Debug for ServerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
