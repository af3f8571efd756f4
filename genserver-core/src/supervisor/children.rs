//! A supervisor's children: what it reports of them ([`ChildInfo`], [`ChildCounts`],
//! [`ChildKind`]) and what it keeps of each (its spec, where it came from, whether it runs).

use super::{ChildSpec, Restart};
use crate::{Pid, ServerId};

/// Whether a child is a worker or a supervisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildKind {
    /// Any server (or task) that is not a supervisor.
    Worker,
    /// A [`Supervisor`](crate::Supervisor).
    Supervisor,
}

/// One child, as [`SupervisorRef::which_children`](crate::SupervisorRef::which_children)
/// reports it (OTP's `{Id, Child, Type, Modules}`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ChildInfo {
    /// The id of its spec.
    pub id: String,
    /// The running server, or `None` if it is not running: stopped (terminated with
    /// `terminate_child_id`, exited normally as a transient child, or its init returned
    /// `None`), or being restarted.
    pub pid: Option<Pid>,
    /// `true` while its restart failed and is being tried again (OTP's `restarting`).
    pub restarting: bool,
    /// Its restart type.
    pub restart: Restart,
    /// Worker or supervisor.
    pub kind: ChildKind,
    /// How many times the supervisor has restarted it.
    pub restarts: u32,
    /// Whether it was given to the builder (`false`) or started with `start_child` (`true`).
    pub dynamic: bool,
}

/// The counts of [`SupervisorRef::count_children`](crate::SupervisorRef::count_children)
/// (OTP's `count_children`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ChildCounts {
    /// Children, running or not (stopped, restarting).
    pub specs: usize,
    /// Children running now (a child that has exited, whose exit the supervisor has not
    /// handled yet, is not counted).
    pub active: usize,
    /// Children that are supervisors, running or not.
    pub supervisors: usize,
    /// Children that are workers, running or not.
    pub workers: usize,
}

impl ChildCounts {
    /// Counts of `specs`, `active`, `supervisors` and `workers`, in OTP's order (what
    /// `supervisor:count_children` gives as `[specs, active, supervisors, workers]`).
    pub fn as_array(&self) -> [usize; 4] {
        [self.specs, self.active, self.supervisors, self.workers]
    }
}

/// Where a child is.
#[derive(Debug, Clone)]
pub(super) enum Status {
    /// Started; its exit has not been handled yet.
    Running(Pid),
    /// Its restart failed; another try is queued in the supervisor's mailbox.
    Restarting,
    /// Not running, its spec kept: a static child terminated by id, exited for good, or whose
    /// init returned `None`.
    Stopped,
}

/// What the supervisor keeps of one child.
pub(super) struct Child {
    pub(super) spec: ChildSpec,
    pub(super) status: Status,
    /// Started with `start_child`: Elixir's `DynamicSupervisor` child, removed (not kept
    /// stopped) when it stops for good.
    pub(super) dynamic: bool,
    /// How many times the supervisor has restarted it.
    pub(super) restarts: u32,
    /// Its last running server, which a restarting dynamic child is still known by (Elixir's
    /// `DynamicSupervisor` keeps a restarting child under its old pid).
    pub(super) last: Option<ServerId>,
}

impl Child {
    pub(super) fn new(spec: ChildSpec, status: Status, dynamic: bool) -> Child {
        let last = match &status {
            Status::Running(pid) => Some(pid.id()),
            Status::Restarting | Status::Stopped => None,
        };
        Child {
            spec,
            status,
            dynamic,
            restarts: 0,
            last,
        }
    }

    /// Moves it to `status`, remembering the server it ran as.
    pub(super) fn set_status(&mut self, status: Status) {
        if let Status::Running(pid) = &status {
            self.last = Some(pid.id());
        }
        self.status = status;
    }

    pub(super) fn pid(&self) -> Option<&Pid> {
        match &self.status {
            Status::Running(pid) => Some(pid),
            Status::Restarting | Status::Stopped => None,
        }
    }

    /// Its running server is `pid`.
    pub(super) fn is(&self, pid: ServerId) -> bool {
        self.pid().is_some_and(|running| running.id() == pid)
    }

    /// Its running server is `pid`, or it is being restarted after `pid` exited.
    pub(super) fn is_or_was(&self, pid: ServerId) -> bool {
        match self.status {
            Status::Running(_) => self.is(pid),
            Status::Restarting => self.last == Some(pid),
            Status::Stopped => false,
        }
    }

    /// Running or restarting: what counts against `max_children`.
    pub(super) fn is_live(&self) -> bool {
        !matches!(self.status, Status::Stopped)
    }

    /// Removed rather than kept when it stops for good: a temporary child (never restarted,
    /// so nothing to keep), or a dynamic one.
    pub(super) fn leaves_when_stopped(&self) -> bool {
        self.dynamic || self.spec.restart == Restart::Temporary
    }

    pub(super) fn info(&self) -> ChildInfo {
        ChildInfo {
            id: self.spec.id.clone(),
            pid: self.pid().cloned(),
            restarting: matches!(self.status, Status::Restarting),
            restart: self.spec.restart,
            kind: self.spec.kind,
            restarts: self.restarts,
            dynamic: self.dynamic,
        }
    }
}

/// OTP's counts of `children`.
pub(super) fn count(children: &[Child]) -> ChildCounts {
    let mut counts = ChildCounts {
        specs: children.len(),
        ..ChildCounts::default()
    };
    for child in children {
        counts.active += usize::from(child.pid().is_some_and(Pid::is_alive));
        match child.spec.kind {
            ChildKind::Worker => counts.workers += 1,
            ChildKind::Supervisor => counts.supervisors += 1,
        }
    }
    counts
}
