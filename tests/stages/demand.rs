//! GenStage's `describe "producer-to-consumer demand"` and `describe "demand"`.

use super::*;

/// "with default max and min demand". GenStage's default `min_demand` is now `max / 2`
/// (batches of 500); DESIGN.md fixes 1000 / 750, GenStage's documented figures: batches of 250.
#[tokio::test(start_paused = true)]
async fn with_default_max_and_min_demand() {
    let producer = Counter::start(counter(2_000)).await.unwrap();
    let consumer = forwarder_of(&producer, Demand::default()).await;
    settle().await;
    assert_eq!(consumer.batches().await.unwrap(), batches_of(250, 0, 2_000));
}

/// "with 80% min demand"
#[tokio::test(start_paused = true)]
async fn with_80_percent_min_demand() {
    let producer = Counter::start(counter(1_100)).await.unwrap();
    let consumer = forwarder_of(&producer, Demand::new().min(80).max(100)).await;
    settle().await;
    let batches = consumer.batches().await.unwrap();
    assert_eq!(batches, batches_of(20, 0, 1_100));
    assert!(batches.contains(&range(1_000, 1_020)));
}

/// "with 20% min demand"
#[tokio::test(start_paused = true)]
async fn with_20_percent_min_demand() {
    let producer = Counter::start(counter(280)).await.unwrap();
    let consumer = forwarder_of(&producer, Demand::new().min(20).max(100)).await;
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![
            range(0, 80),
            range(80, 100),
            range(100, 180),
            range(180, 260),
            range(260, 280)
        ]
    );
}

/// "with 1 max and 0 min demand"
#[tokio::test(start_paused = true)]
async fn with_1_max_and_0_min_demand() {
    let producer = Counter::start(counter(3)).await.unwrap();
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(1).min(0))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![vec![0], vec![1], vec![2]]
    );
}

/// "can be set to :accumulate on init"
#[tokio::test(start_paused = true)]
async fn can_be_set_to_accumulate_on_init() {
    let producer = Counter::options()
        .demand_mode(DemandMode::Accumulate)
        .start(counter(100))
        .await
        .unwrap();
    assert_eq!(producer.demand_mode().await, Ok(DemandMode::Accumulate));
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert!(consumer.consumed().await.unwrap().is_empty());
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    assert_eq!(producer.demand_mode().await, Ok(DemandMode::Forward));
    settle().await;
    assert_eq!(consumer.batches().await.unwrap()[0], vec![0, 1, 2, 3]);
}

/// "can be set to :accumulate via API using broadcast". GenStage sends the accumulated events
/// one dispatch at a time ([1], [2], [3], [4]); here they leave the buffer as one batch.
#[tokio::test(start_paused = true)]
async fn can_be_set_to_accumulate_via_api_using_broadcast() {
    let producer = Counter::options()
        .dispatcher(genserver::stage::Dispatcher::broadcast())
        .start(silent())
        .await
        .unwrap();
    assert_eq!(producer.demand_mode().await, Ok(DemandMode::Forward));
    let first = forwarder_of(&producer, Demand::default()).await;
    let second = forwarder_of(&producer, Demand::default()).await;
    producer.set_demand_mode(DemandMode::Accumulate).unwrap();
    assert_eq!(producer.demand_mode().await, Ok(DemandMode::Accumulate));
    first.stop().await;
    second.stop().await;
    for n in 1..=4 {
        producer.async_queue(vec![n]).unwrap();
    }
    settle().await;
    let first = forwarder_of(&producer, Demand::default()).await;
    let second = forwarder_of(&producer, Demand::default()).await;
    settle().await;
    assert!(first.consumed().await.unwrap().is_empty());
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    assert_eq!(producer.demand_mode().await, Ok(DemandMode::Forward));
    settle().await;
    assert_eq!(producer.producer_stats().await.unwrap().buffered, 0);
    assert_eq!(first.consumed().await.unwrap(), vec![1, 2, 3, 4]);
    assert_eq!(second.consumed().await.unwrap(), vec![1, 2, 3, 4]);
}

/// "can be set to :accumulate via API"
#[tokio::test(start_paused = true)]
async fn can_be_set_to_accumulate_via_api() {
    let producer = Counter::start(counter(100)).await.unwrap();
    assert_eq!(producer.demand_mode().await, Ok(DemandMode::Forward));
    producer.set_demand_mode(DemandMode::Accumulate).unwrap();
    assert_eq!(producer.demand_mode().await, Ok(DemandMode::Accumulate));
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert!(consumer.consumed().await.unwrap().is_empty());
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    settle().await;
    assert_eq!(consumer.batches().await.unwrap()[0], vec![0, 1, 2, 3]);
}

/// "can be set to :forward via API before subscriptions"
#[tokio::test(start_paused = true)]
async fn can_be_set_to_forward_via_api_before_subscriptions() {
    let producer = Counter::options()
        .demand_mode(DemandMode::Accumulate)
        .start(counter(100))
        .await
        .unwrap();
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    assert_eq!(producer.demand_mode().await, Ok(DemandMode::Forward));
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert_eq!(consumer.batches().await.unwrap()[0], vec![0, 1, 2, 3]);
}

/// "is not reset when set to :accumulate and is already accumulating"
#[tokio::test(start_paused = true)]
async fn is_not_reset_when_set_to_accumulate_and_is_already_accumulating() {
    let producer = Counter::options()
        .demand_mode(DemandMode::Accumulate)
        .start(counter(100))
        .await
        .unwrap();
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert!(consumer.consumed().await.unwrap().is_empty());
    producer.set_demand_mode(DemandMode::Accumulate).unwrap();
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    settle().await;
    assert_eq!(consumer.batches().await.unwrap()[0], vec![0, 1, 2, 3]);
}

/// "does not combine demands when accumulating". Deliberately the opposite here: the demand
/// handler is called with the demand of all subscribers together (DESIGN.md), so the demand
/// kept while accumulating comes out as one call of 4, not two of 2.
#[tokio::test(start_paused = true)]
async fn combines_demands_kept_while_accumulating() {
    let producer = DemandEcho::options()
        .demand_mode(DemandMode::Accumulate)
        .start(DemandEcho {
            calls: 3,
            demands: Vec::new(),
        })
        .await
        .unwrap();
    let first = forwarder().await;
    let second = forwarder().await;
    first
        .subscribe_to(&producer, Demand::new().max(2))
        .await
        .unwrap();
    second
        .subscribe_to(&producer, Demand::new().max(2))
        .await
        .unwrap();
    settle().await;
    assert!(first.consumed().await.unwrap().is_empty());
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    settle().await;
    // One call with the combined demand, whose single event went to the first subscriber.
    assert_eq!(producer.demands().await.unwrap()[0], 4);
    assert_eq!(first.batches().await.unwrap()[0], vec![4]);
}
