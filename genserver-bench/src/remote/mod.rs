//! W9–W10: a server in another process, reached over NATS, against the same exchange written
//! by hand on the NATS client genserver uses (async-nats), in the same run, on one `nats-server`
//! on loopback that the bench starts itself.
//!
//! - W9: call latency, one caller: `counter.add(1)` through a handle from
//!   `node.lookup::<RemoteCounter>(..)`, against `client.request` of the same payload (the
//!   same MessagePack bytes, made and read with the same `wire` functions) answered by a
//!   hand-written responder; target ≤ 1.2×.
//! - W10 calls: the same with 8 callers at once, calls per second; target ≥ 0.8×.
//! - W10 casts: `counter.bump(1)` casts, then one call that sees them all, against
//!   `client.publish` of the same payload and one request; casts per second; target ≥ 0.8×.
//!
//! The server and its callers use two connections (two `Node`s; two clients for the
//! reference), as two processes would. Every run checks what it measured: each reply is the
//! counter's value after that call, and the last one counts every call and cast.

mod raw;
mod served;
mod table;

use std::time::Duration;

pub use table::{RemoteResults, RemoteWorkload};

use crate::subject::Flavor;

/// How much work W9–W10 do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteScale {
    /// W9: sequential calls timed.
    pub w9_calls: u64,
    /// W10: callers at once.
    pub w10_callers: u64,
    /// W10: calls by each caller.
    pub w10_calls_per_caller: u64,
    /// W10: casts timed.
    pub w10_casts: u64,
}

impl RemoteScale {
    /// The sizes of a measurement.
    pub const FULL: RemoteScale = RemoteScale {
        w9_calls: 20_000,
        w10_callers: 8,
        w10_calls_per_caller: 10_000,
        // Fewer than the 65,536 messages a subscription buffers (async-nats's default): a
        // burst past what the server handles meanwhile would overflow it, and NATS would drop
        // casts (at most once, as casts are; counted in `NodeStats::overflows`), which is not
        // what this measures. Each run checks that none was dropped.
        w10_casts: 50_000,
    };

    /// A run of a moment, to check that everything works.
    pub const QUICK: RemoteScale = RemoteScale {
        w9_calls: 200,
        w10_callers: 8,
        w10_calls_per_caller: 50,
        w10_casts: 1_000,
    };
}

/// One side of a comparison: the counter behind a subject, served and called.
trait Exchange: Sized + Send + Sync + 'static {
    /// Serves a counter on `url` and connects a caller to it.
    fn start(url: &str) -> impl Future<Output = Self> + Send;
    /// Adds `n`, answered with the counter's value.
    fn add(&self, n: u64) -> impl Future<Output = u64> + Send;
    /// Adds `n`, no answer.
    fn bump(&self, n: u64) -> impl Future<Output = ()> + Send;
    /// The counter's value, once everything sent before has been handled.
    fn value(&self) -> impl Future<Output = u64> + Send;
    /// A second caller of the same counter (8 callers share one connection, as tasks of one
    /// process do).
    fn caller(&self) -> Self;
    /// Stops serving.
    fn stop(self) -> impl Future<Output = ()> + Send;
}

/// Measures both variants of `workload` once, on a fresh runtime of `flavor`, against the
/// `nats-server` at `url`: genserver's value first, then async-nats's.
pub fn measure(
    workload: RemoteWorkload,
    flavor: Flavor,
    url: &str,
    scale: RemoteScale,
) -> Vec<f64> {
    let url = url.to_owned();
    flavor.run(async move {
        let ours = once::<served::Served>(workload, &url, scale).await;
        let reference = once::<raw::Raw>(workload, &url, scale).await;
        vec![ours, reference]
    })
}

/// One measurement of `workload` on `E`, after a warm-up of a tenth of it.
async fn once<E: Exchange>(workload: RemoteWorkload, url: &str, scale: RemoteScale) -> f64 {
    let exchange = E::start(url).await;
    let warm_up = RemoteScale {
        w9_calls: scale.w9_calls / 10,
        w10_calls_per_caller: scale.w10_calls_per_caller / 10,
        w10_casts: scale.w10_casts / 10,
        ..scale
    };
    let mut expected = 0;
    run(workload, &exchange, warm_up, &mut expected).await;
    let value = run(workload, &exchange, scale, &mut expected).await;
    exchange.stop().await;
    value
}

/// Runs `workload` once on a started exchange whose counter stands at `expected`; its
/// measurement (ns/call, calls/s or casts/s).
async fn run<E: Exchange>(
    workload: RemoteWorkload,
    exchange: &E,
    scale: RemoteScale,
    expected: &mut u64,
) -> f64 {
    match workload {
        RemoteWorkload::W9 => {
            let start = std::time::Instant::now();
            for _ in 0..scale.w9_calls {
                *expected += 1;
                assert_eq!(
                    exchange.add(1).await,
                    *expected,
                    "W9: the counter after a call"
                );
            }
            start.elapsed().as_nanos() as f64 / scale.w9_calls as f64
        }
        RemoteWorkload::W10Calls => {
            let start = std::time::Instant::now();
            let callers: Vec<_> = (0..scale.w10_callers)
                .map(|_| {
                    let caller = exchange.caller();
                    let calls = scale.w10_calls_per_caller;
                    tokio::spawn(async move {
                        let mut last = 0;
                        for _ in 0..calls {
                            let value = caller.add(1).await;
                            assert!(value > last, "W10: the counter goes up at each call");
                            last = value;
                        }
                    })
                })
                .collect();
            for caller in callers {
                caller.await.expect("W10: a caller panicked");
            }
            let elapsed = start.elapsed();
            let calls = scale.w10_callers * scale.w10_calls_per_caller;
            *expected += calls;
            assert_eq!(exchange.value().await, *expected, "W10: every call counted");
            calls as f64 / elapsed.as_secs_f64()
        }
        RemoteWorkload::W10Casts => {
            let start = std::time::Instant::now();
            for _ in 0..scale.w10_casts {
                exchange.bump(1).await;
            }
            *expected += scale.w10_casts;
            let value = exchange.value().await;
            let elapsed = start.elapsed();
            assert_eq!(value, *expected, "W10: every cast arrived");
            scale.w10_casts as f64 / elapsed.as_secs_f64()
        }
    }
}

/// How long a call of the bench may take before it counts as lost.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The markers in docs/performance.md and the README between which the latest W9–W10 tables
/// go.
pub const REMOTE_START: &str = "<!-- bench-remote:start -->";
/// See [`REMOTE_START`].
pub const REMOTE_END: &str = "<!-- bench-remote:end -->";

const USAGE: &str = "\
W9-W10: remote servers over NATS against raw async-nats, on a nats-server the bench starts on
loopback (Debian's `nats-server` must be on the PATH).

USAGE:
    cargo run --release -p genserver-bench --features nats --bin remote -- [OPTIONS]

OPTIONS:
    --reps N           runs of each measurement; the median is reported (default 5)
    --quick            tiny workloads: checks that everything runs, measures nothing
    --runtimes LIST    comma-separated, among multi_thread,current_thread (default: both)
    --workloads LIST   comma-separated, among W9,W10-calls,W10-casts (default: all)
    --no-write         print the table only (otherwise docs/bench/remote.md and .json, and the
                       tables in docs/performance.md and the README)
    -h, --help         this text
";

/// The command line of the `remote` binary; its exit code.
pub fn main(args: Vec<String>) -> i32 {
    let mut reps = 5;
    let mut scale = RemoteScale::FULL;
    let mut flavors = Flavor::ALL.to_vec();
    let mut write = true;
    let mut workloads = RemoteWorkload::ALL.to_vec();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--reps" => match args.next().and_then(|n| n.parse::<usize>().ok()) {
                Some(n) if n > 0 => reps = n,
                _ => return usage_error("--reps takes a number, at least 1"),
            },
            "--quick" => scale = RemoteScale::QUICK,
            "--runtimes" => {
                let Some(list) = args.next() else {
                    return usage_error("--runtimes takes a list");
                };
                let parsed: Option<Vec<Flavor>> = list.split(',').map(Flavor::from_key).collect();
                match parsed {
                    Some(parsed) if !parsed.is_empty() => flavors = parsed,
                    _ => return usage_error(&format!("--runtimes: unknown runtime in {list}")),
                }
            }
            "--workloads" => {
                let Some(list) = args.next() else {
                    return usage_error("--workloads takes a list");
                };
                let parsed: Option<Vec<RemoteWorkload>> = list
                    .split(',')
                    .map(|key| {
                        RemoteWorkload::ALL
                            .into_iter()
                            .find(|w| w.key().eq_ignore_ascii_case(key))
                    })
                    .collect();
                match parsed {
                    Some(parsed) if !parsed.is_empty() => workloads = parsed,
                    _ => return usage_error(&format!("--workloads: unknown workload in {list}")),
                }
            }
            "--no-write" => write = false,
            "-h" | "--help" => {
                print!("{USAGE}");
                return 0;
            }
            other => return usage_error(&format!("unknown option {other}")),
        }
    }
    let server = match genserver::remote::testing::NatsServer::start() {
        Ok(server) => server,
        Err(error) => {
            eprintln!(
                "cannot start nats-server ({error}): install it (`apt-get install -y nats-server`)"
            );
            return 1;
        }
    };
    let mut machine = crate::host::machine();
    machine.push(("nats-server".to_owned(), nats_server_version()));
    let mut results = RemoteResults::new(scale, reps, flavors.clone(), machine);
    let started = std::time::Instant::now();
    for rep in 1..=reps {
        for &flavor in &flavors {
            for &workload in &workloads {
                let values = measure(workload, flavor, &server.url(), scale);
                eprintln!(
                    "[{:>4} s] run {rep}/{reps} {:<14} {:<10} genserver {} / async-nats {} {}",
                    started.elapsed().as_secs(),
                    flavor.key(),
                    workload.key(),
                    workload.format_value(values[0]),
                    workload.format_value(values[1]),
                    workload.unit(),
                );
                results.push(flavor, workload, &values);
            }
        }
    }
    results.wall_time = started.elapsed();
    drop(server);
    println!("{}", results.markdown());
    // Only a full run of everything replaces the committed results.
    if write && scale == RemoteScale::FULL && workloads == RemoteWorkload::ALL {
        if let Err(error) = write_results(&results) {
            eprintln!("{error}");
            return 1;
        }
    }
    0
}

fn usage_error(message: &str) -> i32 {
    eprintln!("{message}\n\n{USAGE}");
    2
}

/// `nats-server --version`'s answer.
fn nats_server_version() -> String {
    std::process::Command::new("nats-server")
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "unknown".to_owned(), |v| v.trim().to_owned())
}

/// docs/bench/remote.md and .json, and the tables between the markers of docs/performance.md
/// and the README.
fn write_results(results: &RemoteResults) -> Result<(), String> {
    let root = crate::host::workspace_root();
    let dir = root.join("docs").join("bench");
    for (file, text) in [
        ("remote.md", results.markdown()),
        ("remote.json", results.json()),
    ] {
        let path = dir.join(file);
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    let body = format!(
        "{}\n\n{}",
        results.summary(),
        results.tables("###").trim_end()
    );
    for doc in [
        root.join("docs").join("performance.md"),
        root.join("README.md"),
    ] {
        if crate::doc_markers::refresh(&doc, REMOTE_START, REMOTE_END, &body)? {
            eprintln!("refreshed the table in {}", doc.display());
        }
    }
    Ok(())
}
