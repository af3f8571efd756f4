//! The server side: the [`GenServer`] trait, the task that runs a server, and its handles.

use std::any::Any;
use std::cell::Cell;
use std::fmt;
use std::future::{Future, poll_fn};
use std::marker::PhantomData;
use std::num::NonZeroU64;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::{Notify, Semaphore, mpsc, oneshot};
use tokio::task::AbortHandle;
use tokio::time::Instant;

use crate::exit::panic_message;
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
    label = "`{Self}` cannot receive a `{M}`",
    note = "add a method `#[info] fn on_message(&mut self, msg: {M})` to the `#[genserver]` impl of `{Self}`"
)]
pub trait Info<M>: GenServer {
    /// Wraps an `M` into the server's message enum.
    fn into_msg(msg: M) -> Self::Msg;
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

/// Polls `future` with `id` recorded as the current server, so a handler calling its own server
/// is caught instead of deadlocking.
async fn in_scope<F: Future>(id: ServerId, future: F) -> F::Output {
    let mut future = pin!(future);
    poll_fn(|cx| {
        let outer = CURRENT_SERVER.replace(id.as_u64());
        let poll = future.as_mut().poll(cx);
        CURRENT_SERVER.set(outer);
        poll
    })
    .await
}

fn current_server() -> u64 {
    CURRENT_SERVER.get()
}

pub(crate) fn in_server_scope() -> bool {
    current_server() != 0
}

/// What every handle of one server shares: identity, bound, and how it ended.
pub(crate) struct Shared {
    id: ServerId,
    type_name: &'static str,
    /// Set when the server decides to exit, before its mailbox is drained.
    reason: OnceLock<ExitReason>,
    /// Set when the task is gone: terminate has run and the state is dropped.
    done: AtomicBool,
    /// Woken when `reason` is set and again when `done` is.
    changed: Notify,
    /// Room left in a bounded mailbox; `None` for the default unbounded one.
    room: Option<Semaphore>,
    abort: OnceLock<AbortHandle>,
}

impl Shared {
    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        self.reason.get().cloned()
    }

    fn set_reason(&self, reason: ExitReason) {
        if self.reason.set(reason).is_ok() {
            self.changed.notify_waiters();
        }
    }

    fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// Resolves once the server has decided to exit (its callers can be told why).
    pub(crate) async fn wait_reason(&self) -> ExitReason {
        loop {
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            if let Some(reason) = self.reason.get() {
                return reason.clone();
            }
            changed.await;
        }
    }

    /// Resolves once the server's task is gone (terminate ran, state dropped).
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

/// Marks the server done when its task ends, whichever way it ends (even when aborted).
struct DoneGuard(Arc<Shared>);

impl Drop for DoneGuard {
    fn drop(&mut self) {
        // A task dropped without having chosen a reason was aborted: killed.
        let _ = self.0.reason.set(ExitReason::Killed);
        self.0.done.store(true, Ordering::Release);
        self.0.changed.notify_waiters();
    }
}

/// What goes through a mailbox: the server's own messages, and requests of the runtime.
pub(crate) enum Mail<S: GenServer> {
    Msg(S::Msg),
    /// Boxed so that a rare request does not make every slot of the mailbox bigger.
    Stop(Box<ExitReason>),
    /// A closure run on the state between two messages (`get_state`, `replace_state`, `stats`).
    System(SystemFn<S>),
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
}

/// A handle to a running server of type `S`: the generic operations every server has.
///
/// The generated `{Type}Ref` client dereferences to this, so `counter.stop().await`,
/// `counter.kill()`, `counter.is_alive()` and friends work on it directly.
/// Cloning is cheap (two reference counts); all clones talk to the same server.
pub struct ServerRef<S: GenServer> {
    mailbox: mpsc::UnboundedSender<Mail<S>>,
    shared: Arc<Shared>,
    call_timeout: Duration,
}

impl<S: GenServer> Clone for ServerRef<S> {
    fn clone(&self) -> Self {
        ServerRef {
            mailbox: self.mailbox.clone(),
            shared: self.shared.clone(),
            call_timeout: self.call_timeout,
        }
    }
}

impl<S: GenServer> fmt::Debug for ServerRef<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ServerRef<{}>({})",
            self.shared.type_name, self.shared.id
        )
    }
}

impl<S: GenServer> AsRef<ServerRef<S>> for ServerRef<S> {
    fn as_ref(&self) -> &ServerRef<S> {
        self
    }
}

impl<S: GenServer> ServerRef<S> {
    /// The server's id.
    pub fn id(&self) -> ServerId {
        self.shared.id
    }

    /// `true` until the server has exited (while `terminate` runs it is still alive).
    pub fn is_alive(&self) -> bool {
        !self.shared.is_done()
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
    pub fn pid(&self) -> Pid {
        Pid(Arc::new(self.clone()))
    }

    /// Makes a call: builds the message around a fresh [`ReplyTo`] and waits for the reply, at
    /// most the call timeout. The generated client methods are built on this.
    pub async fn call<R>(&self, msg: impl FnOnce(ReplyTo<R>) -> S::Msg) -> Result<R, CallError> {
        if current_server() == self.shared.id.as_u64() {
            return Err(CallError::CallingSelf);
        }
        // Reading the clock costs as much as a fast call's reply: do it only when waiting.
        let mut deadline = None;
        if let Some(room) = &self.shared.room {
            let until = *deadline.insert(Instant::now() + self.call_timeout);
            match tokio::time::timeout_at(until, room.acquire()).await {
                Ok(Ok(permit)) => permit.forget(),
                Ok(Err(_closed)) => return Err(CallError::NotRunning),
                Err(_elapsed) => return Err(CallError::Timeout),
            }
        }
        let (reply_to, receiver) = ReplyTo::channel();
        self.mailbox
            .send(Mail::Msg(msg(reply_to)))
            .map_err(|_| CallError::NotRunning)?;
        reply::wait(receiver, &self.shared, deadline, self.call_timeout).await
    }

    /// Sends a message without waiting: the generated cast methods are built on this.
    /// Never blocks; with a bounded mailbox that is full, it fails with [`CastError::Full`].
    pub fn cast(&self, msg: S::Msg) -> Result<(), CastError> {
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

    /// Sends an info message, handled by the server's `#[info]` handler for `M`
    /// (Elixir's `send(pid, msg)`).
    pub fn send<M>(&self, msg: M) -> Result<(), CastError>
    where
        S: Info<M>,
    {
        self.cast(S::into_msg(msg))
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
        // A closed mailbox means the server is already exiting: wait for it all the same.
        let _ = self.mailbox.send(Mail::Stop(Box::new(reason)));
        if current_server() != self.shared.id.as_u64() {
            self.shared.wait_exit().await;
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
        if current_server() == self.shared.id.as_u64() {
            return Err(CallError::CallingSelf);
        }
        let (reply_to, receiver) = ReplyTo::channel();
        self.mailbox
            .send(Mail::System(Box::new(move |state, stats| {
                reply_to.send(run(state, stats))
            })))
            .map_err(|_| CallError::NotRunning)?;
        reply::wait(receiver, &self.shared, None, self.call_timeout).await
    }

    /// Ends the server at once, without `terminate`: its callers get
    /// `CallError::Exited(ExitReason::Killed)`. Not async: the task is aborted at its next
    /// await point.
    pub fn kill(&self) {
        self.shared.set_reason(ExitReason::Killed);
        if let Some(abort) = self.shared.abort.get() {
            abort.abort();
        }
    }

    /// Waits until the server has exited and returns why.
    pub async fn exited(&self) -> ExitReason {
        self.shared.wait_exit().await
    }
}

/// Type-erased operations of a server, behind [`Pid`].
trait AnyServer: Send + Sync + 'static {
    fn shared(&self) -> &Arc<Shared>;
    fn request_stop(&self, reason: ExitReason) -> bool;
    fn as_any(&self) -> &dyn Any;
    fn type_name(&self) -> &'static str;
}

impl<S: GenServer> AnyServer for ServerRef<S> {
    fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
    fn request_stop(&self, reason: ExitReason) -> bool {
        self.mailbox.send(Mail::Stop(Box::new(reason))).is_ok()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn type_name(&self) -> &'static str {
        self.shared.type_name
    }
}

/// An untyped handle to a server of any type: Erlang's pid.
///
/// It can stop, kill and await a server without knowing its type, and
/// [`downcast`](Pid::downcast) back to the typed handle.
#[derive(Clone)]
pub struct Pid(Arc<dyn AnyServer>);

impl Pid {
    /// The server's id.
    pub fn id(&self) -> ServerId {
        self.0.shared().id
    }

    /// `true` until the server has exited.
    pub fn is_alive(&self) -> bool {
        !self.0.shared().is_done()
    }

    /// The server's type name, e.g. `my_app::Counter`.
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    /// Stops the server with `reason` and waits until it has exited.
    pub async fn stop_with(&self, reason: ExitReason) {
        let _ = self.0.request_stop(reason);
        if current_server() != self.id().as_u64() {
            self.0.shared().wait_exit().await;
        }
    }

    /// Ends the server at once, without `terminate`.
    pub fn kill(&self) {
        let shared = self.0.shared();
        shared.set_reason(ExitReason::Killed);
        if let Some(abort) = shared.abort.get() {
            abort.abort();
        }
    }

    /// Waits until the server has exited and returns why.
    pub async fn exited(&self) -> ExitReason {
        self.0.shared().wait_exit().await
    }

    /// The typed handle, if the server is an `S`.
    pub fn downcast<S: GenServer>(&self) -> Option<S::Ref> {
        self.0
            .as_any()
            .downcast_ref::<ServerRef<S>>()
            .map(|server| S::Ref::from(server.clone()))
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
    server: PhantomData<fn() -> S>,
}

impl<S: GenServer> Default for Options<S> {
    fn default() -> Self {
        Options {
            call_timeout: DEFAULT_CALL_TIMEOUT,
            mailbox_capacity: None,
            server: PhantomData,
        }
    }
}

impl<S: GenServer> fmt::Debug for Options<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("call_timeout", &self.call_timeout)
            .field("mailbox_capacity", &self.mailbox_capacity)
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

    /// Starts the server and returns its handle once `init` has succeeded.
    pub async fn start(self, args: S::Args) -> Result<S::Ref, StartError<S::InitError>> {
        let (mailbox, receiver) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            id: ServerId::next(),
            type_name: std::any::type_name::<S>(),
            reason: OnceLock::new(),
            done: AtomicBool::new(false),
            changed: Notify::new(),
            room: self.mailbox_capacity.map(Semaphore::new),
            abort: OnceLock::new(),
        });
        let server = ServerRef {
            mailbox,
            shared: shared.clone(),
            call_timeout: self.call_timeout,
        };
        let (started, init_result) = oneshot::channel();
        let task = tokio::spawn(run(server.clone(), receiver, args, started));
        // Only this function sets it, once, right after the spawn.
        let _ = shared.abort.set(task.abort_handle());
        match init_result.await {
            Ok(Ok(())) => Ok(S::Ref::from(server)),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(StartError::Panic(
                "the server was killed during init".to_owned(),
            )),
        }
    }
}

/// The server's task: init, the message loop, terminate.
async fn run<S: GenServer>(
    server: ServerRef<S>,
    mut mailbox: mpsc::UnboundedReceiver<Mail<S>>,
    args: S::Args,
    started: oneshot::Sender<Result<(), StartError<S::InitError>>>,
) {
    let shared = server.shared.clone();
    let _done = DoneGuard(shared.clone());
    in_scope(shared.id, async move {
        let mut ctx = Context::new(server);
        let mut state = match AssertUnwindSafe(S::init(args, &mut ctx))
            .catch_unwind()
            .await
        {
            Ok(Ok(state)) => state,
            Ok(Err(error)) => {
                shared.set_reason(ExitReason::Error("init failed".to_owned()));
                let _ = started.send(Err(StartError::Init(error)));
                return;
            }
            Err(payload) => {
                let message = panic_message(payload.as_ref());
                shared.set_reason(ExitReason::Panic(message.clone()));
                let _ = started.send(Err(StartError::Panic(message)));
                return;
            }
        };
        // If the starter is gone the server still runs, as a spawned Erlang process does.
        let _ = started.send(Ok(()));

        let reason = match AssertUnwindSafe(serve(&mut state, &mut ctx, &mut mailbox))
            .catch_unwind()
            .await
        {
            Ok(reason) => reason,
            Err(payload) => ExitReason::Panic(panic_message(payload.as_ref())),
        };
        shared.set_reason(reason.clone());
        // Every caller still queued learns at once that the server is gone.
        mailbox.close();
        if let Some(room) = &shared.room {
            room.close();
        }
        while mailbox.try_recv().is_ok() {}
        let _ = AssertUnwindSafe(state.terminate(&reason, &mut ctx))
            .catch_unwind()
            .await;
        drop(state);
    })
    .await;
}

/// The message loop. Returns the reason to exit.
async fn serve<S: GenServer>(
    state: &mut S,
    ctx: &mut Context<S>,
    mailbox: &mut mpsc::UnboundedReceiver<Mail<S>>,
) -> ExitReason {
    let mut handled: u64 = 0;
    loop {
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
        match mail {
            Mail::Msg(msg) => {
                handled += 1;
                state.handle(msg, ctx).await;
            }
            Mail::Stop(reason) => return *reason,
            Mail::System(run) => {
                let stats = ServerStats {
                    messages_handled: handled,
                    mailbox_len: mailbox.len(),
                };
                run(state, &stats);
            }
        }
        if let Some(reason) = ctx.take_stop() {
            return reason;
        }
    }
}

impl<S: GenServer> ServerRef<S> {
    pub(crate) fn shared_ref(&self) -> &Shared {
        &self.shared
    }
}
