//! A child stuck in a handler that blocks its thread (tokio cannot stop it between two awaits,
//! so a kill waits for the handler to return) does not hold its supervisor up: the supervisor
//! restarts its other children, answers `which_children`, terminates the stuck child and shuts
//! itself down, each within the child's shutdown timeout and a short grace; the stuck child
//! exits with `Killed` once its handler returns.
//!
//! A blocked thread is the point here, so these tests run on a multi-thread runtime in real
//! time (a paused clock needs a single thread, which the stuck child would block), with bounds
//! far above what the steps take.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use common::*;
use genserver::Shutdown;
use genserver::prelude::*;

/// Holds a thread until opened.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
    entered: AtomicBool,
}

impl Gate {
    /// Blocks the calling thread until the gate opens (at most a minute, so that a failing test
    /// does not hang the suite).
    fn wait(&self) {
        self.entered.store(true, Ordering::SeqCst);
        let open = self.open.lock().unwrap();
        let _ = self
            .opened
            .wait_timeout_while(open, Duration::from_secs(60), |open| !*open)
            .unwrap();
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }

    async fn entered(&self) {
        within(async {
            while !self.entered.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await;
    }
}

/// A server whose `block` handler blocks its thread on the gate.
struct Stuck {
    gate: Arc<Gate>,
}

#[genserver]
impl Stuck {
    #[cast]
    fn block(&mut self) {
        self.gate.wait();
    }

    #[call]
    fn ping(&self) -> bool {
        true
    }
}

/// `future`, which must finish well within ten seconds.
async fn within<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("the supervisor was held up by its stuck child")
}

async fn supervisor_with_a_stuck_child(gate: &Arc<Gate>, log: &Log) -> (SupervisorRef, Pid) {
    let stuck_gate = gate.clone();
    let sup = Supervisor::builder()
        .max_restarts(10, Duration::from_secs(60))
        .child(
            ChildSpec::new("stuck", move || {
                Stuck::start(Stuck {
                    gate: stuck_gate.clone(),
                })
            })
            .shutdown(Duration::from_millis(100)),
        )
        .child(child("other").spec(log))
        .start()
        .await
        .unwrap();
    let stuck = pid_of(&sup, "stuck").await;
    stuck.downcast::<Stuck>().unwrap().block().unwrap();
    gate.entered().await;
    (sup, stuck)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn a_stuck_child_does_not_hold_up_its_supervisor() {
    let gate = Arc::new(Gate::default());
    let log = Log::default();
    let (sup, stuck) = supervisor_with_a_stuck_child(&gate, &log).await;
    let stuck_down = stuck.monitor();

    // Its other children are restarted as usual.
    let other = pid_of(&sup, "other").await;
    within(terminate(&sup, &other, How::Abnormal)).await;
    let restarted = within(pid_of(&sup, "other")).await;
    assert_ne!(restarted, other);
    assert_eq!(
        within(restarted.downcast::<Worker>().unwrap().id()).await,
        Ok("other".to_owned())
    );

    // It answers.
    let children = within(sup.which_children()).await.unwrap();
    assert_eq!(children.len(), 2);

    // It terminates the stuck child: the kill is sent, the supervisor goes on without waiting
    // for a handler that cannot be interrupted.
    within(sup.terminate_child_id("stuck")).await.unwrap();
    assert!(stuck.is_alive(), "its handler still holds its thread");
    assert!(
        within(sup.which_child("stuck"))
            .await
            .unwrap()
            .pid
            .is_none()
    );
    assert_eq!(within(sup.count_children()).await.unwrap().active, 1);

    // And shuts down.
    within(sup.stop()).await;
    assert_eq!(within(restarted.exited()).await, ExitReason::Shutdown);

    // The stuck child ends, killed, once its handler returns.
    gate.open();
    assert_eq!(within(stuck_down).await, ExitReason::Killed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn a_supervisor_shuts_down_past_a_stuck_child() {
    let gate = Arc::new(Gate::default());
    let log = Log::default();
    let (sup, stuck) = supervisor_with_a_stuck_child(&gate, &log).await;
    let other = pid_of(&sup, "other").await;

    within(sup.stop()).await;
    assert!(!sup.is_alive());
    assert_eq!(within(other.exited()).await, ExitReason::Shutdown);
    assert!(stuck.is_alive(), "its handler still holds its thread");

    gate.open();
    assert_eq!(within(stuck.exited()).await, ExitReason::Killed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn a_brutal_kill_of_a_stuck_child_does_not_hold_up_its_supervisor() {
    let gate = Arc::new(Gate::default());
    let stuck_gate = gate.clone();
    let sup = Supervisor::builder().start().await.unwrap();
    let stuck = sup
        .start_child(
            ChildSpec::new("stuck", move || {
                Stuck::start(Stuck {
                    gate: stuck_gate.clone(),
                })
            })
            .shutdown(Shutdown::BrutalKill),
        )
        .await
        .unwrap();
    stuck.downcast::<Stuck>().unwrap().block().unwrap();
    gate.entered().await;
    within(sup.terminate_child(&stuck)).await.unwrap();
    assert_eq!(within(sup.count_children()).await.unwrap().specs, 0);
    gate.open();
    assert_eq!(within(stuck.exited()).await, ExitReason::Killed);
}
