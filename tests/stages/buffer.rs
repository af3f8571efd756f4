//! GenStage's `describe "buffer"`. GenStage logs what a full buffer discards (and calls
//! `format_discarded/2`); here the producer counts it (`ProducerStats::dropped`) and emits a
//! `tracing` warning.

use genserver::stage::BufferKeep;

use super::*;

// GenStage's atoms `:a`, `:b`, ... are numbers from 101 here, apart from the counter's own.
const A: u64 = 101;
const B: u64 = 102;
const C: u64 = 103;
const D: u64 = 104;
const E: u64 = 105;
const F: u64 = 106;
const G: u64 = 107;
const H: u64 = 108;

/// "stores events when there is no demand"
#[tokio::test(start_paused = true)]
async fn stores_events_when_there_is_no_demand() {
    let producer = Counter::start(counter(7)).await.unwrap();
    producer.async_queue(vec![A, B, C]).unwrap();
    producer.async_queue(vec![D, E]).unwrap();
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![vec![A, B, C, D], vec![E], vec![0, 1, 2], vec![3, 4, 5, 6]]
    );
}

/// "emits warning and keeps first when it exceeds configured size"
#[tokio::test(start_paused = true)]
async fn keeps_first_when_it_exceeds_configured_size() {
    let producer = Counter::options()
        .buffer_size(5)
        .buffer_keep(BufferKeep::First)
        .start(counter(0))
        .await
        .unwrap();
    assert_eq!(producer.sync_queue(vec![A, B, C, D, E]).await, Ok(0));
    assert_eq!(producer.sync_queue(vec![F, G, H]).await, Ok(0));
    assert_eq!(producer.producer_stats().await.unwrap().dropped, 3);
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![vec![A, B, C, D], vec![E]]
    );
}

/// "emits warning and keeps last when it exceeds configured size"
#[tokio::test(start_paused = true)]
async fn keeps_last_when_it_exceeds_configured_size() {
    let producer = Counter::options()
        .buffer_size(5)
        .start(counter(0))
        .await
        .unwrap();
    producer.sync_queue(vec![A, B, C, D, E]).await.unwrap();
    producer.sync_queue(vec![F, G, H]).await.unwrap();
    assert_eq!(producer.producer_stats().await.unwrap().dropped, 3);
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![vec![D, E, F, G], vec![H]]
    );
}

/// "may have limit set to infinity"
#[tokio::test(start_paused = true)]
async fn may_have_limit_set_to_infinity() {
    let producer = Counter::options()
        .unbounded_buffer()
        .start(counter(0))
        .await
        .unwrap();
    producer.sync_queue(vec![A, B, C, D, E]).await.unwrap();
    producer.sync_queue(vec![F, G, H]).await.unwrap();
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![vec![A, B, C, D], vec![E, F, G, H]]
    );
}

/// "returns the correct buffer count when polled" (GenStage's `estimate_buffered_count/1`)
#[tokio::test(start_paused = true)]
async fn returns_the_correct_buffer_count_when_polled() {
    let producer = Counter::options()
        .unbounded_buffer()
        .start(counter(0))
        .await
        .unwrap();
    producer.sync_queue(vec![A, B, C, D, E]).await.unwrap();
    assert_eq!(producer.producer_stats().await.unwrap().buffered, 5);
    producer.sync_queue(vec![F, G, H]).await.unwrap();
    assert_eq!(producer.producer_stats().await.unwrap().buffered, 8);
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&producer, Demand::new().max(4).min(0))
        .await
        .unwrap();
    settle().await;
    assert_eq!(
        consumer.batches().await.unwrap(),
        vec![vec![A, B, C, D], vec![E, F, G, H]]
    );
    assert_eq!(producer.producer_stats().await.unwrap().buffered, 0);
}
