//! [`Options`]: how to start a server, and the start itself.

use std::fmt;
use std::future::poll_fn;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::handle::{DEFAULT_CALL_TIMEOUT, Direct};
use super::roles::Roles;
use super::{Context, GenServer, ServerRef};
use crate::process::Shared;
#[cfg(feature = "observer")]
use crate::process::live;
use crate::registry::{Name, Registry};
use crate::reply::{self, Received};
use crate::task::run::run;
use crate::{ExitReason, StartError, mailbox};

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
    start_timeout: Option<Duration>,
    mailbox_capacity: Option<usize>,
    name: Option<Name>,
    /// The stage roles' options (dispatcher, buffer), set by `stage/`.
    pub(crate) roles: Option<Box<Roles>>,
    /// How the observer asks for the state's `Debug` text (`observe_state`).
    #[cfg(feature = "observer")]
    debug_state: Option<fn(&Direct<S>) -> live::StateFn>,
    server: PhantomData<fn() -> S>,
}

impl<S: GenServer> Default for Options<S> {
    fn default() -> Self {
        Options {
            call_timeout: DEFAULT_CALL_TIMEOUT,
            start_timeout: None,
            mailbox_capacity: None,
            name: None,
            roles: None,
            #[cfg(feature = "observer")]
            debug_state: None,
            server: PhantomData,
        }
    }
}

impl<S: GenServer> fmt::Debug for Options<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("call_timeout", &self.call_timeout)
            .field("start_timeout", &self.start_timeout)
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

    /// How long `start` waits for `init` (OTP's `start_link(.., timeout: t)`); no limit by
    /// default. An init still running after `timeout` makes `start` return
    /// [`StartError::Timeout`]: the half-started server is killed (its exit reason is
    /// [`ExitReason::Killed`]) and its name is free again by the time `start` returns.
    ///
    /// The kill takes effect at init's next `.await`: an init that blocks its thread without
    /// awaiting cannot be interrupted, and `start` returns once it does.
    ///
    /// ```
    /// use std::time::Duration;
    /// use genserver::prelude::*;
    ///
    /// struct Slow;
    ///
    /// #[genserver]
    /// impl Slow {
    ///     #[init]
    ///     async fn init(delay: Duration) -> Self {
    ///         tokio::time::sleep(delay).await;
    ///         Slow
    ///     }
    ///
    ///     #[call]
    ///     fn ping(&self) -> bool { true }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let started = Slow::options()
    ///     .name("slow")
    ///     .start_timeout(Duration::from_millis(100))
    ///     .start(Duration::from_secs(10))
    ///     .await;
    /// assert!(matches!(started, Err(StartError::Timeout)));
    /// assert!(Slow::whereis("slow").is_none());
    /// # }
    /// ```
    pub fn start_timeout(mut self, timeout: Duration) -> Self {
        self.start_timeout = Some(timeout);
        self
    }

    /// Bounds the mailbox to `capacity` messages: a cast to a full mailbox fails with
    /// [`CastError::Full`](crate::CastError::Full) and a call waits for room (within its timeout). Stop requests are
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

    /// The name given with [`name`](Options::name) or [`via`](Options::via), if any: what a
    /// transport registers the server under in the cluster too (`.remote(&node)`).
    pub fn registered_name(&self) -> Option<&str> {
        self.name.as_ref().map(Name::name)
    }

    /// Lets the observer (`genserver::observer`, feature `observer`) show the server's state:
    /// on a click in its page it asks for it as [`ServerRef::get_state`] would, and shows its
    /// `{:#?}` text. Without the feature this does nothing.
    ///
    /// Opt-in, as the state may hold what a page should not show; the page itself is bound to
    /// loopback unless told otherwise.
    pub fn observe_state(self) -> Self
    where
        S: fmt::Debug,
    {
        #[cfg(feature = "observer")]
        {
            let mut options = self;
            options.debug_state = Some(debug_state::<S>);
            options
        }
        #[cfg(not(feature = "observer"))]
        self
    }

    /// Starts the server and returns its handle once `init` has succeeded.
    ///
    /// A start that fails — `init` returned an error ([`StartError::Init`]), panicked
    /// ([`StartError::Panic`]), returned `None` ([`StartError::Ignored`]) or ran past the
    /// [`start_timeout`](Options::start_timeout) ([`StartError::Timeout`]) — returns once the
    /// server's task is gone and its name is free: nothing of it is left behind, however often
    /// the start is retried.
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
            let (started, init_result) = reply::reply_channel();
            (Some(started), Some(init_result))
        };
        // Into the table of live servers once nothing can stop the start any more: the exit
        // work of the task (made by `run`, below) takes it out again.
        #[cfg(feature = "observer")]
        live::insert(
            &shared,
            server.mailbox.observed(),
            self.debug_state.map(|state| state(&server)),
        );
        // Under the test guard of its starter, if any (`genserver::testing`).
        crate::process::test_guard::on_start(|| server.pid(self.call_timeout));
        let mut ctx = Context::new(server.clone(), self.call_timeout);
        ctx.roles = self.roles;
        let task = tokio::spawn(run::<S>(shared.clone(), ctx, name, receiver, args, started));
        // Only this function sets it, once, right after the spawn.
        shared.set_task(task);
        let Some(mut init_result) = init_result else {
            return Ok(S::Ref::from(ServerRef::from_direct(
                server,
                self.call_timeout,
            )));
        };
        let received = match self.start_timeout {
            None => poll_fn(|cx| init_result.poll(cx)).await,
            Some(timeout) => {
                match tokio::time::timeout(timeout, poll_fn(|cx| init_result.poll(cx))).await {
                    Ok(received) => received,
                    Err(_elapsed) => {
                        shared.kill(ExitReason::Killed);
                        shared.wait_exit().await;
                        return Err(StartError::Timeout);
                    }
                }
            }
        };
        let error = match received {
            Received::Value(Ok(())) => {
                return Ok(S::Ref::from(ServerRef::from_direct(
                    server,
                    self.call_timeout,
                )));
            }
            Received::Value(Err(error)) => error,
            // The task was dropped before init finished: it was killed.
            Received::Closed | Received::NoReply => {
                StartError::Panic("the server was killed during init".to_owned())
            }
        };
        // A failed start leaves nothing behind: the name is free once the task is done.
        shared.wait_exit().await;
        Err(error)
    }
}

/// How the observer asks a server of a `Debug` type for its state: `get_state` with a short
/// timeout (a server stuck in a handler does not answer).
#[cfg(feature = "observer")]
fn debug_state<S: GenServer + fmt::Debug>(server: &Direct<S>) -> live::StateFn {
    let server = server.clone();
    Box::new(move || {
        let server = ServerRef::from_direct(server.clone(), Duration::from_secs(1));
        Box::pin(async move {
            server
                .get_state(|state| format!("{state:#?}"))
                .await
                .map_err(|error| error.to_string())
        })
    })
}

/// The size of the task future of a server of type `S` (not spawned), for the tests.
#[cfg(test)]
pub(crate) fn task_future_size<S: GenServer>(args: S::Args) -> usize {
    let (mailbox, receiver) = mailbox::channel();
    let shared = Arc::new(Shared::new("probe", None));
    let server = Direct::<S> {
        mailbox,
        shared: shared.clone(),
    };
    let ctx = Context::new(server, DEFAULT_CALL_TIMEOUT);
    let future = run::<S>(shared, ctx, None, receiver, args, None);
    size_of_val(&future)
}
