//! The dispatchers through whole stages: GenStage's broadcast cases of `describe
//! "producer-to-consumer demand"` and the partition dispatcher as a user sets it up. (The
//! dispatchers' own tests, `test/gen_stage/*_dispatcher_test.exs`, are unit tests of
//! `genserver-core/src/stage/dispatcher/`.)

use genserver::stage::Dispatcher;

use super::*;

/// "with shared (broadcast) demand", and GenStage #303 (the broadcast dispatcher's advice:
/// accumulate demand until every consumer has subscribed): both consumers get every event,
/// as fast as the slower one asks. GenStage races the subscriptions and looks at a later
/// batch; accumulating first makes the whole stream the same for both.
#[tokio::test(start_paused = true)]
async fn with_shared_broadcast_demand() {
    let producer = Counter::options()
        .dispatcher(Dispatcher::broadcast())
        .demand_mode(DemandMode::Accumulate)
        .start(counter(1_010))
        .await
        .unwrap();
    let first = forwarder().await;
    let second = forwarder().await;
    first
        .subscribe_to(&producer, Demand::new().max(10).min(0))
        .await
        .unwrap();
    second
        .subscribe_to(&producer, Demand::new().max(20).min(0))
        .await
        .unwrap();
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    settle().await;
    let (one, two) = (
        first.batches().await.unwrap(),
        second.batches().await.unwrap(),
    );
    assert_eq!(one.concat(), range(0, 1_010));
    assert_eq!(two.concat(), range(0, 1_010));
    assert!(one.contains(&range(1_000, 1_010)));
    assert!(one.iter().all(|batch| batch.len() <= 10));
}

/// "with shared (broadcast) demand and synchronizer subscriber": a subscriber that asks for
/// nothing holds every other back, until it goes.
#[tokio::test(start_paused = true)]
async fn with_shared_broadcast_demand_and_synchronizer_subscriber() {
    let producer = Counter::options()
        .dispatcher(Dispatcher::broadcast())
        .start(counter(100))
        .await
        .unwrap();
    let synchronizer = forwarder().await;
    let stale = synchronizer
        .subscribe_to(&producer, Demand::new().manual().cancel(Cancel::Temporary))
        .await
        .unwrap();
    let first = forwarder().await;
    let second = forwarder().await;
    first
        .subscribe_to(&producer, Demand::new().max(10).min(0))
        .await
        .unwrap();
    second
        .subscribe_to(&producer, Demand::new().max(20).min(0))
        .await
        .unwrap();
    settle().await;
    assert!(first.consumed().await.unwrap().is_empty());
    assert!(second.consumed().await.unwrap().is_empty());
    stale.cancel(ExitReason::Killed).unwrap();
    settle().await;
    assert_eq!(first.consumed().await.unwrap(), range(0, 100));
    assert_eq!(second.consumed().await.unwrap(), range(0, 100));
    assert!(synchronizer.is_alive());
}

/// "with shared (broadcast) demand does not result in duplicate upstream demand"
#[tokio::test(start_paused = true)]
async fn with_shared_broadcast_demand_does_not_result_in_duplicate_upstream_demand() {
    let producer = Counter::options()
        .dispatcher(Dispatcher::broadcast())
        .start(silent())
        .await
        .unwrap();
    let first = Sleeper::start(Sleeper {
        first: Arc::default(),
    })
    .await
    .unwrap();
    let second = Sleeper::start(Sleeper {
        first: Arc::default(),
    })
    .await
    .unwrap();
    first
        .subscribe_to(&producer, Demand::new().max(10).min(0))
        .await
        .unwrap();
    second
        .subscribe_to(&producer, Demand::new().max(20).min(0))
        .await
        .unwrap();
    settle().await;
    // The demand both have in common, once.
    assert_eq!(producer.demands().await.unwrap(), vec![10]);
}

/// The partition dispatcher (GenStage's `PartitionDispatcher` "subscribes, asks and
/// dispatches to custom partitions", through stages): each consumer gets its partition only.
#[tokio::test(start_paused = true)]
async fn a_partition_dispatcher_routes_by_hash() {
    let producer = Counter::options()
        .dispatcher(Dispatcher::partition(2, |n: &u64| Some((n % 2) as usize)))
        .start(counter(1_000))
        .await
        .unwrap();
    let even = forwarder().await;
    let odd = forwarder().await;
    assert_eq!(
        even.subscribe_to(&producer, Demand::default())
            .await
            .unwrap_err(),
        SubscribeError::PartitionRequired { partitions: 2 }
    );
    assert_eq!(
        even.subscribe_to(&producer, Demand::new().partition(2))
            .await
            .unwrap_err(),
        SubscribeError::UnknownPartition {
            partition: 2,
            partitions: 2
        }
    );
    even.subscribe_to(&producer, Demand::new().max(10).partition(0))
        .await
        .unwrap();
    assert_eq!(
        odd.subscribe_to(&producer, Demand::new().partition(0))
            .await
            .unwrap_err(),
        SubscribeError::PartitionTaken(0)
    );
    odd.subscribe_to(&producer, Demand::new().max(10).partition(1))
        .await
        .unwrap();
    settle().await;
    let evens = even.consumed().await.unwrap();
    let odds = odd.consumed().await.unwrap();
    assert_eq!(evens, (0..1_000).step_by(2).collect::<Vec<u64>>());
    assert_eq!(odds, (1..1_000).step_by(2).collect::<Vec<u64>>());
    assert!(
        even.batches()
            .await
            .unwrap()
            .iter()
            .all(|batch| batch.len() <= 10)
    );
}

/// A partition given to a producer that does not partition is refused.
#[tokio::test(start_paused = true)]
async fn a_partition_is_refused_by_a_demand_dispatcher() {
    let producer = Counter::start(counter(0)).await.unwrap();
    let consumer = forwarder().await;
    assert_eq!(
        consumer
            .subscribe_to(&producer, Demand::new().partition(0))
            .await
            .unwrap_err(),
        SubscribeError::NotPartitioned
    );
    assert!(consumer.is_alive());
}

/// The demand dispatcher: each batch to the consumer with the most demand, so two consumers
/// at different speeds share the events, none lost, none twice.
#[tokio::test(start_paused = true)]
async fn the_demand_dispatcher_shares_the_events() {
    let producer = Counter::start(counter(2_000)).await.unwrap();
    let first = forwarder_of(&producer, Demand::new().max(10)).await;
    let second = forwarder_of(&producer, Demand::new().max(10)).await;
    settle().await;
    let mut all = first.consumed().await.unwrap();
    all.extend(second.consumed().await.unwrap());
    assert!(!first.consumed().await.unwrap().is_empty());
    assert!(!second.consumed().await.unwrap().is_empty());
    all.sort_unstable();
    assert_eq!(all, range(0, 2_000));
}
