//! How a supervisor stops its children: by each child's [`Shutdown`], with every wait bounded
//! (but `Infinity`'s), so that a child that cannot be stopped does not hold the supervisor.

use std::time::Duration;

use super::children::Status;
use super::{Shutdown, Supervisor};
use crate::{Context, ExitReason, Pid};

/// How long the supervisor waits for a child it has killed to be gone. A kill takes effect at
/// the child's next `.await`, at once for a child waiting for a message or a timer; one that
/// blocks its thread in a handler is not gone until the handler returns, and the supervisor
/// does not wait for that (see [`Shutdown`]).
const KILL_GRACE: Duration = Duration::from_millis(500);

/// `true` once the server of `pid` has exited, `false` if it has not within `timeout`.
async fn exited_within(pid: &Pid, timeout: Duration) -> bool {
    tokio::time::timeout(timeout, pid.exited()).await.is_ok()
}

impl Supervisor {
    /// Stops the running child `pid` by `shutdown`, unlinked first so that its exit is not
    /// taken for a crash. Returns once it has exited, or once a kill has had its grace.
    pub(super) async fn stop_pid(pid: &Pid, shutdown: Shutdown, ctx: &mut Context<Self>) {
        ctx.unlink_pid(pid);
        match shutdown {
            Shutdown::BrutalKill => {
                pid.kill();
                exited_within(pid, KILL_GRACE).await;
            }
            Shutdown::Timeout(timeout) => {
                pid.request_shutdown(ExitReason::Shutdown);
                if !exited_within(pid, timeout).await {
                    // Killed in the middle of `terminate`, if that is where it is: it exits
                    // with `Killed`.
                    pid.kill();
                    exited_within(pid, KILL_GRACE).await;
                }
            }
            Shutdown::Infinity => {
                pid.request_shutdown(ExitReason::Shutdown);
                pid.exited().await;
            }
        }
    }

    /// Stops the child at `index` if it runs; it is then stopped (its spec kept, whatever its
    /// kind: the caller removes it if it must go).
    pub(super) async fn stop_child(&mut self, index: usize, ctx: &mut Context<Self>) {
        let child = &mut self.children[index];
        if let Status::Running(pid) = std::mem::replace(&mut child.status, Status::Stopped) {
            Self::stop_pid(&pid, child.spec.shutdown_or_default(), ctx).await;
        }
    }

    /// Stops the running children from `from` on, last started first.
    pub(super) async fn stop_children(&mut self, from: usize, ctx: &mut Context<Self>) {
        for index in (from..self.children.len()).rev() {
            self.stop_child(index, ctx).await;
        }
    }
}
