//! Faults stay inside one server: handlers panic at random under a supervisor while 8 callers
//! hammer the servers through name-resolving handles, with casts and timers mixed in.
//!
//! Every call must end with its own reply or a typed error (never a timeout: nothing here is
//! slow, so a timeout is a hang), every reply must match a model of the server's state, and
//! nothing may be left running after the supervisor stops.
//!
//! The CI run makes 100k calls; `CHAOS_CALLS=1000000 cargo test --release --test chaos -- --nocapture`
//! runs the long one.

use std::collections::HashMap;
use std::time::Duration;

use genserver::prelude::*;
use genserver::{ServerId, Strategy};

const SERVERS: usize = 4;
const CALLERS: u64 = 8;
/// One call in this many panics its server.
const PANIC_ONE_IN: u64 = 500;

#[derive(Clone)]
struct Tick;

/// One incarnation of a server: what each caller has added to it, by call and by cast.
struct Account {
    calls: HashMap<u64, u64>,
    casts: HashMap<u64, u64>,
    ticks: u64,
}

/// The reply of `apply`: enough for the caller to check it against its model.
#[derive(Debug, PartialEq)]
struct Applied {
    caller: u64,
    seq: u64,
    incarnation: ServerId,
    calls_total: u64,
    casts_total: u64,
}

#[genserver]
impl Account {
    #[init]
    fn init(_: (), ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(Duration::from_millis(1), Tick);
        Account {
            calls: HashMap::new(),
            casts: HashMap::new(),
            ticks: 0,
        }
    }

    #[call]
    fn apply(
        &mut self,
        caller: u64,
        seq: u64,
        delta: u64,
        explode: bool,
        ctx: &mut Context<Self>,
    ) -> Applied {
        if explode {
            panic!("chaos: caller {caller} call {seq} explodes the server");
        }
        let calls_total = self.calls.entry(caller).or_default();
        *calls_total += delta;
        Applied {
            caller,
            seq,
            incarnation: ctx.id(),
            calls_total: *calls_total,
            casts_total: self.casts.get(&caller).copied().unwrap_or(0),
        }
    }

    #[cast]
    fn add(&mut self, caller: u64, delta: u64) {
        *self.casts.entry(caller).or_default() += delta;
    }

    #[info]
    fn on_tick(&mut self, _: Tick) {
        self.ticks += 1;
    }
}

/// xorshift64*: a seeded, dependency-free generator, so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[derive(Default, Debug)]
struct Tally {
    ok: u64,
    exited: u64,
    not_running: u64,
    hangs: u64,
    other: u64,
    casts: u64,
}

async fn caller(id: u64, calls: u64) -> Tally {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (id + 1));
    let handles: Vec<AccountRef> = (0..SERVERS)
        .map(|i| AccountRef::from_name(format!("chaos-{i}")))
        .collect();
    // The model: per (server, incarnation), what this caller's calls have added.
    let mut model: HashMap<(usize, ServerId), u64> = HashMap::new();
    let mut casts_sent = [0u64; SERVERS];
    let mut tally = Tally::default();
    for seq in 0..calls {
        let server = (rng.next() % SERVERS as u64) as usize;
        if rng.next() % 10 == 0 && handles[server].add(id, 1).is_ok() {
            casts_sent[server] += 1;
            tally.casts += 1;
        }
        let delta = rng.next() % 100 + 1;
        let explode = rng.next() % PANIC_ONE_IN == 0;
        match handles[server].apply(id, seq, delta, explode).await {
            Ok(applied) => {
                assert!(!explode, "a panicking call cannot reply");
                assert_eq!(
                    (applied.caller, applied.seq),
                    (id, seq),
                    "a reply went to the wrong call"
                );
                let expected = model.entry((server, applied.incarnation)).or_default();
                *expected += delta;
                assert_eq!(
                    applied.calls_total, *expected,
                    "the reply disagrees with the model"
                );
                assert!(
                    applied.casts_total <= casts_sent[server],
                    "more casts applied than sent"
                );
                tally.ok += 1;
            }
            // The server (or the one in front of us in its mailbox) panicked: nothing applied.
            Err(CallError::Exited(_)) => tally.exited += 1,
            // Between a crash and the restart, the name is free.
            Err(CallError::NotRunning) => {
                tally.not_running += 1;
                tokio::task::yield_now().await;
            }
            Err(CallError::Timeout) => tally.hangs += 1,
            Err(_) => tally.other += 1,
        }
    }
    tally
}

#[test]
fn faults_stay_inside_one_server() {
    // The panics are the point; keep their messages out of the test output.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .unwrap_or("");
        if !message.starts_with("chaos:") {
            default_hook(info);
        }
    }));

    let calls: u64 = std::env::var("CHAOS_CALLS")
        .ok()
        .and_then(|calls| calls.parse().ok())
        .unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let children = (0..SERVERS).map(|i| {
            ChildSpec::new(format!("chaos-{i}"), move || {
                Account::options().name(format!("chaos-{i}")).start(())
            })
        });
        let sup = Supervisor::builder()
            .strategy(Strategy::OneForOne)
            .max_restarts(1_000_000, Duration::from_secs(1))
            .children(children)
            .start()
            .await
            .unwrap();

        let started = std::time::Instant::now();
        let callers: Vec<_> = (0..CALLERS)
            .map(|id| tokio::spawn(caller(id, calls / CALLERS)))
            .collect();
        let mut total = Tally::default();
        for caller in callers {
            let tally = caller.await.expect("a caller panicked");
            total.ok += tally.ok;
            total.exited += tally.exited;
            total.not_running += tally.not_running;
            total.hangs += tally.hangs;
            total.other += tally.other;
            total.casts += tally.casts;
        }
        let elapsed = started.elapsed();
        let counts = sup.count_children().await.unwrap();
        println!("{total:?} in {elapsed:?}; children: {counts:?}");

        assert_eq!(total.hangs, 0, "calls that never ended");
        assert_eq!(total.other, 0, "unexpected errors");
        assert_eq!(
            total.ok + total.exited + total.not_running,
            calls / CALLERS * CALLERS
        );
        assert!(
            total.exited > 0,
            "the chaos never struck: the test proves nothing"
        );
        assert!(
            total.ok > total.exited * 10,
            "too few calls succeeded: {total:?}"
        );

        sup.stop().await;
        for i in 0..SERVERS {
            assert!(Account::whereis(&format!("chaos-{i}")).is_none());
        }
        // Timer tasks notice their server's exit at their next tick.
        let metrics = tokio::runtime::Handle::current().metrics();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while metrics.num_alive_tasks() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(
            metrics.num_alive_tasks(),
            0,
            "tasks left alive after shutdown"
        );
    });
}
