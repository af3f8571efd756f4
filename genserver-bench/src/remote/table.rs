//! The workloads W9–W10 and their table: genserver's figure beside async-nats's, measured in
//! the same run.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::RemoteScale;
use crate::subject::Flavor;
use crate::workloads::thousands;

/// One of W9–W10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RemoteWorkload {
    /// Call latency, one caller.
    W9,
    /// Calls per second, 8 callers.
    W10Calls,
    /// Casts per second.
    W10Casts,
}

impl RemoteWorkload {
    /// All of them, in table order.
    pub const ALL: [RemoteWorkload; 3] = [
        RemoteWorkload::W9,
        RemoteWorkload::W10Calls,
        RemoteWorkload::W10Casts,
    ];

    /// `W9`, `W10-calls`, `W10-casts`.
    pub fn key(self) -> &'static str {
        match self {
            RemoteWorkload::W9 => "W9",
            RemoteWorkload::W10Calls => "W10-calls",
            RemoteWorkload::W10Casts => "W10-casts",
        }
    }

    /// What the workload does, for the table.
    pub fn describe(self, scale: &RemoteScale) -> String {
        match self {
            RemoteWorkload::W9 => format!(
                "W9 remote call latency, 1 caller, {} calls, vs `client.request`",
                thousands(scale.w9_calls)
            ),
            RemoteWorkload::W10Calls => format!(
                "W10 {} callers × {} remote calls, vs `client.request`",
                scale.w10_callers,
                thousands(scale.w10_calls_per_caller)
            ),
            RemoteWorkload::W10Casts => format!(
                "W10 {} remote casts, then one call, vs `client.publish`",
                thousands(scale.w10_casts)
            ),
        }
    }

    /// The unit of the measurement.
    pub fn unit(self) -> &'static str {
        match self {
            RemoteWorkload::W9 => "µs/call",
            RemoteWorkload::W10Calls => "calls/s",
            RemoteWorkload::W10Casts => "casts/s",
        }
    }

    /// The target on genserver ÷ async-nats, as text, and whether `ratio` meets it.
    pub fn target(self, ratio: f64) -> (&'static str, bool) {
        match self {
            RemoteWorkload::W9 => ("≤ 1.20×", ratio <= 1.20),
            RemoteWorkload::W10Calls | RemoteWorkload::W10Casts => ("≥ 0.80×", ratio >= 0.80),
        }
    }

    /// Formats a measurement (W9's in nanoseconds) for a table.
    pub fn format_value(self, value: f64) -> String {
        match self {
            RemoteWorkload::W9 => format!("{:.1}", value / 1_000.0),
            RemoteWorkload::W10Calls | RemoteWorkload::W10Casts => thousands(value.round() as u64),
        }
    }
}

/// The two sides of each workload.
pub const VARIANTS: [&str; 2] = ["genserver", "async-nats"];

impl crate::compared::Compared for RemoteWorkload {
    fn key(self) -> &'static str {
        RemoteWorkload::key(self)
    }
    fn sample_unit(self) -> &'static str {
        match self {
            RemoteWorkload::W9 => "ns/call",
            other => other.unit(),
        }
    }
    fn format_value(self, value: f64) -> String {
        RemoteWorkload::format_value(self, value)
    }
}

/// Every sample of W9–W10 of one run.
#[derive(Debug, Clone)]
pub struct RemoteResults {
    /// The sizes.
    pub scale: RemoteScale,
    /// Repetitions of each measurement.
    pub reps: usize,
    /// The runtime flavors measured, in table order.
    pub flavors: Vec<Flavor>,
    /// What the machine is (CPU, cores, compiler, nats-server).
    pub machine: Vec<(String, String)>,
    /// The samples of each (flavor, workload, variant).
    pub samples: crate::compared::Samples<RemoteWorkload>,
    /// How long the measurements took.
    pub wall_time: Duration,
}

impl RemoteResults {
    /// No samples yet.
    pub fn new(
        scale: RemoteScale,
        reps: usize,
        flavors: Vec<Flavor>,
        machine: Vec<(String, String)>,
    ) -> Self {
        RemoteResults {
            scale,
            reps,
            flavors,
            machine,
            samples: BTreeMap::new(),
            wall_time: Duration::ZERO,
        }
    }

    /// Records one measurement of both variants of `workload`.
    pub fn push(&mut self, flavor: Flavor, workload: RemoteWorkload, values: &[f64]) {
        for (&variant, &value) in VARIANTS.iter().zip(values) {
            self.samples
                .entry((flavor, workload, variant))
                .or_default()
                .push(value);
        }
    }

    fn median(&self, flavor: Flavor, workload: RemoteWorkload, variant: &str) -> Option<f64> {
        self.samples
            .get(&(flavor, workload, variant))
            .and_then(|samples| crate::results::median(samples))
    }

    /// genserver's median ÷ async-nats's, in the workload's unit.
    pub fn ratio(&self, flavor: Flavor, workload: RemoteWorkload) -> Option<f64> {
        let ours = self.median(flavor, workload, VARIANTS[0])?;
        let reference = self.median(flavor, workload, VARIANTS[1])?;
        (reference > 0.0).then(|| ours / reference)
    }

    /// One section per runtime flavor, each a table (headings at `level`).
    pub fn tables(&self, level: &str) -> String {
        let mut md = String::new();
        for &flavor in &self.flavors {
            let _ = writeln!(md, "{level} {}\n", flavor.label());
            md.push_str(
                "| workload | unit | genserver | async-nats | genserver ÷ async-nats | target | met |\n\
                 |---|---|---:|---:|---:|---:|:---:|\n",
            );
            for workload in RemoteWorkload::ALL {
                let value = |variant| {
                    self.median(flavor, workload, variant)
                        .map_or("–".to_owned(), |v| workload.format_value(v))
                };
                let (ratio, target, met) = match self.ratio(flavor, workload) {
                    Some(ratio) => {
                        let (target, met) = workload.target(ratio);
                        let met = if met { "yes" } else { "**no**" };
                        (format!("**{ratio:.2}×**"), target, met)
                    }
                    None => ("–".to_owned(), "–", "–"),
                };
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} | {ratio} | {target} | {met} |",
                    workload.describe(&self.scale),
                    workload.unit(),
                    value(VARIANTS[0]),
                    value(VARIANTS[1]),
                );
            }
            md.push('\n');
        }
        md
    }

    /// The summary line above the tables.
    pub fn summary(&self) -> String {
        let machine: Vec<String> = self
            .machine
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        format!(
            "_{}; median of {} runs; measurement {:.0} s._",
            machine.join("; "),
            self.reps,
            self.wall_time.as_secs_f64()
        )
    }

    /// docs/bench/remote.md.
    pub fn markdown(&self) -> String {
        let mut md = String::from("# Benchmark results: remote servers over NATS (W9–W10)\n\n");
        let _ = writeln!(
            md,
            "Generated by `cargo run --release -p genserver-bench --features nats --bin remote` \
             (from the workspace root), against a `nats-server` on loopback the bench starts. \
             Each cell is the median of {} runs; genserver and async-nats are measured in the \
             same run, on the same runtime and the same server. The method is described in \
             [docs/performance.md](../performance.md#remote-servers-w9w10).\n",
            self.reps
        );
        let _ = writeln!(md, "{}\n", self.summary());
        md.push_str(&self.tables("##"));
        md.push_str(&crate::compared::spread(&self.samples));
        md
    }

    /// Every sample, as JSON.
    pub fn json(&self) -> String {
        crate::compared::json(self.reps, &self.samples)
    }
}
