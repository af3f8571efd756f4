//! The supervisor as a server: its state, its start (the children in order), the dispatch of
//! its requests to the files that handle them, and its own shutdown.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use super::children::{self, Child, Status};
use super::handle::Request;
use super::spec::StartFailure;
use super::{
    AutoShutdown, ChildSpec, Restart, Strategy, SupervisorBuilder, SupervisorError, SupervisorMsg,
    SupervisorRef,
};
use crate::process::with_restarts;
use crate::{Context, Exit, ExitReason, GenServer, Info, Options, Pid, ServerRef};

/// A supervisor: OTP's `supervisor`, as a server.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
/// use genserver::Strategy;
///
/// #[derive(Default)]
/// struct Cache { hits: u64 }
///
/// #[genserver]
/// impl Cache {
///     #[call]
///     fn hit(&mut self) -> u64 { self.hits += 1; self.hits }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let sup = Supervisor::builder()
///     .strategy(Strategy::OneForOne)
///     .max_restarts(3, Duration::from_secs(5))
///     .child(ChildSpec::new("cache", || Cache::options().name("cache").start(Cache::default()))
///         .restart(Restart::Permanent))
///     .start()
///     .await?;
///
/// let cache = CacheRef::from_name("cache");      // follows the name across restarts
/// assert_eq!(cache.hit().await?, 1);
///
/// let first = Cache::whereis("cache").unwrap();
/// first.kill();                                  // crash it...
/// first.exited().await;
/// assert_eq!(sup.count_children().await?.active, 1);
/// assert_eq!(cache.hit().await?, 1);             // ...it is back, with fresh state
/// assert_ne!(cache.id(), first.id());
///
/// sup.stop().await;                              // children stop in reverse start order
/// assert!(Cache::whereis("cache").is_none());
/// # Ok(())
/// # }
/// ```
///
/// A dynamic supervisor (Elixir's `DynamicSupervisor`) is one to which
/// [`SupervisorRef::start_child`] adds children at run time, at most
/// [`max_children`](SupervisorBuilder::max_children) of them, and
/// [`SupervisorRef::terminate_child`] removes them. The children given to the builder are
/// administered by id, as in OTP: [`SupervisorRef::terminate_child_id`],
/// [`restart_child`](SupervisorRef::restart_child), [`delete_child`](SupervisorRef::delete_child),
/// [`which_child`](SupervisorRef::which_child).
///
/// The supervisor awaits each child's start (its init), and each child it stops, in its own
/// task: while it does, its requests wait. A stop is bounded by the child's
/// [`Shutdown`](crate::Shutdown) (plus a short grace after a kill, for a child that cannot be
/// killed at once), so one stuck child never holds the supervisor up for longer.
pub struct Supervisor {
    pub(super) strategy: Strategy,
    pub(super) max_restarts: u32,
    pub(super) period: Duration,
    pub(super) max_children: Option<usize>,
    pub(super) auto_shutdown: AutoShutdown,
    /// In start order.
    pub(super) children: Vec<Child>,
    /// When the restarts within the last period happened.
    pub(super) restarts: VecDeque<Instant>,
}

impl Supervisor {
    /// A supervisor to configure and start; see [`SupervisorBuilder`].
    pub fn builder() -> SupervisorBuilder {
        SupervisorBuilder {
            strategy: Strategy::OneForOne,
            max_restarts: 3,
            period: Duration::from_secs(5),
            max_children: None,
            auto_shutdown: AutoShutdown::Never,
            children: Vec::new(),
            name: None,
        }
    }

    /// The start options of a supervisor (name, call timeout, …); start it with
    /// `Supervisor::options().name("sup").start(Supervisor::builder().child(..))`.
    pub fn options() -> Options<Supervisor> {
        Options::new()
    }

    /// The supervisor registered under `name`, if any.
    pub fn whereis(name: &str) -> Option<SupervisorRef> {
        ServerRef::<Supervisor>::whereis(name).map(SupervisorRef::from)
    }

    /// Starts the server of `spec` and links it to the supervisor; `restarts` is its restart
    /// count, which the server reports in its [`ServerStats`](crate::ServerStats).
    pub(super) async fn start_spec(
        spec: &ChildSpec,
        restarts: u32,
        ctx: &mut Context<Self>,
    ) -> Result<Pid, StartFailure> {
        let pid = with_restarts(restarts, (spec.start)()).await?;
        // Linked after the start: a child that has exited already is reported at once.
        ctx.link_pid(&pid);
        Ok(pid)
    }

    /// Refuses a significant child that may not be one (OTP's `bad_combination`).
    pub(super) fn check_significant(&self, spec: &ChildSpec) -> Result<(), SupervisorError> {
        if spec.significant
            && (spec.restart == Restart::Permanent || self.auto_shutdown == AutoShutdown::Never)
        {
            return Err(SupervisorError::BadCombination);
        }
        Ok(())
    }

    /// The index of the child with the id `id`.
    pub(super) fn position(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|child| child.spec.id == id)
    }
}

impl GenServer for Supervisor {
    type Msg = SupervisorMsg;
    type Args = SupervisorBuilder;
    type InitError = SupervisorError;
    type Ref = SupervisorRef;

    async fn init(
        builder: SupervisorBuilder,
        ctx: &mut Context<Self>,
    ) -> Result<Option<Self>, SupervisorError> {
        ctx.trap_exits(true);
        let mut supervisor = Supervisor {
            strategy: builder.strategy,
            max_restarts: builder.max_restarts,
            period: builder.period,
            max_children: builder.max_children,
            auto_shutdown: builder.auto_shutdown,
            children: Vec::with_capacity(builder.children.len()),
            restarts: VecDeque::new(),
        };
        // The whole start spec is checked before any child starts, as OTP's `check_startspec`.
        for (index, spec) in builder.children.iter().enumerate() {
            if builder.children[..index]
                .iter()
                .any(|earlier| earlier.id == spec.id)
            {
                return Err(SupervisorError::DuplicateChild(spec.id.clone()));
            }
            supervisor.check_significant(spec)?;
        }
        for spec in builder.children {
            let status = match Self::start_spec(&spec, 0, ctx).await {
                Ok(pid) => Status::Running(pid),
                // OTP's `:ignore`: kept, not running; a temporary child is not kept at all.
                Err(StartFailure::Ignored) if spec.restart == Restart::Temporary => continue,
                Err(StartFailure::Ignored) => Status::Stopped,
                Err(failure) => {
                    supervisor.stop_children(0, ctx).await;
                    return Err(SupervisorError::ChildStart {
                        id: spec.id.clone(),
                        reason: failure.to_string(),
                    });
                }
            };
            supervisor.children.push(Child::new(spec, status, false));
        }
        Ok(Some(supervisor))
    }

    async fn handle(&mut self, msg: SupervisorMsg, ctx: &mut Context<Self>) {
        match msg.0 {
            Request::WhichChildren(reply_to) => {
                reply_to.send(self.children.iter().map(Child::info).collect());
            }
            Request::WhichChild(id, reply_to) => {
                reply_to.send(self.position(&id).map(|index| self.children[index].info()));
            }
            Request::CountChildren(reply_to) => reply_to.send(children::count(&self.children)),
            Request::StartChild(spec, reply_to) => {
                reply_to.send(self.start_child(spec, ctx).await);
            }
            Request::TerminateChild(id, reply_to) => {
                reply_to.send(self.terminate_child(id, ctx).await);
            }
            Request::TerminateChildId(id, reply_to) => {
                reply_to.send(self.terminate_child_id(&id, ctx).await);
            }
            Request::RestartChild(id, reply_to) => {
                reply_to.send(self.restart_child(&id, ctx).await);
            }
            Request::DeleteChild(id, reply_to) => reply_to.send(self.delete_child(&id)),
            Request::TryAgain(id) => self.try_again(&id, ctx).await,
            Request::Exit(exit) => self.on_exit(exit, ctx).await,
        }
    }

    /// Stops every child, last started first, each by its shutdown.
    async fn terminate(&mut self, _reason: &ExitReason, ctx: &mut Context<Self>) {
        self.stop_children(0, ctx).await;
    }

    fn message_name(msg: &SupervisorMsg) -> &'static str {
        match msg.0 {
            Request::WhichChildren(_) => "which_children",
            Request::WhichChild(..) => "which_child",
            Request::CountChildren(_) => "count_children",
            Request::StartChild(..) => "start_child",
            Request::TerminateChild(..) => "terminate_child",
            Request::TerminateChildId(..) => "terminate_child_id",
            Request::RestartChild(..) => "restart_child",
            Request::DeleteChild(..) => "delete_child",
            Request::TryAgain(_) => "try_again_restart",
            Request::Exit(_) => "exit",
        }
    }
}

impl Info<Exit> for Supervisor {
    fn into_msg(exit: Exit) -> SupervisorMsg {
        SupervisorMsg(Request::Exit(exit))
    }
}
