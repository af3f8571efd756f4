//! Names: the local registry, `via`, name handles.

use super::*;

// ---------------------------------------------------------------------------------------------
// Names

#[tokio::test(start_paused = true)]
async fn whereis_finds_a_named_server_and_a_second_start_is_refused() {
    let log = Log::default();
    let first = start_named("names/taken", args("first", &log))
        .await
        .unwrap();
    let found = ServerRef::<Probe>::whereis("names/taken").unwrap();
    assert_eq!(found.id(), first.id());
    assert_eq!(found.ping().await.unwrap(), "first");

    match start_named("names/taken", args("second", &log)).await {
        Err(StartError::AlreadyStarted(holder)) => assert_eq!(holder.id(), first.id()),
        other => panic!("expected AlreadyStarted, got {:?}", other.map(|r| r.id())),
    }
    // The refused server never ran its init.
    assert_eq!(entries(&log), vec!["start first"]);
    first.stop().await;
}

#[tokio::test(start_paused = true)]
async fn whereis_of_another_type_or_an_unknown_name_is_none() {
    assert!(ServerRef::<Probe>::whereis("names/nobody").is_none());
    let log = Log::default();
    let sup = Supervisor::builder()
        .name("names/a-supervisor")
        .start()
        .await
        .unwrap();
    assert!(ServerRef::<Probe>::whereis("names/a-supervisor").is_none());
    assert!(Supervisor::whereis("names/a-supervisor").is_some());
    sup.stop().await;
    drop(log);
}

#[tokio::test(start_paused = true)]
async fn the_name_is_freed_whatever_the_exit() {
    let log = Log::default();
    for (round, end) in ["stop", "kill", "panic", "ctx.stop", "linked"]
        .into_iter()
        .enumerate()
    {
        let server = start_named("names/freed", args("probe", &log))
            .await
            .unwrap();
        match end {
            "stop" => server.stop().await,
            "kill" => server.kill(),
            "panic" => server.crash(),
            "ctx.stop" => server.stop_soon(ExitReason::error("done")),
            _ => {
                let partner = start(args("partner", &log)).await;
                server.link(&partner.pid()).await;
                partner.kill();
            }
        }
        server.exited().await;
        assert!(
            ServerRef::<Probe>::whereis("names/freed").is_none(),
            "round {round}: {end}"
        );
        assert!(
            !LocalRegistry::global()
                .names()
                .contains(&"names/freed".to_owned())
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_failed_init_leaves_the_name_free() {
    let log = Log::default();
    let failing = ProbeArgs {
        fail_init: true,
        ..args("failing", &log)
    };
    match start_named("names/failed-init", failing).await {
        Err(StartError::Init(message)) => assert_eq!(message, "failing refused to start"),
        other => panic!("expected Init, got {:?}", other.map(|r| r.id())),
    }
    // Free the moment `start` returned, not a moment later.
    assert!(ServerRef::<Probe>::whereis("names/failed-init").is_none());
    let second = start_named("names/failed-init", args("second", &log))
        .await
        .unwrap();
    second.stop().await;
}

#[tokio::test(start_paused = true)]
async fn a_name_handle_follows_the_name_and_fails_at_once_without_a_server() {
    let log = Log::default();
    let by_name = ServerRef::<Probe>::from_name("names/follow");
    assert_eq!(by_name.name(), Some("names/follow"));
    assert_eq!(by_name.ping().await, Err(CallError::NotRunning));
    assert_eq!(by_name.cast(ProbeMsg::Crash), Err(CastError::NotRunning));
    assert!(!by_name.is_alive());
    assert_eq!(by_name.exited().await, ExitReason::NoProc);

    let first = start_named("names/follow", args("first", &log))
        .await
        .unwrap();
    assert_eq!(by_name.ping().await.unwrap(), "first");
    assert_eq!(by_name.id(), first.id());
    first.stop().await;
    assert_eq!(by_name.ping().await, Err(CallError::NotRunning));

    let second = start_named("names/follow", args("second", &log))
        .await
        .unwrap();
    assert_eq!(by_name.ping().await.unwrap(), "second");
    assert!(by_name.is_alive());
    by_name.stop().await;
    assert!(!second.is_alive());
}

#[tokio::test(start_paused = true)]
async fn another_registry_through_via() {
    let registry: Arc<dyn Registry> = Arc::new(LocalRegistry::new());
    let log = Log::default();
    let server = Options::<Probe>::new()
        .via(registry.clone(), "names/via")
        .start(args("via", &log))
        .await
        .unwrap();
    assert!(ServerRef::<Probe>::whereis("names/via").is_none());
    let found = ServerRef::<Probe>::whereis_via(&*registry, "names/via").unwrap();
    assert_eq!(found.id(), server.id());
    let by_name = ServerRef::<Probe>::from_name_via(registry.clone(), "names/via");
    assert_eq!(by_name.ping().await.unwrap(), "via");
    server.stop().await;
    assert!(registry.whereis("names/via").is_none());
}
