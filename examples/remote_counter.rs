//! A counter served by one process and called from others, through NATS.
//!
//! ```text
//! nats-server -js -a 127.0.0.1 -p 4222                                  # NATS, with JetStream
//! cargo run --example remote_counter --features nats -- serve           # terminal 1
//! cargo run --example remote_counter --features nats -- call            # terminal 2
//! ```
//!
//! `serve` starts the counter under a supervisor, under the name `counter`, unique in the
//! cluster; Ctrl-C stops it and frees the name. A second `serve` while one runs stands by:
//! it watches the holder (a remote monitor) and takes the name over when the holder exits or
//! its process dies (a `kill -9` of the first `serve`: within a few seconds, see the README).
//!
//! `call` makes a handle with `node.lookup::<Counter>("counter")` — the same `CounterRef` a
//! local start returns — increments, casts, reads, and says what each error means if a call
//! fails. `call --crash` asks the server to panic: the call ends with `Exited(Panic(..))`, and
//! the next calls reach the server the supervisor restarted (back at zero).
//!
//! Options: `--url URL` (default: `$NATS_URL`, or `nats://127.0.0.1:4222`); for `serve`,
//! `--lease SECS` (how long a name outlives a process killed without stopping, default 10);
//! for `call`, `--count N` (increments, default 3).

use std::process::ExitCode;
use std::time::{Duration, Instant};

use genserver::prelude::*;
use genserver::remote::{Node, NodeError};

/// The state: a plain struct, as for a local server.
#[derive(Default)]
pub struct Counter {
    value: i64,
}

#[genserver(remote)]
impl Counter {
    #[init]
    fn init(_args: (), ctx: &mut Context<Self>) -> Self {
        println!(
            "[serve] counter {} started in process {}",
            ctx.id(),
            std::process::id()
        );
        Counter::default()
    }

    /// Adds one and returns the new value.
    #[call]
    pub fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }

    /// The current value.
    #[call]
    pub fn get(&self) -> i64 {
        self.value
    }

    /// Adds `n`, without waiting for an answer.
    #[cast]
    pub fn add(&mut self, n: i64) {
        self.value += n;
    }

    /// The id of the OS process serving the counter.
    #[call]
    pub fn served_by(&self) -> u32 {
        std::process::id()
    }

    /// Panics, as a bug would: the caller gets `Exited(Panic(..))`, the supervisor restarts
    /// the counter.
    #[call]
    pub fn crash(&mut self) -> i64 {
        panic!("asked to crash at {}", self.value)
    }

    #[terminate]
    fn terminate(&mut self, reason: &ExitReason) {
        println!("[serve] counter exits: {reason}");
    }
}

/// Starts the counter under its name; while a server elsewhere holds the name, waits for that
/// server to exit (or its process to vanish) and tries again. The supervisor's child start.
async fn take_name(node: Node) -> Result<CounterRef, StartError<std::convert::Infallible>> {
    loop {
        match Counter::options()
            .name("counter")
            .remote(&node)
            .start(())
            .await
        {
            Err(StartError::AlreadyStarted(holder)) => {
                println!("[serve] `counter` is served by another process: standing by");
                let reason = holder.exited().await;
                println!("[serve] that server is gone ({reason}): taking the name over");
            }
            started => return started,
        }
    }
}

/// The command line.
struct Args {
    command: String,
    url: String,
    lease: Duration,
    count: u32,
    crash: bool,
}

fn parse() -> Result<Args, String> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    if command != "serve" && command != "call" {
        return Err(format!("expected `serve` or `call`, not {command:?}"));
    }
    let mut parsed = Args {
        command,
        url: std::env::var("NATS_URL").unwrap_or_else(|_| "nats://127.0.0.1:4222".to_owned()),
        lease: genserver::remote::DEFAULT_LEASE,
        count: 3,
        crash: false,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--url" => parsed.url = value()?,
            "--lease" => {
                let secs: f64 = value()?.parse().map_err(|e| format!("--lease: {e}"))?;
                parsed.lease = Duration::try_from_secs_f64(secs).map_err(|e| e.to_string())?;
            }
            "--count" => parsed.count = value()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--crash" => parsed.crash = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(parsed)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(error) => {
            eprintln!(
                "{error}\nusage: remote_counter serve [--url URL] [--lease SECS]\n       \
                 remote_counter call [--url URL] [--count N] [--crash]"
            );
            return ExitCode::from(2);
        }
    };
    let node = match Node::builder().lease(args.lease).connect(&args.url).await {
        Ok(node) => node,
        Err(error) => {
            eprintln!("{error}");
            if let NodeError::Connect(_) = error {
                eprintln!(
                    "is nats-server running at {}? start one with `nats-server -js`",
                    args.url
                );
            }
            return ExitCode::FAILURE;
        }
    };
    let result = if args.command == "serve" {
        serve(node).await
    } else {
        call(node, &args).await
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(node: Node) -> Result<(), String> {
    let supervisor = Supervisor::builder()
        .child(ChildSpec::new("counter", move || take_name(node.clone())))
        .start()
        .await
        .map_err(|error| format!("the counter did not start: {error}"))?;
    println!("[serve] serving `counter`; Ctrl-C to stop");
    tokio::signal::ctrl_c()
        .await
        .map_err(|error| format!("cannot wait for Ctrl-C: {error}"))?;
    supervisor.stop().await;
    println!("[serve] stopped: the name `counter` is free");
    Ok(())
}

async fn call(node: Node, args: &Args) -> Result<(), String> {
    let counter: CounterRef = node.lookup::<Counter>("counter");
    let pid = counter.served_by().await.map_err(explain)?;
    println!("[call] `counter` is served by process {pid}");
    let mut last = counter.get().await.map_err(explain)?;
    println!("[call] get -> {last}");
    for _ in 0..args.count {
        let value = counter.increment().await.map_err(explain)?;
        println!("[call] increment -> {value}");
        assert!(value > last, "each increment counts up");
        last = value;
    }
    counter
        .add(10)
        .map_err(|error| format!("the cast failed: {error}"))?;
    let value = counter.get().await.map_err(explain)?;
    println!("[call] add(10), then get -> {value}");
    assert!(value >= last + 10, "the cast was handled before the get");
    if args.crash {
        match counter.crash().await {
            Err(CallError::Exited(reason)) => println!("[call] crash -> Exited({reason:?})"),
            other => return Err(format!("a crash ends the call with Exited, not {other:?}")),
        }
        // The supervisor restarts the counter, which claims the name again; until then calls
        // fail with NotRunning at once.
        let restarted = Instant::now();
        let value = loop {
            match counter.get().await {
                Ok(value) => break value,
                Err(CallError::NotRunning) if restarted.elapsed() < Duration::from_secs(30) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => return Err(explain(error)),
            }
        };
        println!(
            "[call] get -> {value}, from the restarted counter ({} ms later)",
            restarted.elapsed().as_millis()
        );
        assert_eq!(value, 0, "the restarted counter starts from zero");
    }
    Ok(())
}

/// What a failed call means, in words.
fn explain(error: CallError) -> String {
    let meaning = match &error {
        CallError::NotRunning => {
            "nobody serves `counter` (NATS answered \"no responders\" at once): start `serve`"
        }
        CallError::Timeout => {
            "no reply within the call timeout: the server is slow, or its process is gone and \
             its connection not yet dropped; the server may still handle the call"
        }
        CallError::Exited(_) => "the server stopped or crashed before it replied",
        CallError::Remote(_) => {
            "the network or the wire format failed this call (connection lost, a message that \
             does not decode, a payload too large); other calls go on"
        }
        _ => "the call failed",
    };
    format!("the call failed: {error}\n  meaning: {meaning}")
}
