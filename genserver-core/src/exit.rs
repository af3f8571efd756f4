//! Why a server stopped.

use std::fmt;

use crate::id::ServerId;

/// Why a server stopped: the Rust form of an OTP exit reason.
///
/// `Normal` and `Shutdown` are the *normal* reasons (see [`ExitReason::is_normal`]): a
/// transient child is not restarted after them and a linked partner does not follow.
/// Every other reason is abnormal.
///
/// ```
/// use genserver_core::ExitReason;
///
/// assert!(ExitReason::Normal.is_normal());
/// assert!(!ExitReason::Panic("boom".into()).is_normal());
/// assert_eq!(ExitReason::Killed.to_string(), "killed");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// The server stopped because it was asked to (`stop().await`, `ctx.stop(ExitReason::Normal)`).
    Normal,
    /// The server was shut down by its supervisor or by the application.
    Shutdown,
    /// The server was killed with `kill()`: `terminate` did not run.
    Killed,
    /// A handler (or `init`, or `terminate`) panicked; the payload is the panic message.
    Panic(String),
    /// The server stopped itself with an error, e.g. `ctx.stop(ExitReason::Error("..".into()))`.
    Error(String),
    /// There was no server: what a monitor (or `exited`) of a name that no server holds
    /// reports, as OTP's `noproc`.
    NoProc,
    /// A server linked to this one exited abnormally, and this one, not trapping exits,
    /// followed it (without `terminate`, as in OTP). Names the partner and its reason, which
    /// may itself be a `Linked` when exits travel down a chain of links.
    Linked {
        /// The linked server that exited first.
        id: ServerId,
        /// Its exit reason.
        reason: Box<ExitReason>,
    },
    /// The server is in another process that can no longer be reached: its process died, or
    /// the connection to it (its own or this one's) dropped. What a remote monitor reports
    /// then, as OTP's `noconnection`; the server may still be running.
    NoConnection,
}

impl ExitReason {
    /// `true` for [`Normal`](ExitReason::Normal) and [`Shutdown`](ExitReason::Shutdown),
    /// the reasons OTP treats as a clean exit.
    pub fn is_normal(&self) -> bool {
        matches!(self, ExitReason::Normal | ExitReason::Shutdown)
    }

    /// Builds an [`ExitReason::Error`] from anything printable.
    pub fn error(reason: impl fmt::Display) -> Self {
        ExitReason::Error(reason.to_string())
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Normal => f.write_str("normal"),
            ExitReason::Shutdown => f.write_str("shutdown"),
            ExitReason::Killed => f.write_str("killed"),
            ExitReason::Panic(message) => write!(f, "panicked: {message}"),
            ExitReason::Error(message) => write!(f, "error: {message}"),
            ExitReason::NoProc => f.write_str("noproc: there was no server"),
            ExitReason::Linked { id, reason } => write!(f, "linked server {id} exited: {reason}"),
            ExitReason::NoConnection => {
                f.write_str("noconnection: the server's process can no longer be reached")
            }
        }
    }
}

/// The text of a panic payload (`&str` or `String`; anything else is described generically).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(message) = payload.downcast_ref::<&'static str>() {
        (*message).to_owned()
    } else if let Some(message) = payload.downcast_ref::<String>() {
        message.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}
