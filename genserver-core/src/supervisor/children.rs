//! What a supervisor reports of its children: [`ChildInfo`], [`ChildCounts`], [`ChildKind`].

use super::Restart;
use crate::Pid;

/// Whether a child is a worker or a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildKind {
    /// Any server that is not a supervisor.
    Worker,
    /// A [`Supervisor`](crate::Supervisor).
    Supervisor,
}

/// One child, as [`SupervisorRef::which_children`](crate::SupervisorRef::which_children) reports it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ChildInfo {
    /// The id of its spec.
    pub id: String,
    /// The running server, or `None` if it is not running (a transient child that exited
    /// normally).
    pub pid: Option<Pid>,
    /// Its restart type.
    pub restart: Restart,
    /// Worker or supervisor.
    pub kind: ChildKind,
    /// How many times the supervisor has restarted it.
    pub restarts: u32,
}

/// The counts of [`SupervisorRef::count_children`](crate::SupervisorRef::count_children) (OTP's `count_children`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ChildCounts {
    /// Children, running or not.
    pub specs: usize,
    /// Running children.
    pub active: usize,
    /// Children that are supervisors.
    pub supervisors: usize,
    /// Children that are workers.
    pub workers: usize,
}
