//! [`Context`]: what a handler can do besides changing its state.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::handle::Direct;
use super::roles::Roles;
use super::{GenServer, Info, InfoMessage, ServerRef};
use crate::ExitReason;
use crate::process::{Down, Exit, MonitorRef, Pid, ServerId, Shared, Signal, watchers};
use crate::task::{Accepted, Control};
use crate::timer::{self, TimerRef};

/// A handler's view of its own server: its handle, timers, `continue_with`, `stop`, and its
/// monitors and links (`monitor`, `link`, `trap_exits`).
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
    server: Direct<S>,
    call_timeout: Duration,
    /// Boxed, as `stop`: rare, and part of every server's task (a `VecDeque` is four words).
    #[allow(clippy::box_collection)]
    continues: Option<Box<VecDeque<S::Msg>>>,
    stop: Option<Box<ExitReason>>,
    /// Monitors held, exits trapped; allocated by the first `monitor`, `link` or `trap_exits`.
    signals: Option<Box<Signals<S>>>,
    /// The state of the server's stage roles (producer, consumer), if it has any.
    pub(crate) roles: Option<Box<Roles>>,
}

/// A monitor this server holds: the server it watches and, for a monitor of the runtime's own
/// (a stage's on its peers), how its `Down` becomes a message.
struct Monitor<S: GenServer> {
    target: Weak<Shared>,
    into: Option<fn(Down) -> S::Msg>,
}

/// A server's side of its monitors and links.
struct Signals<S: GenServer> {
    /// This server's own `Pid`, which the servers it watches keep.
    me: Pid,
    /// The monitors this server holds.
    monitors: HashMap<MonitorRef, Monitor<S>>,
    /// Set by the first `monitor`: how a `Down` becomes a message (`Info<Down>`).
    down_into: Option<fn(Down) -> S::Msg>,
    /// Set while trapping exits: how an exit signal becomes a message (`Info<Exit>`).
    exit_into: Option<fn(Exit) -> S::Msg>,
    /// Servers unlinked while their exit signal was already on its way: it is dropped.
    unlinked: HashSet<ServerId>,
}

impl<S: GenServer> Context<S> {
    pub(crate) fn new(server: Direct<S>, call_timeout: Duration) -> Self {
        Context {
            server,
            call_timeout,
            continues: None,
            stop: None,
            signals: None,
            roles: None,
        }
    }

    /// This server's bound handle.
    pub(crate) fn direct(&self) -> &Direct<S> {
        &self.server
    }

    /// Whether a handler has asked the server to stop.
    pub(crate) fn stopping(&self) -> bool {
        self.stop.is_some()
    }

    fn signals(&mut self) -> &mut Signals<S> {
        let (server, call_timeout) = (&self.server, self.call_timeout);
        self.signals.get_or_insert_with(|| {
            Box::new(Signals {
                me: server.pid(call_timeout),
                monitors: HashMap::new(),
                down_into: None,
                exit_into: None,
                unlinked: HashSet::new(),
            })
        })
    }

    /// This server's id.
    pub fn id(&self) -> ServerId {
        self.server.shared().id
    }

    /// A client handle to this server, to give to others. (Calling it from this server's own
    /// handlers fails with `CallError::CallingSelf`.)
    pub fn handle(&self) -> S::Ref {
        S::Ref::from(ServerRef::from_direct(
            self.server.clone(),
            self.call_timeout,
        ))
    }

    /// Monitors `other`: when it exits, this server gets the info message
    /// [`Down`]` { monitor, id, reason }` (OTP's `Process.monitor/1`). If `other` has already
    /// exited, the `Down` comes at once, with its exit reason (a name handle whose name no
    /// server holds gives [`ExitReason::NoProc`]). Each monitor gives exactly one `Down`;
    /// monitoring a server twice gives two. A name handle is resolved now: the monitor watches
    /// the server that holds the name at this moment.
    ///
    /// The server must have an `#[info]` handler for `Down`; without one this does not compile.
    ///
    /// ```
    /// use genserver::prelude::*;
    ///
    /// struct Worker;
    ///
    /// #[genserver]
    /// impl Worker {
    ///     #[call]
    ///     fn ping(&self) -> String { "pong".into() }
    /// }
    ///
    /// #[derive(Default)]
    /// struct Watcher { seen: Vec<ExitReason> }
    ///
    /// #[genserver]
    /// impl Watcher {
    ///     #[call]
    ///     fn watch(&mut self, worker: WorkerRef, ctx: &mut Context<Self>) -> MonitorRef {
    ///         ctx.monitor(&worker)
    ///     }
    ///
    ///     #[call]
    ///     fn seen(&self) -> Vec<ExitReason> { self.seen.clone() }
    ///
    ///     #[info]
    ///     fn on_down(&mut self, down: Down) { self.seen.push(down.reason); }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let worker = Worker::start(Worker).await.unwrap();
    /// let watcher = Watcher::start(Watcher::default()).await.unwrap();
    /// watcher.watch(worker.clone()).await.unwrap();
    /// worker.kill();
    /// worker.exited().await;
    /// assert_eq!(watcher.seen().await.unwrap(), vec![ExitReason::Killed]);
    /// # }
    /// ```
    pub fn monitor<T: GenServer>(&mut self, other: &ServerRef<T>) -> MonitorRef
    where
        S: Info<Down>,
    {
        self.monitor_pid(&other.pid())
    }

    /// [`monitor`](Context::monitor) for an untyped [`Pid`].
    pub fn monitor_pid(&mut self, other: &Pid) -> MonitorRef
    where
        S: Info<Down>,
    {
        self.signals().down_into = Some(<S as Info<Down>>::into_msg);
        self.add_monitor(other, None)
    }

    /// A monitor of the runtime's own, whose `Down` becomes the message `into` makes of it
    /// (whether or not the server handles `Down`s itself).
    pub(crate) fn monitor_into(&mut self, other: &Pid, into: fn(Down) -> S::Msg) -> MonitorRef {
        self.add_monitor(other, Some(into))
    }

    fn add_monitor(&mut self, other: &Pid, into: Option<fn(Down) -> S::Msg>) -> MonitorRef {
        let monitor = MonitorRef::next();
        let signals = self.signals();
        signals.monitors.insert(
            monitor,
            Monitor {
                target: Arc::downgrade(other.shared()),
                into,
            },
        );
        if !watchers::add_monitor(other.shared(), monitor, &signals.me) {
            // Already gone: the `Down` comes through the mailbox all the same.
            self.server.signal(Signal::Down(Down {
                monitor,
                id: other.id(),
                reason: other.shared().exit_reason().unwrap_or(ExitReason::NoProc),
            }));
        }
        monitor
    }

    /// Removes a monitor: its `Down` will not arrive, even if it was already on its way
    /// (OTP's `demonitor(ref, [:flush])`). Returns `false` if the monitor was not active (it
    /// fired already, or was removed).
    pub fn demonitor(&mut self, monitor: MonitorRef) -> bool {
        let Some(target) = self
            .signals
            .as_mut()
            .and_then(|signals| signals.monitors.remove(&monitor))
        else {
            return false;
        };
        if let Some(target) = target.target.upgrade() {
            watchers::remove_monitor(&target, monitor);
        }
        true
    }

    /// Links this server with `other` (OTP's `Process.link/1`): when either exits abnormally,
    /// the other exits too, with [`ExitReason::Linked`] naming the first and its reason, at
    /// once and without `terminate` (as in OTP) — unless it traps exits
    /// ([`trap_exits`](Context::trap_exits)), in which case it gets an [`Exit`] message.
    /// Normal exits (`Normal`, `Shutdown`) do not propagate. Linking to a server that has
    /// already exited delivers its exit at once. A name handle is resolved now.
    pub fn link<T: GenServer>(&mut self, other: &ServerRef<T>) {
        self.link_pid(&other.pid());
    }

    /// [`link`](Context::link) for an untyped [`Pid`].
    pub fn link_pid(&mut self, other: &Pid) {
        let me = self.signals().me.clone();
        watchers::link(&me, other);
    }

    /// Removes the link with `other`, if any. No exit signal of `other` arrives after this,
    /// even one already on its way.
    pub fn unlink<T: GenServer>(&mut self, other: &ServerRef<T>) {
        self.unlink_pid(&other.pid());
    }

    /// [`unlink`](Context::unlink) for an untyped [`Pid`].
    pub fn unlink_pid(&mut self, other: &Pid) {
        let signals = self.signals();
        let exited = other.shared().is_closed();
        if !watchers::unlink(&signals.me, other) && exited && signals.me.shared().traps_exits() {
            // The link was gone already because `other` exited: its `Exit` message may be in
            // the mailbox, and is dropped when it comes out.
            signals.unlinked.insert(other.id());
        }
    }

    /// Traps exits (OTP's `Process.flag(:trap_exit, true)`): the exit of a linked server,
    /// normal or not, then arrives as the info message [`Exit`]` { id, reason }` instead of
    /// stopping this server. The server must have an `#[info]` handler for `Exit`. Supervisors
    /// trap exits.
    pub fn trap_exits(&mut self, trap: bool)
    where
        S: Info<Exit>,
    {
        let signals = self.signals();
        signals.exit_into = trap.then_some(<S as Info<Exit>>::into_msg);
        signals.me.shared().set_traps_exits(trap);
    }

    /// Stops the server once the current handler returns; a call's reply is delivered first.
    /// Then `terminate` runs with `reason`.
    pub fn stop(&mut self, reason: ExitReason) {
        self.stop = Some(Box::new(reason));
    }

    /// Handles `msg` (through the `#[info]` handler for `M`) before anything already in the
    /// mailbox: OTP's `handle_continue`. Several are handled in the order given.
    pub fn continue_with<M: InfoMessage<S>>(&mut self, msg: M) {
        self.continues
            .get_or_insert_with(Default::default)
            .push_back(msg.into_server_msg());
    }

    /// Sends `msg` to this server's `#[info]` handler after `delay`.
    pub fn send_after<M>(&self, delay: Duration, msg: M) -> TimerRef
    where
        M: InfoMessage<S> + Send + 'static,
    {
        let server = self.server.clone();
        timer::send_after(self.server.shared.clone(), delay, move || {
            let _ = server.cast(msg.into_server_msg());
        })
    }

    /// Sends a clone of `msg` to this server's `#[info]` handler every `period`, the first one
    /// after one period, until cancelled or until the server stops.
    pub fn send_interval<M>(&self, period: Duration, msg: M) -> TimerRef
    where
        M: InfoMessage<S> + Clone + Send + 'static,
    {
        let server = self.server.clone();
        timer::send_interval(self.server.shared.clone(), period, move || {
            server.cast(msg.clone().into_server_msg()).is_ok()
        })
    }
}

/// What the message loop asks of the context between two messages.
impl<S: GenServer> Control<S> for Context<S> {
    #[inline]
    fn record(&self) -> &Shared {
        &self.server.shared
    }

    fn accept_signal(&mut self, signal: Signal) -> Accepted<S::Msg> {
        let Some(signals) = self.signals.as_mut() else {
            return Accepted::Ignored;
        };
        match signal {
            Signal::Down(down) => match (signals.monitors.remove(&down.monitor), signals.down_into)
            {
                (
                    Some(Monitor {
                        into: Some(into), ..
                    }),
                    _,
                ) => Accepted::Msg(into(down)),
                (Some(Monitor { into: None, .. }), Some(down_into)) => {
                    Accepted::Msg(down_into(down))
                }
                _ => Accepted::Ignored,
            },
            Signal::Exit(exit) => {
                if signals.unlinked.remove(&exit.id) {
                    Accepted::Ignored
                } else if let Some(exit_into) = signals.exit_into {
                    Accepted::Msg(exit_into(exit))
                } else if exit.reason.is_normal() {
                    Accepted::Ignored
                } else {
                    // Trapping was turned off after the signal was sent: follow the partner.
                    Accepted::Exit(ExitReason::Linked {
                        id: exit.id,
                        reason: Box::new(exit.reason),
                    })
                }
            }
        }
    }

    fn take_continue(&mut self) -> Option<S::Msg> {
        self.continues.as_mut()?.pop_front()
    }

    fn take_stop(&mut self) -> Option<ExitReason> {
        self.stop.take().map(|reason| *reason)
    }
}

impl<S: GenServer> Drop for Context<S> {
    /// The monitors this server held die with it (OTP removes a dead watcher's monitors).
    fn drop(&mut self) {
        if let Some(signals) = &self.signals {
            for (monitor, Monitor { target, .. }) in &signals.monitors {
                if let Some(target) = target.upgrade() {
                    watchers::remove_monitor(&target, *monitor);
                }
            }
        }
    }
}

impl<S: GenServer> fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("server", &self.server.shared().id)
            .field(
                "pending_continues",
                &self
                    .continues
                    .as_ref()
                    .map_or(0, |continues| continues.len()),
            )
            .field("stop", &self.stop)
            .finish()
    }
}
