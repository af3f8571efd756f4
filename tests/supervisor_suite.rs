//! Cases of OTP's `supervisor_SUITE` and Elixir's `supervisor_test.exs`, ported: child
//! administration and its errors, the counts in every state, restart types and strategies,
//! escalation, shutdown reasons, failed restarts retried, significant children, trees. Each
//! test's doc comment names the case it comes from.
//!
//! OTP's children added with `supervisor:start_child` are kept by id when they stop; here a
//! child given to `start_child` is a dynamic one, removed when it stops for good (Elixir's
//! `DynamicSupervisor`: see `dynamic_supervisor_suite.rs`). The cases about kept children are
//! therefore ported with children given to the builder, which keep OTP's behaviour.

mod common;

use std::time::Duration;

use common::*;
use genserver::prelude::*;
use genserver::{AutoShutdown, ChildKind, Shutdown, Strategy, SupervisorError};

fn one_for_one() -> genserver::SupervisorBuilder {
    Supervisor::builder().max_restarts(2, Duration::from_secs(3600))
}

/// `supervisor_SUITE:sup_start_normal`: a supervisor starts and shuts down.
#[tokio::test(start_paused = true)]
async fn a_supervisor_starts_and_shuts_down() {
    let sup = one_for_one().start().await.unwrap();
    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:sup_start_ignore_child`: a static child whose init returns `Ok(None)` is
/// kept, not running, and counted, and its name is free; `restart_child` of it is ignored
/// again, or starts it under its name once its init succeeds.
/// (Under OTP the child is added with `start_child`, which here makes a dynamic child: see
/// `dynamic_supervisor_suite.rs`.)
#[tokio::test(start_paused = true)]
async fn a_static_child_whose_start_is_ignored_is_kept_not_running() {
    let log = Log::default();
    let name = "supervisor_suite/sup_start_ignore_child";
    let script = Script::then(&[Outcome::Ignore, Outcome::Ignore], Outcome::Start);
    let sup = one_for_one()
        .child(child("child1").named(name).script(&script).spec(&log))
        .child(child("child2").spec(&log))
        .start()
        .await
        .unwrap();
    assert!(Worker::whereis(name).is_none());
    let child2 = pid_of(&sup, "child2").await;
    assert_eq!(
        children(&sup).await,
        [
            ("child1".to_owned(), None),
            ("child2".to_owned(), Some(child2))
        ]
    );
    assert_eq!(counts(&sup).await, [2, 1, 0, 2]);
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::Ignored)
    );
    assert_eq!(counts(&sup).await, [2, 1, 0, 2]);
    assert!(Worker::whereis(name).is_none());
    let child1 = sup.restart_child("child1").await.unwrap();
    assert_eq!(pid_of(&sup, "child1").await, child1);
    assert_eq!(
        Worker::whereis(name).map(|worker| worker.pid()),
        Some(child1)
    );
    assert_eq!(counts(&sup).await, [2, 2, 0, 2]);
    assert_eq!(entries(&log), ["start child2", "start child1"]);
}

/// `supervisor_SUITE:sup_start_ignore_child` with an infallible init returning `Option<Self>`
/// (a server that runs only when it is configured): ignored at the supervisor's start, kept
/// as not running; `restart_child` starts it once its init returns `Some`.
#[tokio::test(start_paused = true)]
async fn a_static_child_whose_init_returns_none_is_kept_and_restarted_once_it_starts() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    struct Feature;
    #[genserver]
    impl Feature {
        #[init]
        fn init(enabled: Arc<AtomicBool>) -> Option<Self> {
            enabled.load(Ordering::SeqCst).then_some(Feature)
        }
        #[call]
        fn enabled(&self) -> bool {
            true
        }
    }

    let enabled = Arc::new(AtomicBool::new(false));
    let spec = ChildSpec::new("feature", {
        let enabled = enabled.clone();
        move || {
            Feature::options()
                .name("supervisor_suite/feature")
                .start(enabled.clone())
        }
    });
    let sup = one_for_one().child(spec).start().await.unwrap();
    assert_eq!(children(&sup).await, [("feature".to_owned(), None)]);
    assert_eq!(counts(&sup).await, [1, 0, 0, 1]);
    assert!(Feature::whereis("supervisor_suite/feature").is_none());
    assert_eq!(
        sup.restart_child("feature").await,
        Err(SupervisorError::Ignored)
    );

    enabled.store(true, Ordering::SeqCst);
    let pid = sup.restart_child("feature").await.unwrap();
    assert_eq!(
        children(&sup).await,
        [("feature".to_owned(), Some(pid.clone()))]
    );
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
    let feature = Feature::whereis("supervisor_suite/feature").unwrap();
    assert_eq!(feature.pid(), pid);
    assert_eq!(feature.enabled().await, Ok(true));
    sup.stop_with(ExitReason::Shutdown).await;
}

/// `supervisor_SUITE:sup_start_ignore_temporary_child`: a temporary static child whose start
/// is ignored is not kept.
#[tokio::test(start_paused = true)]
async fn a_temporary_child_whose_start_is_ignored_is_not_kept() {
    let log = Log::default();
    let sup = one_for_one()
        .child(
            child("child1")
                .script(&Script::always(Outcome::Ignore))
                .spec(&log)
                .restart(Restart::Temporary),
        )
        .child(child("child2").spec(&log).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    let child2 = pid_of(&sup, "child2").await;
    assert_eq!(children(&sup).await, [("child2".to_owned(), Some(child2))]);
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
}

/// A static child whose restart is ignored stays, stopped (OTP's `restart` of one that
/// returns `ignore`).
#[tokio::test(start_paused = true)]
async fn a_static_child_whose_restart_is_ignored_stays_stopped() {
    let log = Log::default();
    let script = Script::then(&[Outcome::Start, Outcome::Ignore], Outcome::Start);
    let sup = one_for_one()
        .child(child("child1").script(&script).spec(&log))
        .start()
        .await
        .unwrap();
    let pid = pid_of(&sup, "child1").await;
    terminate(&sup, &pid, How::Abnormal).await;
    assert_eq!(children(&sup).await, [("child1".to_owned(), None)]);
    assert_eq!(counts(&sup).await, [1, 0, 0, 1]);
    sup.restart_child("child1").await.unwrap();
}

/// `supervisor_SUITE:sup_start_restart_child_returns_error`: `restart_child` of a stopped
/// child whose start fails returns the error and leaves it stopped.
#[tokio::test(start_paused = true)]
async fn a_failed_restart_child_leaves_the_child_stopped() {
    let log = Log::default();
    let sup = one_for_one()
        .child(child("child1").restart_fails().spec(&log))
        .start()
        .await
        .unwrap();
    sup.terminate_child_id("child1").await.unwrap();
    assert!(matches!(
        sup.restart_child("child1").await,
        Err(SupervisorError::ChildStart { id, .. }) if id == "child1"
    ));
    assert_eq!(children(&sup).await, [("child1".to_owned(), None)]);
}

/// `supervisor_SUITE:sup_start_child_returns_error`: a `start_child` that fails keeps nothing.
#[tokio::test(start_paused = true)]
async fn a_failed_start_child_keeps_nothing() {
    let log = Log::default();
    let sup = one_for_one().start().await.unwrap();
    let failing = child("child1").script(&Script::always(Outcome::Fail));
    assert!(matches!(
        sup.start_child(failing.spec(&log)).await,
        Err(SupervisorError::ChildStart { .. })
    ));
    assert!(children(&sup).await.is_empty());
}

/// `supervisor_SUITE:sup_start_map` (the defaults of a child spec): permanent, a worker, or a
/// supervisor for a supervisor's start.
#[tokio::test(start_paused = true)]
async fn a_child_spec_defaults_to_a_permanent_worker_and_knows_a_supervisor() {
    let log = Log::default();
    let worker = child("child1").spec(&log);
    let sup_child = ChildSpec::new("child3", || Supervisor::builder().start());
    assert_eq!(worker.kind(), ChildKind::Worker);
    assert_eq!(sup_child.kind(), ChildKind::Supervisor);
    let sup = one_for_one()
        .child(worker)
        .child(sup_child)
        .start()
        .await
        .unwrap();
    let child1 = sup.which_child("child1").await.unwrap();
    assert_eq!(
        (child1.restart, child1.kind),
        (Restart::Permanent, ChildKind::Worker)
    );
    let child3 = sup.which_child("child3").await.unwrap();
    assert_eq!(child3.kind, ChildKind::Supervisor);
    assert_eq!(counts(&sup).await, [2, 2, 1, 1]);
    assert!(sup.which_child("child4").await.is_none());
}

/// `supervisor_SUITE:child_specs` (`{duplicate_child_name, child}`): two children with one id
/// are refused before any starts.
#[tokio::test(start_paused = true)]
async fn two_children_with_one_id_are_refused() {
    let log = Log::default();
    let started = one_for_one()
        .child(child("child").spec(&log))
        .child(child("child").spec(&log))
        .start()
        .await;
    assert!(matches!(
        started,
        Err(StartError::Init(SupervisorError::DuplicateChild(id))) if id == "child"
    ));
    assert!(entries(&log).is_empty());
}

/// `supervisor_SUITE:sup_stop_infinity`: children with an infinite shutdown, a supervisor and
/// a worker, exit with `shutdown`.
#[tokio::test(start_paused = true)]
async fn children_with_an_infinite_shutdown_exit_with_shutdown() {
    let log = Log::default();
    let sup = one_for_one()
        .child(
            ChildSpec::new("child1", || Supervisor::builder().start()).shutdown(Shutdown::Infinity),
        )
        .child(
            child("child2")
                .slow_terminate(Duration::from_secs(30))
                .spec(&log)
                .shutdown(Shutdown::Infinity),
        )
        .start()
        .await
        .unwrap();
    let (child1, child2) = (pid_of(&sup, "child1").await, pid_of(&sup, "child2").await);
    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(child1.exited().await, ExitReason::Shutdown);
    assert_eq!(child2.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:sup_stop_timeout` (and `sup_stop_timeout_dynamic`): a child busy past its
/// shutdown timeout is killed (`killed`), the other one exits with `shutdown`.
#[tokio::test(start_paused = true)]
async fn a_child_busy_past_its_shutdown_timeout_is_killed() {
    let log = Log::default();
    let sup = one_for_one()
        .child(child("child1").spec(&log).shutdown(Duration::from_secs(1)))
        .child(child("child2").spec(&log).shutdown(Duration::from_secs(1)))
        .start()
        .await
        .unwrap();
    let dynamic = sup
        .start_child(child("child3").spec(&log).shutdown(Duration::from_secs(1)))
        .await
        .unwrap();
    let (child1, child2) = (pid_of(&sup, "child1").await, pid_of(&sup, "child2").await);
    let (down1, down2, down3) = (child1.monitor(), child2.monitor(), dynamic.monitor());
    worker_of(&sup, "child2")
        .await
        .busy(Duration::from_secs(200))
        .unwrap();
    dynamic
        .downcast::<Worker>()
        .unwrap()
        .busy(Duration::from_secs(200))
        .unwrap();
    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(down1.await, ExitReason::Shutdown);
    assert_eq!(down2.await, ExitReason::Killed);
    assert_eq!(down3.await, ExitReason::Killed);
}

/// `supervisor_SUITE:sup_stop_brutal_kill` (and `sup_stop_brutal_kill_dynamic`): a brutally
/// killed child exits with `killed`, without `terminate`.
#[tokio::test(start_paused = true)]
async fn a_brutally_killed_child_exits_killed() {
    let log = Log::default();
    let sup = one_for_one()
        .child(child("child1").spec(&log))
        .child(child("child2").spec(&log).shutdown(Shutdown::BrutalKill))
        .start()
        .await
        .unwrap();
    let (child1, child2) = (pid_of(&sup, "child1").await, pid_of(&sup, "child2").await);
    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(child1.exited().await, ExitReason::Shutdown);
    assert_eq!(child2.exited().await, ExitReason::Killed);
    assert!(!entries(&log).contains(&"stop child2 (killed)".to_owned()));
    assert!(entries(&log).contains(&"stop child1 (shutdown)".to_owned()));
}

/// `supervisor_SUITE:sup_stop_race`: children that exit on their own, each with its reason,
/// while the supervisor is shutting down (slowed by a child that takes a second to stop) keep
/// their reasons; the others exit with `shutdown`.
#[tokio::test(start_paused = true)]
async fn children_exiting_on_their_own_during_the_shutdown_keep_their_reason() {
    let log = Log::default();
    let mut builder = one_for_one().child(
        child("child_a")
            .spec(&log)
            .restart(Restart::Temporary)
            .shutdown(Duration::from_secs(1)),
    );
    let reasons = [
        ExitReason::Normal,
        ExitReason::Shutdown,
        ExitReason::error("other"),
    ];
    let mut expected = Vec::new();
    for restart in [Restart::Temporary, Restart::Transient, Restart::Permanent] {
        for reason in &reasons {
            let id = format!("{restart:?}-{reason}");
            expected.push((id.clone(), reason.clone()));
            builder = builder.child(
                child(&id)
                    .spec(&log)
                    .restart(restart)
                    .shutdown(Duration::from_secs(1)),
            );
        }
    }
    let sup = builder
        .child(
            child("child_z")
                .slow_terminate(Duration::from_secs(1))
                .spec(&log)
                .restart(Restart::Temporary)
                .shutdown(Duration::from_secs(2)),
        )
        .start()
        .await
        .unwrap();
    let mut exits = Vec::new();
    for (id, reason) in &expected {
        let worker = worker_of(&sup, id).await;
        worker
            .busy_then_exit(Duration::from_millis(200), reason.clone())
            .unwrap();
        exits.push((id.clone(), worker.monitor()));
    }
    let (a, z) = (pid_of(&sup, "child_a").await, pid_of(&sup, "child_z").await);
    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
    assert_eq!(z.exited().await, ExitReason::Shutdown);
    for ((id, exit), (_, reason)) in exits.into_iter().zip(&expected) {
        assert_eq!(&exit.await, reason, "child {id}");
    }
    assert_eq!(a.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:extra_return` (its administration part): `not_found` for an unknown id,
/// `running` for a running child, a terminated child kept stopped and restarted, terminating a
/// stopped child succeeds, a deleted one is gone, a child started again is restarted after a
/// crash.
#[tokio::test(start_paused = true)]
async fn administration_of_a_child_by_id() {
    let log = Log::default();
    let sup = one_for_one()
        .child(child("child1").spec(&log))
        .start()
        .await
        .unwrap();
    let first = pid_of(&sup, "child1").await;
    assert_eq!(
        sup.terminate_child_id("hej").await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        sup.delete_child("hej").await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        sup.restart_child("hej").await,
        Err(SupervisorError::NotFound)
    );
    assert_eq!(
        sup.delete_child("child1").await,
        Err(SupervisorError::Running)
    );
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::Running)
    );
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);

    sup.terminate_child_id("child1").await.unwrap();
    assert_eq!(first.exited().await, ExitReason::Shutdown);
    assert_eq!(children(&sup).await, [("child1".to_owned(), None)]);
    assert_eq!(counts(&sup).await, [1, 0, 0, 1]);

    let second = sup.restart_child("child1").await.unwrap();
    assert_eq!(
        children(&sup).await,
        [("child1".to_owned(), Some(second.clone()))]
    );
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);

    sup.terminate_child_id("child1").await.unwrap();
    sup.terminate_child_id("child1").await.unwrap();
    sup.delete_child("child1").await.unwrap();
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::NotFound)
    );
    assert!(children(&sup).await.is_empty());
    assert_eq!(counts(&sup).await, [0, 0, 0, 0]);

    let third = sup.start_child(child("child1").spec(&log)).await.unwrap();
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
    terminate(&sup, &third, How::Abnormal).await;
    let fourth = pid_of(&sup, "child1").await;
    assert_ne!(fourth, third);
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
}

/// `supervisor_SUITE:child_adm`: `already_started` for the id of a running child,
/// `already_present` for a stopped one, and the whole cycle: terminate, restart, delete,
/// start again; requests to a supervisor that is gone fail.
#[tokio::test(start_paused = true)]
async fn child_administration_and_its_errors() {
    let log = Log::default();
    let sup = one_for_one()
        .child(child("child1").spec(&log))
        .start()
        .await
        .unwrap();
    let first = pid_of(&sup, "child1").await;
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
    assert_eq!(
        sup.start_child(child("child1").spec(&log)).await,
        Err(SupervisorError::AlreadyStarted(first.clone()))
    );

    assert_eq!(
        sup.terminate_child_id("hej").await,
        Err(SupervisorError::NotFound)
    );
    sup.terminate_child_id("child1").await.unwrap();
    assert_eq!(first.exited().await, ExitReason::Shutdown);
    assert_eq!(children(&sup).await, [("child1".to_owned(), None)]);
    assert_eq!(counts(&sup).await, [1, 0, 0, 1]);
    // Like deleting something that does not exist, it succeeds.
    sup.terminate_child_id("child1").await.unwrap();

    assert_eq!(
        sup.start_child(child("child1").spec(&log)).await,
        Err(SupervisorError::AlreadyPresent)
    );

    let second = sup.restart_child("child1").await.unwrap();
    assert_eq!(children(&sup).await, [("child1".to_owned(), Some(second))]);
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::Running)
    );
    assert_eq!(
        sup.restart_child("child2").await,
        Err(SupervisorError::NotFound)
    );

    assert_eq!(
        sup.delete_child("child1").await,
        Err(SupervisorError::Running)
    );
    assert_eq!(
        sup.delete_child("hej").await,
        Err(SupervisorError::NotFound)
    );
    sup.terminate_child_id("child1").await.unwrap();
    sup.delete_child("child1").await.unwrap();
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::NotFound)
    );
    assert!(children(&sup).await.is_empty());
    assert_eq!(counts(&sup).await, [0, 0, 0, 0]);

    let third = sup.start_child(child("child1").spec(&log)).await.unwrap();
    assert_eq!(children(&sup).await, [("child1".to_owned(), Some(third))]);
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);

    // A supervisor that is gone (OTP: `noproc`).
    let gone = SupervisorRef::from_name("supervisor_suite/foo");
    assert!(matches!(
        gone.terminate_child_id("child1").await,
        Err(SupervisorError::Call(CallError::NotRunning))
    ));
    assert!(matches!(
        gone.delete_child("child1").await,
        Err(SupervisorError::Call(CallError::NotRunning))
    ));
    assert!(matches!(
        gone.start_child(child("child1").spec(&log)).await,
        Err(SupervisorError::Call(CallError::NotRunning))
    ));
    assert_eq!(
        gone.which_children().await.err(),
        Some(CallError::NotRunning)
    );
    assert_eq!(
        gone.count_children().await.err(),
        Some(CallError::NotRunning)
    );
}

/// `supervisor_SUITE:which_children` (`which_child/2`): a child by id, in each state.
#[tokio::test(start_paused = true)]
async fn which_child_finds_a_child_by_id_in_each_state() {
    let log = Log::default();
    let sup = one_for_one().start().await.unwrap();
    assert!(sup.which_children().await.unwrap().is_empty());
    assert!(sup.which_child("childx").await.is_none());
    let child1 = sup.start_child(child("child1").spec(&log)).await.unwrap();
    let child2 = sup.start_child(child("child2").spec(&log)).await.unwrap();
    assert_eq!(sup.which_child("child1").await.unwrap().pid, Some(child1));
    assert_eq!(
        sup.which_child("child2").await.unwrap().pid,
        Some(child2.clone())
    );
    assert!(sup.which_child("childx").await.is_none());
    sup.terminate_child_id("child1").await.unwrap();
    assert!(sup.which_child("child1").await.is_none());
    assert_eq!(sup.which_child("child2").await.unwrap().pid, Some(child2));
}

/// `supervisor_SUITE:child_adm_simple`: a dynamic child terminated by pid is gone; a pid that
/// is not a child is `not_found` and keeps running.
#[tokio::test(start_paused = true)]
async fn a_dynamic_child_terminated_by_pid_is_gone() {
    let log = Log::default();
    let sup = one_for_one().start().await.unwrap();
    assert_eq!(counts(&sup).await, [0, 0, 0, 0]);
    let child1 = sup.start_child(child("child1").spec(&log)).await.unwrap();
    let child2 = sup.start_child(child("child2").spec(&log)).await.unwrap();
    assert_eq!(counts(&sup).await, [2, 2, 0, 2]);
    sup.terminate_child(&child1).await.unwrap();
    assert!(!child1.is_alive());
    assert_eq!(children(&sup).await, [("child2".to_owned(), Some(child2))]);
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
    // As Elixir's `DynamicSupervisor` (OTP's `simple_one_for_one` answers `ok` here).
    assert_eq!(
        sup.terminate_child(&child1).await,
        Err(SupervisorError::NotFound)
    );

    let stranger = start_worker("stranger", &log).await;
    assert_eq!(
        sup.terminate_child(&stranger.pid()).await,
        Err(SupervisorError::NotFound)
    );
    assert!(stranger.is_alive());
}

/// `supervisor_SUITE:permanent_normal`, `permanent_shutdown`, `permanent_abnormal`: a
/// permanent child is restarted however it exits.
#[tokio::test(start_paused = true)]
async fn a_permanent_child_is_restarted_however_it_exits() {
    let log = Log::default();
    let sup = one_for_one()
        .max_restarts(10, Duration::from_secs(3600))
        .child(child("child1").spec(&log))
        .start()
        .await
        .unwrap();
    for how in [How::Normal, How::Shutdown, How::Abnormal, How::Kill] {
        let before = pid_of(&sup, "child1").await;
        terminate(&sup, &before, how).await;
        let after = pid_of(&sup, "child1").await;
        assert_ne!(after, before, "{how:?}");
        assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
    }
}

/// `supervisor_SUITE:transient_normal`, `transient_shutdown`, `transient_abnormal`: a
/// transient child is kept stopped after a normal exit (and can be restarted), restarted after
/// an abnormal one.
#[tokio::test(start_paused = true)]
async fn a_transient_child_is_restarted_only_after_an_abnormal_exit() {
    let log = Log::default();
    let sup = one_for_one()
        .child(child("child1").spec(&log).restart(Restart::Transient))
        .start()
        .await
        .unwrap();
    for how in [How::Normal, How::Shutdown] {
        let pid = pid_of(&sup, "child1").await;
        terminate(&sup, &pid, how).await;
        assert_eq!(children(&sup).await, [("child1".to_owned(), None)]);
        assert_eq!(counts(&sup).await, [1, 0, 0, 1]);
        sup.restart_child("child1").await.unwrap();
    }
    let pid = pid_of(&sup, "child1").await;
    terminate(&sup, &pid, How::Abnormal).await;
    assert_ne!(pid_of(&sup, "child1").await, pid);
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
}

/// `supervisor_SUITE:temporary_normal`, `temporary_shutdown`, `temporary_abnormal`: a
/// temporary child is never restarted, and not kept.
#[tokio::test(start_paused = true)]
async fn a_temporary_child_is_never_restarted_and_not_kept() {
    let log = Log::default();
    for how in [How::Normal, How::Shutdown, How::Abnormal] {
        let sup = one_for_one()
            .child(child("child1").spec(&log).restart(Restart::Temporary))
            .start()
            .await
            .unwrap();
        let pid = pid_of(&sup, "child1").await;
        terminate(&sup, &pid, how).await;
        assert!(children(&sup).await.is_empty(), "{how:?}");
        assert_eq!(counts(&sup).await, [0, 0, 0, 0]);
        // Not kept: the id is free again.
        sup.start_child(child("child1").spec(&log).restart(Restart::Temporary))
            .await
            .unwrap();
    }
}

/// `supervisor_SUITE:temporary_bystander`: a temporary child stopped by its sibling's
/// `one_for_all` or `rest_for_one` restart is not restarted (nor kept); the supervisor stays.
#[tokio::test(start_paused = true)]
async fn a_temporary_bystander_is_not_restarted() {
    let log = Log::default();
    for strategy in [Strategy::OneForAll, Strategy::RestForOne] {
        let sup = Supervisor::builder()
            .strategy(strategy)
            .max_restarts(2, Duration::from_secs(300))
            .child(
                child("child1")
                    .spec(&log)
                    .shutdown(Duration::from_millis(100)),
            )
            .child(
                child("child2")
                    .spec(&log)
                    .restart(Restart::Temporary)
                    .shutdown(Duration::from_millis(100)),
            )
            .start()
            .await
            .unwrap();
        let child2 = pid_of(&sup, "child2").await;
        let child1 = pid_of(&sup, "child1").await;
        terminate(&sup, &child1, How::Normal).await;
        tokio::time::sleep(Duration::from_millis(350)).await;
        assert!(sup.is_alive());
        assert_eq!(child2.exited().await, ExitReason::Shutdown);
        let ids: Vec<String> = children(&sup).await.into_iter().map(|(id, _)| id).collect();
        assert_eq!(ids, ["child1"], "{strategy:?}");
    }
}

/// `supervisor_SUITE:multiple_restarts`: restarts spread wider than the period stay within the
/// intensity (1 restart a second).
#[tokio::test(start_paused = true)]
async fn restarts_spread_over_time_stay_within_the_intensity() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(1, Duration::from_secs(1))
        .child(child("child1").spec(&log).shutdown(Shutdown::BrutalKill))
        .start()
        .await
        .unwrap();
    let pid = pid_of(&sup, "child1").await;
    terminate(&sup, &pid, How::Abnormal).await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let pid = pid_of(&sup, "child1").await;
        terminate(&sup, &pid, How::Abnormal).await;
    }
    assert!(sup.is_alive());
    sup.terminate_child_id("child1").await.unwrap();
    sup.delete_child("child1").await.unwrap();
}

/// `supervisor_SUITE:one_for_one`: only the child that exited is restarted; past the
/// intensity (2 restarts) the supervisor exits.
#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_only_the_child_then_gives_up() {
    let log = Log::default();
    let sup = one_for_one()
        .child(child("child1").spec(&log))
        .child(child("child2").spec(&log))
        .start()
        .await
        .unwrap();
    let (child1, child2) = (pid_of(&sup, "child1").await, pid_of(&sup, "child2").await);
    terminate(&sup, &child1, How::Abnormal).await;
    assert_eq!(pid_of(&sup, "child2").await, child2);
    assert_ne!(pid_of(&sup, "child1").await, child1);
    assert_eq!(counts(&sup).await, [2, 2, 0, 2]);

    terminate(&sup, &child2, How::Abnormal).await;
    let child1 = pid_of(&sup, "child1").await;
    terminate(&sup, &child1, How::Abnormal).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:one_for_one_escalation`: a child whose restart keeps failing takes the
/// supervisor, and its other children, down.
#[tokio::test(start_paused = true)]
async fn one_for_one_a_restart_that_keeps_failing_escalates() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(4, Duration::from_secs(3600))
        .child(child("child1").restart_fails().spec(&log))
        .child(child("child2").spec(&log))
        .start()
        .await
        .unwrap();
    let (child1, child2) = (pid_of(&sup, "child1").await, pid_of(&sup, "child2").await);
    worker_of(&sup, "child1").await.crash().unwrap();
    child1.exited().await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
    assert_eq!(child2.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:one_for_all`: every child is restarted when one exits; no old child is
/// left; past the intensity the supervisor exits.
#[tokio::test(start_paused = true)]
async fn one_for_all_restarts_every_child_then_gives_up() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForAll)
        .max_restarts(2, Duration::from_secs(3600))
        .child(child("child1").spec(&log))
        .child(child("child2").spec(&log))
        .start()
        .await
        .unwrap();
    let (child1, child2) = (pid_of(&sup, "child1").await, pid_of(&sup, "child2").await);
    terminate(&sup, &child1, How::Abnormal).await;
    assert_eq!(child2.exited().await, ExitReason::Shutdown);
    let now: Vec<Pid> = children(&sup)
        .await
        .into_iter()
        .map(|(_, pid)| pid.unwrap())
        .collect();
    assert_eq!(now.len(), 2);
    assert!(!now.contains(&child1) && !now.contains(&child2));
    assert_eq!(counts(&sup).await, [2, 2, 0, 2]);

    let pid = pid_of(&sup, "child1").await;
    terminate(&sup, &pid, How::Abnormal).await;
    let pid = pid_of(&sup, "child1").await;
    terminate(&sup, &pid, How::Abnormal).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:one_for_all_escalation`: a sibling whose restart keeps failing takes the
/// supervisor down.
#[tokio::test(start_paused = true)]
async fn one_for_all_a_sibling_that_cannot_restart_escalates() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForAll)
        .max_restarts(4, Duration::from_secs(3600))
        .child(child("child1").spec(&log))
        .child(child("child2").restart_fails().spec(&log))
        .start()
        .await
        .unwrap();
    let (child1, child2) = (pid_of(&sup, "child1").await, pid_of(&sup, "child2").await);
    worker_of(&sup, "child1").await.crash().unwrap();
    child1.exited().await;
    assert_eq!(child2.exited().await, ExitReason::Shutdown);
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:one_for_all_other_child_fails_restart`: when a sibling fails to start in
/// a `one_for_all` restart, the child restarted before it is stopped again (`shutdown`) when
/// the restart is tried again, and then both start.
#[tokio::test(start_paused = true)]
async fn one_for_all_stops_the_restarted_child_again_when_a_sibling_fails() {
    let log = Log::default();
    let script2 = Script::then(&[Outcome::Start, Outcome::Fail], Outcome::Start);
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForAll)
        .max_restarts(3, Duration::from_secs(3600))
        .child(child("child1").spec(&log))
        .child(child("child2").script(&script2).spec(&log))
        .start()
        .await
        .unwrap();
    let child1 = pid_of(&sup, "child1").await;
    worker_of(&sup, "child1").await.crash().unwrap();
    child1.exited().await;
    settle(&sup).await;
    // The restart: child2 is stopped, child1 starts, child2 does not; the retry stops that
    // child1 again and starts both.
    assert_eq!(
        entries(&log),
        [
            "start child1",
            "start child2",
            "stop child1 (panicked: child1 crashed)",
            "stop child2 (shutdown)",
            "start child1",
            "stop child1 (shutdown)",
            "start child1",
            "start child2",
        ]
    );
    assert_eq!(counts(&sup).await, [2, 2, 0, 2]);
}

/// `supervisor_SUITE:rest_for_one`: the child that exited and the ones after it are restarted,
/// the ones before it are not; past the intensity the supervisor exits.
#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_the_child_and_those_after_it() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::RestForOne)
        .max_restarts(2, Duration::from_secs(3600))
        .child(child("child1").spec(&log))
        .child(child("child2").spec(&log))
        .child(child("child3").spec(&log))
        .start()
        .await
        .unwrap();
    assert_eq!(counts(&sup).await, [3, 3, 0, 3]);
    let (child1, child2, child3) = (
        pid_of(&sup, "child1").await,
        pid_of(&sup, "child2").await,
        pid_of(&sup, "child3").await,
    );
    terminate(&sup, &child2, How::Abnormal).await;
    assert_eq!(child3.exited().await, ExitReason::Shutdown);
    assert_eq!(pid_of(&sup, "child1").await, child1);
    let now: Vec<Pid> = children(&sup)
        .await
        .into_iter()
        .map(|(_, pid)| pid.unwrap())
        .collect();
    assert!(!now.contains(&child2) && !now.contains(&child3));
    assert_eq!(counts(&sup).await, [3, 3, 0, 3]);

    let pid = pid_of(&sup, "child3").await;
    terminate(&sup, &pid, How::Abnormal).await;
    let pid = pid_of(&sup, "child2").await;
    terminate(&sup, &pid, How::Abnormal).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:rest_for_one_escalation`.
#[tokio::test(start_paused = true)]
async fn rest_for_one_a_later_child_that_cannot_restart_escalates() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::RestForOne)
        .max_restarts(4, Duration::from_secs(3600))
        .child(child("child1").spec(&log))
        .child(child("child2").restart_fails().spec(&log))
        .start()
        .await
        .unwrap();
    let (child1, child2) = (pid_of(&sup, "child1").await, pid_of(&sup, "child2").await);
    worker_of(&sup, "child1").await.crash().unwrap();
    child1.exited().await;
    assert_eq!(child2.exited().await, ExitReason::Shutdown);
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:rest_for_one_other_child_fails_restart`: when the child after the one
/// restarted fails to start, the retry restarts from it, not from the first one again.
#[tokio::test(start_paused = true)]
async fn rest_for_one_retries_from_the_child_that_failed() {
    let log = Log::default();
    let script2 = Script::then(&[Outcome::Start, Outcome::Fail], Outcome::Start);
    let sup = Supervisor::builder()
        .strategy(Strategy::RestForOne)
        .max_restarts(3, Duration::from_secs(3600))
        .child(child("child1").spec(&log))
        .child(child("child2").script(&script2).spec(&log))
        .start()
        .await
        .unwrap();
    let child1 = pid_of(&sup, "child1").await;
    worker_of(&sup, "child1").await.crash().unwrap();
    child1.exited().await;
    settle(&sup).await;
    assert_eq!(
        entries(&log),
        [
            "start child1",
            "start child2",
            "stop child1 (panicked: child1 crashed)",
            "stop child2 (shutdown)",
            "start child1",
            "start child2",
        ]
    );
    assert_eq!(counts(&sup).await, [2, 2, 0, 2]);
}

/// `supervisor_SUITE:child_unlink`: a child that unlinks itself from its supervisor does not
/// make the supervisor hang when it is terminated.
#[tokio::test(start_paused = true)]
async fn a_child_that_unlinked_itself_is_still_terminated() {
    struct Naughty;
    #[genserver]
    impl Naughty {
        #[init]
        fn init(sup_name: String, ctx: &mut Context<Self>) -> Self {
            if let Some(sup) = Supervisor::whereis(&sup_name) {
                ctx.unlink(&sup);
            }
            Naughty
        }
        #[call]
        fn ping(&self) -> bool {
            true
        }
    }

    let sup = Supervisor::builder()
        .name("supervisor_suite/child_unlink")
        .start()
        .await
        .unwrap();
    let naughty = sup
        .start_child(ChildSpec::new("naughty_child", || {
            Naughty::start("supervisor_suite/child_unlink".to_owned())
        }))
        .await
        .unwrap();
    sup.terminate_child_id("naughty_child").await.unwrap();
    assert_eq!(naughty.exited().await, ExitReason::Shutdown);
    assert_eq!(counts(&sup).await, [0, 0, 0, 0]);
}

/// `supervisor_SUITE:tree`: a supervision tree; only the crashed grandchild is restarted; a
/// child supervisor whose restart escalates is restarted by the top `one_for_all`, and the
/// restarted child supervisors lose their dynamic children.
#[tokio::test(start_paused = true)]
async fn a_tree_restarts_a_child_supervisor_without_its_dynamic_children() {
    let log = Log::default();
    let sup1_log = log.clone();
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForAll)
        .max_restarts(4, Duration::from_secs(3600))
        .start()
        .await
        .unwrap();
    let sup1 = sup
        .start_child(ChildSpec::new("supchild1", move || {
            Supervisor::builder()
                .max_restarts(4, Duration::from_secs(3600))
                .child(child("child1").spec(&sup1_log))
                .child(child("child2").spec(&sup1_log))
                .start()
        }))
        .await
        .unwrap();
    let sup2 = sup
        .start_child(ChildSpec::new("supchild2", || {
            Supervisor::builder()
                .max_restarts(4, Duration::from_secs(3600))
                .start()
        }))
        .await
        .unwrap();
    sup.start_child(
        ChildSpec::new("supchild3", || {
            Supervisor::builder()
                .max_restarts(4, Duration::from_secs(3600))
                .start()
        })
        .restart(Restart::Transient),
    )
    .await
    .unwrap();
    // Dynamic here, so it is removed: OTP keeps it stopped and counts [3,2,3,0].
    sup.terminate_child_id("supchild3").await.unwrap();
    assert_eq!(counts(&sup).await, [2, 2, 2, 0]);

    let sup1 = sup1.downcast::<Supervisor>().unwrap();
    let sup2 = sup2.downcast::<Supervisor>().unwrap();
    assert_eq!(counts(&sup1).await, [2, 2, 0, 2]);
    assert_eq!(counts(&sup2).await, [0, 0, 0, 0]);

    let child3 = sup2
        .start_child(child("child3").restart_fails().spec(&log))
        .await
        .unwrap();
    let child4 = sup2.start_child(child("child4").spec(&log)).await.unwrap();
    assert_eq!(counts(&sup2).await, [2, 2, 0, 2]);

    let (child1, child2) = (pid_of(&sup1, "child1").await, pid_of(&sup1, "child2").await);
    terminate(&sup2, &child4, How::Abnormal).await;
    assert_eq!(pid_of(&sup1, "child1").await, child1);
    assert_eq!(pid_of(&sup1, "child2").await, child2);
    assert_eq!(counts(&sup1).await, [2, 2, 0, 2]);
    assert_eq!(pid_of(&sup2, "child3").await, child3);
    assert_ne!(pid_of(&sup2, "child4").await, child4);
    assert_eq!(counts(&sup2).await, [2, 2, 0, 2]);

    // child3 cannot restart: sup2 gives up, and the top supervisor restarts its children.
    let sup2_pid = sup2.pid();
    child3.downcast::<Worker>().unwrap().crash().unwrap();
    assert_eq!(sup2_pid.exited().await, ExitReason::Shutdown);
    let _ = sup.count_children().await;
    assert_eq!(counts(&sup).await, [2, 2, 2, 0]);
    let new_sup1 = pid_of(&sup, "supchild1").await;
    let new_sup2 = pid_of(&sup, "supchild2").await;
    assert_ne!(new_sup1, sup1.pid());
    assert_ne!(new_sup2, sup2_pid);
    let new_sup1 = new_sup1.downcast::<Supervisor>().unwrap();
    let new_sup2 = new_sup2.downcast::<Supervisor>().unwrap();
    assert_eq!(counts(&new_sup1).await, [2, 2, 0, 2]);
    assert!(children(&new_sup2).await.is_empty());
    assert_eq!(counts(&new_sup2).await, [0, 0, 0, 0]);
}

/// `supervisor_SUITE:count_children` and `count_children_supervisor`: many dynamic children,
/// workers or supervisors, counted as they come and as they go.
#[tokio::test(start_paused = true)]
async fn many_children_counted_as_they_come_and_go() {
    let log = Log::default();
    let sup = one_for_one().start().await.unwrap();
    for n in 0..500 {
        sup.start_child(
            child(&format!("w{n}"))
                .spec(&log)
                .restart(Restart::Temporary),
        )
        .await
        .unwrap();
    }
    for n in 0..100 {
        sup.start_child(
            ChildSpec::new(format!("s{n}"), || Supervisor::builder().start())
                .restart(Restart::Temporary),
        )
        .await
        .unwrap();
    }
    assert_eq!(sup.which_children().await.unwrap().len(), 600);
    assert_eq!(counts(&sup).await, [600, 600, 100, 500]);
    for (_, pid) in children(&sup).await {
        pid.unwrap().kill();
    }
    for (_, pid) in children(&sup).await {
        pid.unwrap().exited().await;
    }
    assert_eq!(counts(&sup).await, [0, 0, 0, 0]);
}

/// `supervisor_SUITE:count_restarting_children`: children whose restart fails count as
/// workers, not as active, until their retry succeeds.
#[tokio::test(start_paused = true)]
async fn restarting_children_are_counted_but_not_active() {
    let log = Log::default();
    let script = Script::always(Outcome::Start);
    let sup = Supervisor::builder()
        .max_restarts(20, Duration::from_secs(10))
        .start()
        .await
        .unwrap();
    assert_eq!(counts(&sup).await, [0, 0, 0, 0]);
    for n in 1..=3 {
        sup.start_child(
            child(&format!("ch{n}"))
                .script(&script)
                .spec(&log)
                .shutdown(Shutdown::BrutalKill),
        )
        .await
        .unwrap();
        assert_eq!(counts(&sup).await, [n, n, 0, n]);
    }
    script.set(Outcome::FailAfter(Duration::from_secs(2)));
    for id in ["ch1", "ch2"] {
        let pid = pid_of(&sup, id).await;
        pid.kill();
        pid.exited().await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(counts(&sup).await, [3, 1, 0, 3]);
    let restarting: Vec<String> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .filter(|child| child.restarting)
        .map(|child| child.id)
        .collect();
    assert_eq!(restarting, ["ch1", "ch2"]);

    script.set(Outcome::Start);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(counts(&sup).await, [3, 3, 0, 3]);
    for (n, id) in ["ch3", "ch1", "ch2"].into_iter().enumerate() {
        sup.terminate_child_id(id).await.unwrap();
        assert_eq!(counts(&sup).await[0], 2 - n);
    }
}

/// `supervisor_SUITE:do_not_save_child_specs_for_temporary_children`, with children given to
/// the builder: a permanent child killed is restarted (`already_started`), a transient one
/// stopped normally is kept (`already_present`, restartable), a temporary one is not kept —
/// under each strategy.
#[tokio::test(start_paused = true)]
async fn only_temporary_children_leave_when_they_stop() {
    let log = Log::default();
    let sup_of = |strategy, spec| async move {
        Supervisor::builder()
            .strategy(strategy)
            .max_restarts(2, Duration::from_secs(3600))
            .child(spec)
            .start()
            .await
            .unwrap()
    };
    for strategy in [
        Strategy::OneForOne,
        Strategy::OneForAll,
        Strategy::RestForOne,
    ] {
        let sup = sup_of(strategy, child("child1").spec(&log)).await;
        let child1 = pid_of(&sup, "child1").await;
        terminate(&sup, &child1, How::Kill).await;
        assert!(matches!(
            sup.start_child(child("child1").spec(&log)).await,
            Err(SupervisorError::AlreadyStarted(_))
        ));

        let transient = || child("child2").spec(&log).restart(Restart::Transient);
        let sup = sup_of(strategy, transient()).await;
        let child2 = pid_of(&sup, "child2").await;
        terminate(&sup, &child2, How::Normal).await;
        assert_eq!(
            sup.start_child(transient()).await,
            Err(SupervisorError::AlreadyPresent)
        );
        sup.restart_child("child2").await.unwrap();

        for how in [How::Kill, How::Normal, How::Abnormal] {
            let temporary = || child("child3").spec(&log).restart(Restart::Temporary);
            let sup = sup_of(strategy, temporary()).await;
            let child3 = pid_of(&sup, "child3").await;
            terminate(&sup, &child3, how).await;
            sup.start_child(temporary()).await.unwrap();
        }
    }
}

/// `supervisor_SUITE:simple_global_supervisor` (OTP-9212), with local names: a named child
/// supervisor with a named worker, under a `one_for_all` top; killing either, a normal exit
/// of the worker, and `terminate_child` + `restart_child` of it all leave both names
/// registered again, to new servers.
#[tokio::test(start_paused = true)]
async fn a_named_supervisor_and_its_named_worker_are_registered_again_after_restarts() {
    const SUP2: &str = "supervisor_suite/sup2";
    const SERVER: &str = "supervisor_suite/server";
    async fn start(log: &Log) -> SupervisorRef {
        let log = log.clone();
        Supervisor::builder()
            .strategy(Strategy::OneForAll)
            .max_restarts(3, Duration::from_secs(60))
            .child(ChildSpec::new("middle", move || {
                Supervisor::options().name(SUP2).start(
                    Supervisor::builder()
                        .strategy(Strategy::OneForAll)
                        .max_restarts(3, Duration::from_secs(60))
                        .child(child("child").named(SERVER).spec(&log)),
                )
            }))
            .start()
            .await
            .unwrap()
    }
    async fn names() -> (Pid, Pid) {
        (
            Supervisor::whereis(SUP2).unwrap().pid(),
            Worker::whereis(SERVER).unwrap().pid(),
        )
    }
    let log = Log::default();

    // kill_supervisor
    let top = start(&log).await;
    let (sup2, server) = names().await;
    terminate(&top, &sup2, How::Kill).await;
    let (new_sup2, new_server) = names().await;
    assert_ne!(new_sup2, sup2);
    assert_ne!(new_server, server);
    top.kill();
    top.exited().await;
    assert!(Supervisor::whereis(SUP2).is_none());
    assert!(Worker::whereis(SERVER).is_none());

    // kill_worker, exit_worker
    for how in [How::Kill, How::Normal] {
        let top = start(&log).await;
        let (sup2, server) = names().await;
        terminate(&Supervisor::whereis(SUP2).unwrap(), &server, how).await;
        let (same_sup2, new_server) = names().await;
        assert_eq!(same_sup2, sup2);
        assert_ne!(new_server, server);
        top.kill();
        top.exited().await;
    }

    // restart_worker
    let top = start(&log).await;
    let (_, server) = names().await;
    let sup2 = SupervisorRef::from_name(SUP2);
    sup2.terminate_child_id("child").await.unwrap();
    sup2.restart_child("child").await.unwrap();
    let (_, new_server) = names().await;
    assert_ne!(new_server, server);
    top.kill();
    top.exited().await;
}

/// `supervisor_SUITE:hanging_restart_loop` (OTP-9549): a child whose restart keeps failing
/// (each try taking 2 s) is `restarting`; the supervisor still answers — `already_present`,
/// `restarting` for `restart_child` and `delete_child` — lets it be terminated, restarted once
/// it can start, and shuts down while a restart loop goes on.
#[tokio::test(start_paused = true)]
async fn a_supervisor_in_a_restart_loop_still_answers_and_shuts_down() {
    let log = Log::default();
    let script = Script::always(Outcome::Start);
    let spec = || {
        child("child1")
            .script(&script)
            .spec(&log)
            .shutdown(Shutdown::BrutalKill)
    };
    let sup = Supervisor::options()
        .name("supervisor_suite/hanging")
        .start(
            Supervisor::builder()
                .max_restarts(8, Duration::from_secs(10))
                .child(spec()),
        )
        .await
        .unwrap();
    let first = pid_of(&sup, "child1").await;
    script.set(Outcome::FailAfter(Duration::from_secs(2)));
    first.kill();
    first.exited().await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    assert_eq!(
        sup.start_child(spec()).await,
        Err(SupervisorError::AlreadyPresent)
    );
    assert_eq!(
        sup.restart_child("child1").await,
        Err(SupervisorError::Restarting)
    );
    assert_eq!(
        sup.delete_child("child1").await,
        Err(SupervisorError::Restarting)
    );
    let info = sup.which_child("child1").await.unwrap();
    assert!(info.restarting && info.pid.is_none());
    assert_eq!(counts(&sup).await, [1, 0, 0, 1]);

    sup.terminate_child_id("child1").await.unwrap();
    let info = sup.which_child("child1").await.unwrap();
    assert!(!info.restarting && info.pid.is_none());

    script.set(Outcome::Start);
    let second = sup.restart_child("child1").await.unwrap();
    script.set(Outcome::FailAfter(Duration::from_secs(2)));
    second.kill();
    second.exited().await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
    assert!(Supervisor::whereis("supervisor_suite/hanging").is_none());
}

/// `supervisor_SUITE:hanging_restart_loop_rest_for_one`: the same under `rest_for_one`: the
/// children after the one restarting are stopped, the ones before it run.
#[tokio::test(start_paused = true)]
async fn a_rest_for_one_restart_loop_leaves_the_later_children_stopped() {
    let log = Log::default();
    let script = Script::always(Outcome::Start);
    let sup = Supervisor::builder()
        .strategy(Strategy::RestForOne)
        .max_restarts(8, Duration::from_secs(10))
        .child(child("child1").spec(&log).shutdown(Shutdown::BrutalKill))
        .child(
            child("child2")
                .script(&script)
                .spec(&log)
                .shutdown(Shutdown::BrutalKill),
        )
        .child(child("child3").spec(&log).shutdown(Shutdown::BrutalKill))
        .start()
        .await
        .unwrap();
    let child1 = pid_of(&sup, "child1").await;
    let child2 = pid_of(&sup, "child2").await;
    script.set(Outcome::FailAfter(Duration::from_secs(2)));
    child2.kill();
    child2.exited().await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    assert_eq!(
        sup.restart_child("child2").await,
        Err(SupervisorError::Restarting)
    );
    let states: Vec<(String, bool, bool)> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|child| (child.id, child.pid.is_some(), child.restarting))
        .collect();
    assert_eq!(
        states,
        [
            ("child1".to_owned(), true, false),
            ("child2".to_owned(), false, true),
            ("child3".to_owned(), false, false),
        ]
    );
    assert_eq!(counts(&sup).await, [3, 1, 0, 3]);
    assert_eq!(pid_of(&sup, "child1").await, child1);

    sup.terminate_child_id("child2").await.unwrap();
    script.set(Outcome::Start);
    sup.restart_child("child2").await.unwrap();
    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:already_started_outside_supervisor`: a child whose name is held by a
/// server outside the supervisor: `already_started` with that server.
#[tokio::test(start_paused = true)]
async fn a_child_whose_name_is_held_elsewhere_is_already_started() {
    let log = Log::default();
    let outside = Supervisor::builder()
        .child(
            child("outside")
                .named("supervisor_suite/registered_name")
                .spec(&log),
        )
        .start()
        .await
        .unwrap();
    let holder = pid_of(&outside, "outside").await;
    let sup = one_for_one().start().await.unwrap();
    assert_eq!(
        sup.start_child(
            child("child")
                .named("supervisor_suite/registered_name")
                .spec(&log)
                .restart(Restart::Transient)
        )
        .await,
        Err(SupervisorError::AlreadyStarted(holder))
    );
    assert!(children(&sup).await.is_empty());
}

/// `supervisor_SUITE:nonsignificant_temporary` and `nonsignificant_transient`: children that
/// are not significant never shut the supervisor down, whatever its `auto_shutdown`.
#[tokio::test(start_paused = true)]
async fn children_that_are_not_significant_never_shut_the_supervisor_down() {
    let log = Log::default();
    for auto_shutdown in [
        AutoShutdown::Never,
        AutoShutdown::AnySignificant,
        AutoShutdown::AllSignificant,
    ] {
        let sup = Supervisor::builder()
            .max_restarts(5, Duration::from_secs(3600))
            .auto_shutdown(auto_shutdown)
            .child(child("child1").spec(&log).restart(Restart::Transient))
            .start()
            .await
            .unwrap();
        sup.terminate_child_id("child1").await.unwrap();
        sup.restart_child("child1").await.unwrap();
        for how in [How::Kill, How::Abnormal, How::Normal] {
            let pid = pid_of(&sup, "child1").await;
            terminate(&sup, &pid, how).await;
            assert!(sup.is_alive(), "{auto_shutdown:?} {how:?}");
        }
        for how in [How::Kill, How::Abnormal, How::Normal] {
            let pid = sup
                .start_child(child("temp").spec(&log).restart(Restart::Temporary))
                .await
                .unwrap();
            terminate(&sup, &pid, how).await;
            assert!(sup.is_alive(), "{auto_shutdown:?} temporary {how:?}");
        }
        sup.stop_with(ExitReason::Shutdown).await;
    }
}

/// `supervisor_SUITE:significant_temporary`: a temporary significant child that exits in any
/// way shuts down an `any_significant` supervisor (and all its children); terminated by the
/// supervisor it does not; under `all_significant` only the last one does.
#[tokio::test(start_paused = true)]
async fn temporary_significant_children_shut_the_supervisor_down() {
    let log = Log::default();
    let significant = |id: &str| {
        child(id)
            .spec(&log)
            .restart(Restart::Temporary)
            .significant(true)
    };
    let builder = |auto_shutdown| {
        Supervisor::builder()
            .max_restarts(5, Duration::from_secs(3600))
            .auto_shutdown(auto_shutdown)
            .child(significant("child1"))
            .child(significant("child2"))
            .child(child("child3").spec(&log).restart(Restart::Temporary))
    };

    let sup = builder(AutoShutdown::AnySignificant).start().await.unwrap();
    sup.terminate_child_id("child1").await.unwrap();
    assert!(sup.is_alive());
    assert_eq!(counts(&sup).await, [2, 2, 0, 2]);
    let child1 = sup.start_child(significant("child1")).await.unwrap();
    let others = [pid_of(&sup, "child2").await, pid_of(&sup, "child3").await];
    child1.kill();
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
    for pid in &others {
        assert_eq!(pid.exited().await, ExitReason::Shutdown);
    }

    for how in [How::Abnormal, How::Normal] {
        let sup = builder(AutoShutdown::AnySignificant).start().await.unwrap();
        let pid = pid_of(&sup, "child1").await;
        terminate(&sup, &pid, how).await;
        assert_eq!(sup.exited().await, ExitReason::Shutdown, "{how:?}");
    }

    let sup = builder(AutoShutdown::AllSignificant).start().await.unwrap();
    let child3 = pid_of(&sup, "child3").await;
    let pid = pid_of(&sup, "child1").await;
    terminate(&sup, &pid, How::Normal).await;
    assert!(sup.is_alive());
    let pid = pid_of(&sup, "child2").await;
    terminate(&sup, &pid, How::Normal).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
    assert_eq!(child3.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:significant_transient`: a transient significant child that is killed or
/// crashes is restarted (no shutdown); one that exits normally shuts the supervisor down; one
/// terminated by the supervisor does not.
#[tokio::test(start_paused = true)]
async fn transient_significant_children_shut_down_only_on_a_normal_exit() {
    let log = Log::default();
    let significant = |id: &str| {
        child(id)
            .spec(&log)
            .restart(Restart::Transient)
            .significant(true)
    };
    let builder = |auto_shutdown| {
        Supervisor::builder()
            .max_restarts(5, Duration::from_secs(3600))
            .auto_shutdown(auto_shutdown)
            .child(significant("child1"))
            .child(significant("child2"))
            .child(child("child3").spec(&log).restart(Restart::Transient))
    };

    let sup = builder(AutoShutdown::AnySignificant).start().await.unwrap();
    sup.terminate_child_id("child1").await.unwrap();
    assert!(sup.is_alive());
    sup.restart_child("child1").await.unwrap();
    for how in [How::Kill, How::Abnormal] {
        let pid = pid_of(&sup, "child1").await;
        terminate(&sup, &pid, how).await;
        assert!(sup.is_alive(), "{how:?}");
        assert_ne!(pid_of(&sup, "child1").await, pid);
    }
    let pid = pid_of(&sup, "child1").await;
    terminate(&sup, &pid, How::Normal).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);

    let sup = builder(AutoShutdown::AllSignificant).start().await.unwrap();
    let pid = pid_of(&sup, "child1").await;
    terminate(&sup, &pid, How::Normal).await;
    assert!(sup.is_alive());
    let pid = pid_of(&sup, "child2").await;
    terminate(&sup, &pid, How::Normal).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// `supervisor_SUITE:significant_bystander`: significant children stopped by a sibling's
/// restart (`one_for_all`, `rest_for_one`) do not shut the supervisor down.
#[tokio::test(start_paused = true)]
async fn significant_bystanders_of_a_restart_do_not_shut_the_supervisor_down() {
    let log = Log::default();
    for strategy in [
        Strategy::OneForOne,
        Strategy::OneForAll,
        Strategy::RestForOne,
    ] {
        for auto_shutdown in [AutoShutdown::AnySignificant, AutoShutdown::AllSignificant] {
            let transient = |id: &str, significant: bool| {
                child(id)
                    .spec(&log)
                    .restart(Restart::Transient)
                    .significant(significant)
            };
            let sup = Supervisor::builder()
                .strategy(strategy)
                .max_restarts(5, Duration::from_secs(3600))
                .auto_shutdown(auto_shutdown)
                .child(transient("child1", true))
                .child(transient("child2", false))
                .child(transient("child3", true))
                .start()
                .await
                .unwrap();
            let before = [pid_of(&sup, "child1").await, pid_of(&sup, "child3").await];
            let child2 = pid_of(&sup, "child2").await;
            terminate(&sup, &child2, How::Kill).await;
            let after = [pid_of(&sup, "child1").await, pid_of(&sup, "child3").await];
            match strategy {
                Strategy::OneForOne => assert_eq!(after, before),
                Strategy::OneForAll => assert!(after[0] != before[0] && after[1] != before[1]),
                Strategy::RestForOne => assert!(after[0] == before[0] && after[1] != before[1]),
            }
            assert!(sup.is_alive(), "{strategy:?} {auto_shutdown:?}");
            sup.stop_with(ExitReason::Shutdown).await;
        }
    }
}

/// `supervisor_SUITE:significant_escalation`: a worker's exit shuts down its supervisor, which
/// is itself a significant child and shuts down its own; a supervisor that is not significant
/// does not.
#[tokio::test(start_paused = true)]
async fn an_auto_shutdown_escalates_through_significant_supervisors() {
    let log = Log::default();
    for significant in [true, false] {
        let sup1 = Supervisor::builder()
            .auto_shutdown(AutoShutdown::AnySignificant)
            .child(
                ChildSpec::new("sup1", || {
                    Supervisor::builder()
                        .auto_shutdown(AutoShutdown::AnySignificant)
                        .start()
                })
                .restart(Restart::Transient)
                .significant(significant),
            )
            .start()
            .await
            .unwrap();
        let child_sup = pid_of(&sup1, "sup1")
            .await
            .downcast::<Supervisor>()
            .unwrap();
        let worker = child_sup
            .start_child(
                child("child1")
                    .spec(&log)
                    .restart(Restart::Transient)
                    .significant(true),
            )
            .await
            .unwrap();
        terminate(&child_sup, &worker, How::Normal).await;
        assert_eq!(child_sup.exited().await, ExitReason::Shutdown);
        let _ = sup1.count_children().await;
        if significant {
            assert_eq!(sup1.exited().await, ExitReason::Shutdown);
        } else {
            assert!(sup1.is_alive());
            sup1.stop_with(ExitReason::Shutdown).await;
        }
    }
}

/// `supervisor_SUITE:significant_upgrade_*` (what does not need a code upgrade) and
/// `supervisor.erl`'s `validSignificant`: a significant child that is permanent, or under
/// `auto_shutdown` `never`, is refused — at the supervisor's start and by `start_child`.
#[tokio::test(start_paused = true)]
async fn significant_children_in_bad_combinations_are_refused() {
    let log = Log::default();
    let permanent = child("child1").spec(&log).significant(true);
    assert!(matches!(
        Supervisor::builder()
            .auto_shutdown(AutoShutdown::AnySignificant)
            .child(permanent)
            .start()
            .await,
        Err(StartError::Init(SupervisorError::BadCombination))
    ));
    let under_never = child("child1")
        .spec(&log)
        .restart(Restart::Transient)
        .significant(true);
    assert!(matches!(
        Supervisor::builder().child(under_never).start().await,
        Err(StartError::Init(SupervisorError::BadCombination))
    ));
    assert!(entries(&log).is_empty());

    let sup = one_for_one().start().await.unwrap();
    assert_eq!(
        sup.start_child(
            child("child1")
                .spec(&log)
                .restart(Restart::Transient)
                .significant(true)
        )
        .await,
        Err(SupervisorError::BadCombination)
    );
    let sup = Supervisor::builder()
        .auto_shutdown(AutoShutdown::AllSignificant)
        .start()
        .await
        .unwrap();
    assert_eq!(
        sup.start_child(child("child1").spec(&log).significant(true))
            .await,
        Err(SupervisorError::BadCombination)
    );
}

/// Elixir's `supervisor_test.exs` "start_link/2": a named child that stops normally through
/// a call is restarted (it is permanent) and its name reaches the new one.
#[tokio::test(start_paused = true)]
async fn a_permanent_named_child_that_stops_normally_is_back_under_its_name() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(
            child("stack")
                .named("supervisor_suite/dyn_stack")
                .spec(&log),
        )
        .start()
        .await
        .unwrap();
    let by_name = WorkerRef::from_name("supervisor_suite/dyn_stack");
    assert_eq!(by_name.id().await, Ok("stack".to_owned()));
    let first = Worker::whereis("supervisor_suite/dyn_stack").unwrap().pid();
    terminate(&sup, &first, How::Normal).await;
    assert_eq!(by_name.id().await, Ok("stack".to_owned()));
    assert_ne!(
        Worker::whereis("supervisor_suite/dyn_stack").unwrap().pid(),
        first
    );
    sup.stop().await;
}

/// Elixir's `supervisor_test.exs` "child life cycle", with a child given to the builder (a
/// child given to `start_child` is dynamic: terminated by id, it is removed).
#[tokio::test(start_paused = true)]
async fn the_child_life_cycle() {
    let log = Log::default();
    let sup = one_for_one().start().await.unwrap();
    assert!(sup.which_children().await.unwrap().is_empty());
    assert_eq!(counts(&sup).await, [0, 0, 0, 0]);
    let stack = sup.start_child(child("stack").spec(&log)).await.unwrap();
    assert_eq!(children(&sup).await, [("stack".to_owned(), Some(stack))]);
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
    assert_eq!(
        sup.delete_child("stack").await,
        Err(SupervisorError::Running)
    );
    sup.terminate_child_id("stack").await.unwrap();
    assert_eq!(
        sup.restart_child("stack").await,
        Err(SupervisorError::NotFound)
    );

    let sup = one_for_one()
        .child(child("stack").spec(&log))
        .start()
        .await
        .unwrap();
    assert_eq!(
        sup.delete_child("stack").await,
        Err(SupervisorError::Running)
    );
    sup.terminate_child_id("stack").await.unwrap();
    let stack = sup.restart_child("stack").await.unwrap();
    assert_eq!(
        stack.downcast::<Worker>().unwrap().id().await,
        Ok("stack".to_owned())
    );
    sup.terminate_child_id("stack").await.unwrap();
    sup.delete_child("stack").await.unwrap();
    sup.stop().await;
}

/// Elixir's `supervisor_test.exs` "start_child/2 with valid child spec" (`Task` children with
/// shutdowns of 0 and 1): a supervised task that would run forever is cancelled by its
/// supervisor, and exits with `shutdown` — or `killed`, with a shutdown of zero, which gives it
/// no time at all.
#[tokio::test(start_paused = true)]
async fn a_supervised_task_is_cancelled_by_its_shutdown() {
    let sup = one_for_one().start().await.unwrap();
    for (n, shutdown, reason) in [
        (0, Duration::ZERO, ExitReason::Killed),
        (1, Duration::from_millis(1), ExitReason::Shutdown),
    ] {
        let task = sup
            .start_child(
                ChildSpec::task(format!("task{n}"), || async {
                    std::future::pending::<()>().await;
                    Ok::<(), String>(())
                })
                .shutdown(shutdown),
            )
            .await
            .unwrap();
        assert!(task.is_alive());
        sup.terminate_child(&task).await.unwrap();
        assert_eq!(task.exited().await, reason);
    }
}
