//! Supervisors: strategies, restart types, intensity, shutdown, nesting, dynamic children.

use super::*;

// ---------------------------------------------------------------------------------------------
// Supervisors

impl ServerRef<Probe> {
    /// Crashes the probe (for a name handle, the one holding the name now) and waits until
    /// `sup` has handled its exit: the exit is in the supervisor's mailbox once the probe has
    /// exited, so the supervisor's next answer comes after the restart.
    async fn crash_under(&self, sup: &crate::SupervisorRef) {
        let pid = self.pid();
        self.crash();
        pid.exited().await;
        let _ = sup.count_children().await;
    }
}

#[tokio::test(start_paused = true)]
async fn children_start_in_order_and_stop_in_reverse() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(probe_spec("one", None, &log))
        .child(probe_spec("two", None, &log))
        .child(probe_spec("three", None, &log))
        .start()
        .await
        .unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(
        children.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["one", "two", "three"]
    );
    assert!(
        children
            .iter()
            .all(|c| c.kind == ChildKind::Worker && c.pid.is_some())
    );
    sup.stop().await;
    assert_eq!(
        entries(&log),
        [
            "start one",
            "start two",
            "start three",
            "stop three (shutdown)",
            "stop two (shutdown)",
            "stop one (shutdown)"
        ]
    );
    assert!(children.iter().all(|c| !c.pid.as_ref().unwrap().is_alive()));
}

#[tokio::test(start_paused = true)]
async fn one_for_one_restarts_the_crashed_child_under_its_name() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(probe_spec("a", Some("sup/one-for-one/a"), &log))
        .child(probe_spec("b", None, &log))
        .start()
        .await
        .unwrap();
    let by_name = ServerRef::<Probe>::from_name("sup/one-for-one/a");
    let before = by_name.id();
    let b_before = sup.which_children().await.unwrap()[1].pid.clone().unwrap();
    by_name.crash_under(&sup).await;
    assert_eq!(by_name.ping().await.unwrap(), "a");
    assert_ne!(by_name.id(), before);
    assert!(b_before.is_alive());
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn transient_children_restart_only_after_an_abnormal_exit_and_temporary_never() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .child(probe_spec("transient", None, &log).restart(Restart::Transient))
        .child(probe_spec("temporary", None, &log).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    let pid = |children: &[crate::ChildInfo], i: usize| {
        children[i]
            .pid
            .clone()
            .unwrap()
            .downcast::<Probe>()
            .unwrap()
    };
    let children = sup.which_children().await.unwrap();
    pid(&children, 0).crash_under(&sup).await;
    let children = sup.which_children().await.unwrap();
    assert!(children[0].pid.is_some(), "restarted after a panic");

    pid(&children, 0).stop().await;
    let children = sup.which_children().await.unwrap();
    assert!(
        children[0].pid.is_none(),
        "not restarted after a normal exit"
    );
    assert_eq!(children.len(), 2);

    pid(&children, 1).crash_under(&sup).await;
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1, "a temporary child leaves when it exits");
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (1, 0));
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_restarts_exactly_the_later_children() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::RestForOne)
        .child(probe_spec("a", None, &log))
        .child(probe_spec("b", None, &log))
        .child(probe_spec("c", None, &log))
        .start()
        .await
        .unwrap();
    let before = sup.which_children().await.unwrap();
    log.lock().unwrap().clear();
    before[1]
        .pid
        .as_ref()
        .unwrap()
        .downcast::<Probe>()
        .unwrap()
        .crash_under(&sup)
        .await;
    let after = sup.which_children().await.unwrap();
    assert_eq!(after[0].pid, before[0].pid);
    assert_ne!(after[1].pid, before[1].pid);
    assert_ne!(after[2].pid, before[2].pid);
    assert_eq!(
        entries(&log),
        [
            "stop b (panicked: b crashed)",
            "stop c (shutdown)",
            "start b",
            "start c"
        ]
    );
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn one_for_all_restarts_every_child() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .strategy(Strategy::OneForAll)
        .child(probe_spec("a", None, &log))
        .child(probe_spec("b", None, &log))
        .child(probe_spec("c", None, &log))
        .start()
        .await
        .unwrap();
    let before = sup.which_children().await.unwrap();
    log.lock().unwrap().clear();
    before[1]
        .pid
        .as_ref()
        .unwrap()
        .downcast::<Probe>()
        .unwrap()
        .crash_under(&sup)
        .await;
    let after = sup.which_children().await.unwrap();
    for (a, b) in before.iter().zip(&after) {
        assert_ne!(a.pid, b.pid);
        assert!(b.pid.as_ref().unwrap().is_alive());
    }
    assert_eq!(
        entries(&log),
        [
            "stop b (panicked: b crashed)",
            "stop c (shutdown)",
            "stop a (shutdown)",
            "start a",
            "start b",
            "start c"
        ]
    );
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn past_the_intensity_the_supervisor_stops_with_its_children() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(2, Duration::from_secs(5))
        .child(probe_spec("crashy", Some("sup/intensity/crashy"), &log))
        .child(probe_spec("bystander", None, &log))
        .start()
        .await
        .unwrap();
    let bystander = sup.which_children().await.unwrap()[1].pid.clone().unwrap();
    let crashy = ServerRef::<Probe>::from_name("sup/intensity/crashy");
    for _ in 0..2 {
        crashy.crash_under(&sup).await;
        assert!(crashy.is_alive());
    }
    crashy.crash();
    assert_eq!(sup.exited().await, ExitReason::Shutdown);
    assert!(!bystander.is_alive());
    assert!(!crashy.is_alive());
}

#[tokio::test(start_paused = true)]
async fn restarts_older_than_the_period_do_not_count() {
    let log = Log::default();
    let sup = Supervisor::builder()
        .max_restarts(1, Duration::from_secs(5))
        .child(probe_spec("crashy", Some("sup/period/crashy"), &log))
        .start()
        .await
        .unwrap();
    let crashy = ServerRef::<Probe>::from_name("sup/period/crashy");
    for _ in 0..3 {
        crashy.crash_under(&sup).await;
        assert!(crashy.is_alive());
        tokio::time::sleep(Duration::from_secs(6)).await;
    }
    assert!(sup.is_alive());
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_child_slow_to_terminate_is_killed_after_its_shutdown() {
    let log = Log::default();
    let slow = ProbeArgs {
        terminate_delay: Some(Duration::from_secs(60)),
        ..args("slow", &log)
    };
    let sup = Supervisor::builder()
        .child(
            ChildSpec::new("slow", move || Options::<Probe>::new().start(slow.clone()))
                .shutdown(Duration::from_secs(1)),
        )
        .start()
        .await
        .unwrap();
    let started = tokio::time::Instant::now();
    sup.stop().await;
    assert_eq!(started.elapsed(), Duration::from_secs(1));
    assert_eq!(entries(&log), ["start slow"]);
}

#[tokio::test(start_paused = true)]
async fn a_failing_child_fails_the_start_and_stops_the_others() {
    let log = Log::default();
    let failing = ProbeArgs {
        fail_init: true,
        ..args("failing", &log)
    };
    let result = Supervisor::builder()
        .name("sup/failing")
        .child(probe_spec("fine", None, &log))
        .child(ChildSpec::new("failing", move || {
            Options::<Probe>::new().start(failing.clone())
        }))
        .start()
        .await;
    match result {
        Err(StartError::Init(SupervisorError::ChildStart { id, reason })) => {
            assert_eq!(id, "failing");
            assert!(reason.contains("failing refused to start"), "{reason}");
        }
        other => panic!("expected ChildStart, got {other:?}"),
    }
    assert_eq!(entries(&log), ["start fine", "stop fine (shutdown)"]);
    assert!(Supervisor::whereis("sup/failing").is_none());

    let duplicate = Supervisor::builder()
        .child(probe_spec("same", None, &log))
        .child(probe_spec("same", None, &log))
        .start()
        .await;
    assert!(matches!(
        duplicate,
        Err(StartError::Init(SupervisorError::DuplicateChild(id))) if id == "same"
    ));
}

#[tokio::test(start_paused = true)]
async fn supervisors_nest() {
    let log = Log::default();
    let inner_log = log.clone();
    let outer = Supervisor::builder()
        .child(probe_spec("first", None, &log))
        .child(ChildSpec::new("inner", move || {
            Supervisor::builder()
                .name("sup/nested/inner")
                .child(probe_spec("leaf", Some("sup/nested/leaf"), &inner_log))
                .start()
        }))
        .child(probe_spec("last", None, &log))
        .start()
        .await
        .unwrap();
    let counts = outer.count_children().await.unwrap();
    assert_eq!(
        (counts.supervisors, counts.workers, counts.active),
        (1, 2, 3)
    );

    // The inner supervisor gives up; the outer one restarts it, with its child.
    let inner = Supervisor::whereis("sup/nested/inner").unwrap();
    let leaf = ServerRef::<Probe>::from_name("sup/nested/leaf");
    for _ in 0..4 {
        leaf.crash_under(&inner).await;
    }
    assert_eq!(inner.exited().await, ExitReason::Shutdown);
    outer.count_children().await.unwrap();
    assert!(Supervisor::whereis("sup/nested/inner").is_some());
    assert_eq!(leaf.ping().await.unwrap(), "leaf");

    log.lock().unwrap().clear();
    outer.stop().await;
    assert_eq!(
        entries(&log),
        [
            "stop last (shutdown)",
            "stop leaf (shutdown)",
            "stop first (shutdown)"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_killed_supervisor_takes_its_children_along() {
    let log = Log::default();
    let inner_log = log.clone();
    let outer = Supervisor::builder()
        .child(probe_spec("worker", None, &log))
        .child(ChildSpec::new("inner", move || {
            Supervisor::builder()
                .child(probe_spec("leaf", None, &inner_log))
                .start()
        }))
        .start()
        .await
        .unwrap();
    let children = outer.which_children().await.unwrap();
    let inner = children[1]
        .pid
        .clone()
        .unwrap()
        .downcast::<Supervisor>()
        .unwrap();
    let leaf = inner.which_children().await.unwrap()[0]
        .pid
        .clone()
        .unwrap();
    outer.kill();
    assert!(matches!(
        children[0].pid.as_ref().unwrap().exited().await,
        ExitReason::Linked { .. }
    ));
    assert!(matches!(inner.exited().await, ExitReason::Linked { .. }));
    assert!(!leaf.is_alive());
    // The inner supervisor stopped its child properly.
    assert!(entries(&log).contains(&"stop leaf (shutdown)".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisor_starts_and_stops_children_at_run_time() {
    let log = Log::default();
    let sup = Supervisor::builder().start().await.unwrap();
    let mut pids = Vec::new();
    for n in 0..3 {
        pids.push(
            sup.start_child(probe_spec(&format!("session-{n}"), None, &log))
                .await
                .unwrap(),
        );
        assert_eq!(sup.count_children().await.unwrap().active, n + 1);
    }
    // Ids are unique, as in OTP.
    assert_eq!(
        sup.start_child(probe_spec("session-0", None, &log)).await,
        Err(SupervisorError::AlreadyStarted(pids[0].clone()))
    );
    sup.terminate_child(&pids[1]).await.unwrap();
    assert!(!pids[1].is_alive());
    assert_eq!(
        sup.terminate_child(&pids[1]).await,
        Err(SupervisorError::NotFound)
    );
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(
        children.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["session-0", "session-2"]
    );

    pids[0].downcast::<Probe>().unwrap().crash_under(&sup).await;
    assert_eq!(sup.count_children().await.unwrap().active, 2);

    let failing = ProbeArgs {
        fail_init: true,
        ..args("failing", &log)
    };
    let refused = sup
        .start_child(ChildSpec::new("failing", move || {
            Options::<Probe>::new().start(failing.clone())
        }))
        .await;
    assert!(matches!(refused, Err(SupervisorError::ChildStart { .. })));
    sup.stop().await;
    assert!(pids.iter().all(|pid| !pid.is_alive()));
}
