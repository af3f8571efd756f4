//! Start, call, stop, again and again: nothing may accumulate. Each cycle's server arms timers
//! and is monitored, so their memory must be released with it.
//!
//! The CI run makes 20k cycles; `SOAK_CYCLES=1000000 cargo test --release --test soak -- --nocapture`
//! runs the long one and prints the resident-memory drift.

use std::time::Duration;

use genserver::prelude::*;

#[derive(Clone)]
struct Tick;

struct Worker {
    value: u64,
}

#[genserver]
impl Worker {
    #[init]
    fn init(value: u64, ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(Duration::from_millis(1), Tick);
        ctx.send_after(Duration::from_secs(3600), Tick);
        Worker { value }
    }

    #[call]
    fn get(&self) -> u64 {
        self.value
    }

    #[info]
    fn on_tick(&mut self, _: Tick) {}
}

/// Resident memory in KiB, from `/proc/self/status` (Linux); `None` elsewhere.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn start_call_stop_cycles_leave_nothing_behind() {
    let cycles: u64 = std::env::var("SOAK_CYCLES")
        .ok()
        .and_then(|cycles| cycles.parse().ok())
        .unwrap_or(20_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let metrics = tokio::runtime::Handle::current().metrics();
        let warm_up = cycles / 10;
        let mut baseline = None;
        for cycle in 0..cycles {
            if cycle == warm_up {
                baseline = resident_kib();
            }
            let worker = Worker::options()
                .name("soak")
                .start(cycle)
                .await
                .expect("the name is free again after each stop");
            let down = worker.monitor();
            assert_eq!(worker.get().await, Ok(cycle));
            worker.stop().await;
            assert_eq!(down.await, ExitReason::Normal);
        }
        // Timer tasks end at their next tick after the exit.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while metrics.num_alive_tasks() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert_eq!(metrics.num_alive_tasks(), 0, "tasks left alive");
        assert!(Worker::whereis("soak").is_none());
        if let (Some(before), Some(after)) = (baseline, resident_kib()) {
            let drift = after as i64 - before as i64;
            println!(
                "{cycles} cycles: resident {before} KiB after warm-up, {after} KiB at the end \
                 (drift {drift} KiB, {:.2} bytes/cycle)",
                drift as f64 * 1024.0 / (cycles - warm_up) as f64
            );
            // Generous: a leak of one server per cycle (> 1 KiB) would blow far past it.
            assert!(
                drift * 1024 < (cycles as i64 - warm_up as i64) * 64 + 8 * 1024 * 1024,
                "resident memory grew by {drift} KiB over {cycles} cycles"
            );
        }
    });
}
