//! [`Pid`]: the untyped handle of a server, over the [`Process`] trait.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, OnceLock};

use super::scope::current_server;
use super::{ServerId, Shared, Signal};
use crate::ExitReason;

/// What an untyped handle can ask of a server, whatever its type. The typed handle implements
/// it (`server/downcast.rs`): this layer knows no server type.
pub(crate) trait Process: Send + Sync + 'static {
    /// The server's record.
    fn shared(&self) -> &Arc<Shared>;
    /// Puts a stop request in the mailbox; `false` if the mailbox is closed.
    fn request_stop(&self, reason: ExitReason) -> bool;
    /// Puts a runtime signal (a `Down`, an exit) in the mailbox; `false` if it is closed.
    fn signal(&self, signal: Signal) -> bool;
    /// Ends the server at once, without terminate.
    fn kill(&self) {
        self.shared().kill(ExitReason::Killed);
    }
    /// For the downcast to the typed handle.
    fn as_any(&self) -> &dyn Any;
}

/// An untyped handle to a server of any type: Erlang's pid.
///
/// It can stop, kill and await a server without knowing its type, and
/// [`downcast`](Pid::downcast) back to the typed handle.
#[derive(Clone)]
pub struct Pid(pub(crate) Arc<dyn Process>);

/// The `Pid` of no server: what a name held by nobody resolves to.
struct NoProcess;

impl Process for NoProcess {
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
pub(crate) fn no_process() -> &'static Arc<Shared> {
    static NO_PROCESS: OnceLock<Arc<Shared>> = OnceLock::new();
    NO_PROCESS.get_or_init(|| Arc::new(Shared::exited("noproc", ExitReason::NoProc)))
}

impl Pid {
    /// A `Pid` of no server, whose exit reason is [`ExitReason::NoProc`].
    pub(crate) fn no_process() -> Pid {
        Pid(Arc::new(NoProcess))
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        self.0.shared()
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
        self.0.kill();
    }

    /// Asks for a supervisor's stop, without waiting: like a stop request, but the server stops
    /// after the handler it is running, and every message still queued is dropped, its callers
    /// answered with [`CallError::Exited`](crate::CallError::Exited), as an OTP child that
    /// does not trap exits dies of the `shutdown` signal.
    pub(crate) fn request_shutdown(&self, reason: ExitReason) {
        self.shared().request_shutdown(reason.clone());
        // Wakes an idle server; a busy one sees the flag before its next message.
        let _ = self.0.request_stop(reason);
    }

    /// Waits until the server has exited and returns why.
    pub async fn exited(&self) -> ExitReason {
        self.shared().wait_exit().await
    }

    /// Like [`ServerRef::monitor`](crate::ServerRef::monitor): a future, not borrowing the
    /// `Pid`, that resolves with the server's exit reason once it has exited.
    pub fn monitor(&self) -> impl Future<Output = ExitReason> + Send + 'static + use<> {
        let shared = self.shared().clone();
        async move { shared.wait_exit().await }
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
