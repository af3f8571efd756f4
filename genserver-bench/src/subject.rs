//! What every benchmarked implementation provides: a counter server with an increment call,
//! a cast that adds one, a get call, start and stop.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};

/// A counter server of one implementation, driven through that implementation's own client API.
///
/// Every method is a thin wrapper over the calls a user of the library writes; the workloads are
/// generic over this trait, so each implementation is compiled (and inlined) on its own.
pub trait Subject: 'static {
    /// The client handle a user keeps to talk to one server.
    type Handle: Clone + Send + Sync + 'static;

    /// Starts a server whose counter is 0.
    fn start() -> impl Future<Output = Self::Handle> + Send;

    /// Call: adds one and returns the new value.
    fn increment(handle: &Self::Handle) -> impl Future<Output = u64> + Send;

    /// Cast: adds one, without waiting for the server.
    fn bump(handle: &Self::Handle) -> impl Future<Output = ()> + Send;

    /// Call: the current value.
    fn get(handle: &Self::Handle) -> impl Future<Output = u64> + Send;

    /// Stops the server and waits until it has stopped.
    fn stop(handle: Self::Handle) -> impl Future<Output = ()> + Send;
}

/// A demand-driven pipeline of one implementation (W11, W12): genserver's stages, or the
/// floor, a hand-written chain of tasks and bounded tokio channels.
pub trait Pipeline: 'static {
    /// A running W12 pipeline.
    type Running: Send;

    /// W11: `events` numbers from 0 through producer → plus one → consumer, each link holding
    /// at most `capacity` events; resolves with the consumer's sum once it has every event.
    fn chain(events: u64, capacity: usize) -> impl Future<Output = u64> + Send;

    /// W12: a producer as fast as it can be, feeding a consumer that takes `batch` events at a
    /// time, each worth `pace`, the link holding at most `capacity` events.
    fn slow(
        capacity: usize,
        pace: std::time::Duration,
        batch: usize,
    ) -> impl Future<Output = Self::Running> + Send;

    /// Events the W12 consumer has taken so far.
    fn consumed(running: &Self::Running) -> u64;

    /// Events waiting in the producer's buffer (0 for a channel, which is bounded).
    fn buffered(running: &Self::Running) -> impl Future<Output = u64> + Send;

    /// Ends the W12 pipeline.
    fn stop(running: Self::Running) -> impl Future<Output = ()> + Send;
}

/// The implementations compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Impl {
    /// A spawned loop over an unbounded mpsc channel of an enum, calls answered through a
    /// oneshot: the floor.
    HandWritten,
    /// `#[genserver]`, through its generated client API.
    Genserver,
    /// ractor (needs the `peers` feature).
    Ractor,
    /// kameo (needs the `peers` feature).
    Kameo,
}

impl Impl {
    /// Every implementation, in table order.
    pub const ALL: [Impl; 4] = [
        Impl::HandWritten,
        Impl::Genserver,
        Impl::Ractor,
        Impl::Kameo,
    ];

    /// The implementations compiled into this binary.
    pub fn available() -> Vec<Impl> {
        Impl::ALL.into_iter().filter(|i| i.is_available()).collect()
    }

    /// Whether this binary was built with this implementation.
    pub fn is_available(self) -> bool {
        match self {
            Impl::HandWritten | Impl::Genserver => true,
            Impl::Ractor | Impl::Kameo => cfg!(feature = "peers"),
        }
    }

    /// Short name, used on the command line and in the JSON results.
    pub fn key(self) -> &'static str {
        match self {
            Impl::HandWritten => "tokio",
            Impl::Genserver => "genserver",
            Impl::Ractor => "ractor",
            Impl::Kameo => "kameo",
        }
    }

    /// Name in tables and the chart.
    pub fn label(self) -> &'static str {
        match self {
            Impl::HandWritten => "hand-written tokio",
            Impl::Genserver => "genserver",
            Impl::Ractor => "ractor 0.16",
            Impl::Kameo => "kameo 0.22",
        }
    }

    /// The implementation whose [`key`](Impl::key) is `key`.
    pub fn from_key(key: &str) -> Option<Impl> {
        Impl::ALL.into_iter().find(|i| i.key() == key)
    }
}

impl fmt::Display for Impl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The tokio runtime a workload runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flavor {
    /// `new_multi_thread().worker_threads(2)`.
    MultiThread,
    /// `new_current_thread()`.
    CurrentThread,
}

impl Flavor {
    /// Both flavors, in table order.
    pub const ALL: [Flavor; 2] = [Flavor::MultiThread, Flavor::CurrentThread];

    /// Short name, used on the command line and in the JSON results.
    pub fn key(self) -> &'static str {
        match self {
            Flavor::MultiThread => "multi_thread",
            Flavor::CurrentThread => "current_thread",
        }
    }

    /// Name in tables and the chart.
    pub fn label(self) -> &'static str {
        match self {
            Flavor::MultiThread => "multi-thread runtime, 2 workers",
            Flavor::CurrentThread => "current_thread runtime",
        }
    }

    /// The flavor whose [`key`](Flavor::key) is `key`.
    pub fn from_key(key: &str) -> Option<Flavor> {
        Flavor::ALL.into_iter().find(|f| f.key() == key)
    }

    /// A fresh runtime of this flavor.
    pub fn runtime(self) -> tokio::runtime::Runtime {
        let mut builder = match self {
            Flavor::MultiThread => {
                let mut builder = tokio::runtime::Builder::new_multi_thread();
                builder.worker_threads(2);
                builder
            }
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        };
        builder
            .enable_all()
            .build()
            .expect("building a tokio runtime")
    }

    /// Runs `work` on a fresh runtime of this flavor and returns its output: as a spawned task
    /// (so that on the multi-thread runtime the caller runs on a worker, as application code
    /// does), or, after [`set_caller_in_block_on`]`(true)`, as the `block_on` future itself (as
    /// the body of a `#[tokio::main]` function is).
    pub fn run<F>(self, work: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let runtime = self.runtime();
        let output = if caller_in_block_on() {
            runtime.block_on(work)
        } else {
            runtime.block_on(async move {
                tokio::spawn(work)
                    .await
                    .expect("the benchmark task panicked")
            })
        };
        runtime.shutdown_background();
        output
    }
}

static CALLER_IN_BLOCK_ON: AtomicBool = AtomicBool::new(false);

/// Whether [`Flavor::run`] runs the workload as the `block_on` future instead of a spawned task
/// (the `--caller block_on` option).
pub fn set_caller_in_block_on(yes: bool) {
    CALLER_IN_BLOCK_ON.store(yes, Ordering::Relaxed);
}

/// See [`set_caller_in_block_on`].
pub fn caller_in_block_on() -> bool {
    CALLER_IN_BLOCK_ON.load(Ordering::Relaxed)
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
