//! The workloads, generic over the implementation: W1–W5 on a counter server, W11–W12 on a
//! pipeline. Each checks its result (the counter's final value, the pipeline's sum and count),
//! so that no run measures work that did not happen.

use std::fmt;
use std::time::{Duration, Instant};

use crate::subject::{Flavor, Impl, Pipeline, Subject};

/// How much work each workload does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    /// W1: sequential calls timed.
    pub w1_calls: u64,
    /// W1: sequential calls before the timing starts.
    pub w1_warmup: u64,
    /// W2: concurrent callers.
    pub w2_callers: u64,
    /// W2: calls made by each caller.
    pub w2_calls_per_caller: u64,
    /// W3: casts sent before the final call.
    pub w3_casts: u64,
    /// W4: servers started, called once and stopped.
    pub w4_servers: u64,
    /// W5: idle servers whose memory is measured.
    pub w5_servers: u64,
    /// W11: events through the pipeline.
    pub w11_events: u64,
    /// W12: how long the slow consumer runs, in milliseconds.
    pub w12_millis: u64,
}

impl Scale {
    /// The sizes the issue defines.
    pub const FULL: Scale = Scale {
        w1_calls: 200_000,
        w1_warmup: 20_000,
        w2_callers: 8,
        w2_calls_per_caller: 50_000,
        w3_casts: 1_000_000,
        w4_servers: 10_000,
        w5_servers: 100_000,
        w11_events: 10_000_000,
        w12_millis: 10_000,
    };

    /// A run of a few milliseconds, to check that everything works.
    pub const QUICK: Scale = Scale {
        w1_calls: 2_000,
        w1_warmup: 200,
        w2_callers: 8,
        w2_calls_per_caller: 500,
        w3_casts: 10_000,
        w4_servers: 200,
        w5_servers: 2_000,
        w11_events: 100_000,
        w12_millis: 300,
    };
}

/// One of the five workloads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    /// Sequential call latency, one caller.
    W1,
    /// Call throughput, 8 concurrent callers to one server.
    W2,
    /// Cast throughput: casts, then one call, timed until the call returns.
    W3,
    /// Start, one call, stop, for many servers.
    W4,
    /// Resident memory per idle server.
    W5,
    /// Pipeline throughput: producer → producer-consumer → consumer.
    W11,
    /// W11 against a stricter floor: channels carrying batches of events.
    W11b,
    /// Pipeline memory under a slow consumer.
    W12,
}

impl Workload {
    /// All workloads, in table order.
    pub const ALL: [Workload; 8] = [
        Workload::W1,
        Workload::W2,
        Workload::W3,
        Workload::W4,
        Workload::W5,
        Workload::W11,
        Workload::W11b,
        Workload::W12,
    ];

    /// Whether `imp` has what this workload measures: the pipelines (W11, W12) exist for
    /// genserver's stages and the hand-written channel chain only.
    pub fn applies_to(self, imp: Impl) -> bool {
        match self {
            Workload::W11 | Workload::W11b | Workload::W12 => {
                matches!(imp, Impl::HandWritten | Impl::Genserver)
            }
            _ => true,
        }
    }

    /// W11, W11b or W12: measured on the pipelines, reported in their own table (pipeline.md).
    pub fn is_pipeline(self) -> bool {
        matches!(self, Workload::W11 | Workload::W11b | Workload::W12)
    }

    /// Whether the chart shows it (a ratio to the floor means something).
    pub fn charted(self) -> bool {
        self != Workload::W12
    }

    /// Whether it runs in a child process of its own (it measures the process's memory).
    pub fn in_child(self) -> bool {
        matches!(self, Workload::W5 | Workload::W12)
    }

    /// At most this many repetitions (W12 takes 10 s a run).
    pub fn max_reps(self) -> usize {
        match self {
            Workload::W12 => 3,
            _ => usize::MAX,
        }
    }

    /// `W1` .. `W5`.
    pub fn key(self) -> &'static str {
        match self {
            Workload::W1 => "W1",
            Workload::W2 => "W2",
            Workload::W3 => "W3",
            Workload::W4 => "W4",
            Workload::W5 => "W5",
            Workload::W11 => "W11",
            Workload::W11b => "W11b",
            Workload::W12 => "W12",
        }
    }

    /// What the workload does, for the table.
    pub fn describe(self, scale: &Scale) -> String {
        match self {
            Workload::W1 => format!(
                "W1 call latency, 1 caller, {} sequential calls",
                thousands(scale.w1_calls)
            ),
            Workload::W2 => format!(
                "W2 {} callers × {} calls → 1 server",
                scale.w2_callers,
                thousands(scale.w2_calls_per_caller)
            ),
            Workload::W3 => format!("W3 {} casts, then one call", thousands(scale.w3_casts)),
            Workload::W4 => format!(
                "W4 start + one call + stop, {} servers",
                thousands(scale.w4_servers)
            ),
            Workload::W5 => format!(
                "W5 {} idle servers, resident memory",
                thousands(scale.w5_servers)
            ),
            Workload::W11 => format!(
                "W11 {} u64 events, producer → producer-consumer → consumer (demand 1,000)",
                thousands(scale.w11_events)
            ),
            Workload::W11b => format!(
                "W11b the same {} events, the floor's channels carrying batches of {} (demand 1,000)",
                thousands(scale.w11_events),
                crate::subjects::tokio_batches::BATCH
            ),
            Workload::W12 => format!(
                "W12 unbounded producer → consumer at 10,000 events/s for {} s, resident memory growth",
                scale.w12_millis as f64 / 1_000.0
            ),
        }
    }

    /// The unit of the measurement.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::W1 => "ns/call",
            Workload::W2 => "calls/s",
            Workload::W3 => "casts/s",
            Workload::W4 => "µs/server",
            Workload::W5 => "bytes/server",
            Workload::W11 | Workload::W11b => "events/s",
            Workload::W12 => "bytes",
        }
    }

    /// `true` for throughputs (more is better), `false` for costs (less is better).
    pub fn higher_is_better(self) -> bool {
        matches!(
            self,
            Workload::W2 | Workload::W3 | Workload::W11 | Workload::W11b
        )
    }

    /// Whether the target is a budget of genserver's own measurement rather than a ratio to
    /// the floor (W12's floor, a bounded channel, grows by next to nothing).
    pub fn absolute_target(self) -> bool {
        matches!(self, Workload::W5 | Workload::W12)
    }

    /// genserver's target, as text, and whether `ratio` (genserver ÷ hand-written) or
    /// `value` (genserver's own measurement) meets it.
    pub fn target(self, ratio: f64, value: f64) -> (&'static str, bool) {
        match self {
            Workload::W1 => ("≤ 1.15×", ratio <= 1.15),
            Workload::W2 => ("≥ 0.85×", ratio >= 0.85),
            Workload::W3 => ("≥ 0.80×", ratio >= 0.80),
            Workload::W4 => ("≤ 1.30×", ratio <= 1.30),
            Workload::W5 => ("≤ 1,000 B", value <= 1_000.0),
            Workload::W11 | Workload::W11b => ("≥ 0.80×", ratio >= 0.80),
            Workload::W12 => ("≤ 1 MB", value <= W12_BUDGET),
        }
    }

    /// Formats a measurement of this workload for a table.
    pub fn format_value(self, value: f64) -> String {
        match self {
            Workload::W1 => format!("{value:.0}"),
            Workload::W2 | Workload::W3 | Workload::W11 | Workload::W11b => {
                format!("{:.2}M", value / 1e6)
            }
            Workload::W4 => format!("{value:.2}"),
            Workload::W5 | Workload::W12 => thousands(value.round() as u64),
        }
    }
}

impl fmt::Display for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Runs W1–W4 on a fresh runtime of `flavor`; returns the measurement in the workload's unit.
/// W5 is measured by [`w5`], in a process of its own.
pub fn run_timed<S: Subject>(workload: Workload, flavor: Flavor, scale: Scale) -> f64 {
    match workload {
        Workload::W1 => flavor.run(w1::<S>(scale)),
        Workload::W2 => flavor.run(w2::<S>(scale)),
        Workload::W3 => flavor.run(w3::<S>(scale)),
        Workload::W4 => flavor.run(w4::<S>(scale)),
        Workload::W5 => panic!("W5 runs in a process of its own: see `w5`"),
        Workload::W11 | Workload::W11b | Workload::W12 => {
            panic!("{workload} runs on a pipeline: see `w11`")
        }
    }
}

/// W12's budget: resident memory grows by at most 1 MB.
pub const W12_BUDGET: f64 = 1024.0 * 1024.0;

/// The demand of W11's stages and the capacity of its channels: GenStage's default `max`.
pub const W11_CAPACITY: usize = 1_000;

/// W11: `w11_events` numbers through producer → plus one → consumer, on a fresh runtime of
/// `flavor`, after a warm-up run of a tenth as many. Events per second.
pub fn w11<P: Pipeline>(flavor: Flavor, scale: Scale) -> f64 {
    timed_chain(flavor, scale, P::chain)
}

/// W11b: the floor of W11 with batches ([`BatchedChain`](crate::subjects::tokio_batches)),
/// measured the same way.
pub fn w11b(flavor: Flavor, scale: Scale) -> f64 {
    timed_chain(
        flavor,
        scale,
        crate::subjects::tokio_batches::BatchedChain::chain,
    )
}

/// Times one chain of `scale.w11_events` events after a warm-up of a tenth, checking both sums.
fn timed_chain<F: Future<Output = u64> + Send>(
    flavor: Flavor,
    scale: Scale,
    chain: impl Fn(u64, usize) -> F + Send + 'static,
) -> f64 {
    flavor.run(async move {
        let warmup = scale.w11_events / 10;
        let expected = |n: u64| n * (n + 1) / 2;
        assert_eq!(
            chain(warmup, W11_CAPACITY).await,
            expected(warmup),
            "W11 warm-up: sum"
        );
        let start = Instant::now();
        let sum = chain(scale.w11_events, W11_CAPACITY).await;
        let elapsed = start.elapsed();
        // 1 + 2 + .. + n: every event arrived once, each incremented once.
        assert_eq!(sum, expected(scale.w11_events), "W11: sum");
        scale.w11_events as f64 / elapsed.as_secs_f64()
    })
}

/// W12's consumer: 10,000 events a second, in batches of 50, the link holding at most 100.
const W12_RATE: u64 = 10_000;
const W12_BATCH: usize = 50;
const W12_CAPACITY: usize = 100;

/// W12: a producer that could make events as fast as the CPU goes feeds a consumer taking
/// 10,000 a second for `w12_millis`; the growth of this process's resident memory from the
/// first second (or tenth of the run) on, sampled every 50 ms. Bytes.
///
/// Meant to run alone in a fresh process (see the `--child` argument of the binary).
pub fn w12<P: Pipeline>(flavor: Flavor, scale: Scale) -> f64 {
    flavor.run(async move {
        let pace = Duration::from_secs(1) / W12_RATE as u32;
        let running = P::slow(W12_CAPACITY, pace, W12_BATCH).await;
        let run = Duration::from_millis(scale.w12_millis);
        let settle = (run / 10).min(Duration::from_secs(1));
        tokio::time::sleep(settle).await;
        let baseline = resident_bytes();
        let start = Instant::now();
        let mut peak = baseline;
        while start.elapsed() < run {
            tokio::time::sleep(Duration::from_millis(50)).await;
            peak = peak.max(resident_bytes());
        }
        let consumed = P::consumed(&running);
        let buffered = P::buffered(&running).await;
        let elapsed = (start.elapsed() + settle).as_secs_f64();
        let expected = W12_RATE as f64 * elapsed;
        // The consumer kept (about) its pace, and took no more than it could.
        assert!(
            (consumed as f64) <= expected + (W12_CAPACITY + W12_BATCH) as f64,
            "W12: {consumed} consumed in {elapsed:.1} s, more than 10,000/s"
        );
        assert!(
            consumed as f64 >= expected / 2.0,
            "W12: only {consumed} consumed in {elapsed:.1} s"
        );
        // The producer holds nothing beyond the consumer's demand.
        assert!(buffered <= W12_CAPACITY as u64, "W12: {buffered} buffered");
        P::stop(running).await;
        peak.saturating_sub(baseline) as f64
    })
}

/// W1: `w1_calls` sequential increment calls from one caller, after `w1_warmup` of them.
/// Nanoseconds per call.
pub async fn w1<S: Subject>(scale: Scale) -> f64 {
    let counter = S::start().await;
    for _ in 0..scale.w1_warmup {
        S::increment(&counter).await;
    }
    let start = Instant::now();
    let mut last = 0;
    for _ in 0..scale.w1_calls {
        last = S::increment(&counter).await;
    }
    let elapsed = start.elapsed();
    let expected = scale.w1_warmup + scale.w1_calls;
    assert_eq!(last, expected, "W1: last reply");
    assert_eq!(S::get(&counter).await, expected, "W1: final value");
    S::stop(counter).await;
    elapsed.as_nanos() as f64 / scale.w1_calls as f64
}

/// W2: `w2_callers` tasks each make `w2_calls_per_caller` increment calls to one server.
/// Calls per second.
pub async fn w2<S: Subject>(scale: Scale) -> f64 {
    let counter = S::start().await;
    let warmup = scale.w2_calls_per_caller / 10;
    for _ in 0..warmup {
        S::increment(&counter).await;
    }
    let start = Instant::now();
    let callers: Vec<_> = (0..scale.w2_callers)
        .map(|_| {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut previous = 0;
                for _ in 0..scale.w2_calls_per_caller {
                    let value = S::increment(&counter).await;
                    // Each caller sees the counter grow: its calls are handled in order.
                    assert!(value > previous, "W2: replies out of order");
                    previous = value;
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.expect("W2 caller panicked");
    }
    let elapsed = start.elapsed();
    let calls = scale.w2_callers * scale.w2_calls_per_caller;
    assert_eq!(S::get(&counter).await, warmup + calls, "W2: final value");
    S::stop(counter).await;
    calls as f64 / elapsed.as_secs_f64()
}

/// W3: `w3_casts` casts then one get call, timed until the call returns. Casts per second.
pub async fn w3<S: Subject>(scale: Scale) -> f64 {
    let counter = S::start().await;
    assert_eq!(S::get(&counter).await, 0, "W3: initial value");
    let start = Instant::now();
    for _ in 0..scale.w3_casts {
        S::bump(&counter).await;
    }
    let value = S::get(&counter).await;
    let elapsed = start.elapsed();
    assert_eq!(value, scale.w3_casts, "W3: final value");
    S::stop(counter).await;
    scale.w3_casts as f64 / elapsed.as_secs_f64()
}

/// W4: start `w4_servers` servers, one increment call to each, stop them all.
/// Microseconds per server.
pub async fn w4<S: Subject>(scale: Scale) -> f64 {
    // Warm the runtime and the allocator up with a few servers.
    for _ in 0..100 {
        let counter = S::start().await;
        assert_eq!(S::increment(&counter).await, 1, "W4 warm-up");
        S::stop(counter).await;
    }
    let start = Instant::now();
    let mut counters = Vec::with_capacity(scale.w4_servers as usize);
    for _ in 0..scale.w4_servers {
        counters.push(S::start().await);
    }
    for counter in &counters {
        assert_eq!(S::increment(counter).await, 1, "W4: first increment");
    }
    for counter in counters {
        S::stop(counter).await;
    }
    let elapsed = start.elapsed();
    elapsed.as_secs_f64() * 1e6 / scale.w4_servers as f64
}

/// W5: start `w5_servers` servers, one increment call each, then the growth of this process's
/// resident memory divided by the number of servers. Bytes per server.
///
/// Meant to run alone in a fresh process (see the `--w5-child` argument of the binary), so
/// that no other implementation's memory is counted.
pub fn w5<S: Subject>(flavor: Flavor, scale: Scale) -> f64 {
    flavor.run(async move {
        // Everything that is allocated once (runtime, statics, first blocks) before the baseline.
        for _ in 0..10 {
            let counter = S::start().await;
            assert_eq!(S::increment(&counter).await, 1, "W5 warm-up");
            S::stop(counter).await;
        }
        let mut counters = Vec::with_capacity(scale.w5_servers as usize);
        let before = resident_bytes();
        for _ in 0..scale.w5_servers {
            counters.push(S::start().await);
        }
        for counter in &counters {
            assert_eq!(S::increment(counter).await, 1, "W5: first increment");
        }
        // Let every server go back to waiting on its mailbox.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let after = resident_bytes();
        for counter in &counters {
            assert_eq!(S::get(counter).await, 1, "W5: final value");
        }
        // The servers are left running: the process exits right after.
        std::mem::forget(counters);
        after.saturating_sub(before) as f64 / scale.w5_servers as f64
    })
}

/// This process's resident set size (`VmRSS` of `/proc/self/status`), in bytes.
pub fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("reading /proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .expect("VmRSS in /proc/self/status")
}
