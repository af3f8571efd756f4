//! Benchmarks of genserver against the floor (a hand-written tokio actor; for the pipelines,
//! W11–W12, a hand-written chain of bounded tokio channels) and two peer frameworks (ractor and
//! kameo, with the `peers` feature), on the workloads of `docs/performance.md`, on a
//! multi-thread runtime with 2 workers and a current_thread runtime; W6–W8 ([`names`]): a
//! registry, name handles and restarts, each against its reference; and, with the `nats`
//! feature, W9–W10 ([`remote`]): remote calls and casts over NATS against async-nats used
//! directly.
//!
//! Run everything, write `docs/bench/results.md`, `results.json` and `results.svg`:
//!
//! ```sh
//! cargo run --release -p genserver-bench --features peers
//! ```
//!
//! What `#[genserver]` costs to compile ([`compile_time`]), written to
//! `docs/bench/compile-time.md` and `compile-time.json`:
//!
//! ```sh
//! cargo run --release -p genserver-bench --bin compile-time
//! ```

pub mod chart;
pub mod cli;
pub mod compared;
pub mod compile_time;
pub mod doc_markers;
pub mod host;
pub mod names;
#[cfg(feature = "observer")]
pub mod observer_page;
pub mod remote;
pub mod results;
pub mod subject;
pub mod subjects;
pub mod workloads;

pub use host::{machine, workspace_root};
use subject::{Flavor, Impl};
use workloads::{Scale, Workload};

/// Measures W1–W4 or W11 once for `imp` on a fresh runtime of `flavor`.
pub fn measure_timed(imp: Impl, workload: Workload, flavor: Flavor, scale: Scale) -> f64 {
    use workloads::run_timed;
    if matches!(workload, Workload::W11 | Workload::W11b) {
        return measure_pipeline(imp, workload, flavor, scale);
    }
    match imp {
        Impl::HandWritten => {
            run_timed::<subjects::tokio_counter::HandWritten>(workload, flavor, scale)
        }
        Impl::Genserver => {
            run_timed::<subjects::genserver_counter::Genserver>(workload, flavor, scale)
        }
        #[cfg(feature = "peers")]
        Impl::Ractor => run_timed::<subjects::ractor_counter::Ractor>(workload, flavor, scale),
        #[cfg(feature = "peers")]
        Impl::Kameo => run_timed::<subjects::kameo_counter::Kameo>(workload, flavor, scale),
        #[cfg(not(feature = "peers"))]
        Impl::Ractor | Impl::Kameo => panic!("{imp} needs the `peers` feature"),
    }
}

/// Measures W11, or W12 in this process (meant to be a fresh one), for `imp`.
pub fn measure_pipeline(imp: Impl, workload: Workload, flavor: Flavor, scale: Scale) -> f64 {
    use subjects::genserver_pipeline::Stages;
    use subjects::tokio_pipeline::ChannelChain;
    use workloads::{w11, w11b, w12};
    match (workload, imp) {
        (Workload::W11, Impl::HandWritten) => w11::<ChannelChain>(flavor, scale),
        (Workload::W11, Impl::Genserver) => w11::<Stages>(flavor, scale),
        (Workload::W11b, Impl::HandWritten) => w11b(flavor, scale),
        (Workload::W11b, Impl::Genserver) => w11::<Stages>(flavor, scale),
        (Workload::W12, Impl::HandWritten) => w12::<ChannelChain>(flavor, scale),
        (Workload::W12, Impl::Genserver) => w12::<Stages>(flavor, scale),
        _ => panic!("{workload} is not measured for {imp}"),
    }
}

/// Measures W5 for `imp` in this process (meant to be a fresh one).
pub fn measure_memory(imp: Impl, flavor: Flavor, scale: Scale) -> f64 {
    use workloads::w5;
    match imp {
        Impl::HandWritten => w5::<subjects::tokio_counter::HandWritten>(flavor, scale),
        Impl::Genserver => w5::<subjects::genserver_counter::Genserver>(flavor, scale),
        #[cfg(feature = "peers")]
        Impl::Ractor => w5::<subjects::ractor_counter::Ractor>(flavor, scale),
        #[cfg(feature = "peers")]
        Impl::Kameo => w5::<subjects::kameo_counter::Kameo>(flavor, scale),
        #[cfg(not(feature = "peers"))]
        Impl::Ractor | Impl::Kameo => panic!("{imp} needs the `peers` feature"),
    }
}
