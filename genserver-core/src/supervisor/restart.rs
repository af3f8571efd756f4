//! What a supervisor does when a child exits: restart it by the strategy, within the restart
//! intensity, retry a failed restart, give up (escalate) past the intensity, or — for a child
//! that is not restarted — keep or drop it and shut down if its significant children are gone.

use tokio::time::Instant;

use super::children::Status;
use super::handle::Request;
use super::spec::StartFailure;
use super::{AutoShutdown, Restart, Strategy, Supervisor, SupervisorMsg};
use crate::{Context, Exit, ExitReason};

impl Supervisor {
    /// A linked server exited: a child, or the supervisor's own parent.
    pub(super) async fn on_exit(&mut self, exit: Exit, ctx: &mut Context<Self>) {
        let Some(index) = self.children.iter().position(|child| child.is(exit.id)) else {
            // Not a child: the supervisor's own supervisor, or another link. Follow it if it
            // failed, as a supervisor follows its parent in OTP.
            if !exit.reason.is_normal() {
                ctx.stop(ExitReason::Linked {
                    id: exit.id,
                    reason: Box::new(exit.reason),
                });
            }
            return;
        };
        let child = &mut self.children[index];
        child.status = Status::Stopped;
        let restart = match child.spec.restart {
            Restart::Permanent => true,
            Restart::Transient => !exit.reason.is_normal(),
            Restart::Temporary => false,
        };
        if restart {
            self.restart(index, ctx).await;
            return;
        }
        // Gone for good: a static child is kept, stopped (OTP); a temporary or dynamic one
        // leaves (Elixir's `DynamicSupervisor` removes it).
        let significant = child.spec.significant;
        if child.leaves_when_stopped() {
            self.children.remove(index);
        }
        if significant {
            self.auto_shutdown(ctx);
        }
    }

    /// A significant child has exited for good: shut down if the `auto_shutdown` says so.
    fn auto_shutdown(&mut self, ctx: &mut Context<Self>) {
        let shut_down = match self.auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            // The last one: no significant child runs or is being restarted.
            AutoShutdown::AllSignificant => !self
                .children
                .iter()
                .any(|child| child.spec.significant && child.is_live()),
        };
        if shut_down {
            ctx.stop(ExitReason::Shutdown);
        }
    }

    /// Counts a restart; `false` once more than `max_restarts` fall within `period`.
    fn add_restart(&mut self) -> bool {
        let now = Instant::now();
        self.restarts.push_back(now);
        while let Some(&first) = self.restarts.front() {
            if now.duration_since(first) >= self.period {
                self.restarts.pop_front();
            } else {
                break;
            }
        }
        self.restarts.len() <= self.max_restarts as usize
    }

    /// Restarts after the child at `index` exited (or its restart failed), by the strategy,
    /// counting the restart against the intensity: past it, the supervisor gives up, as OTP
    /// does — it stops (its `terminate` stops every child) with `Shutdown`, leaving the
    /// decision to its own supervisor.
    pub(super) async fn restart(&mut self, index: usize, ctx: &mut Context<Self>) {
        if !self.add_restart() {
            ctx.stop(ExitReason::Shutdown);
            return;
        }
        match self.strategy {
            Strategy::OneForOne => self.restart_one(index, ctx).await,
            Strategy::OneForAll => self.restart_from(0, ctx).await,
            Strategy::RestForOne => self.restart_from(index, ctx).await,
        }
    }

    /// Starts the child at `index` again (or, a stopped child in a group restart, at all).
    async fn start_again(&mut self, index: usize, ctx: &mut Context<Self>) -> Started {
        let child = &self.children[index];
        let spec = child.spec.clone();
        match Self::start_spec(&spec, child.restarts + 1, ctx).await {
            Ok(pid) => {
                let child = &mut self.children[index];
                child.set_status(Status::Running(pid));
                child.restarts += 1;
                Started::Yes
            }
            // `:ignore` on a restart: a static child stays stopped, a dynamic one leaves.
            Err(StartFailure::Ignored) => {
                if self.children[index].dynamic {
                    self.children.remove(index);
                    Started::Removed
                } else {
                    self.children[index].status = Status::Stopped;
                    Started::Yes
                }
            }
            Err(_) => {
                self.children[index].status = Status::Restarting;
                // Tried again after the requests already queued, as OTP's
                // `try_again_restart`: a supervisor whose child cannot start still answers,
                // and can be stopped, while it retries.
                let _ = ctx.handle().cast(SupervisorMsg(Request::TryAgain(spec.id)));
                Started::No
            }
        }
    }

    /// `one_for_one`: only the child.
    async fn restart_one(&mut self, index: usize, ctx: &mut Context<Self>) {
        self.start_again(index, ctx).await;
    }

    /// `one_for_all` (`first` 0) and `rest_for_one`: the children from `first` on are stopped,
    /// last first; the temporary ones among them leave; then all of them are started in
    /// order, stopped ones too (as OTP does). If one fails, the ones after it stay stopped and
    /// its restart is tried again — which restarts the whole group again.
    async fn restart_from(&mut self, first: usize, ctx: &mut Context<Self>) {
        self.stop_children(first, ctx).await;
        let mut index = first;
        while index < self.children.len() {
            if self.children[index].spec.restart == Restart::Temporary {
                self.children.remove(index);
            } else {
                index += 1;
            }
        }
        let mut index = first;
        while index < self.children.len() {
            match self.start_again(index, ctx).await {
                Started::Yes => index += 1,
                Started::Removed => {}
                Started::No => return,
            }
        }
    }

    /// A failed restart of the child `id`, tried again, if it is still waiting for one.
    pub(super) async fn try_again(&mut self, id: &str, ctx: &mut Context<Self>) {
        if let Some(index) = self.position(id) {
            if matches!(self.children[index].status, Status::Restarting) {
                self.restart(index, ctx).await;
            }
        }
    }
}

/// How a restart of one child went.
enum Started {
    /// It runs (or, a static child whose init returned `None`, it is stopped).
    Yes,
    /// A dynamic child whose init returned `None`: it left the supervisor.
    Removed,
    /// It failed; another try is queued.
    No,
}
