//! [`ServerStats`]: the counters of one server.

/// Counters of one server, from [`ServerRef::stats`](crate::ServerRef::stats).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServerStats {
    /// Messages (calls, casts, infos, continues) handled since the server started.
    pub messages_handled: u64,
    /// Messages waiting in the mailbox when the stats were taken.
    pub mailbox_len: usize,
    /// How many times its supervisor had restarted this child when it started this
    /// incarnation (0 for a first start, and for a server without a supervisor).
    pub restarts: u32,
}
