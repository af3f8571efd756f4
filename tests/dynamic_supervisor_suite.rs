//! Cases of Elixir's `dynamic_supervisor_test.exs`, ported to children given to
//! `start_child`: `max_children` (with children being restarted counted in), which exits
//! restart and which remove a child, failed restarts tried again up to the intensity, and the
//! shutdown reasons of the children when the supervisor stops or terminates one. Each test's
//! doc comment names the case it comes from.

mod common;

use std::time::Duration;

use common::*;
use genserver::prelude::*;
use genserver::{Shutdown, SupervisorError};

fn dynamic() -> genserver::SupervisorBuilder {
    Supervisor::builder()
}

/// "with max_children": a supervisor with `max_children: 0` refuses every start.
#[tokio::test(start_paused = true)]
async fn with_max_children_zero_every_start_is_refused() {
    let log = Log::default();
    let sup = dynamic().max_children(0).start().await.unwrap();
    assert_eq!(
        sup.start_child(child("ok2").spec(&log)).await,
        Err(SupervisorError::MaxChildren)
    );
    assert!(entries(&log).is_empty());
}

/// "with different returns" (`:ignore`), and `supervisor_SUITE`'s
/// `sup_start_ignore_temporary_child_start_child` and
/// `sup_start_ignore_permanent_child_start_child_simple`: a child whose init returns
/// `Ok(None)` is not kept, whatever its restart type, and leaves its name free for the next
/// child; the supervisor goes on and stops cleanly.
#[tokio::test(start_paused = true)]
async fn a_dynamic_child_whose_start_is_ignored_is_not_kept() {
    let log = Log::default();
    let name = "dynamic_supervisor_suite/with_different_returns";
    let sup = dynamic().start().await.unwrap();
    for restart in [Restart::Temporary, Restart::Permanent] {
        let ignored = child("child1")
            .named(name)
            .script(&Script::always(Outcome::Ignore))
            .spec(&log)
            .restart(restart);
        assert_eq!(
            sup.start_child(ignored).await,
            Err(SupervisorError::Ignored)
        );
        assert!(Worker::whereis(name).is_none());
    }
    let child2 = sup
        .start_child(child("child2").spec(&log).restart(Restart::Temporary))
        .await
        .unwrap();
    assert_eq!(children(&sup).await, [("child2".to_owned(), Some(child2))]);
    assert_eq!(counts(&sup).await, [1, 1, 0, 1]);
    let child1 = sup
        .start_child(child("child1").named(name).spec(&log))
        .await
        .unwrap();
    assert_eq!(
        Worker::whereis(name).map(|worker| worker.pid()),
        Some(child1)
    );
    assert_eq!(entries(&log), ["start child2", "start child1"]);
    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
}

/// "child is restarted with different values" (`[:restart, :ignore]`), and
/// `supervisor_SUITE:simple_one_for_one_restart_ignore`: a dynamic child whose restart is
/// ignored is removed, and its name is free.
#[tokio::test(start_paused = true)]
async fn a_dynamic_child_whose_restart_is_ignored_is_removed() {
    let log = Log::default();
    let name = "dynamic_supervisor_suite/restart_ignore";
    let sup = dynamic()
        .max_restarts(100_000, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let script = Script::then(&[Outcome::Start], Outcome::Ignore);
    let pid = sup
        .start_child(
            child("restart-ignore")
                .named(name)
                .script(&script)
                .spec(&log),
        )
        .await
        .unwrap();
    assert_eq!(
        Worker::whereis(name).map(|worker| worker.pid()),
        Some(pid.clone())
    );
    terminate(&sup, &pid, How::Shutdown).await;
    assert!(sup.which_children().await.unwrap().is_empty());
    assert_eq!(counts(&sup).await, [0, 0, 0, 0]);
    assert!(Worker::whereis(name).is_none());
    assert_eq!(
        entries(&log),
        ["start restart-ignore", "stop restart-ignore (shutdown)"]
    );
}

/// "temporary child is not restarted regardless of reason".
#[tokio::test(start_paused = true)]
async fn a_temporary_child_is_not_restarted_regardless_of_reason() {
    let log = Log::default();
    let sup = dynamic().start().await.unwrap();
    for how in [How::Shutdown, How::Abnormal, How::Kill] {
        let pid = sup
            .start_child(child("ok2").spec(&log).restart(Restart::Temporary))
            .await
            .unwrap();
        terminate(&sup, &pid, how).await;
        let counts = sup.count_children().await.unwrap();
        assert_eq!((counts.workers, counts.active), (0, 0), "{how:?}");
    }
}

/// "transient child is restarted unless normal/shutdown/{shutdown, _}": a transient child that
/// exits normally is removed — a long-lived supervisor of transient workers does not grow —
/// one that fails is restarted.
#[tokio::test(start_paused = true)]
async fn a_transient_child_is_removed_after_a_normal_exit_and_restarted_after_a_failure() {
    let log = Log::default();
    let sup = dynamic().start().await.unwrap();
    for how in [How::Shutdown, How::Normal] {
        let pid = sup
            .start_child(child("ok2").spec(&log).restart(Restart::Transient))
            .await
            .unwrap();
        terminate(&sup, &pid, how).await;
        let counts = sup.count_children().await.unwrap();
        assert_eq!((counts.workers, counts.active), (0, 0), "{how:?}");
        assert!(sup.which_children().await.unwrap().is_empty());
    }
    let pid = sup
        .start_child(child("ok2").spec(&log).restart(Restart::Transient))
        .await
        .unwrap();
    terminate(&sup, &pid, How::Abnormal).await;
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.workers, counts.active), (1, 1));
    assert_ne!(pid_of(&sup, "ok2").await, pid);

    // Many workers that finish leave nothing behind.
    for n in 0..100 {
        let pid = sup
            .start_child(
                child(&format!("job{n}"))
                    .spec(&log)
                    .restart(Restart::Transient),
            )
            .await
            .unwrap();
        terminate(&sup, &pid, How::Normal).await;
    }
    assert_eq!(sup.count_children().await.unwrap().specs, 1);
}

/// "permanent child is restarted regardless of reason".
#[tokio::test(start_paused = true)]
async fn a_permanent_child_is_restarted_regardless_of_reason() {
    let log = Log::default();
    let sup = dynamic()
        .max_restarts(100_000, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    for (n, how) in [How::Shutdown, How::Normal, How::Abnormal]
        .into_iter()
        .enumerate()
    {
        let pid = sup
            .start_child(child(&format!("ok{n}")).spec(&log))
            .await
            .unwrap();
        terminate(&sup, &pid, how).await;
        let counts = sup.count_children().await.unwrap();
        assert_eq!((counts.workers, counts.active), (n + 1, n + 1), "{how:?}");
    }
}

/// "child is restarted with different values" (the error case): a restart that fails leaves
/// the child `restarting`, counted as a worker and not as active.
#[tokio::test(start_paused = true)]
async fn a_child_whose_restart_fails_is_restarting() {
    let log = Log::default();
    let sup = dynamic()
        .max_restarts(100_000, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let ok = sup.start_child(child("ok").spec(&log)).await.unwrap();
    let failing = Script::then(
        &[Outcome::Start],
        Outcome::FailAfter(Duration::from_secs(1)),
    );
    let error = sup
        .start_child(child("error").script(&failing).spec(&log))
        .await
        .unwrap();
    terminate(&sup, &ok, How::Shutdown).await;
    error.kill();
    error.exited().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let children = sup.which_children().await.unwrap();
    let states: Vec<(&str, bool, bool)> = children
        .iter()
        .map(|child| (child.id.as_str(), child.pid.is_some(), child.restarting))
        .collect();
    assert_eq!(states, [("ok", true, false), ("error", false, true)]);
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.workers, counts.active), (2, 1));
}

/// "restarting on init children counted in max_children": a child being restarted counts.
#[tokio::test(start_paused = true)]
async fn a_child_being_restarted_counts_against_max_children() {
    let log = Log::default();
    let sup = dynamic()
        .max_children(1)
        .max_restarts(100_000, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let failing = Script::then(
        &[Outcome::Start],
        Outcome::FailAfter(Duration::from_secs(1)),
    );
    let pid = sup
        .start_child(child("restart-error").script(&failing).spec(&log))
        .await
        .unwrap();
    pid.kill();
    pid.exited().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.workers, counts.active), (1, 0));
    assert_eq!(
        sup.start_child(child("ok2").spec(&log)).await,
        Err(SupervisorError::MaxChildren)
    );
}

/// "restarting on exit children counted in max_children": a restarted child still counts.
#[tokio::test(start_paused = true)]
async fn a_restarted_child_counts_against_max_children() {
    let log = Log::default();
    let sup = dynamic()
        .max_children(1)
        .max_restarts(100_000, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let pid = sup.start_child(child("ok2").spec(&log)).await.unwrap();
    terminate(&sup, &pid, How::Shutdown).await;
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.workers, counts.active), (1, 1));
    assert_eq!(
        sup.start_child(child("other").spec(&log)).await,
        Err(SupervisorError::MaxChildren)
    );
}

/// "child is restarted when trying again": a restart that fails once succeeds when tried
/// again.
#[tokio::test(start_paused = true)]
async fn a_restart_that_failed_once_succeeds_when_tried_again() {
    let log = Log::default();
    let sup = dynamic()
        .max_restarts(2, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let script = Script::then(&[Outcome::Start, Outcome::Fail], Outcome::Start);
    let pid = sup
        .start_child(child("try_again").script(&script).spec(&log))
        .await
        .unwrap();
    terminate(&sup, &pid, How::Shutdown).await;
    settle(&sup).await;
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.workers, counts.active), (1, 1));
    assert_eq!(
        entries(&log),
        [
            "start try_again",
            "stop try_again (shutdown)",
            "start try_again"
        ]
    );
}

/// "child triggers maximum restarts" and "child triggers maximum intensity when trying
/// again": a child that cannot restart takes the supervisor down with `shutdown`.
#[tokio::test(start_paused = true)]
async fn a_child_that_cannot_restart_takes_the_supervisor_down() {
    let log = Log::default();
    for max_restarts in [1, 10] {
        let sup = dynamic()
            .max_restarts(max_restarts, Duration::from_secs(5))
            .start()
            .await
            .unwrap();
        let pid = sup
            .start_child(child("restart-error").restart_fails().spec(&log))
            .await
            .unwrap();
        pid.downcast::<Worker>()
            .unwrap()
            .exit_with(ExitReason::Shutdown)
            .unwrap();
        assert_eq!(sup.exited().await, ExitReason::Shutdown, "{max_restarts}");
    }
}

/// Three children of one kind, and the monitors of their exits.
async fn three(
    sup: &SupervisorRef,
    spec: impl Fn(&str) -> ChildSpec,
) -> Vec<impl std::future::Future<Output = ExitReason>> {
    let mut downs = Vec::new();
    for id in ["child1", "child2", "child3"] {
        let pid = sup.start_child(spec(id)).await.unwrap();
        downs.push(pid.monitor());
    }
    downs
}

/// `terminate/2` "terminates children with brutal kill": `killed`.
#[tokio::test(start_paused = true)]
async fn stopping_the_supervisor_kills_brutally_killed_children() {
    let log = Log::default();
    let sup = dynamic().start().await.unwrap();
    let downs = three(&sup, |id| {
        child(id).spec(&log).shutdown(Shutdown::BrutalKill)
    })
    .await;
    sup.stop_with(ExitReason::Shutdown).await;
    for down in downs {
        assert_eq!(down.await, ExitReason::Killed);
    }
}

/// `terminate/2` "terminates children with infinity shutdown" and "with integer shutdown":
/// `shutdown`.
#[tokio::test(start_paused = true)]
async fn stopping_the_supervisor_shuts_its_children_down() {
    let log = Log::default();
    for shutdown in [
        Shutdown::Infinity,
        Shutdown::Timeout(Duration::from_secs(1)),
    ] {
        let sup = dynamic().start().await.unwrap();
        let downs = three(&sup, |id| child(id).spec(&log).shutdown(shutdown)).await;
        sup.stop_with(ExitReason::Shutdown).await;
        for down in downs {
            assert_eq!(down.await, ExitReason::Shutdown, "{shutdown:?}");
        }
    }
}

/// `terminate/2` "terminates children with infinity shutdown and abnormal reason", "with
/// integer shutdown and abnormal reason" and "with permanent restart and normal reason": a
/// child that exits on its own while being stopped keeps its reason.
#[tokio::test(start_paused = true)]
async fn children_that_exit_on_their_own_while_stopped_keep_their_reason() {
    let log = Log::default();
    let cases = [
        (
            Shutdown::Infinity,
            Restart::Temporary,
            ExitReason::error("oops"),
        ),
        (
            Shutdown::Timeout(Duration::from_secs(1)),
            Restart::Temporary,
            ExitReason::error("oops"),
        ),
        (Shutdown::Infinity, Restart::Permanent, ExitReason::Normal),
    ];
    for (shutdown, restart, reason) in cases {
        let sup = dynamic().start().await.unwrap();
        let mut downs = Vec::new();
        for id in ["child1", "child2", "child3"] {
            let pid = sup
                .start_child(child(id).spec(&log).shutdown(shutdown).restart(restart))
                .await
                .unwrap();
            pid.downcast::<Worker>()
                .unwrap()
                .busy_then_exit(Duration::from_millis(100), reason.clone())
                .unwrap();
            downs.push(pid.monitor());
        }
        sup.stop_with(ExitReason::Shutdown).await;
        for down in downs {
            assert_eq!(down.await, reason, "{shutdown:?} {restart:?}");
        }
    }
}

/// `terminate/2` "terminates children with expired integer shutdown": the child still in its
/// `terminate` when its shutdown runs out is killed, and its monitor sees `killed`; the others
/// see `shutdown`.
#[tokio::test(start_paused = true)]
async fn a_child_past_its_shutdown_is_seen_killed_by_its_monitors() {
    let log = Log::default();
    let sup = dynamic().start().await.unwrap();
    let shutdown = Duration::from_millis(1);
    let child1 = sup
        .start_child(child("child1").spec(&log).shutdown(shutdown))
        .await
        .unwrap();
    let child2 = sup
        .start_child(
            child("child2")
                .slow_terminate(Duration::from_secs(3600))
                .spec(&log)
                .shutdown(shutdown),
        )
        .await
        .unwrap();
    let child3 = sup
        .start_child(child("child3").spec(&log).shutdown(shutdown))
        .await
        .unwrap();
    let downs = [child1.monitor(), child2.monitor(), child3.monitor()];
    sup.stop_with(ExitReason::Shutdown).await;
    let [down1, down2, down3] = downs;
    assert_eq!(down1.await, ExitReason::Shutdown);
    assert_eq!(down2.await, ExitReason::Killed);
    assert_eq!(down3.await, ExitReason::Shutdown);
    assert_eq!(child2.exited().await, ExitReason::Killed);
}

/// `terminate/2` "terminates with mixed children".
#[tokio::test(start_paused = true)]
async fn stopping_the_supervisor_with_mixed_children() {
    let log = Log::default();
    let sup = dynamic().start().await.unwrap();
    let child1 = sup
        .start_child(child("child1").spec(&log).shutdown(Shutdown::Infinity))
        .await
        .unwrap();
    let child2 = sup
        .start_child(child("child2").spec(&log).shutdown(Shutdown::BrutalKill))
        .await
        .unwrap();
    let (down1, down2) = (child1.monitor(), child2.monitor());
    sup.stop_with(ExitReason::Shutdown).await;
    assert_eq!(down1.await, ExitReason::Shutdown);
    assert_eq!(down2.await, ExitReason::Killed);
}

/// `terminate_child/2` "terminates child with brutal kill" and "with integer shutdown": the
/// child exits (`killed`, `shutdown`), is gone (`not_found`), and nothing is counted.
#[tokio::test(start_paused = true)]
async fn terminate_child_stops_a_child_by_its_shutdown_and_removes_it() {
    let log = Log::default();
    for (shutdown, reason) in [
        (Shutdown::BrutalKill, ExitReason::Killed),
        (
            Shutdown::Timeout(Duration::from_secs(1)),
            ExitReason::Shutdown,
        ),
    ] {
        let sup = dynamic().start().await.unwrap();
        let pid = sup
            .start_child(child("sleepy").spec(&log).shutdown(shutdown))
            .await
            .unwrap();
        let down = pid.monitor();
        sup.terminate_child(&pid).await.unwrap();
        assert_eq!(down.await, reason);
        assert_eq!(
            sup.terminate_child(&pid).await,
            Err(SupervisorError::NotFound)
        );
        let counts = sup.count_children().await.unwrap();
        assert_eq!((counts.workers, counts.active), (0, 0));
    }
}

/// `terminate_child/2` "terminates restarting child": a child being restarted can be
/// terminated by the pid it had, and is then gone.
#[tokio::test(start_paused = true)]
async fn a_restarting_child_is_terminated_by_its_last_pid() {
    let log = Log::default();
    let sup = dynamic()
        .max_restarts(100_000, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let failing = Script::then(
        &[Outcome::Start],
        Outcome::FailAfter(Duration::from_millis(100)),
    );
    let pid = sup
        .start_child(child("restart-error").script(&failing).spec(&log))
        .await
        .unwrap();
    terminate(&sup, &pid, How::Shutdown).await;
    assert!(sup.which_child("restart-error").await.unwrap().restarting);
    sup.terminate_child(&pid).await.unwrap();
    assert_eq!(
        sup.terminate_child(&pid).await,
        Err(SupervisorError::NotFound)
    );
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.workers, counts.active), (0, 0));
}
