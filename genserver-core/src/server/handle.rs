//! [`ServerRef`]: the typed handle of a server, bound to one server or to a name.

use std::fmt;
use std::future::{Future, poll_fn};
use std::sync::Arc;
use std::time::Duration;

use super::remote::RemoteTarget;
use super::{GenServer, InfoMessage};
use crate::process::pid::no_process;
use crate::process::scope::current_server;
use crate::process::{Pid, Shared, Signal};
use crate::registry::{LocalRegistry, Name, Registry};
use crate::reply::{self, Received};
use crate::task::{Mail, ServerStats, StopRequest};
use crate::{CallError, CastError, ExitReason, RemoteError, ReplyTo, ServerId, StopError, mailbox};

/// OTP's default call timeout.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

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
/// with [`ExitReason::NoProc`]. A remote handle ([`from_remote`](ServerRef::from_remote))
/// reaches a server in another process through a transport, by name too.
pub struct ServerRef<S: GenServer> {
    pub(crate) target: Target<S>,
    pub(crate) call_timeout: Duration,
}

/// Where a handle's messages go.
pub(crate) enum Target<S: GenServer> {
    /// One server, for its whole life.
    Direct(Direct<S>),
    /// Whichever server holds a name when a message is sent, or a server in another process.
    /// One variant behind one `Arc` for both, so that a handle is no larger than a direct one
    /// (a third variant would cost a tag).
    Indirect(Arc<Indirect<S>>),
}

/// What an indirect handle reaches.
pub(crate) enum Indirect<S: GenServer> {
    /// Whichever local server holds the name.
    Named(Name),
    /// A server in another process, through a transport.
    Remote(RemoteTarget<S>),
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
            Target::Indirect(indirect) => Target::Indirect(indirect.clone()),
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
            Target::Indirect(indirect) => match &**indirect {
                Indirect::Named(name) => write!(
                    f,
                    "ServerRef<{}>({:?})",
                    std::any::type_name::<S>(),
                    name.name()
                ),
                Indirect::Remote(remote) => write!(
                    f,
                    "ServerRef<{}>(remote {:?})",
                    std::any::type_name::<S>(),
                    remote.remote.name()
                ),
            },
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
            .send(Mail::msg(msg))
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
            .send(Mail::msg(msg))
            .map_err(|_| CastError::NotRunning)
    }

    /// Delivers a runtime signal (a `Down`, a trapped exit). It takes no room in a bounded
    /// mailbox: like a stop request, it is never refused.
    pub(crate) fn signal(&self, signal: Signal) -> bool {
        self.mailbox.send(Mail::Signal(Box::new(signal))).is_ok()
    }

    /// Asks the server to stop; `false` if its mailbox is closed (it is exiting already).
    pub(crate) fn request_stop(&self, reason: ExitReason) -> bool {
        let request = StopRequest { reason, done: None };
        self.mailbox.send(Mail::Stop(Box::new(request))).is_ok()
    }

    /// Stops the server and waits until it has exited. The request carries a reply channel
    /// that the exiting task answers at the end of its exit work, so the common `stop` needs
    /// nothing else to wait on.
    async fn stop_with(&self, reason: ExitReason) {
        if current_server() == self.shared.id.as_u64() {
            // From the server's own handler: waiting would deadlock, so only ask.
            let _ = self.request_stop(reason);
            return;
        }
        let (done, mut exited) = reply::reply_channel();
        let request = match reason {
            ExitReason::Normal => Mail::StopNormal(done),
            reason => Mail::Stop(Box::new(StopRequest {
                reason,
                done: Some(done),
            })),
        };
        if self.mailbox.send(request).is_ok()
            && poll_fn(|cx| exited.poll(cx)).await == Received::Value(())
        {
            return;
        }
        // Exiting already, or it exited before it took the request (which was then dropped):
        // wait for its exit all the same.
        self.shared.wait_exit().await;
    }

    async fn stop_timeout(&self, reason: ExitReason, timeout: Duration) -> Result<(), StopError> {
        stop_timeout(&self.shared, || self.request_stop(reason), timeout).await
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
            target: Target::Indirect(Arc::new(Indirect::Named(Name::local(name.into())))),
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// Like [`from_name`](ServerRef::from_name), resolving the name in another [`Registry`].
    pub fn from_name_via(registry: Arc<dyn Registry>, name: impl Into<String>) -> ServerRef<S> {
        ServerRef {
            target: Target::Indirect(Arc::new(Indirect::Named(Name::via(registry, name.into())))),
            call_timeout: DEFAULT_CALL_TIMEOUT,
        }
    }

    /// The name this handle resolves, if it was made with [`from_name`](ServerRef::from_name)
    /// (or is a remote handle: the name or group it reaches).
    pub fn name(&self) -> Option<&str> {
        match &self.target {
            Target::Direct(_) => None,
            Target::Indirect(indirect) => match &**indirect {
                Indirect::Named(name) => Some(name.name()),
                Indirect::Remote(remote) => Some(remote.remote.name()),
            },
        }
    }

    /// The name of a name handle.
    pub(crate) fn named(&self) -> Option<&Name> {
        match &self.target {
            Target::Indirect(indirect) => match &**indirect {
                Indirect::Named(name) => Some(name),
                Indirect::Remote(_) => None,
            },
            Target::Direct(_) => None,
        }
    }

    /// The transport of a remote handle.
    pub(crate) fn remote(&self) -> Option<&RemoteTarget<S>> {
        match &self.target {
            Target::Indirect(indirect) => match &**indirect {
                Indirect::Remote(remote) => Some(remote),
                Indirect::Named(_) => None,
            },
            Target::Direct(_) => None,
        }
    }

    /// Runs `f` on the local server this handle reaches now, if there is one.
    pub(super) fn with_server<R>(&self, f: impl FnOnce(&Direct<S>) -> R) -> Option<R> {
        match &self.target {
            Target::Direct(server) => Some(f(server)),
            Target::Indirect(_) => self
                .named()?
                .whereis()
                .as_ref()
                .and_then(Pid::direct::<S>)
                .map(f),
        }
    }

    /// The server's id. For a name handle, the id of the server holding the name now, or while
    /// none does, an id that belongs to no server. For a remote handle, an id of its own that
    /// stands for the remote server here.
    pub fn id(&self) -> ServerId {
        if let Some(remote) = self.remote() {
            return remote.id;
        }
        self.with_server(|server| server.shared.id)
            .unwrap_or_else(|| no_process().id)
    }

    /// `true` until the server has exited (while `terminate` runs it is still alive). For a name
    /// handle: whether a live server holds the name now. For a remote handle: the transport's
    /// guess, without asking the server (see its documentation).
    pub fn is_alive(&self) -> bool {
        if let Some(remote) = self.remote() {
            return remote.remote.is_alive();
        }
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
    ///
    /// For a remote handle, a stand-in for the remote server (see
    /// [`Pid::stand_in`]): monitors and links on it follow the remote server.
    pub fn pid(&self) -> Pid {
        if let Some(remote) = self.remote() {
            return remote.remote.pid(remote.id);
        }
        self.with_server(|server| server.pid(self.call_timeout))
            .unwrap_or_else(Pid::no_process)
    }

    /// Sends a message without waiting: the generated cast methods are built on this.
    /// Never blocks; with a bounded mailbox that is full, it fails with [`CastError::Full`].
    #[inline]
    pub fn cast(&self, msg: S::Msg) -> Result<(), CastError> {
        match &self.target {
            Target::Direct(server) => server.cast(msg),
            Target::Indirect(_) => self.cast_named(msg),
        }
    }

    /// [`cast`](ServerRef::cast) through a name handle (to the server holding the name now) or
    /// a remote one (through its transport).
    #[inline(never)]
    fn cast_named(&self, msg: S::Msg) -> Result<(), CastError> {
        if let Some(remote) = self.remote() {
            return remote.remote.cast(msg);
        }
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
            Target::Indirect(_) => {
                if let Some(remote) = self.remote() {
                    let _ = remote.remote.stop(reason, None).await;
                } else if let Some(server) = self.with_server(Direct::clone) {
                    server.stop_with(reason).await;
                }
            }
        }
    }

    /// Stops the server with `reason` and waits at most `timeout` for it to exit: OTP's
    /// `GenServer.stop(server, reason, timeout)`. `Ok(())` once `terminate` has run and the
    /// state is dropped (a panic in `terminate` still ends the stop; the server's exit reason
    /// is then that panic). Like [`stop_with`](ServerRef::stop_with), messages already queued
    /// are handled first.
    ///
    /// - [`StopError::NotRunning`]: the server had already exited (for a name handle: no server
    ///   holds the name);
    /// - [`StopError::Timeout`]: it has not exited within `timeout`; it goes on stopping;
    /// - [`StopError::CallingSelf`]: called from the server's own handler, where waiting would
    ///   deadlock (nothing is stopped: use `ctx.stop(reason)` there).
    ///
    /// ```
    /// use std::time::Duration;
    /// use genserver::prelude::*;
    ///
    /// struct Flusher;
    ///
    /// #[genserver]
    /// impl Flusher {
    ///     #[call]
    ///     fn ping(&self) -> bool { true }
    ///
    ///     #[terminate]
    ///     async fn terminate(&mut self) {
    ///         tokio::time::sleep(Duration::from_secs(1)).await; // flush to disk, say
    ///     }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let flusher = Flusher::start(Flusher).await.unwrap();
    /// let early = flusher.stop_timeout(ExitReason::Shutdown, Duration::from_millis(10)).await;
    /// assert_eq!(early, Err(StopError::Timeout));
    /// assert_eq!(flusher.exited().await, ExitReason::Shutdown);
    /// assert_eq!(
    ///     flusher.stop_timeout(ExitReason::Normal, Duration::from_secs(1)).await,
    ///     Err(StopError::NotRunning)
    /// );
    /// # }
    /// ```
    pub async fn stop_timeout(
        &self,
        reason: ExitReason,
        timeout: Duration,
    ) -> Result<(), StopError> {
        match &self.target {
            Target::Direct(server) => server.stop_timeout(reason, timeout).await,
            Target::Indirect(_) => {
                if let Some(remote) = self.remote() {
                    return remote.remote.stop(reason, Some(timeout)).await;
                }
                match self.with_server(Direct::clone) {
                    Some(server) => server.stop_timeout(reason, timeout).await,
                    None => Err(StopError::NotRunning),
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
        local_only(self, "get_state")?;
        self.system(move |state, _| inspect(state)).await
    }

    /// Changes the server's state in place, inside the server between two messages: OTP's
    /// `:sys.replace_state`. A test and debugging tool, like [`get_state`](Self::get_state).
    pub async fn replace_state(
        &self,
        replace: impl FnOnce(&mut S) + Send + 'static,
    ) -> Result<(), CallError> {
        local_only(self, "replace_state")?;
        self.system(move |state, _| replace(state)).await
    }

    /// The server's counters: messages handled, messages waiting. Answered by the server
    /// between two messages, so a busy server answers when its current handler returns.
    pub async fn stats(&self) -> Result<ServerStats, CallError> {
        local_only(self, "stats")?;
        self.system(|_, stats| *stats).await
    }

    async fn system<R: Send + 'static>(
        &self,
        run: impl FnOnce(&mut S, &ServerStats) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        match &self.target {
            Target::Direct(server) => server.system(run, self.call_timeout).await,
            Target::Indirect(_) => {
                local_only(self, "a closure on the state")?;
                let server = self
                    .with_server(Direct::clone)
                    .ok_or(CallError::NotRunning)?;
                server.system(run, self.call_timeout).await
            }
        }
    }

    /// Ends the server at once, without `terminate`: its callers get
    /// `CallError::Exited(ExitReason::Killed)`, its monitors and `exited` see
    /// [`ExitReason::Killed`] — also when it was already stopping and is killed in the middle
    /// of `terminate`.
    ///
    /// Not async: the server's task is aborted, which tokio carries out at the task's next
    /// `.await`. **A handler (or `terminate`) that blocks its thread without awaiting — a
    /// synchronous loop, `std::thread::sleep`, a blocking lock or I/O call — cannot be
    /// interrupted:** the kill takes effect only when it returns or awaits, and until then the
    /// server holds its name and its thread. Give long blocking work to
    /// `tokio::task::spawn_blocking` and await it, so that the server stays killable. A
    /// supervisor is not held up by such a child: see [`Shutdown`](crate::Shutdown).
    pub fn kill(&self) {
        if let Some(remote) = self.remote() {
            return remote.remote.kill();
        }
        self.with_server(|server| server.shared.kill(ExitReason::Killed));
    }

    /// Waits until the server has exited and returns why. For a name handle, waits for the
    /// server holding the name now; with none, returns [`ExitReason::NoProc`] at once.
    pub async fn exited(&self) -> ExitReason {
        match &self.target {
            Target::Direct(server) => server.shared.wait_exit().await,
            Target::Indirect(_) => self.monitor().await,
        }
    }

    /// Monitors the server from plain async code (outside any server): the future resolves
    /// with the server's exit reason once it has exited: its name is free and the `Down`s of
    /// its monitors are delivered by then. The server is chosen when `monitor` is called (for a
    /// name handle, the one holding the name then; with none, the future gives
    /// [`ExitReason::NoProc`]). The future does not borrow the handle, so it can be moved into
    /// a task or a `select!`.
    ///
    /// A server monitors another with [`Context::monitor`](crate::Context::monitor) instead, and gets a
    /// [`Down`](crate::Down) message.
    ///
    /// For a remote handle, the exit of the remote server holding the name now, or
    /// [`ExitReason::NoConnection`] if it can no longer be reached.
    pub fn monitor(&self) -> impl Future<Output = ExitReason> + Send + 'static + use<S> {
        let remote = self.remote().map(|remote| remote.remote.monitor());
        let shared = self.with_server(|server| server.shared.clone());
        async move {
            if let Some(remote) = remote {
                return remote.await;
            }
            match shared {
                Some(shared) => shared.wait_exit().await,
                None => ExitReason::NoProc,
            }
        }
    }
}

/// Fails `operation` with [`RemoteError::NotRemote`] on a remote handle: a closure on the state
/// does not travel to another process.
fn local_only<S: GenServer>(handle: &ServerRef<S>, operation: &str) -> Result<(), CallError> {
    match handle.remote() {
        Some(_) => Err(CallError::Remote(RemoteError::NotRemote(
            operation.to_owned(),
        ))),
        None => Ok(()),
    }
}

/// Requests a stop (`request`) of the server of `shared` and waits at most `timeout` for its
/// exit: the stop with a timeout of the typed handle and of [`Pid`].
pub(crate) async fn stop_timeout(
    shared: &Shared,
    request: impl FnOnce() -> bool,
    timeout: Duration,
) -> Result<(), StopError> {
    if current_server() == shared.id.as_u64() {
        return Err(StopError::CallingSelf);
    }
    if shared.is_done() {
        return Err(StopError::NotRunning);
    }
    // A closed mailbox means the server is already exiting: wait for it all the same.
    let _ = request();
    match tokio::time::timeout(timeout, shared.wait_exit()).await {
        Ok(_reason) => Ok(()),
        Err(_elapsed) => Err(StopError::Timeout),
    }
}

/// The stop with a timeout of an untyped handle, beside the typed one's (the `Pid` lives in a
/// lower layer, which knows no `StopError`).
impl Pid {
    /// Like [`ServerRef::stop_timeout`]: stops the server with `reason` and waits at most
    /// `timeout` for it to exit.
    pub async fn stop_timeout(
        &self,
        reason: ExitReason,
        timeout: Duration,
    ) -> Result<(), StopError> {
        stop_timeout(self.shared(), || self.0.request_stop(reason), timeout).await
    }
}
