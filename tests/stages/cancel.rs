//! GenStage's `describe "producer callbacks"`, `"consumer callbacks"` and
//! `"producer_consumer callbacks"`: what the end of a subscription does to each side, by cancel
//! mode. GenStage's `handle_cancel/3` is the `#[cancel]` handler here; its
//! `{:cancel, reason}` / `{:down, reason}` are `CancelKind::Cancelled` / `CancelKind::Exited`.

use super::*;

async fn subscribed(cancel: Cancel) -> (CounterRef, ForwarderRef, Subscription<u64>) {
    let producer = Counter::start(counter(100)).await.unwrap();
    let consumer = forwarder().await;
    let subscription = consumer
        .subscribe_to(&producer, Demand::new().max(10).cancel(cancel))
        .await
        .unwrap();
    (producer, consumer, subscription)
}

/// Producer side: "handle_cancel/3"
#[tokio::test(start_paused = true)]
async fn producer_handle_cancel() {
    let (producer, consumer, subscription) = subscribed(Cancel::Temporary).await;
    subscription.cancel(ExitReason::error("oops")).unwrap();
    settle().await;
    let cancels = producer.cancels().await.unwrap();
    assert_eq!(cancels[0].subscription, subscription.id());
    assert_eq!(
        summary(&cancels),
        vec![cancelled(
            CancelKind::Cancelled,
            Side::Producer,
            ExitReason::error("oops")
        )]
    );
    assert!(consumer.is_alive());
}

/// Producer side: "handle_cancel/3 on consumer down"
#[tokio::test(start_paused = true)]
async fn producer_handle_cancel_on_consumer_down() {
    let (producer, consumer, _) = subscribed(Cancel::Temporary).await;
    consumer.kill();
    settle().await;
    assert_eq!(
        summary(&producer.cancels().await.unwrap()),
        vec![cancelled(
            CancelKind::Exited,
            Side::Producer,
            ExitReason::Killed
        )]
    );
    assert!(producer.is_alive());
}

/// "handle_call/3 may shut stage down": a stage is a server; its permanent consumer follows.
#[tokio::test(start_paused = true)]
async fn handle_call_may_shut_stage_down() {
    let (producer, consumer, _) = subscribed(Cancel::Permanent).await;
    assert_eq!(producer.stop_shutdown().await, Ok(()));
    assert_eq!(producer.exited().await, ExitReason::Shutdown);
    assert_eq!(consumer.exited().await, ExitReason::Shutdown);
}

/// Consumer: "terminate/1" — it runs, with the reason, when a cancel stops the consumer.
#[tokio::test(start_paused = true)]
async fn consumer_terminate_runs() {
    let (_producer, consumer, subscription) = subscribed(Cancel::Permanent).await;
    let reason = Arc::new(Mutex::new(None));
    consumer.report_exit(reason.clone()).await.unwrap();
    subscription.cancel(ExitReason::error("done")).unwrap();
    assert_eq!(consumer.exited().await, ExitReason::error("done"));
    assert_eq!(*reason.lock().unwrap(), Some(ExitReason::error("done")));
}

/// "handle_cancel/3 with temporary subscription"
#[tokio::test(start_paused = true)]
async fn handle_cancel_with_temporary_subscription() {
    let (_producer, consumer, subscription) = subscribed(Cancel::Temporary).await;
    subscription.cancel(ExitReason::error("oops")).unwrap();
    settle().await;
    let cancels = consumer.cancels().await.unwrap();
    assert_eq!(cancels[0].subscription, subscription.id());
    assert_eq!(
        summary(&cancels),
        vec![cancelled(
            CancelKind::Cancelled,
            Side::Consumer,
            ExitReason::error("oops")
        )]
    );
    assert!(consumer.is_alive());
}

/// "handle_cancel/3 with normal transient subscription"
#[tokio::test(start_paused = true)]
async fn handle_cancel_with_normal_transient_subscription() {
    let (_producer, consumer, subscription) = subscribed(Cancel::Transient).await;
    subscription.cancel(ExitReason::Normal).unwrap();
    settle().await;
    assert_eq!(
        summary(&consumer.cancels().await.unwrap()),
        vec![cancelled(
            CancelKind::Cancelled,
            Side::Consumer,
            ExitReason::Normal
        )]
    );
    assert!(consumer.is_alive());
}

/// "handle_cancel/3 with non-normal transient subscription"
#[tokio::test(start_paused = true)]
async fn handle_cancel_with_non_normal_transient_subscription() {
    let (_producer, consumer, subscription) = subscribed(Cancel::Transient).await;
    subscription.cancel(ExitReason::error("bad")).unwrap();
    assert_eq!(consumer.exited().await, ExitReason::error("bad"));
}

/// "handle_cancel/3 with permanent subscription"
#[tokio::test(start_paused = true)]
async fn handle_cancel_with_permanent_subscription() {
    let (producer, consumer, subscription) = subscribed(Cancel::Permanent).await;
    subscription.cancel(ExitReason::Normal).unwrap();
    assert_eq!(consumer.exited().await, ExitReason::Normal);
    assert!(producer.is_alive());
}

/// "handle_cancel/3 on producer down with temporary subscription"
#[tokio::test(start_paused = true)]
async fn handle_cancel_on_producer_down_with_temporary_subscription() {
    let (producer, consumer, _) = subscribed(Cancel::Temporary).await;
    producer.kill();
    settle().await;
    assert_eq!(
        summary(&consumer.cancels().await.unwrap()),
        vec![cancelled(
            CancelKind::Exited,
            Side::Consumer,
            ExitReason::Killed
        )]
    );
    assert!(consumer.is_alive());
}

/// "handle_cancel/3 on producer down with transient subscription"
#[tokio::test(start_paused = true)]
async fn handle_cancel_on_producer_down_with_transient_subscription() {
    let (producer, consumer, _) = subscribed(Cancel::Transient).await;
    producer.kill();
    assert_eq!(consumer.exited().await, ExitReason::Killed);
}

/// "consumer handle_cancel/3 on producer normal down with transient subscription"
#[tokio::test(start_paused = true)]
async fn handle_cancel_on_producer_normal_down_with_transient_subscription() {
    let (producer, consumer, _) = subscribed(Cancel::Transient).await;
    producer.stop_with(ExitReason::Shutdown).await;
    settle().await;
    assert_eq!(
        summary(&consumer.cancels().await.unwrap()),
        vec![cancelled(
            CancelKind::Exited,
            Side::Consumer,
            ExitReason::Shutdown
        )]
    );
    assert!(consumer.is_alive());
}

/// "handle_cancel/3 on producer down with permanent subscription"
#[tokio::test(start_paused = true)]
async fn handle_cancel_on_producer_down_with_permanent_subscription() {
    let (producer, consumer, _) = subscribed(Cancel::Permanent).await;
    producer.kill();
    assert_eq!(consumer.exited().await, ExitReason::Killed);
}

/// producer_consumer: "producer handle_cancel/3 on consumer down" and "consumer handle_cancel/3
/// with permanent subscription": a producer-consumer is on both sides.
#[tokio::test(start_paused = true)]
async fn a_producer_consumer_sees_both_sides_end() {
    let producer = Counter::start(counter(100)).await.unwrap();
    let doubler = doubler().await;
    let consumer = forwarder().await;
    consumer
        .subscribe_to(&doubler, Demand::new().cancel(Cancel::Temporary))
        .await
        .unwrap();
    let upstream = doubler
        .subscribe_to(&producer, Demand::new().cancel(Cancel::Permanent))
        .await
        .unwrap();
    consumer.kill();
    settle().await;
    assert_eq!(
        summary(&doubler.cancels().await.unwrap()),
        vec![cancelled(
            CancelKind::Exited,
            Side::Producer,
            ExitReason::Killed
        )]
    );
    upstream.cancel(ExitReason::error("upstream")).unwrap();
    assert_eq!(doubler.exited().await, ExitReason::error("upstream"));
}
