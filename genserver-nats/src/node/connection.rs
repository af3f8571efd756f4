//! What a node knows of its connection to NATS: whether it is up, and a signal for everything
//! that must end when it drops (calls waiting for a reply, remote monitors).

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use async_nats::connection::State;
use async_nats::{Client, Event};
use tokio::sync::Notify;

use crate::RemoteError;

/// The connection's state as events report it.
#[derive(Debug, Default)]
pub(crate) struct Connection {
    /// Woken at every disconnect (and when the client closes).
    lost: Notify,
    /// Woken at every (re)connect.
    restored: Notify,
    /// How many times the connection dropped.
    disconnects: AtomicU64,
    /// How many times a subscription overflowed (the NATS client's "slow consumer").
    overflows: AtomicU64,
}

impl Connection {
    /// Records what an event of the NATS client says about the connection.
    pub(crate) fn on_event(&self, event: &Event) {
        match event {
            Event::Disconnected | Event::Closed => {
                self.disconnects.fetch_add(1, Ordering::AcqRel);
                self.lost.notify_waiters();
            }
            Event::Connected => self.restored.notify_waiters(),
            Event::SlowConsumer(_)
            | Event::ServerError(async_nats::ServerError::SlowConsumer(_)) => {
                self.overflows.fetch_add(1, Ordering::AcqRel);
                tracing::warn!(
                    target: "genserver::remote",
                    %event,
                    "messages to this node arrive faster than it handles them: NATS drops them \
                     (casts are lost, calls among them end with Timeout)"
                );
            }
            _ => {}
        }
        tracing::debug!(target: "genserver::remote", %event, "NATS connection event");
    }

    /// How many times the connection dropped so far.
    pub(crate) fn disconnects(&self) -> u64 {
        self.disconnects.load(Ordering::Acquire)
    }

    /// How many times a subscription overflowed so far.
    pub(crate) fn overflows(&self) -> u64 {
        self.overflows.load(Ordering::Acquire)
    }

    /// A future that resolves at the next disconnect, armed now: a disconnect between this call
    /// and the first poll is not missed.
    pub(crate) fn lost(&self) -> Pin<Box<tokio::sync::futures::Notified<'_>>> {
        let mut lost = Box::pin(self.lost.notified());
        lost.as_mut().enable();
        lost
    }

    /// A future that resolves at the next (re)connect, armed now.
    pub(crate) fn restored(&self) -> Pin<Box<tokio::sync::futures::Notified<'_>>> {
        let mut restored = Box::pin(self.restored.notified());
        restored.as_mut().enable();
        restored
    }
}

/// `Ok` while `client` is connected; [`RemoteError::NotConnected`] otherwise.
pub(crate) fn check(client: &Client) -> Result<(), RemoteError> {
    match client.connection_state() {
        State::Connected => Ok(()),
        State::Pending | State::Disconnected => Err(RemoteError::NotConnected),
    }
}
