//! From the untyped [`Pid`] back to the typed handle: the [`Process`] a typed server is, and
//! [`Pid::downcast`].

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use super::handle::Direct;
use super::{GenServer, ServerRef};
use crate::ExitReason;
use crate::process::{Pid, Process, Shared, Signal};

/// What a [`Pid`] of a server holds: a bound handle and the call timeout of the handle it was
/// made from (which [`Pid::downcast`] gives back).
pub(crate) struct PidServer<S: GenServer> {
    pub(crate) server: Direct<S>,
    pub(crate) call_timeout: Duration,
}

impl<S: GenServer> Process for PidServer<S> {
    fn shared(&self) -> &Arc<Shared> {
        &self.server.shared
    }
    fn request_stop(&self, reason: ExitReason) -> bool {
        self.server.request_stop(reason)
    }
    fn signal(&self, signal: Signal) -> bool {
        self.server.signal(signal)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Pid {
    /// The typed handle, if the server is an `S`.
    pub fn downcast<S: GenServer>(&self) -> Option<S::Ref> {
        self.server_ref::<S>().map(S::Ref::from)
    }

    /// The bound handle inside, if the server is an `S`.
    pub(crate) fn direct<S: GenServer>(&self) -> Option<&Direct<S>> {
        self.0
            .as_any()
            .downcast_ref::<PidServer<S>>()
            .map(|pid| &pid.server)
    }

    /// A typed handle with the call timeout the `Pid` was made with, if the server is an `S`.
    pub(crate) fn server_ref<S: GenServer>(&self) -> Option<ServerRef<S>> {
        self.0
            .as_any()
            .downcast_ref::<PidServer<S>>()
            .map(|pid| ServerRef::from_direct(pid.server.clone(), pid.call_timeout))
    }
}

impl<S: GenServer> Direct<S> {
    /// The untyped handle of this server; [`Pid::downcast`] gives back a handle with
    /// `call_timeout`.
    pub(crate) fn pid(&self, call_timeout: Duration) -> Pid {
        Pid(Arc::new(PidServer {
            server: self.clone(),
            call_timeout,
        }))
    }
}
