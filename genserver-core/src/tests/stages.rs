//! Stages written by hand in the shape `#[genserver]` generates for `#[produce]` and
//! `#[consume]`: a producer, a producer-consumer and a consumer, and the runtime's protocol
//! between them. The GenStage cases, ported through the macro, are in the facade's
//! `tests/stages*.rs`.

use futures_util::StreamExt as _;

use super::*;
use crate::stage::{
    self, Cancel, Consume, ConsumerMsg, Demand, DemandMode, Dispatcher, Produce, ProducerMsg,
    ProducerOf, SubscribeError,
};

type Batches = Arc<Mutex<Vec<Vec<u64>>>>;

fn batches(log: &Batches) -> Vec<Vec<u64>> {
    log.lock().unwrap().clone()
}

fn flat(log: &Batches) -> Vec<u64> {
    batches(log).concat()
}

/// Lets every server run until nothing moves (the clock is paused: sleeping advances it only
/// when every task is idle).
async fn settle() {
    tokio::time::sleep(Duration::from_millis(10)).await;
}

// ---------------------------------------------------------------------------------------------
// A producer: counts from `next` up to `until` on demand (or, `silent`, never), and emits what a
// cast queues. It ends, so that the servers of a test go idle and the paused clock moves on.

struct Counter {
    next: u64,
    until: u64,
    silent: bool,
    demands: Vec<usize>,
}

enum CounterMsg {
    Produce(ProducerMsg<u64>),
    Queue(Vec<u64>),
    Demands(ReplySender<Vec<usize>>),
}

impl GenServer for Counter {
    type Msg = CounterMsg;
    type Args = Counter;
    type InitError = std::convert::Infallible;
    type Ref = ServerRef<Counter>;

    async fn init(args: Counter, _: &mut Context<Self>) -> Result<Option<Self>, Self::InitError> {
        Ok(Some(args))
    }

    async fn handle(&mut self, msg: CounterMsg, ctx: &mut Context<Self>) {
        match msg {
            CounterMsg::Produce(msg) => stage::handle_producer(self, msg, ctx).await,
            CounterMsg::Queue(events) => ctx.emit(events),
            CounterMsg::Demands(reply) => reply.send(self.demands.clone()),
        }
    }

    fn message_name(_: &CounterMsg) -> &'static str {
        "counter"
    }
}

impl Produce for Counter {
    type Event = u64;

    fn producer_msg(msg: ProducerMsg<u64>) -> CounterMsg {
        CounterMsg::Produce(msg)
    }

    async fn produce(&mut self, demand: usize, _: &mut Context<Self>) -> Vec<u64> {
        self.demands.push(demand);
        if self.silent {
            return Vec::new();
        }
        let end = (self.next + demand as u64).min(self.until);
        let events = (self.next..end).collect();
        self.next = end;
        events
    }
}

impl ProducerOf<u64> for Counter {
    fn producer_msg(msg: ProducerMsg<u64>) -> CounterMsg {
        CounterMsg::Produce(msg)
    }

    fn unwrap_producer_msg(msg: CounterMsg) -> Option<ProducerMsg<u64>> {
        match msg {
            CounterMsg::Produce(msg) => Some(msg),
            _ => None,
        }
    }
}

fn counter(next: u64) -> Counter {
    Counter {
        next,
        until: next + 1_000,
        silent: false,
        demands: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// A consumer that records each batch it is given.

struct Recorder {
    log: Batches,
}

enum RecorderMsg {
    Consume(ConsumerMsg<u64>),
}

impl GenServer for Recorder {
    type Msg = RecorderMsg;
    type Args = Recorder;
    type InitError = std::convert::Infallible;
    type Ref = ServerRef<Recorder>;

    async fn init(args: Recorder, _: &mut Context<Self>) -> Result<Option<Self>, Self::InitError> {
        Ok(Some(args))
    }

    async fn handle(&mut self, msg: RecorderMsg, ctx: &mut Context<Self>) {
        match msg {
            RecorderMsg::Consume(msg) => stage::handle_consumer(self, msg, ctx).await,
        }
    }

    fn message_name(_: &RecorderMsg) -> &'static str {
        "recorder"
    }
}

impl Consume for Recorder {
    type Event = u64;

    fn consumer_msg(msg: ConsumerMsg<u64>) -> RecorderMsg {
        RecorderMsg::Consume(msg)
    }

    fn unwrap_consumer_msg(msg: RecorderMsg) -> Option<ConsumerMsg<u64>> {
        match msg {
            RecorderMsg::Consume(msg) => Some(msg),
        }
    }

    async fn consume(&mut self, events: Vec<u64>, _: &mut Context<Self>) {
        self.log.lock().unwrap().push(events);
    }
}

async fn recorder() -> (ServerRef<Recorder>, Batches) {
    let log = Batches::default();
    let server = Options::<Recorder>::new()
        .start(Recorder { log: log.clone() })
        .await
        .unwrap();
    (server, log)
}

// ---------------------------------------------------------------------------------------------
// A producer-consumer that doubles each event (each twice, as GenStage's `Doubler`).

struct Doubler {
    log: Batches,
}

enum DoublerMsg {
    Produce(ProducerMsg<u64>),
    Consume(ConsumerMsg<u64>),
}

impl GenServer for Doubler {
    type Msg = DoublerMsg;
    type Args = Doubler;
    type InitError = std::convert::Infallible;
    type Ref = ServerRef<Doubler>;

    async fn init(args: Doubler, _: &mut Context<Self>) -> Result<Option<Self>, Self::InitError> {
        Ok(Some(args))
    }

    async fn handle(&mut self, msg: DoublerMsg, ctx: &mut Context<Self>) {
        match msg {
            DoublerMsg::Produce(msg) => stage::handle_producer(self, msg, ctx).await,
            DoublerMsg::Consume(msg) => stage::handle_consumer(self, msg, ctx).await,
        }
    }

    fn message_name(_: &DoublerMsg) -> &'static str {
        "doubler"
    }
}

impl Produce for Doubler {
    type Event = u64;
    const RELAY: bool = true;

    fn producer_msg(msg: ProducerMsg<u64>) -> DoublerMsg {
        DoublerMsg::Produce(msg)
    }

    async fn produce(&mut self, _: usize, ctx: &mut Context<Self>) -> Vec<u64> {
        stage::relay(self, ctx).await;
        Vec::new()
    }
}

impl ProducerOf<u64> for Doubler {
    fn producer_msg(msg: ProducerMsg<u64>) -> DoublerMsg {
        DoublerMsg::Produce(msg)
    }

    fn unwrap_producer_msg(msg: DoublerMsg) -> Option<ProducerMsg<u64>> {
        match msg {
            DoublerMsg::Produce(msg) => Some(msg),
            _ => None,
        }
    }
}

impl Consume for Doubler {
    type Event = u64;
    const RELAY: bool = true;

    fn consumer_msg(msg: ConsumerMsg<u64>) -> DoublerMsg {
        DoublerMsg::Consume(msg)
    }

    fn unwrap_consumer_msg(msg: DoublerMsg) -> Option<ConsumerMsg<u64>> {
        match msg {
            DoublerMsg::Consume(msg) => Some(msg),
            DoublerMsg::Produce(_) => None,
        }
    }

    async fn consume(&mut self, events: Vec<u64>, ctx: &mut Context<Self>) {
        self.log.lock().unwrap().push(events.clone());
        let doubled = events.into_iter().flat_map(|n| [n, n]).collect();
        ctx.emit(doubled);
    }

    fn relay(&mut self, ctx: &mut Context<Self>) -> impl std::future::Future<Output = ()> + Send {
        stage::relay(self, ctx)
    }
}

// ---------------------------------------------------------------------------------------------

/// GenStage's "with 80% min demand": batches of `max - min`, asks after each.
#[tokio::test(start_paused = true)]
async fn a_consumer_takes_batches_of_max_minus_min() {
    let producer = Options::<Counter>::new().start(counter(0)).await.unwrap();
    let (consumer, log) = recorder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(100).min(80))
        .await
        .unwrap();
    settle().await;
    let batches = batches(&log);
    assert!(batches.len() > 10);
    for batch in &batches {
        assert_eq!(batch.len(), 20);
    }
    assert_eq!(batches[0], (0..20).collect::<Vec<_>>());
    assert_eq!(batches[1], (20..40).collect::<Vec<_>>());
    // Consecutive numbers: nothing lost, nothing twice.
    let all = flat(&log);
    assert_eq!(all, (0..all.len() as u64).collect::<Vec<_>>());
    // The first demand is max, each one after is max - min.
    let demands = producer.call(CounterMsg::Demands).await.unwrap();
    assert_eq!(demands[0], 100);
    assert!(demands[1..].iter().all(|&d| d == 20), "{demands:?}");
    consumer.stop().await;
    producer.stop().await;
}

/// GenStage's "with 80% min demand with init subscription", through a producer-consumer.
#[tokio::test(start_paused = true)]
async fn a_producer_consumer_relays_at_the_pace_of_its_consumers() {
    let producer = Options::<Counter>::new().start(counter(0)).await.unwrap();
    let doubled = Batches::default();
    let doubler = Options::<Doubler>::new()
        .start(Doubler {
            log: doubled.clone(),
        })
        .await
        .unwrap();
    let (consumer, log) = recorder().await;
    doubler
        .subscribe_to(&producer, Demand::new().max(100).min(80))
        .await
        .unwrap();
    consumer
        .subscribe_to(&doubler, Demand::new().max(100).min(50))
        .await
        .unwrap();
    settle().await;
    assert_eq!(batches(&doubled)[0], (0..20).collect::<Vec<_>>());
    let first = &batches(&log)[0];
    assert_eq!(first, &(0..20).flat_map(|n| [n, n]).collect::<Vec<_>>());
    let all = flat(&log);
    assert!(all.len() > 1_000);
    let expected: Vec<u64> = (0..).flat_map(|n| [n, n]).take(all.len()).collect();
    assert_eq!(all, expected);
    for batch in batches(&log) {
        assert!(batch.len() <= 50);
    }
    // The doubler holds at most what it asked for.
    let stats = doubler.consumer_stats().await.unwrap();
    assert!(stats.held <= 100, "{stats:?}");
}

/// GenStage issue #214: demand is never lost. A demand handler that returns nothing keeps the
/// demand open; events emitted later (from a cast) meet it, without another call.
#[tokio::test(start_paused = true)]
async fn demand_not_met_stays_open_for_events_emitted_later() {
    let producer = Options::<Counter>::new()
        .start(Counter {
            silent: true,
            ..counter(0)
        })
        .await
        .unwrap();
    let (consumer, log) = recorder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(10).min(5))
        .await
        .unwrap();
    settle().await;
    producer.cast(CounterMsg::Queue(vec![1, 2, 3])).unwrap();
    settle().await;
    assert_eq!(flat(&log), vec![1, 2, 3]);
    let demands = producer.call(CounterMsg::Demands).await.unwrap();
    assert_eq!(demands, vec![10]);
    // More than the demand: the rest waits in the buffer until the consumer asks.
    producer
        .cast(CounterMsg::Queue((4..=20).collect()))
        .unwrap();
    settle().await;
    assert_eq!(flat(&log), (1..=20).collect::<Vec<_>>());
    let stats = producer.producer_stats().await.unwrap();
    assert_eq!(stats.buffered, 0);
}

/// Events emitted with no consumer wait in the buffer (GenStage's "stores events when there is
/// no demand"), and a full buffer drops, and counts, what it must.
#[tokio::test(start_paused = true)]
async fn a_producer_buffers_without_demand_and_reports_what_it_drops() {
    let producer = Options::<Counter>::new()
        .buffer_size(5)
        .start(Counter {
            silent: true,
            ..counter(0)
        })
        .await
        .unwrap();
    producer
        .cast(CounterMsg::Queue(vec![1, 2, 3, 4, 5]))
        .unwrap();
    producer.cast(CounterMsg::Queue(vec![6, 7, 8])).unwrap();
    let stats = producer.producer_stats().await.unwrap();
    assert_eq!((stats.buffered, stats.dropped), (5, 3));
    let (consumer, log) = recorder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    // Keep last: the oldest went.
    assert_eq!(batches(&log), vec![vec![4, 5, 6, 7], vec![8]]);
}

/// GenStage issue #311: the demand of a consumer that went away is not asked again, but the
/// events the producer emits for it reach the next consumer.
#[tokio::test(start_paused = true)]
async fn buffered_events_reach_the_next_consumer() {
    let producer = Options::<Counter>::new()
        .start(Counter {
            silent: true,
            ..counter(0)
        })
        .await
        .unwrap();
    let (first, _) = recorder().await;
    first
        .subscribe_to(&producer, Demand::new().max(10).cancel(Cancel::Temporary))
        .await
        .unwrap();
    settle().await;
    first.kill();
    settle().await;
    producer.cast(CounterMsg::Queue(vec![1, 2, 3])).unwrap();
    let (second, log) = recorder().await;
    second
        .subscribe_to(&producer, Demand::new().max(10).min(0))
        .await
        .unwrap();
    settle().await;
    assert_eq!(flat(&log), vec![1, 2, 3]);
    // The first consumer's demand was owed: not asked again for the second.
    assert_eq!(producer.call(CounterMsg::Demands).await.unwrap(), vec![10]);
}

/// Accumulate, then forward (GenStage's `demand: :accumulate`).
#[tokio::test(start_paused = true)]
async fn an_accumulating_producer_holds_demand_until_forwarded() {
    let producer = Options::<Counter>::new()
        .demand_mode(DemandMode::Accumulate)
        .start(counter(0))
        .await
        .unwrap();
    let (consumer, log) = recorder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert!(flat(&log).is_empty());
    assert_eq!(
        producer.demand_mode().await.unwrap(),
        DemandMode::Accumulate
    );
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    settle().await;
    assert_eq!(batches(&log)[0], vec![0, 1, 2, 3]);
}

/// Cancel modes: a permanent consumer exits with its producer, a temporary one goes on.
#[tokio::test(start_paused = true)]
async fn a_consumer_exits_with_its_producer_unless_temporary() {
    let producer = Options::<Counter>::new().start(counter(0)).await.unwrap();
    let (permanent, _) = recorder().await;
    let (transient, _) = recorder().await;
    let (temporary, _) = recorder().await;
    for (consumer, cancel) in [
        (&permanent, Cancel::Permanent),
        (&transient, Cancel::Transient),
        (&temporary, Cancel::Temporary),
    ] {
        consumer
            .subscribe_to(&producer, Demand::new().max(10).cancel(cancel))
            .await
            .unwrap();
    }
    producer.stop_with(ExitReason::Shutdown).await;
    settle().await;
    assert_eq!(permanent.exited().await, ExitReason::Shutdown);
    assert!(transient.is_alive());
    assert!(temporary.is_alive());
    assert!(
        temporary
            .consumer_stats()
            .await
            .unwrap()
            .subscriptions
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn subscribing_to_a_producer_that_has_exited() {
    let producer = Options::<Counter>::new().start(counter(0)).await.unwrap();
    producer.stop().await;
    let (temporary, _) = recorder().await;
    assert_eq!(
        temporary
            .subscribe_to(&producer, Demand::new().cancel(Cancel::Temporary))
            .await
            .unwrap_err(),
        SubscribeError::ProducerNotRunning
    );
    settle().await;
    assert!(temporary.is_alive());
    let (permanent, _) = recorder().await;
    assert_eq!(
        permanent
            .subscribe_to(&producer, Demand::new())
            .await
            .unwrap_err(),
        SubscribeError::ProducerNotRunning
    );
    assert_eq!(permanent.exited().await, ExitReason::NoProc);
}

#[tokio::test(start_paused = true)]
async fn invalid_demand_is_refused() {
    let producer = Options::<Counter>::new().start(counter(0)).await.unwrap();
    let (consumer, _) = recorder().await;
    assert_eq!(
        consumer
            .subscribe_to(&producer, Demand::new().max(0))
            .await
            .unwrap_err(),
        SubscribeError::InvalidDemand { max: 0, min: 0 }
    );
    assert_eq!(
        consumer
            .subscribe_to(&producer, Demand::new().max(10).min(10))
            .await
            .unwrap_err(),
        SubscribeError::InvalidDemand { max: 10, min: 10 }
    );
    assert!(consumer.is_alive());
}

#[tokio::test(start_paused = true)]
async fn a_broadcast_sends_everyone_everything_at_the_pace_of_the_slowest() {
    let producer = Options::<Counter>::new()
        .dispatcher(Dispatcher::broadcast())
        .demand_mode(DemandMode::Accumulate)
        .start(counter(0))
        .await
        .unwrap();
    let (one, log_one) = recorder().await;
    let (two, log_two) = recorder().await;
    one.subscribe_to(&producer, Demand::new().max(10).min(0))
        .await
        .unwrap();
    two.subscribe_to(&producer, Demand::new().max(20).min(0))
        .await
        .unwrap();
    assert_eq!(
        one.subscribe_to(&producer, Demand::new())
            .await
            .unwrap_err(),
        SubscribeError::AlreadySubscribed
    );
    producer.set_demand_mode(DemandMode::Forward).unwrap();
    settle().await;
    let (a, b) = (flat(&log_one), flat(&log_two));
    let n = a.len().min(b.len());
    assert!(n >= 10);
    assert_eq!(a[..n], b[..n]);
    assert_eq!(a[..10], (0..10).collect::<Vec<_>>()[..]);
    for batch in batches(&log_one) {
        assert!(batch.len() <= 10);
    }
}

#[tokio::test(start_paused = true)]
async fn a_partition_dispatcher_sends_each_event_to_its_partition() {
    let producer = Options::<Counter>::new()
        .dispatcher(Dispatcher::partition(2, |n: &u64| Some((n % 2) as usize)))
        .start(counter(0))
        .await
        .unwrap();
    let (even, log_even) = recorder().await;
    let (odd, log_odd) = recorder().await;
    assert_eq!(
        even.subscribe_to(&producer, Demand::new())
            .await
            .unwrap_err(),
        SubscribeError::PartitionRequired { partitions: 2 }
    );
    even.subscribe_to(&producer, Demand::new().max(10).partition(0))
        .await
        .unwrap();
    odd.subscribe_to(&producer, Demand::new().max(10).partition(1))
        .await
        .unwrap();
    settle().await;
    let (evens, odds) = (flat(&log_even), flat(&log_odd));
    assert!(evens.len() > 10 && odds.len() > 10);
    assert!(evens.iter().all(|n| n % 2 == 0));
    assert!(odds.iter().all(|n| n % 2 == 1));
    assert_eq!(evens[..5], [0, 2, 4, 6, 8]);
}

#[tokio::test(start_paused = true)]
async fn a_stream_consumes_a_producer_with_demand() {
    let producer = Options::<Counter>::new().start(counter(0)).await.unwrap();
    let taken: Vec<u64> = stage::stream(&producer, Demand::new().max(100))
        .unwrap()
        .take(300)
        .collect()
        .await;
    assert_eq!(taken, (0..300).collect::<Vec<_>>());
    settle().await;
    // The stream's subscription ended when it was dropped.
    let stats = producer.producer_stats().await.unwrap();
    assert!(stats.demand.is_empty(), "{stats:?}");
}

/// Manual demand, and a stream pulled only as far as the demand reaches.
#[tokio::test(start_paused = true)]
async fn a_producer_pulls_a_stream_only_on_demand() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let pulled = Arc::new(AtomicU64::new(0));
    let counting = pulled.clone();
    let items = futures_util::stream::iter(0..1_000u64).inspect(move |_| {
        counting.fetch_add(1, Ordering::Relaxed);
    });
    let producer = stage::from_stream(items).await.unwrap();
    let (consumer, log) = recorder().await;
    let subscription = consumer
        .subscribe_to(&producer, Demand::new().max(10).manual())
        .await
        .unwrap();
    settle().await;
    assert_eq!(pulled.load(Ordering::Relaxed), 0);
    subscription.ask(10).unwrap();
    settle().await;
    assert_eq!(flat(&log), (0..10).collect::<Vec<_>>());
    assert_eq!(pulled.load(Ordering::Relaxed), 10);
    subscription.ask(5).unwrap();
    settle().await;
    assert_eq!(flat(&log), (0..15).collect::<Vec<_>>());
    assert_eq!(pulled.load(Ordering::Relaxed), 15);
}

/// A producer from a stream stops normally when the stream ends, after its events went out.
#[tokio::test(start_paused = true)]
async fn a_stream_producer_stops_when_its_stream_ends() {
    let producer = stage::from_stream(futures_util::stream::iter(1..=25u64))
        .await
        .unwrap();
    let (consumer, log) = recorder().await;
    consumer
        .subscribe_to(
            &producer,
            Demand::new().max(10).min(5).cancel(Cancel::Transient),
        )
        .await
        .unwrap();
    assert_eq!(producer.exited().await, ExitReason::Normal);
    settle().await;
    assert_eq!(flat(&log), (1..=25).collect::<Vec<_>>());
    assert!(consumer.is_alive());
}
