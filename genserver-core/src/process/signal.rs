//! What the runtime tells a server about another one's exit: the [`Down`] of a monitor and the
//! [`Exit`] of a link, and the [`MonitorRef`] that names a monitor.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::ExitReason;
use crate::ServerId;

/// The reference of one monitor, from [`Context::monitor`](crate::Context::monitor); the
/// [`Down`] message of that monitor carries it. Unique for the life of the program.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MonitorRef(u64);

impl MonitorRef {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        MonitorRef(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Display for MonitorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Ref<{}>", self.0)
    }
}

impl fmt::Debug for MonitorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The info message a server gets when a server it monitors exits: OTP's
/// `{:DOWN, ref, :process, pid, reason}`.
///
/// A server that calls [`Context::monitor`](crate::Context::monitor) handles it with an
/// `#[info]` method (`#[info] fn on_down(&mut self, down: Down)`); without one the monitor
/// call does not compile. It arrives exactly once per monitor, and never after
/// [`Context::demonitor`](crate::Context::demonitor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Down {
    /// The monitor that fired, as returned by `monitor`.
    pub monitor: MonitorRef,
    /// The server that exited.
    pub id: ServerId,
    /// Why it exited; [`ExitReason::NoProc`] if there was no server to monitor.
    pub reason: ExitReason,
}

/// The info message a server that traps exits gets when a server linked to it exits: OTP's
/// `{:EXIT, pid, reason}`.
///
/// See [`Context::trap_exits`](crate::Context::trap_exits). Unlike a non-trapping server, which
/// follows its partner's abnormal exit, a trapping one receives every exit of a linked server
/// as this message, normal ones included, and decides what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// The linked server that exited.
    pub id: ServerId,
    /// Why it exited.
    pub reason: ExitReason,
}

/// What the runtime puts in a mailbox besides messages and stop requests.
pub(crate) enum Signal {
    Down(Down),
    Exit(Exit),
}
