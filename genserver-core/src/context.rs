//! [`Context`]: what a handler can do besides changing its state.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use crate::timer::{self, TimerRef};
use crate::{ExitReason, GenServer, Info, ServerId, ServerRef};

/// A handler's view of its own server: its handle, timers, `continue_with`, `stop`.
///
/// A handler gets it by declaring a parameter `ctx: &mut Context<Self>`.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
///
/// #[derive(Clone)]
/// struct Tick;
///
/// struct Ticker { ticks: u32 }
///
/// #[genserver]
/// impl Ticker {
///     #[cast]
///     fn begin(&mut self, ctx: &mut Context<Self>) {
///         ctx.send_interval(Duration::from_millis(10), Tick);
///     }
///
///     #[info]
///     fn on_tick(&mut self, _tick: Tick, ctx: &mut Context<Self>) {
///         self.ticks += 1;
///         if self.ticks == 3 {
///             ctx.stop(ExitReason::Normal);
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let ticker = Ticker::start(Ticker { ticks: 0 }).await.unwrap();
/// ticker.begin().unwrap();
/// assert_eq!(ticker.exited().await, ExitReason::Normal);
/// # }
/// ```
pub struct Context<S: GenServer> {
    server: ServerRef<S>,
    continues: VecDeque<S::Msg>,
    stop: Option<ExitReason>,
}

impl<S: GenServer> Context<S> {
    pub(crate) fn new(server: ServerRef<S>) -> Self {
        Context {
            server,
            continues: VecDeque::new(),
            stop: None,
        }
    }

    pub(crate) fn server(&self) -> &ServerRef<S> {
        &self.server
    }

    pub(crate) fn take_continue(&mut self) -> Option<S::Msg> {
        self.continues.pop_front()
    }

    pub(crate) fn take_stop(&mut self) -> Option<ExitReason> {
        self.stop.take()
    }

    /// This server's id.
    pub fn id(&self) -> ServerId {
        self.server.id()
    }

    /// A client handle to this server, to give to others. (Calling it from this server's own
    /// handlers fails with `CallError::CallingSelf`.)
    pub fn handle(&self) -> S::Ref {
        S::Ref::from(self.server.clone())
    }

    /// Stops the server once the current handler returns; a call's reply is delivered first.
    /// Then `terminate` runs with `reason`.
    pub fn stop(&mut self, reason: ExitReason) {
        self.stop = Some(reason);
    }

    /// Handles `msg` (through the `#[info]` handler for `M`) before anything already in the
    /// mailbox: OTP's `handle_continue`. Several are handled in the order given.
    pub fn continue_with<M>(&mut self, msg: M)
    where
        S: Info<M>,
    {
        self.continues.push_back(S::into_msg(msg));
    }

    /// Sends `msg` to this server's `#[info]` handler after `delay`.
    pub fn send_after<M>(&self, delay: Duration, msg: M) -> TimerRef
    where
        S: Info<M>,
        M: Send + 'static,
    {
        timer::send_after(self.server.clone(), delay, msg)
    }

    /// Sends a clone of `msg` to this server's `#[info]` handler every `period`, the first one
    /// after one period, until cancelled or until the server stops.
    pub fn send_interval<M>(&self, period: Duration, msg: M) -> TimerRef
    where
        S: Info<M>,
        M: Clone + Send + 'static,
    {
        timer::send_interval(self.server.clone(), period, msg)
    }
}

impl<S: GenServer> fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("server", &self.server)
            .field("pending_continues", &self.continues.len())
            .field("stop", &self.stop)
            .finish()
    }
}
