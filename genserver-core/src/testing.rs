//! A test guard: a test fails when a server it started panicked, and its
//! servers are stopped when it ends (ExUnit's `start_supervised`).
//!
//! A panicking handler ends its server only, and a supervisor restarts it: the runtime catches
//! the panic, so a test whose server crashed can still pass. A [`TestGuard`] collects the
//! panics of every server started inside its scope — and of the servers those start, such as
//! a supervisor's children and their restarts — and fails the test with their messages.
//!
//! ```
//! use genserver::prelude::*;
//! use genserver::testing::TestGuard;
//!
//! struct Divider;
//!
//! #[genserver]
//! impl Divider {
//!     #[cast]
//!     fn divide(&mut self, a: i64, b: i64) { let _ = a / b; }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let guard = TestGuard::new();
//! let divider = guard.scope(Divider::start(Divider)).await.unwrap();
//! divider.divide(1, 0).unwrap(); // panics inside the server: the cast itself succeeds
//! divider.exited().await;
//! let panics = guard.take_panics(); // expected here; `finish` would fail the test otherwise
//! assert!(panics[0].message.contains("divide by zero"));
//! guard.finish().await;
//! # }
//! ```
//!
//! The scope is the future given to [`TestGuard::scope`] (or [`guard`]), not the thread or the
//! process: tests running in parallel in one process each see their own servers only. A task
//! spawned inside the scope is outside it (tokio does not carry task-locals into spawned
//! tasks); wrap its future in [`TestGuard::scope`] too.
//!
//! Always compiled, not a feature: while no guard exists, a server's start and exit each read
//! one global counter and do nothing more; only under a guard is a server recorded (its `Pid`,
//! and an entry in a table by id). A feature would save that load, at the price of a test
//! setup users must remember (and of a dev-dependency feature that cargo unifies into every
//! test build of a workspace anyway).

use std::fmt;
use std::future::Future;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use crate::process::test_guard::{self, Guarded};
use crate::{ExitReason, ServerId};

/// A panic of a server started under a [`TestGuard`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerPanic {
    /// The server that panicked.
    pub id: ServerId,
    /// Its type.
    pub type_name: &'static str,
    /// The panic message.
    pub message: String,
}

impl fmt::Display for ServerPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} panicked: {}",
            self.type_name, self.id, self.message
        )
    }
}

/// How long a server gets to stop at the end of a test before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Fails the test when a server started under it panicked, and stops its servers at the end.
/// See the [module](self).
pub struct TestGuard {
    guarded: Arc<Guarded>,
    finished: bool,
}

impl Default for TestGuard {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TestGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestGuard")
            .field("servers", &self.servers().len())
            .field("panics", &self.panics())
            .finish()
    }
}

impl TestGuard {
    /// A guard with no server yet.
    pub fn new() -> Self {
        TestGuard {
            guarded: test_guard::new_guard(),
            finished: false,
        }
    }

    /// Runs `future`; the servers it starts, and the servers those start, are this guard's.
    pub async fn scope<F: Future>(&self, future: F) -> F::Output {
        test_guard::scope(self.guarded.clone(), future).await
    }

    /// The panics of its servers so far.
    pub fn panics(&self) -> Vec<ServerPanic> {
        self.guarded
            .panics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|panicked| ServerPanic {
                id: panicked.id,
                type_name: panicked.type_name,
                message: panicked.message.clone(),
            })
            .collect()
    }

    /// The panics so far, taken: a test that expects a crash takes it, and `finish` does not
    /// fail for it.
    pub fn take_panics(&self) -> Vec<ServerPanic> {
        let panics = self.panics();
        self.guarded
            .panics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        panics
    }

    /// The ids of every server started under it, in start order (live or not).
    pub fn servers(&self) -> Vec<ServerId> {
        self.guarded
            .servers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(pid, _)| pid.id())
            .collect()
    }

    /// Ends the test's servers and fails it if any panicked: stops, last started first, the
    /// servers the scope started itself (a supervisor stops its children), then any still
    /// running (started by a server, and not supervised); a server that does not stop within
    /// 5 s is killed. Then panics with every server panic not taken, if there is one.
    pub async fn finish(mut self) {
        self.finished = true;
        let servers = self
            .guarded
            .servers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for nested in [false, true] {
            for (pid, _) in servers.iter().rev().filter(|(_, n)| *n == nested) {
                if !pid.is_alive() {
                    continue;
                }
                pid.request_shutdown(ExitReason::Shutdown);
                if tokio::time::timeout(STOP_TIMEOUT, pid.exited())
                    .await
                    .is_err()
                {
                    pid.kill();
                    pid.exited().await;
                }
            }
        }
        let panics = self.panics();
        if !panics.is_empty() {
            panic!("{}", report(&panics));
        }
    }
}

impl Drop for TestGuard {
    /// A guard dropped without [`finish`](TestGuard::finish) (the test returned early, or
    /// panicked): its live servers are killed, and its panics fail the test unless it is
    /// failing already.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        for (pid, _) in self
            .guarded
            .servers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .rev()
        {
            pid.kill();
        }
        let panics = self.panics();
        if !panics.is_empty() && !std::thread::panicking() {
            panic!("{}", report(&panics));
        }
    }
}

fn report(panics: &[ServerPanic]) -> String {
    let mut text = format!(
        "{} server{} started by this test panicked:",
        panics.len(),
        if panics.len() == 1 { "" } else { "s" }
    );
    for panic in panics {
        text.push_str(&format!("\n  {panic}"));
    }
    text
}

/// Runs `future` under a fresh [`TestGuard`], then [`finish`](TestGuard::finish)es it: the
/// test's servers are stopped, and the test fails if any of them panicked.
///
/// ```
/// use genserver::prelude::*;
///
/// struct Counter { value: u64 }
///
/// #[genserver]
/// impl Counter {
///     #[call]
///     fn increment(&mut self) -> u64 { self.value += 1; self.value }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let counter = genserver::testing::guard(async {
///     let counter = Counter::start(Counter { value: 0 }).await.unwrap();
///     assert_eq!(counter.increment().await, Ok(1));
///     counter
/// })
/// .await;
/// assert!(!counter.is_alive(), "stopped at the end of the guard");
/// # }
/// ```
pub async fn guard<F: Future>(future: F) -> F::Output {
    let guard = TestGuard::new();
    let output = guard.scope(future).await;
    guard.finish().await;
    output
}
