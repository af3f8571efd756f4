//! W6–W8: names, registries and restarts. Unlike W1–W5 these do not compare implementations
//! of a counter: each compares one genserver mechanism with its reference, measured in the
//! same run on the same runtime.
//!
//! - W6: `KeyRegistry` lookups from 8 tasks at once against `RwLock<HashMap>` and `dashmap`
//!   holding the same entries (target: at least dashmap's throughput);
//! - W7: a call through a name handle (`from_name`, the name resolved at each call) against
//!   the same call through the direct handle (target: ≤ 1.1×);
//! - W8: a permanent child's restart under a `one_for_one` supervisor, from the panic to the
//!   first answered call by name, against W4's start + call + stop of a server (reported).
//!
//! Each workload checks what it measured: every lookup finds its entry, every call its value,
//! every restart a new server.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Once, RwLock};
use std::time::{Duration, Instant};

use dashmap::DashMap;
use genserver::prelude::*;

use crate::compared::{Compared, Samples};
use crate::subject::Flavor;
use crate::subjects::genserver_counter::{BenchCounter, BenchCounterRef, Genserver};
use crate::workloads::{self, Scale, thousands};

/// One of W6–W8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NameWorkload {
    /// `KeyRegistry` lookups from many tasks.
    W6,
    /// A call through `from_name` against a direct one.
    W7,
    /// A restart, from the panic to the first answered call.
    W8,
}

/// How much work W6–W8 do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameScale {
    /// W6: tasks looking up at once.
    pub w6_tasks: u64,
    /// W6: lookups by each task.
    pub w6_lookups_per_task: u64,
    /// W6: keys in the registry.
    pub w6_keys: u64,
    /// W7: calls of each kind timed.
    pub w7_calls: u64,
    /// W8: restarts timed.
    pub w8_restarts: u64,
    /// W8: servers of the W4 comparison.
    pub w8_servers: u64,
}

impl NameScale {
    /// The sizes the issue defines.
    pub const FULL: NameScale = NameScale {
        w6_tasks: 8,
        w6_lookups_per_task: 1_000_000,
        w6_keys: 10_000,
        w7_calls: 200_000,
        w8_restarts: 1_000,
        w8_servers: 10_000,
    };

    /// A run of a few milliseconds, to check that everything works.
    pub const QUICK: NameScale = NameScale {
        w6_tasks: 8,
        w6_lookups_per_task: 2_000,
        w6_keys: 100,
        w7_calls: 2_000,
        w8_restarts: 20,
        w8_servers: 200,
    };
}

/// The variants of each workload: genserver's first, then its references.
const W6_VARIANTS: [&str; 3] = ["KeyRegistry", "RwLock<HashMap>", "dashmap"];
const W7_VARIANTS: [&str; 2] = ["from_name", "direct"];
const W8_VARIANTS: [&str; 2] = ["restart", "W4 start+call+stop"];

impl NameWorkload {
    /// All of them, in table order.
    pub const ALL: [NameWorkload; 3] = [NameWorkload::W6, NameWorkload::W7, NameWorkload::W8];

    /// What the workload does, for the table.
    pub fn describe(self, scale: &NameScale) -> String {
        match self {
            NameWorkload::W6 => format!(
                "W6 {} tasks × {} lookups of {} keys",
                scale.w6_tasks,
                thousands(scale.w6_lookups_per_task),
                thousands(scale.w6_keys)
            ),
            NameWorkload::W7 => format!(
                "W7 {} calls through `from_name` vs direct",
                thousands(scale.w7_calls)
            ),
            NameWorkload::W8 => format!(
                "W8 {} restarts of a permanent child, panic → first answered call",
                thousands(scale.w8_restarts)
            ),
        }
    }

    /// The target on genserver ÷ reference, as text, and whether `ratio` meets it.
    pub fn target(self, ratio: f64) -> (&'static str, Option<bool>) {
        match self {
            NameWorkload::W6 => ("≥ 1.00× dashmap", Some(ratio >= 1.0)),
            NameWorkload::W7 => ("≤ 1.10× direct", Some(ratio <= 1.10)),
            NameWorkload::W8 => ("reported against W4", None),
        }
    }
}

impl Compared for NameWorkload {
    /// `W6` .. `W8`.
    fn key(self) -> &'static str {
        match self {
            NameWorkload::W6 => "W6",
            NameWorkload::W7 => "W7",
            NameWorkload::W8 => "W8",
        }
    }

    /// The unit of the measurement.
    fn unit(self) -> &'static str {
        match self {
            NameWorkload::W6 => "lookups/s",
            NameWorkload::W7 => "ns/call",
            NameWorkload::W8 => "µs",
        }
    }

    /// genserver's variant, then the references.
    fn variants(self) -> &'static [&'static str] {
        match self {
            NameWorkload::W6 => &W6_VARIANTS,
            NameWorkload::W7 => &W7_VARIANTS,
            NameWorkload::W8 => &W8_VARIANTS,
        }
    }

    /// The reference the target is measured against.
    fn reference(self) -> &'static str {
        match self {
            NameWorkload::W6 => "dashmap",
            NameWorkload::W7 => "direct",
            NameWorkload::W8 => "W4 start+call+stop",
        }
    }

    /// Formats a measurement for a table.
    fn format_value(self, value: f64) -> String {
        match self {
            NameWorkload::W6 => format!("{:.2}M", value / 1e6),
            NameWorkload::W7 => format!("{value:.0}"),
            NameWorkload::W8 => format!("{value:.1}"),
        }
    }
}

/// Measures every variant of `workload` once, on a fresh runtime of `flavor`: the values, in
/// the order of [`NameWorkload::variants`].
pub fn measure(workload: NameWorkload, flavor: Flavor, scale: NameScale) -> Vec<f64> {
    match workload {
        NameWorkload::W6 => flavor.run(w6(scale)),
        NameWorkload::W7 => flavor.run(w7(scale)),
        NameWorkload::W8 => {
            let restart = flavor.run(w8(scale));
            let w4 = workloads::run_timed::<Genserver>(
                workloads::Workload::W4,
                flavor,
                Scale {
                    w4_servers: scale.w8_servers,
                    ..Scale::FULL
                },
            );
            vec![restart, w4]
        }
    }
}

/// The lookup W6 times, the same for each map: the entries of a key, owned.
trait Lookup: Send + Sync + 'static {
    // `&String`, not `&str`: `KeyRegistry::lookup` takes a `&K`, and its users pass one.
    #[allow(clippy::ptr_arg)]
    fn lookup(&self, key: &String) -> Vec<(Pid, u64)>;
}

impl Lookup for KeyRegistry<String, u64> {
    fn lookup(&self, key: &String) -> Vec<(Pid, u64)> {
        KeyRegistry::lookup(self, key)
    }
}

impl Lookup for RwLock<HashMap<String, Vec<(Pid, u64)>>> {
    fn lookup(&self, key: &String) -> Vec<(Pid, u64)> {
        self.read()
            .expect("nothing panics holding the lock")
            .get(key)
            .cloned()
            .unwrap_or_default()
    }
}

impl Lookup for DashMap<String, Vec<(Pid, u64)>> {
    fn lookup(&self, key: &String) -> Vec<(Pid, u64)> {
        self.get(key)
            .map(|entries| entries.value().clone())
            .unwrap_or_default()
    }
}

/// W6: the same entries in a `KeyRegistry`, a `RwLock<HashMap>` and a `DashMap`; `w6_tasks`
/// tasks each look up `w6_lookups_per_task` keys spread over all of them. Lookups per second
/// of each, in turn.
async fn w6(scale: NameScale) -> Vec<f64> {
    let mut servers = Vec::new();
    for _ in 0..100 {
        servers.push(
            BenchCounter::start(BenchCounter::new())
                .await
                .expect("start"),
        );
    }
    let keys: Arc<Vec<String>> =
        Arc::new((0..scale.w6_keys).map(|n| format!("session-{n}")).collect());
    let registry = KeyRegistry::<String, u64>::unique();
    let locked = RwLock::new(HashMap::new());
    let dash = DashMap::new();
    // Each map is filled in a pass of its own, the references first, each from fresh memory.
    // Filled side by side, key by key, each map's keys sat among the others' allocations, and
    // whichever map allocated first in each round (the registry) found its keys in memory the
    // others had freed, scattered: a lookup compares the key it finds, and where the key's
    // bytes lie decided the ratio (on current_thread, 0.76-0.98x dashmap with the registry
    // first in each round, 1.68x with it last). Filled last, the registry is the one that may
    // find memory the other fills left scattered.
    let pid = |n: usize| servers[n % servers.len()].pid();
    for (n, key) in keys.iter().enumerate() {
        dash.insert(key.clone(), vec![(pid(n), n as u64)]);
    }
    {
        let mut map = locked.write().expect("no panic");
        for (n, key) in keys.iter().enumerate() {
            map.insert(key.clone(), vec![(pid(n), n as u64)]);
        }
    }
    for (n, key) in keys.iter().enumerate() {
        registry
            .register(&pid(n), key.clone(), n as u64)
            .expect("each key once");
    }
    let maps: [Arc<dyn Lookup>; 3] = [registry, Arc::new(locked), Arc::new(dash)];
    // The three maps take turns, in W6_ROUNDS rounds of a tenth of the lookups each, so that
    // a drift of the machine during the run (a neighbour's load, the clock) falls on all three
    // alike.
    let mut elapsed = [Duration::ZERO; 3];
    let round = NameScale {
        w6_lookups_per_task: (scale.w6_lookups_per_task / W6_ROUNDS).max(1),
        ..scale
    };
    // Each round starts with another map, so that none always runs first (after a pause) or
    // last (after the others have run).
    for turn in 0..W6_ROUNDS as usize {
        for n in 0..maps.len() {
            let which = (turn + n) % maps.len();
            elapsed[which] += lookups(maps[which].clone(), keys.clone(), round).await;
        }
    }
    for server in servers {
        server.stop().await;
    }
    let lookups = (round.w6_tasks * round.w6_lookups_per_task * W6_ROUNDS) as f64;
    elapsed
        .iter()
        .map(|elapsed| lookups / elapsed.as_secs_f64())
        .collect()
}

/// W6's rounds: each map looks up a tenth of its lookups at a time.
const W6_ROUNDS: u64 = 10;

/// `scale.w6_tasks` tasks looking up keys in `map` at once; the time they took.
async fn lookups(map: Arc<dyn Lookup>, keys: Arc<Vec<String>>, scale: NameScale) -> Duration {
    let start = Instant::now();
    let tasks: Vec<_> = (0..scale.w6_tasks)
        .map(|task| {
            let (map, keys) = (map.clone(), keys.clone());
            tokio::spawn(async move {
                let count = keys.len() as u64;
                // A stride prime to the key count visits every key, each task from elsewhere.
                let mut index = (task * 104_729) % count;
                for _ in 0..scale.w6_lookups_per_task {
                    let entries = map.lookup(&keys[index as usize]);
                    assert!(
                        entries.len() == 1 && entries[0].1 == index,
                        "W6: the entry of key {index}"
                    );
                    index = (index + 7_919) % count;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("W6 task panicked");
    }
    start.elapsed()
}

/// W7: `w7_calls` increments through a name handle and as many through the direct handle of
/// the same server, in alternating rounds. Nanoseconds per call of each.
async fn w7(scale: NameScale) -> Vec<f64> {
    let direct = BenchCounter::options()
        .name("bench/w7")
        .start(BenchCounter::new())
        .await
        .expect("start");
    let named = BenchCounterRef::from_name("bench/w7");
    let warmup = scale.w7_calls / 10;
    for _ in 0..warmup {
        named.increment().await.expect("call");
        direct.increment().await.expect("call");
    }
    let rounds = 10;
    let per_round = scale.w7_calls / rounds;
    let (mut by_name, mut by_handle) = (Duration::ZERO, Duration::ZERO);
    let mut last = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..per_round {
            last = named.increment().await.expect("call by name");
        }
        by_name += start.elapsed();
        let start = Instant::now();
        for _ in 0..per_round {
            last = direct.increment().await.expect("direct call");
        }
        by_handle += start.elapsed();
    }
    let expected = 2 * warmup + 2 * rounds * per_round;
    assert_eq!(last, expected, "W7: final value");
    direct.stop().await;
    let calls = (rounds * per_round) as f64;
    vec![
        by_name.as_nanos() as f64 / calls,
        by_handle.as_nanos() as f64 / calls,
    ]
}

/// The child W8 restarts.
struct Crasher;

#[genserver]
impl Crasher {
    /// Panics: the crash W8 times the recovery from.
    #[cast]
    fn crash(&mut self) {
        panic!("w8: crash");
    }

    /// Which server answers.
    #[call]
    fn id(&self, ctx: &mut Context<Self>) -> u64 {
        ctx.id().as_u64()
    }
}

/// W8: a permanent child under a `one_for_one` supervisor crashes `w8_restarts` times; each
/// time, microseconds from the crash to the first call answered through its name (by a new
/// server).
async fn w8(scale: NameScale) -> f64 {
    quiet_w8_panics();
    let sup = Supervisor::builder()
        .max_restarts(u32::MAX, Duration::from_secs(1))
        .child(ChildSpec::new("crasher", || {
            Crasher::options().name("bench/w8").start(Crasher)
        }))
        .start()
        .await
        .expect("start");
    let named = CrasherRef::from_name("bench/w8");
    let mut previous = named.id().await.expect("first call");
    let mut total = Duration::ZERO;
    for _ in 0..scale.w8_restarts {
        let start = Instant::now();
        named.crash().expect("the crasher is up");
        let answered = loop {
            match named.id().await {
                Ok(id) if id != previous => break id,
                // The call that met the crash, or made before the name is registered again.
                Ok(_) | Err(_) => tokio::task::yield_now().await,
            }
        };
        total += start.elapsed();
        previous = answered;
    }
    let restarts = sup
        .which_child("crasher")
        .await
        .expect("the child is kept")
        .restarts;
    assert_eq!(u64::from(restarts), scale.w8_restarts, "W8: restarts");
    sup.stop().await;
    total.as_secs_f64() * 1e6 / scale.w8_restarts as f64
}

/// W8's crashes are on purpose: their panic messages are not printed.
fn quiet_w8_panics() {
    static QUIET: Once = Once::new();
    QUIET.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&"w8: crash") {
                previous(info);
            }
        }));
    });
}

/// Every sample of W6–W8 of one run.
#[derive(Debug, Clone)]
pub struct NameResults {
    /// The sizes.
    pub scale: NameScale,
    /// Repetitions of each measurement.
    pub reps: usize,
    /// The runtime flavors measured, in table order.
    pub flavors: Vec<Flavor>,
    /// The workloads measured, in table order.
    pub workloads: Vec<NameWorkload>,
    /// The samples of each (flavor, workload, variant).
    pub samples: Samples<NameWorkload>,
    /// How long the measurements took.
    pub wall_time: Duration,
}

impl NameResults {
    /// No samples yet.
    pub fn new(
        scale: NameScale,
        reps: usize,
        flavors: Vec<Flavor>,
        workloads: Vec<NameWorkload>,
    ) -> Self {
        NameResults {
            scale,
            reps,
            flavors,
            workloads,
            samples: Samples::default(),
            wall_time: Duration::ZERO,
        }
    }

    /// Records one measurement of every variant of `workload`.
    pub fn push(&mut self, flavor: Flavor, workload: NameWorkload, values: &[f64]) {
        self.samples.push(flavor, workload, values);
    }

    /// genserver's median ÷ the reference's, in the workload's unit.
    pub fn ratio(&self, flavor: Flavor, workload: NameWorkload) -> Option<f64> {
        self.samples.ratio(flavor, workload)
    }

    /// The table in Markdown, one section per runtime flavor.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# Benchmark results: names, registries, restarts (W6–W8)\n"
        );
        let _ = writeln!(
            md,
            "Generated by `cargo run --release -p genserver-bench -- --workloads W6,W7,W8` \
             (from the workspace root). Each cell is the median of {} runs; every variant of a \
             workload is measured in the same run, on the same runtime. The method is described \
             in [docs/performance.md](../performance.md). Measurement: {:.0} s.\n",
            self.reps,
            self.wall_time.as_secs_f64()
        );
        for &flavor in &self.flavors {
            let _ = writeln!(md, "## {}\n", flavor.label());
            md.push_str(
                "| workload | unit | genserver | compared with | genserver ÷ reference | target | met |\n\
                 |---|---|---:|---|---:|---:|:---:|\n",
            );
            for &workload in &self.workloads {
                let variants = workload.variants();
                let value = |variant| self.samples.formatted(flavor, workload, variant);
                let others: Vec<String> = variants[1..]
                    .iter()
                    .map(|&variant| format!("{variant}: {}", value(variant)))
                    .collect();
                let (ratio, target, met) = match self.ratio(flavor, workload) {
                    Some(ratio) => {
                        let (target, met) = workload.target(ratio);
                        let met = match met {
                            Some(true) => "yes",
                            Some(false) => "**no**",
                            None => "–",
                        };
                        (format!("**{ratio:.2}×**"), target, met)
                    }
                    None => ("–".to_owned(), "–", "–"),
                };
                let _ = writeln!(
                    md,
                    "| {} | {} | {}: {} | {} | {ratio} | {target} | {met} |",
                    workload.describe(&self.scale),
                    workload.unit(),
                    variants[0],
                    value(variants[0]),
                    others.join(", "),
                );
            }
            md.push('\n');
        }
        md.push_str(&self.samples.spread_markdown());
        md
    }

    /// Every sample, as JSON.
    pub fn json(&self) -> String {
        self.samples.json(&[("reps", self.reps.to_string())])
    }
}
