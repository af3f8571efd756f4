//! Every way a remote call ends, as a local one: the reply, `NotRunning` at once, `Exited`,
//! `Timeout`, `NoReply`, and `RemoteError` for what only a network or the wire can do.

use std::time::{Duration, Instant};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_from_another_node_gets_its_reply() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "calls-reply").await;
    assert_eq!(
        call_name::<i64>(&b, "calls-reply", "increment").await,
        Ok(1)
    );
    assert_eq!(
        call_name::<i64>(&b, "calls-reply", "increment").await,
        Ok(2)
    );
    assert_eq!(
        call_name::<String>(&b, "calls-reply", "label").await,
        Ok("calls-reply".to_owned())
    );
    // The same server, reached locally.
    assert_eq!(local.get().await, Ok(2));
    assert_eq!(local.increment().await, Ok(3));
    assert_eq!(call_name::<i64>(&b, "calls-reply", "get").await, Ok(3));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_nobody_serves_is_not_running_at_once() {
    let nats = nats();
    let b = node(&nats.url()).await;
    let started = Instant::now();
    let result = call::<_, i64>(
        &b,
        Address::Name("nobody-here".into()),
        "get",
        &NoArgs {},
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(result, Err(CallError::NotRunning));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "no responders answers at once, not after the timeout: {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_replying_is_exited_with_the_panic_and_frees_the_name() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "calls-crash").await;
    let result = call_name::<i64>(&b, "calls-crash", "crash").await;
    let Err(CallError::Exited(ExitReason::Panic(message))) = result else {
        panic!("a crash is Exited(Panic): {result:?}");
    };
    assert!(
        message.contains("calls-crash crashed on purpose"),
        "{message}"
    );
    assert!(matches!(local.exited().await, ExitReason::Panic(_)));
    // Freed by the exit: a new start on the other node takes the name at once.
    let started = Instant::now();
    start_named(&b, "calls-crash").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(call_name::<i64>(&a, "calls-crash", "get").await, Ok(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_queued_behind_a_stop_get_exited_with_its_reason() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _local = start_named(&a, "calls-stop").await;
    let slow = tokio::spawn({
        let b = b.clone();
        async move {
            call::<_, i64>(
                &b,
                Address::Name("calls-stop".into()),
                "slow",
                &SlowArgs { millis: 1_500 },
                Duration::from_secs(10),
            )
            .await
        }
    });
    // The slow call is being handled; the stop and a call behind it queue up.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let handle = RemoteHandle::new(&b, Address::Name("calls-stop".into()));
    handle.cast(CounterMsg::Quit).unwrap();
    let behind = call_name::<i64>(&b, "calls-stop", "get").await;
    assert_eq!(
        behind,
        Err(CallError::Exited(ExitReason::Error("asked to quit".into())))
    );
    assert_eq!(slow.await.unwrap(), Ok(0), "handled before the stop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_handler_times_the_call_out_and_keeps_running() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _local = start_named(&a, "calls-timeout").await;
    let started = Instant::now();
    let result = call::<_, i64>(
        &b,
        Address::Name("calls-timeout".into()),
        "slow",
        &SlowArgs { millis: 1_500 },
        Duration::from_millis(200),
    )
    .await;
    assert_eq!(result, Err(CallError::Timeout));
    assert!(
        started.elapsed() < Duration::from_millis(1_400),
        "{:?}",
        started.elapsed()
    );
    // Still running: answered once the slow handler is done.
    assert_eq!(
        call_name::<i64>(&b, "calls-timeout", "increment").await,
        Ok(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_reply_is_no_reply() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _local = start_named(&a, "calls-forget").await;
    assert_eq!(
        call_name::<i64>(&b, "calls-forget", "forget").await,
        Err(CallError::NoReply)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_reply_sent_from_another_thread_reaches_the_remote_caller() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "calls-thread").await;
    local.add(41).unwrap();
    assert_eq!(
        call_name::<i64>(&b, "calls-thread", "answer_on_a_thread").await,
        Ok(41)
    );
    // The forgotten one, dropped on the runtime, still ends the call.
    assert_eq!(
        call_name::<i64>(&b, "calls-thread", "forget").await,
        Err(CallError::NoReply)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casts_arrive_in_order_and_before_a_later_call() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _local = start_named(&a, "calls-casts").await;
    let handle = RemoteHandle::new(&b, Address::Name("calls-casts".into()));
    for n in 1..=1_000 {
        handle.cast(CounterMsg::Add { n }).unwrap();
    }
    // The call waits for the queued casts to go out first, so it sees all of them.
    assert_eq!(
        call_name::<i64>(&b, "calls-casts", "get").await,
        Ok(500_500)
    );
    // Info messages stay local.
    assert_eq!(
        handle.cast(CounterMsg::OnTick(Tick)),
        Err(RemoteError::NotRemote("on_tick".into()))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn casts_the_client_could_not_take_at_once_keep_their_order() {
    let nats = nats();
    let a = node(&nats.url()).await;
    // A client whose channel holds 16 commands: a loop of casts fills it at once.
    let b = Node::builder()
        .nats(crate::ConnectOptions::new().client_capacity(16))
        .lease(LEASE)
        .heartbeat(HEARTBEAT)
        .kv_storage(crate::StorageType::Memory)
        .connect(&nats.url())
        .await
        .unwrap();
    let _local = start_named(&a, "calls-flood").await;
    let handle = RemoteHandle::new(&b, Address::Name("calls-flood".into()));
    let mut expected = 0i64;
    let casts = 10_000;
    for n in 1..=casts {
        handle.cast(CounterMsg::Fold { n }).unwrap();
        expected = expected.wrapping_mul(31).wrapping_add(n);
    }
    let queued = b.inner.outbox.queued_so_far();
    assert!(queued > 0, "the client's channel was never full");
    assert_eq!(
        call_name::<i64>(&b, "calls-flood", "get").await,
        Ok(expected),
        "{casts} casts, {queued} of them queued"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_handler_is_an_unknown_message_error() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _local = start_named(&a, "calls-unknown").await;
    assert_eq!(
        call_name::<i64>(&b, "calls-unknown", "from_a_newer_version").await,
        Err(CallError::Remote(RemoteError::UnknownMessage(
            "from_a_newer_version".into()
        )))
    );
    // Arguments of another shape: a decode error, naming the type.
    let result = call::<_, i64>(
        &b,
        Address::Name("calls-unknown".into()),
        "add",
        &"not a map",
        Duration::from_secs(5),
    )
    .await;
    assert!(
        matches!(&result, Err(CallError::Remote(RemoteError::Decode(text))) if text.contains("could not decode the request")),
        "{result:?}"
    );
    assert_eq!(
        call_name::<i64>(&b, "calls-unknown", "increment").await,
        Ok(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_too_large_fails_that_call_only() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _local = start_named(&a, "calls-large").await;
    let address = || Address::Name("calls-large".into());
    // A request over the server's 1 MiB: refused before it is sent.
    let result = call::<_, Vec<u8>>(
        &b,
        address(),
        "echo",
        &EchoArgs {
            bytes: vec![1; 2 << 20],
        },
        Duration::from_secs(5),
    )
    .await;
    assert!(
        matches!(result, Err(CallError::Remote(RemoteError::PayloadTooLarge { size, max })) if size > max && max == 1 << 20),
        "{result:?}"
    );
    // A reply over it: the server answers with an error saying so.
    let result = call::<_, Vec<u8>>(
        &b,
        address(),
        "filler",
        &FillerArgs { len: 600_000 },
        Duration::from_secs(5),
    )
    .await;
    assert!(
        matches!(result, Err(CallError::Remote(RemoteError::PayloadTooLarge { size, max })) if size > max),
        "{result:?}"
    );
    // The connection and the server are fine.
    let small = call::<_, Vec<u8>>(
        &b,
        address(),
        "echo",
        &EchoArgs { bytes: vec![7; 10] },
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(small, Ok(vec![7; 10]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_from_many_tasks_all_end_with_their_reply() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "calls-many").await;
    let callers: Vec<_> = (0..8)
        .map(|_| {
            let b = b.clone();
            tokio::spawn(async move {
                for _ in 0..50 {
                    call_name::<i64>(&b, "calls-many", "increment")
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for caller in callers {
        caller.await.unwrap();
    }
    assert_eq!(local.get().await, Ok(400));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_handle_reaches_a_remote_server_as_a_local_one() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "calls-typed").await;
    let remote: CounterRef = b.lookup::<Counter>("calls-typed");
    assert_eq!(remote.name(), Some("calls-typed"));
    assert_eq!(remote.increment().await, Ok(1));
    for n in 1..=10 {
        remote.add(n).unwrap();
    }
    assert_eq!(remote.get().await, Ok(56));
    assert_eq!(remote.label().await, Ok("calls-typed".to_owned()));
    assert_eq!(remote.echo(vec![1, 2, 3]).await, Ok(vec![1, 2, 3]));
    assert!(remote.is_alive());
    // A call timeout of the handle's own.
    assert_eq!(
        remote
            .with_timeout(Duration::from_millis(200))
            .slow(1_000)
            .await,
        Err(CallError::Timeout)
    );
    // Closures on the state do not travel; info messages do not either.
    assert_eq!(
        remote.get_state(|state| state.value).await,
        Err(CallError::Remote(RemoteError::NotRemote(
            "get_state".into()
        )))
    );
    assert_eq!(
        remote.send(Tick),
        Err(CastError::Remote(RemoteError::NotRemote("on_tick".into())))
    );
    // A remote stop: returns once the server has exited, and its name is free.
    remote.stop().await;
    assert!(!local.is_alive());
    assert_eq!(remote.increment().await, Err(CallError::NotRunning));
    assert!(!remote.is_alive(), "a call found nobody serving the name");
    assert_eq!(
        remote
            .stop_timeout(ExitReason::Normal, Duration::from_secs(1))
            .await,
        Err(StopError::NotRunning)
    );
    // The same handle reaches the next holder of the name.
    let _next = start_named(&a, "calls-typed").await;
    assert_eq!(remote.increment().await, Ok(1));
    assert!(remote.is_alive());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_handle_reserves_at_once_and_its_permit_casts_over_the_network() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "calls-permit").await;
    let remote: CounterRef = b.lookup::<Counter>("calls-permit");
    for n in 1..=4 {
        remote.reserve().await.unwrap().add(n).unwrap();
    }
    // A permit dropped unused sends nothing.
    drop(remote.reserve().await.unwrap());
    assert_eq!(remote.get().await, Ok(10));
    assert_eq!(local.get().await, Ok(10));
}

/// A request NATS routed to an exited server's subscription just before the unsubscribe is
/// still delivered and answered `NotRunning` (the subscription is drained, not dropped). What
/// remains is the instant between the client forgetting the subscription and nats-server
/// reading the unsubscribe (a loopback round trip): a request routed then is lost with it and
/// its caller waits for its timeout. Before the drain, about a third of these callers did; now
/// a few in a hundred.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_racing_a_stop_end_with_not_running_but_for_the_unsubscribes_instant() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let (rounds, callers_per_round) = (20, 4);
    let mut timed_out = 0;
    for round in 0..rounds {
        let name = format!("calls-race-{round}");
        let local = start_named(&a, &name).await;
        assert_eq!(call_name::<i64>(&b, &name, "get").await, Ok(0));
        // Callers calling without a pause while the server stops, each until a call fails.
        let callers: Vec<_> = (0..callers_per_round)
            .map(|_| {
                let (b, name) = (b.clone(), name.clone());
                tokio::spawn(async move {
                    loop {
                        let result = call::<_, i64>(
                            &b,
                            Address::Name(name.clone()),
                            "get",
                            &NoArgs {},
                            Duration::from_secs(1),
                        )
                        .await;
                        match result {
                            Ok(_) => continue,
                            Err(error) => return error,
                        }
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        local.stop().await;
        for caller in callers {
            match caller.await.expect("a caller panicked") {
                CallError::NotRunning | CallError::Exited(_) => {}
                CallError::Timeout => timed_out += 1,
                other => panic!("round {round}: a call racing the stop ended with {other}"),
            }
        }
    }
    let total = rounds * callers_per_round;
    println!("{timed_out} of {total} callers racing a stop waited for their timeout");
    assert!(
        timed_out * 8 <= total,
        "{timed_out} of {total} callers racing a stop waited for their timeout"
    );
}
