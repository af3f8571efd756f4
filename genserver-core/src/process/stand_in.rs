//! The stand-in of a server in another process: a [`Pid`] with a record of its own here, which
//! the transport marks exited when it learns that the remote server has exited (or can no
//! longer be reached). Monitors, links and `exited()` then work on it as on a local server.

use std::any::Any;
use std::sync::Arc;

use super::pid::Process;
use super::{Pid, ServerId, Shared, Signal, watchers};
use crate::ExitReason;

/// What a stand-in asks of the transport: the requests that must reach the remote server.
pub trait RemoteProcess: Send + Sync + 'static {
    /// Asks the remote server to stop with `reason`; `false` if the request cannot be sent.
    fn request_stop(&self, reason: ExitReason) -> bool;
    /// Asks the remote server to end at once, without `terminate`.
    fn kill(&self);
}

/// A stand-in's `Process`: its own record, and the transport for requests.
struct StandInProcess {
    shared: Arc<Shared>,
    remote: Arc<dyn RemoteProcess>,
}

impl Process for StandInProcess {
    fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
    fn request_stop(&self, reason: ExitReason) -> bool {
        !self.shared.is_done() && self.remote.request_stop(reason)
    }
    // Signals are for servers with a mailbox here; a remote one does not get them.
    fn signal(&self, _: Signal) -> bool {
        false
    }
    fn kill(&self) {
        if !self.shared.is_done() {
            self.remote.kill();
        }
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The transport's side of a stand-in: tells it when the remote server has exited.
pub struct StandIn {
    shared: Arc<Shared>,
}

impl StandIn {
    /// Records that the remote server exited with `reason`: the stand-in's monitors and links
    /// are told, and `exited()` on it returns, as for a local server.
    pub fn exited(self, reason: ExitReason) {
        self.shared.set_reason(reason);
        watchers::on_exit(&self.shared);
        self.shared.mark_done();
    }

    /// `true` while anyone can still learn of the exit: a [`Pid`] of the stand-in exists, or a
    /// monitor or link is on it. When `false`, the transport may stop watching.
    pub fn is_wanted(&self) -> bool {
        Arc::strong_count(&self.shared) > 1 || watchers::is_watched(&self.shared)
    }
}

impl std::fmt::Debug for StandIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StandIn<{}>({})", self.shared.type_name, self.shared.id)
    }
}

impl Pid {
    /// A stand-in for a server of type `type_name` in another process, with `id` as its id
    /// here, and the transport's side of it. For transports (`genserver-nats`); until
    /// [`StandIn::exited`] it is alive.
    pub fn stand_in(
        type_name: &'static str,
        id: ServerId,
        remote: Arc<dyn RemoteProcess>,
    ) -> (Pid, StandIn) {
        let shared = Arc::new(Shared::stand_in(type_name, id));
        let pid = Pid(Arc::new(StandInProcess {
            shared: shared.clone(),
            remote,
        }));
        (pid, StandIn { shared })
    }
}
