//! Timers: info messages a server sends itself later (`ctx.send_after`, `ctx.send_interval`).

use std::time::Duration;

use tokio::task::AbortHandle;
use tokio::time::{Instant, MissedTickBehavior};

use crate::server::Direct;
use crate::{GenServer, InfoMessage};

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

pub(crate) fn send_after<S, M>(server: Direct<S>, delay: Duration, msg: M) -> TimerRef
where
    S: GenServer,
    M: InfoMessage<S> + Send + 'static,
{
    let task = tokio::spawn(async move {
        tokio::select! {
            biased;
            _ = server.shared().wait_reason() => {}
            () = tokio::time::sleep(delay) => {
                let _ = server.cast(msg.into_server_msg());
            }
        }
    });
    TimerRef {
        task: task.abort_handle(),
    }
}

pub(crate) fn send_interval<S, M>(server: Direct<S>, period: Duration, msg: M) -> TimerRef
where
    S: GenServer,
    M: InfoMessage<S> + Clone + Send + 'static,
{
    let task = tokio::spawn(async move {
        // The first tick comes after one period, as with Erlang's `:timer.send_interval`.
        let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let stopped = server.shared().wait_reason();
        tokio::pin!(stopped);
        loop {
            tokio::select! {
                biased;
                _ = &mut stopped => break,
                _ = ticks.tick() => {
                    if server.cast(msg.clone().into_server_msg()).is_err() {
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
