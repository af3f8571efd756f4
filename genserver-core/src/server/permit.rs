//! [`Permit`]: room in a server's bounded mailbox, reserved before the message is built
//! (tokio's `Sender::reserve`), so that a fast sender waits for a slow server instead of
//! failing with [`CastError::Full`].

use std::fmt;

use super::handle::{Direct, Target};
use super::{GenServer, InfoMessage, ServerRef};
use crate::CastError;
use crate::process::Pid;
use crate::task::Mail;

/// Room for one message in a server's mailbox, from [`ServerRef::reserve`]: sending through it
/// never fails with [`CastError::Full`]. The generated `{Type}Ref::reserve` gives a
/// `{Type}Permit` with the server's cast methods; this is what it wraps.
///
/// Dropped unused, the room goes back to the mailbox. On a server with an unbounded mailbox
/// (the default) a permit costs nothing: it is granted at once and sends as a cast does. The
/// same for a server in another process (a remote handle): its casts cross the network at
/// most once, with no mailbox room here to wait for, so its permit is granted at once and
/// sends through the handle's transport.
///
/// ```
/// use std::time::Duration;
/// use genserver::prelude::*;
///
/// struct Slow { seen: u32 }
///
/// #[genserver]
/// impl Slow {
///     #[cast]
///     async fn work(&mut self) {
///         tokio::time::sleep(Duration::from_millis(10)).await;
///         self.seen += 1;
///     }
///
///     #[call]
///     fn seen(&self) -> u32 { self.seen }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let slow = Slow::options().mailbox_capacity(2).start(Slow { seen: 0 }).await.unwrap();
/// for _ in 0..10 {
///     // Waits while the mailbox is full, where `slow.work()` would fail with `Full`.
///     slow.reserve().await.unwrap().work().unwrap();
/// }
/// assert_eq!(slow.seen().await, Ok(10));
/// # }
/// ```
#[must_use = "a permit holds room in the mailbox until it is used or dropped"]
pub struct Permit<'a, S: GenServer> {
    server: Reserved<'a, S>,
    /// Whether it holds a unit of a bounded mailbox's room, to give back if unused.
    holds_room: bool,
}

enum Reserved<'a, S: GenServer> {
    /// The server of a direct handle.
    Borrowed(&'a Direct<S>),
    /// The server a name handle resolved to.
    Owned(Direct<S>),
    /// A server in another process: casts go through the handle's transport.
    Remote(&'a ServerRef<S>),
}

impl<S: GenServer> Reserved<'_, S> {
    /// The local server reserved in; `None` for a remote one.
    fn server(&self) -> Option<&Direct<S>> {
        match self {
            Reserved::Borrowed(server) => Some(server),
            Reserved::Owned(server) => Some(server),
            Reserved::Remote(_) => None,
        }
    }
}

impl<S: GenServer> ServerRef<S> {
    /// Waits for room in the server's mailbox and reserves it: the permit's
    /// [`cast`](Permit::cast) then cannot fail with [`CastError::Full`]. The message is built
    /// only once there is room (tokio's `Sender::reserve`). Use it to slow a fast sender down
    /// to the pace of a server with a bounded mailbox
    /// ([`mailbox_capacity`](crate::Options::mailbox_capacity)) instead of failing its casts.
    ///
    /// Fails with [`CastError::NotRunning`] if the server has exited, or exits while waiting.
    /// A name handle reserves room in the server holding the name now.
    pub async fn reserve(&self) -> Result<Permit<'_, S>, CastError> {
        let server = match &self.target {
            Target::Direct(server) => Reserved::Borrowed(server),
            Target::Indirect(_) if self.remote().is_some() => Reserved::Remote(self),
            Target::Indirect(_) => {
                let pid: Option<Pid> = self.named().and_then(|name| name.whereis());
                let server = pid
                    .as_ref()
                    .and_then(Pid::direct::<S>)
                    .cloned()
                    .ok_or(CastError::NotRunning)?;
                Reserved::Owned(server)
            }
        };
        let holds_room = match server
            .server()
            .and_then(|server| server.shared.room.as_ref())
        {
            None => false,
            Some(room) => {
                room.acquire()
                    .await
                    .map_err(|_closed| CastError::NotRunning)?
                    .forget();
                true
            }
        };
        Ok(Permit { server, holds_room })
    }
}

impl<S: GenServer> Permit<'_, S> {
    /// Sends `msg` into the reserved room. Fails only with [`CastError::NotRunning`], if the
    /// server has exited since the room was reserved.
    pub fn cast(mut self, msg: S::Msg) -> Result<(), CastError> {
        // The room is the message's now: the server gives it back when it takes the message.
        self.holds_room = false;
        let server = match &self.server {
            Reserved::Borrowed(server) => *server,
            Reserved::Owned(server) => server,
            Reserved::Remote(handle) => return handle.cast(msg),
        };
        server
            .mailbox
            .send(Mail::Msg(msg))
            .map_err(|_| CastError::NotRunning)
    }

    /// Sends an info message into the reserved room (see [`ServerRef::send`]).
    pub fn send<M: InfoMessage<S>>(self, msg: M) -> Result<(), CastError> {
        self.cast(msg.into_server_msg())
    }
}

impl<S: GenServer> Drop for Permit<'_, S> {
    fn drop(&mut self) {
        if !self.holds_room {
            return;
        }
        if let Some(room) = self.server.server().and_then(|s| s.shared.room.as_ref()) {
            room.add_permits(1);
        }
    }
}

impl<S: GenServer> fmt::Debug for Permit<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Permit");
        match self.server.server() {
            Some(server) => debug.field("server", &server.shared.id),
            None => debug.field("server", &"remote"),
        };
        debug.finish()
    }
}
