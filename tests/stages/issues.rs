//! GenStage's rules from its issues: demand is never lost or discarded (#214, #215), buffered
//! events are not lost when a consumer comes back (#311); and what DESIGN.md asks of a stage:
//! it is a full server (names, calls, timers, supervision).

use genserver::{Strategy, Supervisor};

use super::*;

/// gen_stage#214 ("demand should never be lost or discarded"): a demand handler that has
/// nothing yet returns nothing; the demand stays open, and what a cast emits later meets it
/// without the consumer asking again.
#[tokio::test(start_paused = true)]
async fn issue_214_demand_not_met_stays_open() {
    let producer = Counter::start(silent()).await.unwrap();
    let consumer = forwarder_of(&producer, Demand::new().max(10).min(0)).await;
    settle().await;
    assert_eq!(producer.demands().await.unwrap(), vec![10]);
    producer.async_queue(range(0, 4)).unwrap();
    settle().await;
    producer.async_queue(range(4, 10)).unwrap();
    settle().await;
    assert_eq!(consumer.consumed().await.unwrap(), range(0, 10));
    // Asked once for 10, met by two casts, then asked again by the consumer.
    assert_eq!(producer.demands().await.unwrap(), vec![10, 10]);
}

/// gen_stage#215 (a dispatcher that holds demand back must not lose it): demand met a little at
/// a time, over many asks, adds up: the consumer gets exactly what it asked for, and the
/// producer is never asked for demand it still owes.
#[tokio::test(start_paused = true)]
async fn issue_215_demand_met_a_little_at_a_time_adds_up() {
    let producer = Counter::start(silent()).await.unwrap();
    let consumer = forwarder_of(&producer, Demand::new().max(10).min(5)).await;
    settle().await;
    for start in (0..60).step_by(3) {
        producer.async_queue(range(start, start + 3)).unwrap();
        settle().await;
    }
    assert_eq!(consumer.consumed().await.unwrap(), range(0, 60));
    let stats = producer.producer_stats().await.unwrap();
    // What the consumer may still be sent is what the producer still owes: nothing asked twice.
    assert_eq!(stats.buffered, 0);
    assert_eq!(stats.capacity, stats.owed);
    let asked: usize = producer.demands().await.unwrap().iter().sum();
    assert_eq!(asked, 60 + stats.owed);
}

/// gen_stage#311 ("events from internal buffer are not sent after consumer reconnect"): a
/// consumer with open demand goes away, the producer emits what it owed into its buffer, and a
/// new consumer gets it.
#[tokio::test(start_paused = true)]
async fn issue_311_buffered_events_reach_a_new_consumer() {
    let producer = Counter::start(silent()).await.unwrap();
    let first = forwarder_of(&producer, Demand::new().max(10).cancel(Cancel::Temporary)).await;
    settle().await;
    first.kill();
    settle().await;
    producer.async_queue(vec![1, 2, 3]).unwrap();
    settle().await;
    assert_eq!(producer.producer_stats().await.unwrap().buffered, 3);
    let second = forwarder_of(&producer, Demand::new().max(10).min(0)).await;
    settle().await;
    assert_eq!(second.consumed().await.unwrap(), vec![1, 2, 3]);
    assert_eq!(producer.producer_stats().await.unwrap().buffered, 0);
    // More emitted later flows too.
    producer.async_queue(vec![4, 5]).unwrap();
    settle().await;
    assert_eq!(second.consumed().await.unwrap(), vec![1, 2, 3, 4, 5]);
}

// A stage is a full server: a producer driven by a timer, named, its consumer supervised.

#[derive(Clone)]
struct Tick;

struct Clock {
    ticks: u64,
}

#[genserver]
impl Clock {
    #[init]
    fn init(_: (), ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(Duration::from_millis(10), Tick);
        Clock { ticks: 0 }
    }

    /// No demand handling of its own: the timer emits.
    #[produce]
    fn demand(&mut self, _demand: usize) -> Vec<u64> {
        Vec::new()
    }

    #[info]
    fn tick(&mut self, _: Tick, ctx: &mut Context<Self>) {
        self.ticks += 1;
        ctx.emit(vec![self.ticks]);
        if self.ticks == 100 {
            ctx.stop(ExitReason::Normal);
        }
    }

    #[call]
    fn ticks(&self) -> u64 {
        self.ticks
    }
}

/// A consumer that crashes on a given event, subscribed from its init: restarted by its
/// supervisor, it subscribes again (GenStage's advice for `subscribe_to` in `init/1`).
struct Fragile {
    seen: Arc<Mutex<Vec<u64>>>,
}

#[genserver]
impl Fragile {
    #[init]
    fn init(seen: Arc<Mutex<Vec<u64>>>, ctx: &mut Context<Self>) -> Result<Self, SubscribeError> {
        ctx.subscribe_to(
            &ClockRef::from_name("stages-clock"),
            Demand::new().max(5).cancel(Cancel::Transient),
        )?;
        Ok(Fragile { seen })
    }

    #[consume]
    fn events(&mut self, events: Vec<u64>) {
        for event in events {
            self.seen.lock().unwrap().push(event);
            if event == 30 {
                panic!("event 30");
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_stage_is_a_supervised_server_with_a_name_and_timers() {
    let clock = Clock::options()
        .name("stages-clock")
        .start(())
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let args = seen.clone();
    let supervisor = Supervisor::builder()
        .strategy(Strategy::OneForOne)
        .child(genserver::ChildSpec::new("fragile", move || {
            Fragile::start(args.clone())
        }))
        .start()
        .await
        .unwrap();
    assert_eq!(clock.exited().await, ExitReason::Normal);
    settle().await;
    let seen = seen.lock().unwrap().clone();
    // Up to the crash, then from where the restarted consumer subscribed again: ticks emitted
    // while no consumer was subscribed waited in the buffer for it.
    assert_eq!(&seen[..30], &range(1, 31)[..]);
    assert!(seen.ends_with(&[100]), "{seen:?}");
    let after = &seen[30..];
    assert!(after.windows(2).all(|pair| pair[0] < pair[1]), "{after:?}");
    supervisor.stop().await;
}
