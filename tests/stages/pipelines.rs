//! GenStage's `describe "producer-producer_consumer-consumer demand"`.
//!
//! GenStage checks the first few batches each stage receives, as they happen to arrive; the
//! batches downstream of a producer-consumer depend on how its messages interleave. Here the
//! pipeline runs dry and the test checks what holds for every batch: the producer-consumer
//! gets batches of `max - min`, the consumer never more than its own, nothing is lost or
//! handled twice, and the first batches are GenStage's.

use super::*;

/// What a pipeline producer → doubler → consumer must have done with `0..until`.
async fn check_pipeline(
    doubler: &DoublerRef,
    consumer: &ForwarderRef,
    doubler_batch: u64,
    consumer_max: usize,
    until: u64,
) {
    assert_eq!(
        doubler.consumed().await.unwrap(),
        batches_of(doubler_batch, 0, until)
    );
    let batches = consumer.batches().await.unwrap();
    assert!(batches.iter().all(|batch| batch.len() <= consumer_max));
    assert_eq!(batches.concat(), doubled(0..until));
}

/// "with 80% min demand with init subscription"
#[tokio::test(start_paused = true)]
async fn with_80_percent_min_demand_with_init_subscription() {
    let producer = Counter::start(counter(200)).await.unwrap();
    let doubler = doubler_of(&producer, Demand::new().max(100).min(80)).await;
    let consumer = forwarder_of(&doubler, Demand::new().max(100).min(50)).await;
    settle().await;
    check_pipeline(&doubler, &consumer, 20, 50, 200).await;
    assert_eq!(consumer.batches().await.unwrap()[0], doubled(0..20));
    assert!(doubler.consumed().await.unwrap().contains(&range(100, 120)));
}

/// "with 20% min demand with init subscription"
#[tokio::test(start_paused = true)]
async fn with_20_percent_min_demand_with_init_subscription() {
    let producer = Counter::start(counter(400)).await.unwrap();
    let doubler = doubler_of(&producer, Demand::new().max(100).min(20)).await;
    let consumer = forwarder_of(&doubler, Demand::new().max(100).min(50)).await;
    settle().await;
    let consumed = doubler.consumed().await.unwrap();
    assert_eq!(consumed[0], range(0, 80));
    assert!(consumed.contains(&range(100, 180)));
    assert_eq!(consumed.concat(), range(0, 400));
    let batches = consumer.batches().await.unwrap();
    assert_eq!(batches[0], doubled(0..25));
    assert_eq!(batches[1], doubled(25..50));
    assert!(batches.iter().all(|batch| batch.len() <= 50));
    assert_eq!(batches.concat(), doubled(0..400));
}

/// "with 80% min demand with late subscription": the consumer subscribes to the
/// producer-consumer before the producer-consumer subscribes to its producer.
#[tokio::test(start_paused = true)]
async fn with_80_percent_min_demand_with_late_subscription() {
    let producer = Counter::start(counter(200)).await.unwrap();
    let doubler = doubler().await;
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&doubler, Demand::new().min(50).max(100))
        .await
        .unwrap();
    doubler
        .subscribe_to(&producer, Demand::new().min(80).max(100))
        .await
        .unwrap();
    settle().await;
    check_pipeline(&doubler, &consumer, 20, 50, 200).await;
    assert_eq!(consumer.batches().await.unwrap()[0], doubled(0..20));
}

/// "with 20% min demand with later subscription"
#[tokio::test(start_paused = true)]
async fn with_20_percent_min_demand_with_later_subscription() {
    let producer = Counter::start(counter(400)).await.unwrap();
    let doubler = doubler().await;
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&doubler, Demand::new().min(50).max(100))
        .await
        .unwrap();
    doubler
        .subscribe_to(&producer, Demand::new().min(20).max(100))
        .await
        .unwrap();
    settle().await;
    let consumed = doubler.consumed().await.unwrap();
    assert_eq!(consumed[0], range(0, 80));
    assert_eq!(consumed.concat(), range(0, 400));
    let batches = consumer.batches().await.unwrap();
    assert_eq!(batches[0], doubled(0..25));
    assert!(batches.iter().all(|batch| batch.len() <= 50));
    assert_eq!(batches.concat(), doubled(0..400));
}

// GenStage's `Postponer`: a producer-consumer that emits what it receives later, from an info
// message it sends itself.

struct Postponed(Vec<u64>);

struct Postponer {
    postponed: Vec<Vec<u64>>,
}

#[genserver]
impl Postponer {
    #[consume]
    fn events(&mut self, events: Vec<u64>, ctx: &mut Context<Self>) -> Vec<u64> {
        ctx.continue_with(Postponed(events));
        Vec::new()
    }

    #[info]
    fn postponed(&mut self, Postponed(events): Postponed, ctx: &mut Context<Self>) {
        self.postponed.push(events.clone());
        ctx.emit(events);
    }

    #[call]
    fn postponed_batches(&self) -> Vec<Vec<u64>> {
        self.postponed.clone()
    }
}

/// "stops asking when consumer stops asking"
#[tokio::test(start_paused = true)]
async fn stops_asking_when_consumer_stops_asking() {
    let producer = Counter::start(counter(1_000)).await.unwrap();
    let postponer = Postponer::start(Postponer {
        postponed: Vec::new(),
    })
    .await
    .unwrap();
    let first = Arc::new(Mutex::new(None));
    let sleeper = Sleeper::start(Sleeper {
        first: first.clone(),
    })
    .await
    .unwrap();
    sleeper
        .subscribe_to(&postponer, Demand::new().max(10).min(5))
        .await
        .unwrap();
    postponer
        .subscribe_to(&producer, Demand::new().max(10).min(8))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        postponer.postponed_batches().await.unwrap(),
        vec![vec![0, 1], vec![2, 3], vec![4, 5], vec![6, 7], vec![8, 9]]
    );
    assert_eq!(*first.lock().unwrap(), Some(vec![0, 1]));
    // Ten more wait in the producer-consumer, and nothing more is asked of the producer.
    let held = postponer.consumer_stats().await.unwrap().held;
    assert_eq!(held, 10);
    assert_eq!(producer.demands().await.unwrap().iter().sum::<usize>(), 20);
}

// GenStage's `Discarder`: a producer-consumer that emits nothing.

struct Discarder {
    discarded: Vec<Vec<u64>>,
}

#[genserver]
impl Discarder {
    #[consume]
    fn events(&mut self, events: Vec<u64>) -> Vec<u64> {
        self.discarded.push(events);
        Vec::new()
    }

    #[call]
    fn discarded(&self) -> Vec<Vec<u64>> {
        self.discarded.clone()
    }
}

/// "keeps emitting events even when discarded"
#[tokio::test(start_paused = true)]
async fn keeps_emitting_events_even_when_discarded() {
    let producer = Counter::start(counter(1_100)).await.unwrap();
    let discarder = Discarder::start(Discarder {
        discarded: Vec::new(),
    })
    .await
    .unwrap();
    let consumer = forwarder_of(&discarder, Demand::new().max(100).min(50)).await;
    discarder
        .subscribe_to(&producer, Demand::new().max(100).min(80))
        .await
        .unwrap();
    settle().await;
    let discarded = discarder.discarded().await.unwrap();
    assert_eq!(discarded, batches_of(20, 0, 1_100));
    assert!(discarded.contains(&range(1_000, 1_020)));
    assert!(consumer.consumed().await.unwrap().is_empty());
}

/// "with shared (broadcast) demand", through a producer-consumer: both consumers subscribe
/// before the events flow, so both get all of them (GenStage's version races the subscriptions
/// and looks at a later batch).
#[tokio::test(start_paused = true)]
async fn with_shared_broadcast_demand_through_a_producer_consumer() {
    let producer = Counter::start(counter(300)).await.unwrap();
    let doubler = Doubler::options()
        .dispatcher(genserver::stage::Dispatcher::broadcast())
        .start(None)
        .await
        .unwrap();
    let first = forwarder().await;
    let second = forwarder().await;
    first
        .subscribe_to(&doubler, Demand::new().max(10).min(0))
        .await
        .unwrap();
    second
        .subscribe_to(&doubler, Demand::new().max(20).min(0))
        .await
        .unwrap();
    doubler
        .subscribe_to(&producer, Demand::new().max(10))
        .await
        .unwrap();
    settle().await;
    assert_eq!(first.consumed().await.unwrap(), doubled(0..300));
    assert_eq!(second.consumed().await.unwrap(), doubled(0..300));
    assert!(
        first
            .batches()
            .await
            .unwrap()
            .iter()
            .all(|batch| batch.len() <= 10)
    );
}

/// "queued events with lost producer": what a producer-consumer holds when its subscription is
/// cancelled is still handled, before the cancellation takes effect.
#[tokio::test(start_paused = true)]
async fn queued_events_with_lost_producer() {
    let producer = Counter::start(counter(1_000)).await.unwrap();
    let doubler = doubler().await;
    let subscription = doubler
        .subscribe_to(
            &producer,
            Demand::new().cancel(Cancel::Temporary).min(50).max(100),
        )
        .await
        .unwrap();
    settle().await;
    subscription.cancel(ExitReason::error("done")).unwrap();
    settle().await;
    assert!(doubler.cancels().await.unwrap().is_empty());
    assert!(doubler.consumed().await.unwrap().is_empty());
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&doubler, Demand::new().min(50).max(100))
        .await
        .unwrap();
    settle().await;
    // Its subscription gone, the held message is handled whole, as GenStage does (its test
    // accepts this or two batches of 50).
    assert_eq!(doubler.consumed().await.unwrap(), vec![range(0, 100)]);
    let batches = consumer.batches().await.unwrap();
    assert_eq!(batches[0], doubled(0..25));
    assert_eq!(batches[1], doubled(25..50));
    assert_eq!(batches.concat(), doubled(0..100));
    assert_eq!(
        summary(&doubler.cancels().await.unwrap()),
        vec![cancelled(
            CancelKind::Cancelled,
            Side::Consumer,
            ExitReason::error("done")
        )]
    );
    assert!(doubler.is_alive());
}
