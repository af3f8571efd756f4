//! Timers: info messages a server sends itself later (`ctx.send_after`, `ctx.send_interval`).
//!
//! A timer is a small task that waits, then delivers through the closure it was given, and ends
//! as soon as its server has decided to exit.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::AbortHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::process::Shared;

/// A running timer, returned by [`Context::send_after`](crate::Context::send_after) and
/// [`Context::send_interval`](crate::Context::send_interval).
///
/// Dropping a `TimerRef` does not cancel the timer (as in Erlang); call
/// [`cancel`](TimerRef::cancel). A timer also ends with its server: a stopped server's timers
/// never fire.
#[derive(Debug, Clone)]
pub struct TimerRef {
    task: AbortHandle,
}

impl TimerRef {
    /// Cancels the timer: a message not yet sent will not be. A message already in the
    /// mailbox stays there.
    pub fn cancel(&self) {
        self.task.abort();
    }

    /// `true` while the timer may still send a message.
    pub fn is_active(&self) -> bool {
        !self.task.is_finished()
    }
}

/// Calls `deliver` once after `delay`, unless the server of `shared` has decided to exit.
pub(crate) fn send_after(
    shared: Arc<Shared>,
    delay: Duration,
    deliver: impl FnOnce() + Send + 'static,
) -> TimerRef {
    let task = tokio::spawn(async move {
        tokio::select! {
            biased;
            _ = shared.wait_reason() => {}
            () = tokio::time::sleep(delay) => deliver(),
        }
    });
    TimerRef {
        task: task.abort_handle(),
    }
}

/// Calls `deliver` every `period`, the first time after one period, until it returns `false`
/// or the server of `shared` has decided to exit.
pub(crate) fn send_interval(
    shared: Arc<Shared>,
    period: Duration,
    mut deliver: impl FnMut() -> bool + Send + 'static,
) -> TimerRef {
    let task = tokio::spawn(async move {
        // The first tick comes after one period, as with Erlang's `:timer.send_interval`.
        let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let stopped = shared.wait_reason();
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                biased;
                _ = &mut stopped => break,
                _ = ticks.tick() => {
                    if !deliver() {
                        break;
                    }
                }
            }
        }
    });
    TimerRef {
        task: task.abort_handle(),
    }
}
