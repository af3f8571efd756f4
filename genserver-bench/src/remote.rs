//! W9–W10: remote servers over NATS (the `nats` feature of the bench, which turns on the
//! facade's). Each compares a genserver remote server with the same exchange written directly
//! on the NATS client (async-nats, the version genserver-nats is built on), in the same run,
//! through the same nats-server on loopback, which the bench starts itself:
//!
//! - W9: call latency, 1 caller: `echo(text)` of a 64-byte payload through a handle from
//!   `node.lookup`, against `client.request` of the same 64 bytes to a subscriber that answers
//!   with them (target: ≤ 1.2×);
//! - W10: calls per second with 8 callers on one handle against 8 tasks making requests on one
//!   client, to one server and one answering subscriber (target: ≥ 0.8×);
//! - W10 casts: casts per second of the payload, then one call that counts them, against
//!   `client.publish` of it to a subscriber that counts them (target: ≥ 0.8×).
//!
//! The genserver side has a node (a NATS connection) for the server and one for the callers,
//! the direct side a client for the subscriber and one for the requests. Each workload checks
//! what it measured: every echo its bytes, every cast counted.

use std::fmt::Write as _;
use std::time::Duration;

use crate::compared::{Compared, Samples};
use crate::subject::Flavor;
use crate::workloads::thousands;

/// One of W9–W10.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RemoteWorkload {
    /// Remote call latency, one caller.
    W9,
    /// Remote calls per second, 8 callers.
    W10Calls,
    /// Remote casts per second.
    W10Casts,
}

/// How much work W9–W10 do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteScale {
    /// W9: calls timed, of each kind.
    pub w9_calls: u64,
    /// W10: callers at once.
    pub w10_callers: u64,
    /// W10: calls of each caller.
    pub w10_calls_per_caller: u64,
    /// W10: casts timed (fewer than a subscription holds, 65,536, so that a receiver slower
    /// than the sender drops none).
    pub w10_casts: u64,
    /// The payload of every call and cast, in bytes.
    pub payload: usize,
}

impl RemoteScale {
    /// The sizes of the measurements.
    pub const FULL: RemoteScale = RemoteScale {
        w9_calls: 20_000,
        w10_callers: 8,
        w10_calls_per_caller: 5_000,
        w10_casts: 50_000,
        payload: 64,
    };

    /// A run of a few hundred milliseconds, to check that everything works.
    pub const QUICK: RemoteScale = RemoteScale {
        w9_calls: 200,
        w10_callers: 8,
        w10_calls_per_caller: 50,
        w10_casts: 2_000,
        payload: 64,
    };
}

const CALL_VARIANTS: [&str; 2] = ["genserver", "client.request"];
const CAST_VARIANTS: [&str; 2] = ["genserver", "client.publish"];

impl RemoteWorkload {
    /// All of them, in table order.
    pub const ALL: [RemoteWorkload; 3] = [
        RemoteWorkload::W9,
        RemoteWorkload::W10Calls,
        RemoteWorkload::W10Casts,
    ];

    /// The workloads a `--workloads` key selects: `W10` is both of W10's.
    pub fn from_key(key: &str) -> Option<Vec<RemoteWorkload>> {
        match key.to_ascii_uppercase().as_str() {
            "W9" => Some(vec![RemoteWorkload::W9]),
            "W10" => Some(vec![RemoteWorkload::W10Calls, RemoteWorkload::W10Casts]),
            "W10-CASTS" => Some(vec![RemoteWorkload::W10Casts]),
            _ => None,
        }
    }

    /// What the workload does, for the table.
    pub fn describe(self, scale: &RemoteScale) -> String {
        match self {
            RemoteWorkload::W9 => format!(
                "W9 remote call latency, 1 caller, {} calls of {} bytes",
                thousands(scale.w9_calls),
                scale.payload
            ),
            RemoteWorkload::W10Calls => format!(
                "W10 {} callers × {} remote calls of {} bytes",
                scale.w10_callers,
                thousands(scale.w10_calls_per_caller),
                scale.payload
            ),
            RemoteWorkload::W10Casts => format!(
                "W10 {} remote casts of {} bytes, then one call",
                thousands(scale.w10_casts),
                scale.payload
            ),
        }
    }

    /// The target on genserver ÷ reference, as text, and whether `ratio` meets it.
    pub fn target(self, ratio: f64) -> (&'static str, bool) {
        match self {
            RemoteWorkload::W9 => ("≤ 1.20×", ratio <= 1.20),
            RemoteWorkload::W10Calls | RemoteWorkload::W10Casts => ("≥ 0.80×", ratio >= 0.80),
        }
    }
}

impl Compared for RemoteWorkload {
    /// `W9`, `W10`, `W10-casts`.
    fn key(self) -> &'static str {
        match self {
            RemoteWorkload::W9 => "W9",
            RemoteWorkload::W10Calls => "W10",
            RemoteWorkload::W10Casts => "W10-casts",
        }
    }

    /// The unit of the measurement.
    fn unit(self) -> &'static str {
        match self {
            RemoteWorkload::W9 => "µs/call",
            RemoteWorkload::W10Calls => "calls/s",
            RemoteWorkload::W10Casts => "casts/s",
        }
    }

    /// genserver's variant, then the reference.
    fn variants(self) -> &'static [&'static str] {
        match self {
            RemoteWorkload::W9 | RemoteWorkload::W10Calls => &CALL_VARIANTS,
            RemoteWorkload::W10Casts => &CAST_VARIANTS,
        }
    }

    /// Formats a measurement for a table.
    fn format_value(self, value: f64) -> String {
        match self {
            RemoteWorkload::W9 => format!("{value:.1}"),
            RemoteWorkload::W10Calls | RemoteWorkload::W10Casts => {
                format!("{}k", thousands(value.round() as u64 / 1_000))
            }
        }
    }
}

/// Measures every variant of `workload` once, on a fresh runtime of `flavor`, through the
/// nats-server at `url`: the values, in the order of [`RemoteWorkload::variants`].
#[cfg(feature = "nats")]
pub fn measure(
    workload: RemoteWorkload,
    flavor: Flavor,
    scale: RemoteScale,
    url: &str,
) -> Vec<f64> {
    let url = url.to_owned();
    match workload {
        RemoteWorkload::W9 => flavor.run(measure::w9(url, scale)),
        RemoteWorkload::W10Calls => flavor.run(measure::w10_calls(url, scale)),
        RemoteWorkload::W10Casts => flavor.run(measure::w10_casts(url, scale)),
    }
}

/// Without the `nats` feature there is nothing to measure W9–W10 with.
#[cfg(not(feature = "nats"))]
pub fn measure(workload: RemoteWorkload, _: Flavor, _: RemoteScale, _: &str) -> Vec<f64> {
    panic!(
        "{} needs the `nats` feature of genserver-bench",
        workload.key()
    )
}

/// A nats-server for the bench (on a free loopback port, killed when dropped).
#[cfg(feature = "nats")]
pub fn nats_server() -> Result<genserver::remote::testing::NatsServer, String> {
    genserver::remote::testing::NatsServer::start().map_err(|error| {
        format!("W9-W10 need a nats-server (apt-get install nats-server): {error}")
    })
}

#[cfg(feature = "nats")]
mod measure {
    //! The workloads themselves.

    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use futures_util::StreamExt as _;
    use genserver::prelude::*;
    use genserver::remote::nats::{self, Client};
    use genserver::remote::{Node, StorageType};

    use super::RemoteScale;

    /// The remote server: echoes calls, counts casts.
    #[derive(Default)]
    pub struct Echo {
        received: u64,
    }

    #[genserver(remote)]
    impl Echo {
        /// The bytes, back.
        #[call]
        pub fn echo(&self, text: String) -> String {
            text
        }

        /// Counts a cast.
        #[cast]
        pub fn take(&mut self, text: String) {
            self.received += u64::from(!text.is_empty());
        }

        /// The casts counted so far.
        #[call]
        pub fn received(&self) -> u64 {
            self.received
        }
    }

    /// A node for one side of the bench.
    async fn node(url: &str) -> Node {
        Node::builder()
            .kv_storage(StorageType::Memory)
            .connect(url)
            .await
            .expect("the bench's nats-server accepts the node")
    }

    /// A remote `Echo` (its own name each time) and a handle to it from another node; the
    /// server's node is returned to keep it.
    async fn echo_server(url: &str) -> (Node, EchoRef, EchoRef) {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!("bench/echo-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        let serving = node(url).await;
        let local = Echo::options()
            .name(name.clone())
            .remote(&serving)
            .start(Echo::default())
            .await
            .expect("the bench's echo server starts");
        let calling = node(url).await;
        let remote = calling.lookup::<Echo>(name);
        (serving, local, remote)
    }

    /// A client answering every request on `subject` with its payload; the client sending
    /// them. Both connected, the subscription known to the server.
    async fn raw_echo(url: &str, subject: &'static str) -> (tokio::task::JoinHandle<()>, Client) {
        let responder = nats::connect(url).await.expect("connect");
        let mut requests = responder.subscribe(subject).await.expect("subscribe");
        responder.flush().await.expect("flush");
        let task = tokio::spawn(async move {
            while let Some(request) = requests.next().await {
                if let Some(reply) = request.reply {
                    responder
                        .publish(reply, request.payload)
                        .await
                        .expect("the bench's responder answers");
                }
            }
        });
        let requester = nats::connect(url).await.expect("connect");
        // A round trip, so that the subscription is in place.
        requester
            .request(subject, bytes::Bytes::from_static(b"ready"))
            .await
            .expect("the responder answers");
        (task, requester)
    }

    /// The payload: `scale.payload` bytes of text. (A `String`: serde has a `Vec<u8>`
    /// travel as a sequence of numbers, one by one; binary data travels as bytes with
    /// `serde_bytes`.)
    fn payload(scale: &RemoteScale) -> String {
        (0..scale.payload)
            .map(|n| char::from(b'a' + (n % 26) as u8))
            .collect()
    }

    /// W9: `w9_calls` echo calls through the remote handle and as many requests on the client,
    /// alternating in rounds; microseconds per call of each.
    pub async fn w9(url: String, scale: RemoteScale) -> Vec<f64> {
        let (serving, local, remote) = echo_server(&url).await;
        let (responder, client) = raw_echo(&url, "bench.raw.w9").await;
        let bytes = payload(&scale);
        let raw = bytes::Bytes::from(bytes.clone().into_bytes());
        let warmup = scale.w9_calls / 10;
        for _ in 0..warmup {
            remote.echo(bytes.clone()).await.expect("W9: the echo");
            client
                .request("bench.raw.w9", raw.clone())
                .await
                .expect("W9: the request");
        }
        let rounds = 10;
        let per_round = (scale.w9_calls / rounds).max(1);
        let (mut ours, mut theirs) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..rounds {
            let start = Instant::now();
            for _ in 0..per_round {
                let echoed = remote.echo(bytes.clone()).await.expect("W9: the echo");
                assert_eq!(echoed, bytes, "W9: the echo is the payload");
            }
            ours += start.elapsed();
            let start = Instant::now();
            for _ in 0..per_round {
                let reply = client
                    .request("bench.raw.w9", raw.clone())
                    .await
                    .expect("W9: the request");
                assert_eq!(reply.payload, raw, "W9: the reply is the payload");
            }
            theirs += start.elapsed();
        }
        local.stop().await;
        responder.abort();
        drop(serving);
        let calls = (rounds * per_round) as f64;
        vec![
            ours.as_secs_f64() * 1e6 / calls,
            theirs.as_secs_f64() * 1e6 / calls,
        ]
    }

    /// W10 calls: `w10_callers` tasks making `w10_calls_per_caller` echo calls each on one
    /// handle, then as many tasks making as many requests on one client; calls per second of
    /// each.
    pub async fn w10_calls(url: String, scale: RemoteScale) -> Vec<f64> {
        let (serving, local, remote) = echo_server(&url).await;
        let (responder, client) = raw_echo(&url, "bench.raw.w10").await;
        let bytes = Arc::new(payload(&scale));
        let raw = bytes::Bytes::from(bytes.as_bytes().to_vec());
        for _ in 0..100 {
            remote.echo(bytes.to_string()).await.expect("W10: the echo");
            client
                .request("bench.raw.w10", raw.clone())
                .await
                .expect("W10: the request");
        }
        let total = (scale.w10_callers * scale.w10_calls_per_caller) as f64;
        let start = Instant::now();
        let callers: Vec<_> = (0..scale.w10_callers)
            .map(|_| {
                let (remote, bytes) = (remote.clone(), bytes.clone());
                tokio::spawn(async move {
                    for _ in 0..scale.w10_calls_per_caller {
                        let echoed = remote.echo(bytes.to_string()).await.expect("W10: the echo");
                        assert_eq!(echoed.len(), bytes.len(), "W10: the echo is the payload");
                    }
                })
            })
            .collect();
        for caller in callers {
            caller.await.expect("a W10 caller panicked");
        }
        let ours = total / start.elapsed().as_secs_f64();
        let start = Instant::now();
        let callers: Vec<_> = (0..scale.w10_callers)
            .map(|_| {
                let (client, raw) = (client.clone(), raw.clone());
                tokio::spawn(async move {
                    for _ in 0..scale.w10_calls_per_caller {
                        let reply = client
                            .request("bench.raw.w10", raw.clone())
                            .await
                            .expect("W10: the request");
                        assert_eq!(
                            reply.payload.len(),
                            raw.len(),
                            "W10: the reply is the payload"
                        );
                    }
                })
            })
            .collect();
        for caller in callers {
            caller.await.expect("a W10 requester panicked");
        }
        let theirs = total / start.elapsed().as_secs_f64();
        local.stop().await;
        responder.abort();
        drop(serving);
        vec![ours, theirs]
    }

    /// W10 casts: `w10_casts` casts of the payload, then the call that counts them, against as
    /// many publishes to a subscriber that counts them; from the first send to the last counted,
    /// sends per second of each.
    pub async fn w10_casts(url: String, scale: RemoteScale) -> Vec<f64> {
        let (serving, local, remote) = echo_server(&url).await;
        let bytes = payload(&scale);
        remote.take(bytes.clone()).expect("W10: a cast");
        assert_eq!(
            remote.received().await,
            Ok(1),
            "W10: the first cast is counted"
        );
        let start = Instant::now();
        for _ in 0..scale.w10_casts {
            remote.take(bytes.clone()).expect("W10: a cast");
        }
        let counted = remote.received().await.expect("W10: the count");
        let ours = scale.w10_casts as f64 / start.elapsed().as_secs_f64();
        assert_eq!(counted, scale.w10_casts + 1, "W10: every cast counted");
        local.stop().await;
        drop(serving);

        let receiver = nats::connect(&url).await.expect("connect");
        let mut casts = receiver
            .subscribe("bench.raw.w10-casts")
            .await
            .expect("subscribe");
        receiver.flush().await.expect("flush");
        let expected = scale.w10_casts;
        let (done, finished) = tokio::sync::oneshot::channel();
        let counter = tokio::spawn(async move {
            let mut counted = 0u64;
            while let Some(message) = casts.next().await {
                counted += u64::from(!message.payload.is_empty());
                if counted == expected {
                    let _ = done.send(counted);
                    break;
                }
            }
            drop(receiver);
        });
        let sender = nats::connect(&url).await.expect("connect");
        let raw = bytes::Bytes::from(bytes.into_bytes());
        let start = Instant::now();
        for _ in 0..scale.w10_casts {
            sender
                .publish("bench.raw.w10-casts", raw.clone())
                .await
                .expect("W10: a publish");
        }
        sender.flush().await.expect("flush");
        let counted = tokio::time::timeout(Duration::from_secs(60), finished)
            .await
            .expect("W10: every publish arrives")
            .expect("the counter reports");
        let theirs = scale.w10_casts as f64 / start.elapsed().as_secs_f64();
        assert_eq!(counted, expected, "W10: every publish counted");
        counter.await.expect("the W10 counter panicked");
        vec![ours, theirs]
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
    /// The workloads measured, in table order.
    pub workloads: Vec<RemoteWorkload>,
    /// The samples of each (flavor, workload, variant).
    pub samples: Samples<RemoteWorkload>,
    /// How long the measurements took.
    pub wall_time: Duration,
    /// The nats-server measured through.
    pub nats_server: String,
}

impl RemoteResults {
    /// No samples yet.
    pub fn new(
        scale: RemoteScale,
        reps: usize,
        flavors: Vec<Flavor>,
        workloads: Vec<RemoteWorkload>,
    ) -> Self {
        RemoteResults {
            scale,
            reps,
            flavors,
            workloads,
            samples: Samples::default(),
            wall_time: Duration::ZERO,
            nats_server: String::new(),
        }
    }

    /// Records one measurement of every variant of `workload`.
    pub fn push(&mut self, flavor: Flavor, workload: RemoteWorkload, values: &[f64]) {
        self.samples.push(flavor, workload, values);
    }

    /// genserver's median ÷ the reference's, in the workload's unit.
    pub fn ratio(&self, flavor: Flavor, workload: RemoteWorkload) -> Option<f64> {
        self.samples.ratio(flavor, workload)
    }

    /// The tables in Markdown, one section per runtime flavor.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "# Benchmark results: remote servers over NATS (W9–W10)\n"
        );
        let _ = writeln!(
            md,
            "Generated by `cargo run --release -p genserver-bench --features nats -- --workloads \
             W9,W10` (from the workspace root), through a nats-server on loopback that the bench \
             starts ({}). Each cell is the median of {} runs; both variants of a workload are \
             measured in the same run, through the same nats-server. The method is described in \
             [docs/performance.md](../performance.md#remote-servers-w9w10). Measurement: {:.0} s.\n",
            self.nats_server,
            self.reps,
            self.wall_time.as_secs_f64()
        );
        for &flavor in &self.flavors {
            let _ = writeln!(md, "## {}\n", flavor.label());
            md.push_str(
                "| workload | unit | genserver | async-nats directly | genserver ÷ async-nats | target | met |\n\
                 |---|---|---:|---:|---:|---:|:---:|\n",
            );
            for &workload in &self.workloads {
                let variants = workload.variants();
                let (ratio, target, met) = match self.ratio(flavor, workload) {
                    Some(ratio) => {
                        let (target, met) = workload.target(ratio);
                        (
                            format!("**{ratio:.2}×**"),
                            target,
                            if met { "yes" } else { "**no**" },
                        )
                    }
                    None => ("–".to_owned(), "–", "–"),
                };
                let _ = writeln!(
                    md,
                    "| {} | {} | {} | {} (`{}`) | {ratio} | {target} | {met} |",
                    workload.describe(&self.scale),
                    workload.unit(),
                    self.samples.formatted(flavor, workload, variants[0]),
                    self.samples.formatted(flavor, workload, variants[1]),
                    variants[1],
                );
            }
            md.push('\n');
        }
        md.push_str(&self.samples.spread_markdown());
        md
    }

    /// Every sample, as JSON.
    pub fn json(&self) -> String {
        self.samples.json(&[
            ("reps", self.reps.to_string()),
            ("nats_server", format!("\"{}\"", self.nats_server)),
        ])
    }
}
