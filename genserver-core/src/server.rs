//! The server side: the [`GenServer`] trait, the task that runs a server, and its handles.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::num::NonZeroU64;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::{Notify, Semaphore, oneshot};
use tokio::task::AbortHandle;

use crate::call::Call;
use crate::context::Accepted;
use crate::exit::panic_message;
use crate::mailbox;
use crate::monitor::{self, Signal, Watchers};
use crate::registry::{LocalRegistry, Name, Registry};
use crate::reply::ReplySender;
use crate::{CallError, CastError, Context, ExitReason, ReplyTo, StartError, reply};

/// OTP's default call timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A server: state plus the handlers that the `#[genserver]` macro wires to messages.
///
/// You normally do not implement this trait by hand: `#[genserver]` generates the impl from the
/// methods marked `#[call]`, `#[cast]`, `#[info]`, `#[init]` and `#[terminate]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a GenServer",
    label = "this type has no `#[genserver]` impl block",
    note = "put `#[genserver]` on an `impl {Self} {{ .. }}` block with `#[call]`, `#[cast]` or `#[info]` methods"
)]
pub trait GenServer: Send + Sized + 'static {
    /// The message enum (`{Type}Msg`): one variant per call, cast and info handler.
    type Msg: Send + 'static;
    /// What [`start`](Options::start) takes: the state itself, or the argument of `#[init]`.
    type Args: Send + 'static;
    /// The error `#[init]` can return (`Infallible` when it cannot fail).
    type InitError: Send + 'static;
    /// The typed client handle (`{Type}Ref`).
    type Ref: From<ServerRef<Self>> + AsRef<ServerRef<Self>> + Clone + Send + Sync + 'static;

    /// Builds the state from the start arguments, before the server handles any message.
    fn init(
        args: Self::Args,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Result<Self, Self::InitError>> + Send;

    /// Handles one message: the generated dispatch from message to method.
    fn handle(
        &mut self,
        msg: Self::Msg,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send;

    /// `true` when [`init`](GenServer::init) returns its argument as the state and cannot fail
    /// or panic (no `#[init]`): then `start` returns without waiting for the server's task to
    /// run it, which is indistinguishable to the caller.
    #[doc(hidden)]
    const INIT_IS_TRIVIAL: bool = false;

    /// Handles `msg` at once if its handler is synchronous, or gives it back for
    /// [`handle`](GenServer::handle) to await. The generated impl handles every message of a
    /// plain `fn` handler here, which spares the message loop a future per message.
    ///
    /// The default gives every message back.
    fn handle_now(&mut self, msg: Self::Msg, ctx: &mut Context<Self>) -> Option<Self::Msg> {
        let _ = ctx;
        Some(msg)
    }

    /// Runs once when the server stops, except after a kill.
    fn terminate(
        &mut self,
        reason: &ExitReason,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, ctx);
        async {}
    }

    /// The name of the handler a message goes to (for tracing and debugging).
    fn message_name(msg: &Self::Msg) -> &'static str;
}

/// Implemented for a server `S` once per `#[info]` handler, for the handler's message type `M`.
///
/// It is what lets timers, monitors, [`ServerRef::send`] and [`Context::continue_with`] deliver an
/// `M` to `S`. Sending a type the server has no `#[info]` handler for does not compile.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[info]` handler for messages of type `{M}`",
    label = "`{Self}` has no handler for this message",
    note = "add a method `#[info] fn on_message(&mut self, msg: {M})` to the `#[genserver]` impl of `{Self}`"
)]
pub trait Info<M>: GenServer {
    /// Wraps an `M` into the server's message enum.
    fn into_msg(msg: M) -> Self::Msg;
}

/// A message type `Self` that the server `S` has an `#[info]` handler for: the bound of
/// [`ServerRef::send`], [`Context::continue_with`] and the timers.
///
/// Implemented for every `M` with `S: Info<M>`. It states the bound on the message rather than
/// on the server, so that sending an unhandled type names that type in the error even when the
/// server has exactly one `#[info]` handler.
#[diagnostic::on_unimplemented(
    message = "`{S}` has no `#[info]` handler for messages of type `{Self}`",
    label = "`{S}` has no handler for this message",
    note = "add a method `#[info] fn on_message(&mut self, msg: {Self})` to the `#[genserver]` impl of `{S}`"
)]
pub trait InfoMessage<S: GenServer>: Sized {
    /// Wraps the message into the server's message enum.
    fn into_server_msg(self) -> S::Msg;
}

impl<M, S: Info<M>> InfoMessage<S> for M {
    fn into_server_msg(self) -> S::Msg {
        S::into_msg(self)
    }
}

/// The identity of a running server, unique for the life of the program.
///
/// Displays like an Erlang pid: `<0.42.0>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerId(NonZeroU64);

impl ServerId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        ServerId(NonZeroU64::new(id).expect("server ids start at 1 and a u64 does not wrap"))
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

thread_local! {
    /// The server whose task is being polled on this thread, if any (0 = none).
    static CURRENT_SERVER: Cell<u64> = const { Cell::new(0) };
}

pin_project_lite::pin_project! {
    /// Polls `future` with `id` recorded as the current server, so a handler calling its own
    /// server is caught instead of deadlocking. A struct rather than an `async fn`, which would
    /// hold the future twice (as its argument and as its pinned local).
    struct InScope<F> {
        id: u64,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for InScope<F> {
    type Output = F::Output;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        let this = self.project();
        let outer = CURRENT_SERVER.replace(*this.id);
        let poll = this.future.poll(cx);
        CURRENT_SERVER.set(outer);
        poll
    }
}

pub(crate) fn current_server() -> u64 {
    CURRENT_SERVER.get()
}

pub(crate) fn in_server_scope() -> bool {
    current_server() != 0
}

/// `Shared::state`: the exit work has taken the watchers; a monitor or link made from now on
/// sees the exit at once.
pub(crate) const CLOSED: u8 = 1;
/// `Shared::state`: the task is gone (terminate ran, state dropped, exit work done).
const DONE: u8 = 2;
/// `Shared::state`: a monitor or link was added, so the exit work has watchers to tell.
pub(crate) const HAS_WATCHERS: u8 = 4;
/// `Shared::state`: the server traps exits (`Context::trap_exits`).
pub(crate) const TRAPS_EXITS: u8 = 8;

/// What every handle of one server shares: identity, bound, and how it ended.
pub(crate) struct Shared {
    pub(crate) id: ServerId,
    type_name: &'static str,
    /// Set when the server decides to exit, before its mailbox is drained.
    reason: OnceLock<ExitReason>,
    /// Bits: `CLOSED`, `DONE`, `HAS_WATCHERS`, `TRAPS_EXITS`.
    pub(crate) state: AtomicU8,
    /// Woken when `reason` is set and again when the task is done.
    changed: Notify,
    /// Room left in a bounded mailbox; `None` for the default unbounded one. Boxed, as the
    /// other rare fields: every idle server pays for the size of this record.
    pub(crate) room: Option<Box<Semaphore>>,
    abort: OnceLock<AbortHandle>,
    /// Set by a supervisor's shutdown: the server stops after its current handler, before
    /// anything still in its mailbox (whose callers get `Exited`), as an OTP child that does
    /// not trap exits dies of the `shutdown` signal.
    shutdown: OnceLock<Box<ExitReason>>,
    /// Its supervisor's restart count when it started (see [`ServerStats::restarts`]).
    restarts: u32,
    /// Whether it was started on a `current_thread` runtime: its callers, most likely on the
    /// same runtime, step aside the way that is cheaper there (see `call.rs`).
    pub(crate) single_threaded: bool,
    /// Monitors and links on this server; allocated by the first one.
    pub(crate) watchers: Mutex<Option<Box<Watchers>>>,
}

impl Shared {
    fn new(type_name: &'static str, mailbox_capacity: Option<usize>) -> Shared {
        Shared {
            id: ServerId::next(),
            type_name,
            reason: OnceLock::new(),
            state: AtomicU8::new(0),
            changed: Notify::new(),
            room: mailbox_capacity.map(|capacity| Box::new(Semaphore::new(capacity))),
            abort: OnceLock::new(),
            shutdown: OnceLock::new(),
            restarts: RESTARTS.try_with(|restarts| *restarts).unwrap_or(0),
            single_threaded: tokio::runtime::Handle::try_current().is_ok_and(|runtime| {
                runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread
            }),
            watchers: Mutex::new(None),
        }
    }

    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        self.reason.get().cloned()
    }

    fn set_reason(&self, reason: ExitReason) {
        if self.reason.set(reason).is_ok() {
            self.changed.notify_waiters();
        }
    }

    /// Ends the server at once with `reason` (unless it already chose one), without terminate.
    pub(crate) fn kill(&self, reason: ExitReason) {
        self.set_reason(reason);
        if let Some(abort) = self.abort.get() {
            abort.abort();
        }
    }

    fn is_done(&self) -> bool {
        self.state.load(Ordering::Acquire) & DONE != 0
    }

    pub(crate) fn traps_exits(&self) -> bool {
        self.state.load(Ordering::Acquire) & TRAPS_EXITS != 0
    }

    /// Resolves once the server has decided to exit (its callers can be told why).
    pub(crate) async fn wait_reason(&self) -> ExitReason {
        loop {
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            if let Some(reason) = self.reason.get() {
                return ExitReason::clone(reason);
            }
            changed.await;
        }
    }

    /// Resolves once the server's task is gone (terminate ran, state dropped, its name freed,
    /// its monitors and links told).
    pub(crate) async fn wait_exit(&self) -> ExitReason {
        loop {
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            if self.is_done() {
                return self.exit_reason().unwrap_or(ExitReason::Killed);
            }
            changed.await;
        }
    }
}

/// Runs the exit work when the server's task ends, whichever way it ends (even when aborted):
/// frees the name, tells monitors and links, then marks the server done.
struct DoneGuard {
    shared: Arc<Shared>,
    name: Option<Arc<Name>>,
}

impl Drop for DoneGuard {
    fn drop(&mut self) {
        // A task dropped without having chosen a reason was aborted: killed.
        let _ = self.shared.reason.set(ExitReason::Killed);
        if let Some(name) = &self.name {
            name.unregister(self.shared.id);
        }
        monitor::on_exit(&self.shared);
        self.shared.state.fetch_or(DONE, Ordering::AcqRel);
        self.shared.changed.notify_waiters();
    }
}

/// What goes through a mailbox: the server's own messages, and requests of the runtime.
pub(crate) enum Mail<S: GenServer> {
    Msg(S::Msg),
    /// Boxed so that a rare request does not make every slot of the mailbox bigger.
    Stop(Box<ExitReason>),
    /// A closure run on the state between two messages (`get_state`, `replace_state`, `stats`).
    /// Boxed twice: a thin pointer, where a `Box<dyn ..>` would make every slot 8 bytes wider.
    System(Box<SystemFn<S>>),
    /// A `Down` of a monitor, or an exit signal of a link (boxed, as `Stop`).
    Signal(Box<Signal>),
}

type SystemFn<S> = Box<dyn FnOnce(&mut S, &ServerStats) + Send>;

/// Counters of one server, from [`ServerRef::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServerStats {
    /// Messages (calls, casts, infos, continues) handled since the server started.
    pub messages_handled: u64,
    /// Messages waiting in the mailbox when the stats were taken.
    pub mailbox_len: usize,
    /// How many times its supervisor had restarted this child when it started this
    /// incarnation (0 for a first start, and for a server without a supervisor).
    pub restarts: u32,
}

tokio::task_local! {
    /// The restart count a supervisor gives the server its child spec starts.
    static RESTARTS: u32;
}

/// Runs a child spec's start future so that the server it starts records `restarts`.
pub(crate) async fn with_restarts<F: Future>(restarts: u32, start: F) -> F::Output {
    RESTARTS.scope(restarts, start).await
}

/// A handle to a server of type `S`: the generic operations every server has.
///
/// The generated `{Type}Ref` client dereferences to this, so `counter.stop().await`,
/// `counter.kill()`, `counter.is_alive()` and friends work on it directly.
/// Cloning is cheap (two reference counts); all clones talk to the same server.
///
/// A handle is bound either to one server (what `start` returns) or to a name
/// ([`from_name`](ServerRef::from_name)). A name handle resolves the name each time it is used,
/// so it follows the server across restarts; while no server holds the name, its calls fail at
/// once with [`CallError::NotRunning`] and it behaves like a handle to a server that has exited
/// with [`ExitReason::NoProc`].
pub struct ServerRef<S: GenServer> {
    pub(crate) target: Target<S>,
    pub(crate) call_timeout: Duration,
}

/// Where a handle's messages go.
pub(crate) enum Target<S: GenServer> {
    /// One server, for its whole life.
    Direct(Direct<S>),
    /// Whichever server holds the name when a message is sent.
    Named(Arc<Name>),
}

/// A handle bound to one server: its mailbox and the record its handles share.
pub(crate) struct Direct<S: GenServer> {
    pub(crate) mailbox: mailbox::Sender<Mail<S>>,
    pub(crate) shared: Arc<Shared>,
}

impl<S: GenServer> Clone for Direct<S> {
    fn clone(&self) -> Self {
        Direct {
            mailbox: self.mailbox.clone(),
            shared: self.shared.clone(),
        }
    }
}

impl<S: GenServer> Clone for Target<S> {
    fn clone(&self) -> Self {
        match self {
            Target::Direct(server) => Target::Direct(server.clone()),
            Target::Named(name) => Target::Named(name.clone()),
        }
    }
}

impl<S: GenServer> Clone for ServerRef<S> {
    fn clone(&self) -> Self {
        ServerRef {
            target: self.target.clone(),
            call_timeout: self.call_timeout,
        }
    }
}

impl<S: GenServer> fmt::Debug for ServerRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Direct(server) => write!(
                f,
                "ServerRef<{}>({})",
                server.shared.type_name, server.shared.id
            ),
            Target::Named(name) => write!(
                f,
                "ServerRef<{}>({:?})",
                std::any::type_name::<S>(),
                name.name()
            ),
        }
    }
}

impl<S: GenServer> AsRef<ServerRef<S>> for ServerRef<S> {
    fn as_ref(&self) -> &ServerRef<S> {
        self
    }
}

impl<S: GenServer> Direct<S> {
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    #[inline]
    pub(crate) fn cast(&self, msg: S::Msg) -> Result<(), CastError> {
        if self.shared.room.is_some() {
            return self.cast_bounded(msg);
        }
        self.mailbox
            .send(Mail::Msg(msg))
            .map_err(|_| CastError::NotRunning)
    }

    /// [`cast`](Direct::cast) into a bounded mailbox: only with room left.
    #[inline(never)]
    fn cast_bounded(&self, msg: S::Msg) -> Result<(), CastError> {
        if let Some(room) = &self.shared.room {
            match room.try_acquire() {
                Ok(permit) => permit.forget(),
                Err(tokio::sync::TryAcquireError::NoPermits) => return Err(CastError::Full),
                Err(tokio::sync::TryAcquireError::Closed) => return Err(CastError::NotRunning),
            }
        }
        self.mailbox
            .send(Mail::Msg(msg))
            .map_err(|_| CastError::NotRunning)
    }

    /// Delivers a runtime signal (a `Down`, a trapped exit). It takes no room in a bounded
    /// mailbox: like a stop request, it is never refused.
    pub(crate) fn signal(&self, signal: Signal) -> bool {
        self.mailbox.send(Mail::Signal(Box::new(signal))).is_ok()
    }

    fn request_stop(&self, reason: ExitReason) -> bool {
        self.mailbox.send(Mail::Stop(Box::new(reason))).is_ok()
    }

    async fn stop_with(&self, reason: ExitReason) {
        // A closed mailbox means the server is already exiting: wait for it all the same.
        let _ = self.request_stop(reason);
        if current_server() != self.shared.id.as_u64() {
            self.shared.wait_exit().await;
        }
    }

    async fn system<R: Send + 'static>(
        &self,
        run: impl FnOnce(&mut S, &ServerStats) -> R + Send + 'static,
        call_timeout: Duration,
    ) -> Result<R, CallError> {
        if current_server() == self.shared.id.as_u64() {
            return Err(CallError::CallingSelf);
        }
        let (reply_to, receiver) = ReplyTo::channel();
        self.mailbox
            .send(Mail::System(Box::new(Box::new(move |state, stats| {
                reply_to.send(run(state, stats))
            }))))
            .map_err(|_| CallError::NotRunning)?;
        reply::wait(receiver, &self.shared, None, call_timeout).await
    }

    pub(crate) fn pid(&self, call_timeout: Duration) -> Pid {
        Pid(Arc::new(PidServer {
            server: self.clone(),
            call_timeout,
        }))
    }
}

impl<S: GenServer> ServerRef<S> {
    pub(crate) fn from_direct(server: Direct<S>, call_timeout: Duration) -> Self {
        ServerRef {
            target: Target::Direct(server),
            call_timeout,
        }
    }

    /// The server registered under `name` in the local registry, if it is an `S`: Elixir's
    /// `GenServer.whereis/1`. The generated `Counter::whereis(name)` returns the typed handle.
    ///
    /// The handle is bound to the server found: after a restart it still points at the old,
    /// exited one. Use [`from_name`](ServerRef::from_name) for a handle that follows the name.
    pub fn whereis(name: &str) -> Option<ServerRef<S>> {
        Self::whereis_via(LocalRegistry::global(), name)
    }

    /// Like [`whereis`](ServerRef::whereis), in another [`Registry`].
    pub fn whereis_via(registry: &dyn Registry, name: &str) -> Option<ServerRef<S>> {
        registry.whereis(name)?.server_ref::<S>()
    }

    /// A handle that resolves `name` in the local registry each time it is used, so it reaches
    /// whichever server holds the name then: after a supervisor restarts the server, calls go to
    /// the new one. While no server of type `S` holds the name, calls fail at once with
    /// [`CallError::NotRunning`] and casts with [`CastError::NotRunning`].
    ///
    /// Making the handle does not look the name up; it cannot fail.
    pub fn from_name(name: impl Into<String>) -> ServerRef<S> {
        ServerRef {
            target: Target::Named(Arc::new(Name::local(name.into()))),
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// Like [`from_name`](ServerRef::from_name), resolving the name in another [`Registry`].
    pub fn from_name_via(registry: Arc<dyn Registry>, name: impl Into<String>) -> ServerRef<S> {
        ServerRef {
            target: Target::Named(Arc::new(Name::via(registry, name.into()))),
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// The name this handle resolves, if it was made with [`from_name`](ServerRef::from_name).
    pub fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Direct(_) => None,
            Target::Named(name) => Some(name.name()),
        }
    }

    /// Runs `f` on the server this handle reaches now, if there is one.
    fn with_server<R>(&self, f: impl FnOnce(&Direct<S>) -> R) -> Option<R> {
        match &self.target {
            Target::Direct(server) => Some(f(server)),
            Target::Named(name) => name.whereis().as_ref().and_then(Pid::direct::<S>).map(f),
        }
    }

    /// The server's id. For a name handle, the id of the server holding the name now, or while
    /// none does, an id that belongs to no server.
    pub fn id(&self) -> ServerId {
        self.with_server(|server| server.shared.id)
            .unwrap_or_else(|| no_process().id)
    }

    /// `true` until the server has exited (while `terminate` runs it is still alive). For a name
    /// handle: whether a live server holds the name now.
    pub fn is_alive(&self) -> bool {
        self.with_server(|server| !server.shared.is_done())
            .unwrap_or(false)
    }

    /// The call timeout of this handle (5 s unless changed).
    pub fn call_timeout(&self) -> Duration {
        self.call_timeout
    }

    /// A handle to the same server whose calls wait at most `timeout` for their reply.
    pub fn with_timeout(&self, timeout: Duration) -> Self {
        ServerRef {
            call_timeout: timeout,
            ..self.clone()
        }
    }

    /// An untyped handle to this server, e.g. to keep servers of different types in one list.
    /// For a name handle, the server holding the name now (or, with none, a `Pid` of no server
    /// whose exit reason is [`ExitReason::NoProc`]).
    pub fn pid(&self) -> Pid {
        self.with_server(|server| server.pid(self.call_timeout))
            .unwrap_or_else(Pid::no_process)
    }

    /// Makes a call: builds the message around a fresh reply channel, sends it and waits for
    /// the reply, at most the call timeout. The generated client methods are built on this.
    ///
    /// Like an `async fn`, the future does nothing until it is polled: the message is sent
    /// when it is first polled.
    ///
    /// ```
    /// use genserver::prelude::*;
    ///
    /// struct Echo;
    ///
    /// #[genserver]
    /// impl Echo {
    ///     #[call]
    ///     fn echo(&self, text: String) -> String { text }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let echo = Echo::start(Echo).await.unwrap();
    /// // What the generated `echo.echo("hi".to_owned())` does:
    /// let reply = echo
    ///     .call(|reply_to| EchoMsg::Echo { text: "hi".to_owned(), reply_to })
    ///     .await;
    /// assert_eq!(reply, Ok("hi".to_owned()));
    /// # }
    /// ```
    pub fn call<'a, R: Send + 'a>(
        &'a self,
        msg: impl FnOnce(ReplySender<R>) -> S::Msg + Send + 'a,
    ) -> impl Future<Output = Result<R, CallError>> + 'a {
        Call::new(self, msg, tokio::task::yield_now())
    }

    /// [`call`](ServerRef::call) through a name handle, or to a bounded mailbox.
    pub(crate) async fn call_general<R: Send>(
        &self,
        msg: impl FnOnce(ReplySender<R>) -> S::Msg + Send,
    ) -> Result<R, CallError> {
        let server = match &self.target {
            Target::Direct(server) => server,
            // Resolve the name, then make the call on the server found.
            Target::Named(name) => {
                let pid = name.whereis().ok_or(CallError::NotRunning)?;
                let server = pid.server_ref::<S>().ok_or(CallError::NotRunning)?;
                return Box::pin(server.with_timeout(self.call_timeout).call(msg)).await;
            }
        };
        if current_server() == server.shared.id.as_u64() {
            return Err(CallError::CallingSelf);
        }
        let mut deadline = None;
        if let Some(room) = &server.shared.room {
            let until = *deadline.insert(reply::deadline_after(self.call_timeout));
            match tokio::time::timeout_at(until, room.acquire()).await {
                Ok(Ok(permit)) => permit.forget(),
                Ok(Err(_closed)) => return Err(CallError::NotRunning),
                Err(_elapsed) => return Err(CallError::Timeout),
            }
        }
        let (reply_to, receiver) = reply::reply_channel();
        server
            .mailbox
            .send(Mail::Msg(msg(reply_to)))
            .map_err(|_| CallError::NotRunning)?;
        reply::wait(receiver, &server.shared, deadline, self.call_timeout).await
    }

    /// Sends a message without waiting: the generated cast methods are built on this.
    /// Never blocks; with a bounded mailbox that is full, it fails with [`CastError::Full`].
    #[inline]
    pub fn cast(&self, msg: S::Msg) -> Result<(), CastError> {
        match &self.target {
            Target::Direct(server) => server.cast(msg),
            Target::Named(_) => self.cast_named(msg),
        }
    }

    /// [`cast`](ServerRef::cast) through a name handle: to the server holding the name now.
    #[inline(never)]
    fn cast_named(&self, msg: S::Msg) -> Result<(), CastError> {
        self.with_server(|server| server.cast(msg))
            .unwrap_or(Err(CastError::NotRunning))
    }

    /// Sends an info message, handled by the server's `#[info]` handler for `M`
    /// (Elixir's `send(pid, msg)`).
    pub fn send<M: InfoMessage<S>>(&self, msg: M) -> Result<(), CastError> {
        self.cast(msg.into_server_msg())
    }

    /// Stops the server with [`ExitReason::Normal`] and returns once `terminate` has run and
    /// the state has been dropped. Messages already in the mailbox are handled first; callers
    /// queued behind the stop get [`CallError::Exited`].
    ///
    /// Called from the server's own handler, it only requests the stop (waiting would
    /// deadlock); use `ctx.stop(..)` there instead.
    pub async fn stop(&self) {
        self.stop_with(ExitReason::Normal).await;
    }

    /// Like [`stop`](ServerRef::stop), with the given reason (e.g. [`ExitReason::Shutdown`]).
    pub async fn stop_with(&self, reason: ExitReason) {
        match &self.target {
            Target::Direct(server) => server.stop_with(reason).await,
            Target::Named(name) => {
                if let Some(server) = name.whereis().as_ref().and_then(Pid::direct::<S>) {
                    server.stop_with(reason).await;
                }
            }
        }
    }

    /// Runs `inspect` on the server's state, inside the server between two messages, and
    /// returns its result: OTP's `:sys.get_state`. A test and debugging tool; the server's own
    /// calls are the API. A panic in `inspect` ends the server like a panicking handler.
    ///
    /// ```
    /// use genserver::prelude::*;
    ///
    /// struct Counter { value: i64 }
    ///
    /// #[genserver]
    /// impl Counter {
    ///     #[cast]
    ///     fn add(&mut self, n: i64) { self.value += n; }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let counter = Counter::start(Counter { value: 0 }).await.unwrap();
    /// counter.add(2).unwrap();
    /// assert_eq!(counter.get_state(|state| state.value).await, Ok(2));
    /// counter.replace_state(|state| state.value = 40).await.unwrap();
    /// counter.add(2).unwrap();
    /// assert_eq!(counter.get_state(|state| state.value).await, Ok(42));
    /// # }
    /// ```
    pub async fn get_state<R: Send + 'static>(
        &self,
        inspect: impl FnOnce(&S) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        self.system(move |state, _| inspect(state)).await
    }

    /// Changes the server's state in place, inside the server between two messages: OTP's
    /// `:sys.replace_state`. A test and debugging tool, like [`get_state`](Self::get_state).
    pub async fn replace_state(
        &self,
        replace: impl FnOnce(&mut S) + Send + 'static,
    ) -> Result<(), CallError> {
        self.system(move |state, _| replace(state)).await
    }

    /// The server's counters: messages handled, messages waiting. Answered by the server
    /// between two messages, so a busy server answers when its current handler returns.
    pub async fn stats(&self) -> Result<ServerStats, CallError> {
        self.system(|_, stats| *stats).await
    }

    async fn system<R: Send + 'static>(
        &self,
        run: impl FnOnce(&mut S, &ServerStats) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        match &self.target {
            Target::Direct(server) => server.system(run, self.call_timeout).await,
            Target::Named(name) => {
                let pid = name.whereis().ok_or(CallError::NotRunning)?;
                let server = pid.direct::<S>().ok_or(CallError::NotRunning)?;
                server.system(run, self.call_timeout).await
            }
        }
    }

    /// Ends the server at once, without `terminate`: its callers get
    /// `CallError::Exited(ExitReason::Killed)`. Not async: the task is aborted at its next
    /// await point.
    pub fn kill(&self) {
        self.with_server(|server| server.shared.kill(ExitReason::Killed));
    }

    /// Waits until the server has exited and returns why. For a name handle, waits for the
    /// server holding the name now; with none, returns [`ExitReason::NoProc`] at once.
    pub async fn exited(&self) -> ExitReason {
        match &self.target {
            Target::Direct(server) => server.shared.wait_exit().await,
            Target::Named(_) => self.monitor().await,
        }
    }

    /// Monitors the server from plain async code (outside any server): the future resolves
    /// with the server's exit reason once it has exited: its name is free and the `Down`s of
    /// its monitors are delivered by then. The server is chosen when `monitor` is called (for a
    /// name handle, the one holding the name then; with none, the future gives
    /// [`ExitReason::NoProc`]). The future does not borrow the handle, so it can be moved into
    /// a task or a `select!`.
    ///
    /// A server monitors another with [`Context::monitor`] instead, and gets a
    /// [`Down`](crate::Down) message.
    pub fn monitor(&self) -> impl Future<Output = ExitReason> + Send + 'static {
        let shared = self.with_server(|server| server.shared.clone());
        async move {
            match shared {
                Some(shared) => shared.wait_exit().await,
                None => ExitReason::NoProc,
            }
        }
    }
}

/// Type-erased operations of a server, behind [`Pid`].
trait AnyServer: Send + Sync + 'static {
    fn shared(&self) -> &Arc<Shared>;
    fn request_stop(&self, reason: ExitReason) -> bool;
    fn signal(&self, signal: Signal) -> bool;
    fn as_any(&self) -> &dyn Any;
}

/// What a [`Pid`] of a server holds: a bound handle and the call timeout of the handle it was
/// made from (which [`Pid::downcast`] gives back).
struct PidServer<S: GenServer> {
    server: Direct<S>,
    call_timeout: Duration,
}

impl<S: GenServer> AnyServer for PidServer<S> {
    fn shared(&self) -> &Arc<Shared> {
        &self.server.shared
    }
    fn request_stop(&self, reason: ExitReason) -> bool {
        self.server.request_stop(reason)
    }
    fn signal(&self, signal: Signal) -> bool {
        self.server.signal(signal)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The `Pid` of no server: what a name held by nobody resolves to.
struct NoProcess;

impl AnyServer for NoProcess {
    fn shared(&self) -> &Arc<Shared> {
        no_process()
    }
    fn request_stop(&self, _: ExitReason) -> bool {
        false
    }
    fn signal(&self, _: Signal) -> bool {
        false
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The record of "no server": exited, reason [`ExitReason::NoProc`], id used by nothing else.
fn no_process() -> &'static Arc<Shared> {
    static NO_PROCESS: OnceLock<Arc<Shared>> = OnceLock::new();
    NO_PROCESS.get_or_init(|| {
        let shared = Shared::new("noproc", None);
        shared.set_reason(ExitReason::NoProc);
        shared.state.store(CLOSED | DONE, Ordering::Release);
        Arc::new(shared)
    })
}

/// An untyped handle to a server of any type: Erlang's pid.
///
/// It can stop, kill and await a server without knowing its type, and
/// [`downcast`](Pid::downcast) back to the typed handle.
#[derive(Clone)]
pub struct Pid(Arc<dyn AnyServer>);

impl Pid {
    fn no_process() -> Pid {
        Pid(Arc::new(NoProcess))
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        self.0.shared()
    }

    /// The bound handle inside, if the server is an `S`.
    pub(crate) fn direct<S: GenServer>(&self) -> Option<&Direct<S>> {
        self.0
            .as_any()
            .downcast_ref::<PidServer<S>>()
            .map(|pid| &pid.server)
    }

    pub(crate) fn server_ref<S: GenServer>(&self) -> Option<ServerRef<S>> {
        self.0
            .as_any()
            .downcast_ref::<PidServer<S>>()
            .map(|pid| ServerRef::from_direct(pid.server.clone(), pid.call_timeout))
    }

    pub(crate) fn signal(&self, signal: Signal) -> bool {
        self.0.signal(signal)
    }

    /// The server's id.
    pub fn id(&self) -> ServerId {
        self.shared().id
    }

    /// `true` until the server has exited.
    pub fn is_alive(&self) -> bool {
        !self.shared().is_done()
    }

    /// The server's type name, e.g. `my_app::Counter`.
    pub fn type_name(&self) -> &'static str {
        self.shared().type_name
    }

    /// Stops the server with `reason` and waits until it has exited.
    pub async fn stop_with(&self, reason: ExitReason) {
        let _ = self.0.request_stop(reason);
        if current_server() != self.id().as_u64() {
            self.shared().wait_exit().await;
        }
    }

    /// Ends the server at once, without `terminate`.
    pub fn kill(&self) {
        self.shared().kill(ExitReason::Killed);
    }

    /// A supervisor's stop: like [`stop_with`](Pid::stop_with), but the server stops after the
    /// handler it is running, and every message still queued is dropped, its callers answered
    /// with [`CallError::Exited`].
    pub(crate) async fn shutdown(&self, reason: ExitReason) {
        let _ = self.shared().shutdown.set(Box::new(reason.clone()));
        // Wakes an idle server; a busy one sees the flag before its next message.
        let _ = self.0.request_stop(reason);
        if current_server() != self.id().as_u64() {
            self.shared().wait_exit().await;
        }
    }

    /// Waits until the server has exited and returns why.
    pub async fn exited(&self) -> ExitReason {
        self.shared().wait_exit().await
    }

    /// Like [`ServerRef::monitor`]: a future, not borrowing the `Pid`, that resolves with the
    /// server's exit reason once it has exited.
    pub fn monitor(&self) -> impl Future<Output = ExitReason> + Send + 'static {
        let shared = self.shared().clone();
        async move { shared.wait_exit().await }
    }

    /// The typed handle, if the server is an `S`.
    pub fn downcast<S: GenServer>(&self) -> Option<S::Ref> {
        self.server_ref::<S>().map(S::Ref::from)
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pid<{}>({})", self.type_name(), self.id())
    }
}

impl PartialEq for Pid {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for Pid {}

/// How to start a server: `Counter::options().call_timeout(..).start(args)`.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
///
/// struct Echo;
///
/// #[genserver]
/// impl Echo {
///     #[call]
///     fn echo(&self, text: String) -> String { text }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let echo = Echo::options()
///     .call_timeout(Duration::from_secs(1))
///     .mailbox_capacity(1_000)
///     .start(Echo)
///     .await
///     .unwrap();
/// assert_eq!(echo.echo("hi".into()).await.unwrap(), "hi");
/// # }
/// ```
pub struct Options<S: GenServer> {
    call_timeout: Duration,
    mailbox_capacity: Option<usize>,
    name: Option<Name>,
    server: PhantomData<fn() -> S>,
}

impl<S: GenServer> Default for Options<S> {
    fn default() -> Self {
        Options {
            call_timeout: DEFAULT_CALL_TIMEOUT,
            mailbox_capacity: None,
            name: None,
            server: PhantomData,
        }
    }
}

impl<S: GenServer> fmt::Debug for Options<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("call_timeout", &self.call_timeout)
            .field("mailbox_capacity", &self.mailbox_capacity)
            .field("name", &self.name.as_ref().map(Name::name))
            .finish()
    }
}

impl<S: GenServer> Options<S> {
    /// The default options: unbounded mailbox, 5 s call timeout.
    pub fn new() -> Self {
        Self::default()
    }

    /// The call timeout of the handles `start` returns (default 5 s).
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Bounds the mailbox to `capacity` messages: a cast to a full mailbox fails with
    /// [`CastError::Full`] and a call waits for room (within its timeout). Stop requests are
    /// never refused. Unbounded by default, like an Erlang mailbox.
    pub fn mailbox_capacity(mut self, capacity: usize) -> Self {
        self.mailbox_capacity = Some(capacity);
        self
    }

    /// Registers the server under `name` in the local registry, before `init` runs (as OTP
    /// does): `Counter::whereis(name)` finds it and `CounterRef::from_name(name)` reaches it.
    /// If the name is taken, `start` returns [`StartError::AlreadyStarted`] with the holder and
    /// runs nothing. The name is freed when the server exits, however it exits, and when its
    /// init fails, before `start` returns the error.
    ///
    /// ```
    /// use genserver::prelude::*;
    ///
    /// struct Config { debug: bool }
    ///
    /// #[genserver]
    /// impl Config {
    ///     #[call]
    ///     fn debug(&self) -> bool { self.debug }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let config = Config::options().name("config").start(Config { debug: true }).await.unwrap();
    /// assert_eq!(Config::whereis("config").unwrap().debug().await, Ok(true));
    /// assert!(matches!(
    ///     Config::options().name("config").start(Config { debug: false }).await,
    ///     Err(StartError::AlreadyStarted(_))
    /// ));
    /// config.stop().await;
    /// assert!(Config::whereis("config").is_none());
    /// # }
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(Name::local(name.into()));
        self
    }

    /// Registers the server under `name` in `registry` instead of the local registry: OTP's
    /// `{:via, module, name}`. Reach it with [`ServerRef::whereis_via`] and
    /// [`ServerRef::from_name_via`]. See [`Registry`] for an example.
    pub fn via(mut self, registry: Arc<dyn Registry>, name: impl Into<String>) -> Self {
        self.name = Some(Name::via(registry, name.into()));
        self
    }

    /// Starts the server and returns its handle once `init` has succeeded.
    pub async fn start(self, args: S::Args) -> Result<S::Ref, StartError<S::InitError>> {
        let (mailbox, receiver) = mailbox::channel();
        let shared = Arc::new(Shared::new(
            std::any::type_name::<S>(),
            self.mailbox_capacity,
        ));
        let server = Direct {
            mailbox,
            shared: shared.clone(),
        };
        let name = self.name.map(Arc::new);
        if let Some(name) = &name {
            // Registered before init, so a second start under the name fails without running.
            name.register(server.pid(self.call_timeout))
                .map_err(StartError::AlreadyStarted)?;
        }
        // An init that only moves its argument into place cannot fail: nothing to wait for.
        let (started, init_result) = if S::INIT_IS_TRIVIAL {
            (None, None)
        } else {
            let (started, init_result) = oneshot::channel();
            (Some(started), Some(init_result))
        };
        let task = tokio::spawn(run(
            server.clone(),
            self.call_timeout,
            name,
            receiver,
            args,
            started,
        ));
        // Only this function sets it, once, right after the spawn.
        let _ = shared.abort.set(task.abort_handle());
        let Some(init_result) = init_result else {
            return Ok(S::Ref::from(ServerRef::from_direct(
                server,
                self.call_timeout,
            )));
        };
        let error = match init_result.await {
            Ok(Ok(())) => {
                return Ok(S::Ref::from(ServerRef::from_direct(
                    server,
                    self.call_timeout,
                )));
            }
            Ok(Err(error)) => error,
            Err(_) => StartError::Panic("the server was killed during init".to_owned()),
        };
        // A failed start leaves nothing behind: the name is free once the task is done.
        shared.wait_exit().await;
        Err(error)
    }
}

/// The size of the task future of a server of type `S` (not spawned), for the tests.
#[cfg(test)]
pub(crate) fn task_future_size<S: GenServer>(args: S::Args) -> usize {
    let (mailbox, receiver) = mailbox::channel();
    let shared = Arc::new(Shared::new("probe", None));
    let server = Direct::<S> { mailbox, shared };
    let future = run(server, DEFAULT_CALL_TIMEOUT, None, receiver, args, None);
    size_of_val(&future)
}

/// The server's task: init, the message loop, terminate. One async block captures everything
/// once, which keeps the task (what an idle server costs) small.
fn run<S: GenServer>(
    server: Direct<S>,
    call_timeout: Duration,
    name: Option<Arc<Name>>,
    mut mailbox: mailbox::Receiver<Mail<S>>,
    args: S::Args,
    started: Option<oneshot::Sender<Result<(), StartError<S::InitError>>>>,
) -> impl Future<Output = ()> + Send {
    let id = server.shared.id.as_u64();
    // Made before the future, so that the exit work runs even if the task is aborted before
    // its first poll (a kill right after a `start` that did not wait for init).
    let done = DoneGuard {
        shared: server.shared.clone(),
        name,
    };
    // Made here and moved in, rather than made inside from moved-in parts, which the future
    // would keep too.
    let mut ctx = Context::new(server, call_timeout);
    let future = async move {
        // Dropped when the future is, after everything below.
        let shared = &done.shared;
        let mut state = match AssertUnwindSafe(S::init(args, &mut ctx))
            .catch_unwind()
            .await
        {
            Ok(Ok(state)) => state,
            Ok(Err(error)) => {
                shared.set_reason(ExitReason::Error("init failed".to_owned()));
                if let Some(started) = started {
                    let _ = started.send(Err(StartError::Init(error)));
                }
                return;
            }
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                shared.set_reason(ExitReason::Panic(message.clone()));
                if let Some(started) = started {
                    let _ = started.send(Err(StartError::Panic(message)));
                }
                return;
            }
        };
        // If the starter is gone the server still runs, as a spawned Erlang process does.
        if let Some(started) = started {
            let _ = started.send(Ok(()));
        }

        let reason = match AssertUnwindSafe(serve(&mut state, &mut ctx, &mut mailbox))
            .catch_unwind()
            .await
        {
            Ok(reason) => reason,
            Err(payload) => ExitReason::Panic(panic_message(payload.as_ref())),
        };
        // Moved into `shared`: this future keeps no copy across the awaits below (terminate
        // borrows the recorded reason).
        shared.set_reason(reason);
        #[cfg(feature = "tracing")]
        tracing::debug!(
            target: "genserver",
            server = shared.type_name,
            id = %shared.id,
            reason = %shared.reason.get().unwrap_or(&ExitReason::Killed),
            "server exiting",
        );
        // Every caller still queued learns at once that the server is gone.
        mailbox.close();
        if let Some(room) = &shared.room {
            room.close();
        }
        // `recv`, not `try_recv`: a sender that got past the closed check before `close` may
        // still be pushing its message, which `try_recv` would miss (it reports "empty"). Left
        // in the channel, that message's caller would wait for its whole timeout. `recv` ends
        // only once the mailbox is closed and no send is in flight.
        while mailbox.recv().await.is_some() {}
        // The recorded reason: the one monitors see.
        let reason = shared.reason.get().unwrap_or(&ExitReason::Killed);
        let _ = AssertUnwindSafe(state.terminate(reason, &mut ctx))
            .catch_unwind()
            .await;
        drop(state);
    };
    InScope { id, future }
}

/// The `tracing` span of one message (nothing without the `tracing` feature).
#[cfg(feature = "tracing")]
type MsgSpan = tracing::Span;
#[cfg(not(feature = "tracing"))]
type MsgSpan = ();

/// Runs the handler of `msg` at once if it is synchronous; else gives the message back, with
/// its span, for [`handle_later`]. When a subscriber listens, the handler runs inside a TRACE
/// span (target `genserver`); without one, the span costs a relaxed atomic load.
#[inline]
fn handle_now<S: GenServer>(
    state: &mut S,
    msg: S::Msg,
    ctx: &mut Context<S>,
) -> Option<(S::Msg, MsgSpan)> {
    #[cfg(feature = "tracing")]
    {
        let span = tracing::trace_span!(
            target: "genserver",
            "handle",
            server = ctx.server().shared.type_name,
            id = %ctx.id(),
            message = S::message_name(&msg),
        );
        let later = if span.is_disabled() {
            state.handle_now(msg, ctx)
        } else {
            span.in_scope(|| state.handle_now(msg, ctx))
        };
        later.map(|msg| (msg, span))
    }
    #[cfg(not(feature = "tracing"))]
    state.handle_now(msg, ctx).map(|msg| (msg, ()))
}

/// The future of the (asynchronous) handler of `msg`, inside its span. A plain function, not an
/// `async fn`: that would keep its arguments beside the future they move into, and this future
/// is part of every server's task.
#[cfg(feature = "tracing")]
fn handle_later<'a, S: GenServer>(
    state: &'a mut S,
    msg: S::Msg,
    ctx: &'a mut Context<S>,
    span: MsgSpan,
) -> impl Future<Output = ()> + Send + 'a {
    use futures_util::future::Either;
    use tracing::Instrument;
    if span.is_disabled() {
        Either::Left(state.handle(msg, ctx))
    } else {
        Either::Right(state.handle(msg, ctx).instrument(span))
    }
}

/// The future of the (asynchronous) handler of `msg`.
#[cfg(not(feature = "tracing"))]
fn handle_later<'a, S: GenServer>(
    state: &'a mut S,
    msg: S::Msg,
    ctx: &'a mut Context<S>,
    _: MsgSpan,
) -> impl Future<Output = ()> + Send + 'a {
    state.handle(msg, ctx)
}

/// What the loop does with a request of the runtime (anything but a server message): the
/// info message it turns into, nothing more (`None`), or the reason to exit. Out of line: the
/// loop's fast path is the server's own messages.
#[inline(never)]
fn runtime_request<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    mailbox: &mut mailbox::Receiver<Mail<S>>,
    handled: u64,
    mail: Mail<S>,
) -> Result<Option<S::Msg>, ExitReason> {
    match mail {
        Mail::Msg(msg) => Ok(Some(msg)),
        Mail::Stop(reason) => Err(*reason),
        Mail::System(run) => {
            let stats = ServerStats {
                messages_handled: handled,
                mailbox_len: mailbox.len(),
                restarts: ctx.server().shared.restarts,
            };
            run(state, &stats);
            Ok(None)
        }
        Mail::Signal(signal) => match ctx.accept_signal(*signal) {
            Accepted::Msg(msg) => Ok(Some(msg)),
            Accepted::Exit(reason) => Err(reason),
            Accepted::Ignored => Ok(None),
        },
    }
}

/// Handles `mail` up to the point where an asynchronous handler has to be awaited, and gives
/// that handler's future; or the reason to exit.
#[inline(always)]
fn dispatch<'a, S: GenServer>(
    state: &'a mut S,
    ctx: &'a mut Context<S>,
    mailbox: &mut mailbox::Receiver<Mail<S>>,
    handled: &mut u64,
    mail: Mail<S>,
) -> Result<Option<impl Future<Output = ()> + Send + 'a>, ExitReason> {
    let msg = match mail {
        Mail::Msg(msg) => msg,
        mail => match runtime_request(state, ctx, mailbox, *handled, mail)? {
            Some(msg) => msg,
            None => return Ok(None),
        },
    };
    *handled += 1;
    Ok(handle_now(state, msg, ctx).map(|(msg, span)| handle_later(state, msg, ctx, span)))
}

/// The message loop. Returns the reason to exit.
///
/// A plain function returning an `async` block, not an `async fn` (which would keep its
/// arguments twice), with a single await for the handlers: its future is part of every
/// server's task, and an idle server costs the size of its task. A synchronous handler runs
/// without a future ([`GenServer::handle_now`]); only an asynchronous one is awaited.
#[allow(clippy::manual_async_fn)]
fn serve<'a, S: GenServer>(
    state: &'a mut S,
    ctx: &'a mut Context<S>,
    mailbox: &'a mut mailbox::Receiver<Mail<S>>,
) -> impl Future<Output = ExitReason> + Send + 'a {
    async move {
        let mut handled: u64 = 0;
        loop {
            if let Some(reason) = ctx.server().shared.shutdown.get() {
                return ExitReason::clone(reason);
            }
            let mail = match ctx.take_continue() {
                Some(msg) => Mail::Msg(msg),
                None => match mailbox.recv().await {
                    Some(mail) => {
                        if let (Mail::Msg(_), Some(room)) = (&mail, &ctx.server().shared.room) {
                            // The message has left a bounded mailbox: make room for the next.
                            room.add_permits(1);
                        }
                        mail
                    }
                    // Unreachable while the context holds a sender, but a clean exit if not.
                    None => return ExitReason::Normal,
                },
            };
            // The message is moved whole into `dispatch`: what lives across the await below is
            // the handler's future alone, and a synchronous handler gets no future.
            let Some(later) = (match dispatch(state, ctx, mailbox, &mut handled, mail) {
                Ok(later) => later,
                Err(reason) => return reason,
            }) else {
                if let Some(reason) = ctx.take_stop() {
                    return reason;
                }
                continue;
            };
            later.await;
            if let Some(reason) = ctx.take_stop() {
                return reason;
            }
        }
    }
}
