//! GenStage's `describe "sync_subscribe/2"`, `"manual demand"` and `"subscribe_to names"`.

use super::*;

/// "returns ok with reference"
#[tokio::test(start_paused = true)]
async fn returns_ok_with_reference() {
    let producer = Counter::start(counter(0)).await.unwrap();
    let consumer = forwarder().await;
    let first = consumer
        .subscribe_to(&producer, Demand::default())
        .await
        .unwrap();
    let second = consumer
        .subscribe_to(&producer, Demand::default())
        .await
        .unwrap();
    assert_ne!(first.id(), second.id());
    assert_eq!(first.producer(), producer.id());
    let stats = consumer.consumer_stats().await.unwrap();
    assert_eq!(stats.subscriptions.len(), 2);
}

/// "caller exits when the consumer is dead": here the call fails.
#[tokio::test(start_paused = true)]
async fn fails_when_the_consumer_is_dead() {
    let producer = Counter::start(counter(0)).await.unwrap();
    let consumer = forwarder().await;
    consumer.stop().await;
    assert_eq!(
        consumer
            .subscribe_to(&producer, Demand::default())
            .await
            .unwrap_err(),
        SubscribeError::Consumer(CallError::NotRunning)
    );
}

/// "returns errors on bad options"
#[tokio::test(start_paused = true)]
async fn returns_errors_on_bad_options() {
    let producer = Counter::start(counter(0)).await.unwrap();
    let consumer = forwarder().await;
    let error = consumer
        .subscribe_to(&producer, Demand::new().max(0))
        .await
        .unwrap_err();
    assert_eq!(error, SubscribeError::InvalidDemand { max: 0, min: 0 });
    let error = consumer
        .subscribe_to(&producer, Demand::new().min(2_000))
        .await
        .unwrap_err();
    assert_eq!(
        error,
        SubscribeError::InvalidDemand {
            max: 1_000,
            min: 2_000
        }
    );
    assert_eq!(
        error.to_string(),
        "invalid demand (max 1000, min 2000): max must be at least 1 and min less than max"
    );
    assert!(consumer.is_alive());
}

/// "consumer exits when there is no named producer and subscription is permanent"
#[tokio::test(start_paused = true)]
async fn consumer_exits_when_there_is_no_named_producer_and_subscription_is_permanent() {
    let consumer = forwarder().await;
    let nobody = CounterRef::from_name("no such producer");
    assert_eq!(
        consumer
            .subscribe_to(&nobody, Demand::default())
            .await
            .unwrap_err(),
        SubscribeError::ProducerNotRunning
    );
    assert_eq!(consumer.exited().await, ExitReason::NoProc);
}

/// "consumer exits when producer is dead and subscription is permanent"
#[tokio::test(start_paused = true)]
async fn consumer_exits_when_producer_is_dead_and_subscription_is_permanent() {
    let producer = Counter::start(counter(0)).await.unwrap();
    producer.stop().await;
    let consumer = forwarder().await;
    assert_eq!(
        consumer
            .subscribe_to(&producer, Demand::default())
            .await
            .unwrap_err(),
        SubscribeError::ProducerNotRunning
    );
    assert_eq!(consumer.exited().await, ExitReason::NoProc);
}

/// "consumer does not exit when there is no named producer and subscription is temporary"
#[tokio::test(start_paused = true)]
async fn consumer_does_not_exit_when_there_is_no_named_producer_and_subscription_is_temporary() {
    let consumer = forwarder().await;
    let nobody = CounterRef::from_name("no such producer");
    assert_eq!(
        consumer
            .subscribe_to(&nobody, Demand::new().cancel(Cancel::Temporary))
            .await
            .unwrap_err(),
        SubscribeError::ProducerNotRunning
    );
    settle().await;
    assert!(consumer.is_alive());
}

/// "consumer does not exit when producer is dead and subscription is temporary"
#[tokio::test(start_paused = true)]
async fn consumer_does_not_exit_when_producer_is_dead_and_subscription_is_temporary() {
    let producer = Counter::start(counter(0)).await.unwrap();
    producer.stop().await;
    let consumer = forwarder().await;
    assert!(
        consumer
            .subscribe_to(&producer, Demand::new().cancel(Cancel::Temporary))
            .await
            .is_err()
    );
    settle().await;
    assert!(consumer.is_alive());
    assert!(
        consumer
            .consumer_stats()
            .await
            .unwrap()
            .subscriptions
            .is_empty()
    );
}

/// "handles subscription error gracefully": a second subscription of a consumer to a
/// broadcasting producer is refused, and both sides keep one.
#[tokio::test(start_paused = true)]
async fn handles_subscription_error_gracefully() {
    let producer = Counter::options()
        .dispatcher(genserver::stage::Dispatcher::broadcast())
        .start(counter(0))
        .await
        .unwrap();
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::default())
        .await
        .unwrap();
    assert_eq!(
        consumer
            .subscribe_to(&producer, Demand::default())
            .await
            .unwrap_err(),
        SubscribeError::AlreadySubscribed
    );
    settle().await;
    assert_eq!(producer.producer_stats().await.unwrap().demand.len(), 1);
    assert_eq!(
        consumer.consumer_stats().await.unwrap().subscriptions.len(),
        1
    );
    assert!(consumer.is_alive());
    assert!(consumer.cancels().await.unwrap().is_empty());
}

/// "can be set on subscribe" (manual demand)
#[tokio::test(start_paused = true)]
async fn manual_demand_can_be_set_on_subscribe() {
    let producer = Counter::start(counter(1_000)).await.unwrap();
    let consumer = forwarder().await;
    let subscription = consumer
        .subscribe_to(&producer, Demand::new().manual())
        .await
        .unwrap();
    settle().await;
    assert!(consumer.consumed().await.unwrap().is_empty());
    subscription.ask(50).unwrap();
    settle().await;
    assert_eq!(consumer.batches().await.unwrap(), vec![range(0, 50)]);
    subscription.ask(50).unwrap();
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![range(0, 50), range(50, 100)]
    );
}

/// "can be set on subscribe on init" (manual demand): the consumer asks through the
/// subscription its init made.
#[tokio::test(start_paused = true)]
async fn manual_demand_can_be_set_on_subscribe_on_init() {
    let producer = Counter::start(counter(1_000)).await.unwrap();
    let consumer = forwarder_of(&producer, Demand::new().manual()).await;
    consumer.ask(50).await.unwrap().unwrap();
    settle().await;
    assert_eq!(consumer.batches().await.unwrap(), vec![range(0, 50)]);
    consumer.ask(50).await.unwrap().unwrap();
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![range(0, 50), range(50, 100)]
    );
}

/// "can be an atom name": a consumer subscribes to a producer by its name.
#[tokio::test(start_paused = true)]
async fn subscribe_to_can_be_a_name() {
    let _producer = Counter::options()
        .name("stages-subscribe-by-name")
        .start(counter(10))
        .await
        .unwrap();
    let consumer = forwarder_of(
        &CounterRef::from_name("stages-subscribe-by-name"),
        Demand::default(),
    )
    .await;
    settle().await;
    assert_eq!(consumer.consumed().await.unwrap(), range(0, 10));
}

/// "init/1" of a consumer that cannot subscribe: its init fails with the reason (GenStage's
/// `{:stop, :noproc}`), and nothing is left behind.
#[tokio::test(start_paused = true)]
async fn a_consumer_whose_init_cannot_subscribe_does_not_start() {
    let producer = Counter::start(counter(0)).await.unwrap();
    producer.stop().await;
    let result = Forwarder::start(Some(Box::new(move |ctx| {
        ctx.subscribe_to(&producer, Demand::default())
    })))
    .await;
    assert!(matches!(
        result,
        Err(StartError::Init(SubscribeError::ProducerNotRunning))
    ));
}
