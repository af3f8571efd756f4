//! GenStage's `describe "stream"` and `describe "from_enumerable/2"`, and the bridges as a
//! user needs them: lines of a socket feeding a pipeline, pulled only as the pipeline asks.

use futures_util::StreamExt as _;
use genserver::stage::{self, StreamProducer};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

use super::*;

/// "may consume 10 events out of demand of 1000"
#[tokio::test(start_paused = true)]
async fn may_consume_10_events_out_of_demand_of_1000() {
    let producer = Counter::start(counter(10_000)).await.unwrap();
    let events: Vec<u64> = stage::stream(&producer, Demand::default())
        .unwrap()
        .take(10)
        .collect()
        .await;
    assert_eq!(events, range(0, 10));
    // The stream's subscription ended with it.
    settle().await;
    assert!(producer.producer_stats().await.unwrap().demand.is_empty());
}

/// "may consume 300 events out of demand of 100"
#[tokio::test(start_paused = true)]
async fn may_consume_300_events_out_of_demand_of_100() {
    let producer = Counter::start(counter(10_000)).await.unwrap();
    let events: Vec<u64> = stage::stream(&producer, Demand::new().max(100))
        .unwrap()
        .take(300)
        .collect()
        .await;
    assert_eq!(events, range(0, 300));
    // Never more than 100 asked and not read.
    let asked: usize = producer.demands().await.unwrap().iter().sum();
    assert!(asked <= 400, "{asked}");
}

/// "exits when there is no named producer and subscription is permanent/transient", and its
/// temporary twin: a stream has no process to exit, so both fail at once.
#[tokio::test(start_paused = true)]
async fn fails_when_there_is_no_named_producer() {
    for cancel in [Cancel::Permanent, Cancel::Temporary] {
        let error = stage::stream(
            &CounterRef::from_name("no producer for a stream"),
            Demand::new().cancel(cancel),
        )
        .unwrap_err();
        assert_eq!(error, SubscribeError::ProducerNotRunning);
    }
}

/// "exits when producer is dead and subscription is permanent/transient" (and temporary).
#[tokio::test(start_paused = true)]
async fn fails_when_producer_is_dead() {
    let producer = Counter::start(counter(0)).await.unwrap();
    producer.stop().await;
    assert_eq!(
        stage::stream(&producer, Demand::default()).unwrap_err(),
        SubscribeError::ProducerNotRunning
    );
}

/// "raises on bad options"
#[tokio::test(start_paused = true)]
async fn fails_on_bad_options() {
    let producer = Counter::start(counter(0)).await.unwrap();
    assert_eq!(
        stage::stream(&producer, Demand::new().max(0)).unwrap_err(),
        SubscribeError::InvalidDemand { max: 0, min: 0 }
    );
}

/// A stream ends when its producer exits, and says why.
#[tokio::test(start_paused = true)]
async fn a_stream_ends_with_its_producer() {
    let producer = Counter::start(counter(5)).await.unwrap();
    let mut stream = stage::stream(&producer, Demand::default()).unwrap();
    for n in 0..5 {
        assert_eq!(stream.next().await, Some(n));
    }
    producer.kill();
    assert_eq!(stream.next().await, None);
    assert_eq!(stream.end_reason(), Some(&ExitReason::Killed));
}

/// "handle_call/3 sends events before reply": events a call emits are on their way before
/// its caller has the reply.
#[tokio::test(start_paused = true)]
async fn handle_call_sends_events_before_reply() {
    use futures_util::FutureExt as _;
    let producer = Counter::start(counter(0)).await.unwrap();
    let mut stream = stage::stream(&producer, Demand::new().max(3)).unwrap();
    settle().await;
    assert_eq!(producer.sync_queue(vec![1, 2, 3]).await, Ok(0));
    for n in 1..=3 {
        assert_eq!(stream.next().now_or_never(), Some(Some(n)));
    }
}

/// "sends termination message on done": a stream taken in part leaves an endless producer
/// running.
#[tokio::test(start_paused = true)]
async fn sends_termination_message_on_done() {
    let producer = stage::from_stream(futures_util::stream::iter(0u64..))
        .await
        .unwrap();
    let events: Vec<u64> = stage::stream(&producer, Demand::new().cancel(Cancel::Transient))
        .unwrap()
        .take(10)
        .collect()
        .await;
    assert_eq!(events, range(0, 10));
    settle().await;
    assert!(producer.is_alive());
}

/// "sends termination message on halt": a finite stream's producer stops (normally) after
/// its last event went out.
#[tokio::test(start_paused = true)]
async fn sends_termination_message_on_halt() {
    let producer = stage::from_stream(futures_util::stream::iter(0u64..10))
        .await
        .unwrap();
    let events: Vec<u64> = stage::stream(&producer, Demand::new().cancel(Cancel::Transient))
        .unwrap()
        .collect()
        .await;
    assert_eq!(events, range(0, 10));
    assert_eq!(producer.exited().await, ExitReason::Normal);
}

/// from_enumerable: "accepts a :name option"
#[tokio::test(start_paused = true)]
async fn a_stream_producer_accepts_a_name() {
    let _producer = StreamProducer::options()
        .name("stages-stream-producer")
        .start(Box::pin(futures_util::stream::iter(0u64..3)))
        .await
        .unwrap();
    let found = ServerRef::<StreamProducer<u64>>::whereis("stages-stream-producer").unwrap();
    let consumer = forwarder_of(&found, Demand::new().cancel(Cancel::Temporary)).await;
    settle().await;
    assert_eq!(consumer.consumed().await.unwrap(), vec![0, 1, 2]);
}

/// What reads a line in a pipeline: parses it into a number.
struct Parse;

#[genserver]
impl Parse {
    #[consume]
    fn lines(&mut self, lines: Vec<String>) -> Vec<u64> {
        lines.iter().filter_map(|line| line.parse().ok()).collect()
    }
}

/// A socket's lines, as a stream of `String`s.
fn lines<R: tokio::io::AsyncRead + Send + Unpin + 'static>(
    reader: R,
) -> impl futures_util::Stream<Item = String> + Send + 'static {
    futures_util::stream::unfold(BufReader::new(reader).lines(), |mut lines| async move {
        let line = lines.next_line().await.ok().flatten()?;
        Some((line, lines))
    })
}

/// The lines of an in-memory pipe feed producer → parse → consumer, read only as far as the
/// consumer's demand reaches: the writer is held back by the pipe once it is full.
#[tokio::test(start_paused = true)]
async fn lines_of_a_pipe_feed_a_pipeline_on_demand() {
    let (mut writer, reader) = tokio::io::duplex(64);
    let producer = stage::from_stream(lines(reader)).await.unwrap();
    let parse = Parse::start(Parse).await.unwrap();
    let consumer = forwarder().await;
    let subscription = consumer
        .subscribe_to(&parse, Demand::new().manual().cancel(Cancel::Transient))
        .await
        .unwrap();
    parse
        .subscribe_to(
            &producer,
            Demand::new().max(4).min(2).cancel(Cancel::Transient),
        )
        .await
        .unwrap();
    let written = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = written.clone();
    let writing = tokio::spawn(async move {
        for n in 0..1_000u64 {
            writer.write_all(format!("{n}\n").as_bytes()).await.unwrap();
            counter.store(n + 1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    settle().await;
    // Nothing asked downstream: the pipeline holds a few lines, the pipe a few more, and the
    // writer waits.
    assert!(consumer.consumed().await.unwrap().is_empty());
    let held = written.load(std::sync::atomic::Ordering::Relaxed);
    assert!(held < 100, "{held} lines written with no demand");
    subscription.ask(1_000).unwrap();
    writing.await.unwrap();
    settle().await;
    assert_eq!(consumer.consumed().await.unwrap(), range(0, 1_000));
}

/// The same over a real loopback TCP socket (real time: the network is the point).
#[tokio::test]
async fn lines_of_a_tcp_socket_feed_a_pipeline() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let sending = tokio::spawn(async move {
        let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
        for n in 0..10_000u64 {
            socket.write_all(format!("{n}\n").as_bytes()).await.unwrap();
        }
        socket.shutdown().await.unwrap();
    });
    let (socket, _) = listener.accept().await.unwrap();
    let producer = stage::from_stream(lines(socket)).await.unwrap();
    let parse = Parse::start(Parse).await.unwrap();
    let (done, finished) = tokio::sync::oneshot::channel();
    let consumer = Total::start(Total {
        sum: 0,
        count: 0,
        done: Some(done),
    })
    .await
    .unwrap();
    consumer
        .subscribe_to(&parse, Demand::new().max(100).cancel(Cancel::Transient))
        .await
        .unwrap();
    parse
        .subscribe_to(&producer, Demand::new().max(100).cancel(Cancel::Transient))
        .await
        .unwrap();
    sending.await.unwrap();
    // The stream ends with the socket: the producer stops, the transient subscriptions with
    // it; the consumer has every line.
    assert_eq!(producer.exited().await, ExitReason::Normal);
    let (count, sum) = tokio::time::timeout(Duration::from_secs(60), finished)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((count, sum), (10_000, (0..10_000u64).sum()));
}

/// Adds up what it gets; says when it has 10,000.
struct Total {
    sum: u64,
    count: u64,
    done: Option<tokio::sync::oneshot::Sender<(u64, u64)>>,
}

#[genserver]
impl Total {
    #[consume]
    fn events(&mut self, events: Vec<u64>) {
        self.count += events.len() as u64;
        self.sum += events.iter().sum::<u64>();
        if self.count == 10_000 {
            if let Some(done) = self.done.take() {
                let _ = done.send((self.count, self.sum));
            }
        }
    }
}
