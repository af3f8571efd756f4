//! The node's outbox: messages published without waiting (casts, a cancelled monitor's
//! goodbye), in order, by one task.
//!
//! A cast must not block (it is a plain `fn`), while the NATS client only publishes from async
//! code. So a cast starts the publish and polls it once: the client's channel takes it at once
//! unless it is full; a publish it did not take, and every message behind one, is queued here,
//! and the outbox's task publishes the queue in order. A call from the same task must not overtake a cast it sent before: before it sends,
//! it waits until the outbox has published everything queued so far ([`Outbox::flushed`]),
//! which costs two atomic loads when nothing is queued, the common case.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};

use async_nats::client::PublishError;
use async_nats::{Client, Subject};
use bytes::Bytes;
use tokio::sync::{Notify, mpsc};

use crate::node::Stats;

/// The most messages the outbox's task takes from the queue at once.
const BATCH: usize = 256;

/// One message to publish.
pub(crate) struct Outbound {
    pub(crate) subject: Subject,
    pub(crate) payload: Bytes,
}

/// A publish the client has not taken yet.
type Publishing = Pin<Box<dyn Future<Output = Result<(), PublishError>> + Send>>;

/// What the outbox's task publishes, in order.
enum Queued {
    /// A message.
    Message(Outbound),
    /// A publish started by `push` that the client's channel did not take at once.
    Started(Publishing),
}

/// The sending side of the outbox.
pub(crate) struct Outbox {
    client: Client,
    queue: mpsc::UnboundedSender<Queued>,
    /// Messages queued so far.
    queued: AtomicU64,
    progress: Arc<Progress>,
}

/// How far the outbox's task has got.
#[derive(Default)]
struct Progress {
    /// Messages handed to the NATS client (or failed) so far.
    sent: AtomicU64,
    /// Woken each time `sent` grows.
    advanced: Notify,
}

impl Outbox {
    /// An outbox publishing through `client`, with its task spawned on the current runtime.
    pub(crate) fn start(
        client: Client,
        stats: Arc<Stats>,
    ) -> (Outbox, tokio::task::JoinHandle<()>) {
        let (queue, mut receiver) = mpsc::unbounded_channel::<Queued>();
        let progress = Arc::new(Progress::default());
        let task = tokio::spawn({
            let progress = progress.clone();
            let client = client.clone();
            async move {
                // Whatever is queued, at once: one wake-up of the callers waiting in
                // `flushed` a batch, not a message.
                let mut batch = Vec::with_capacity(BATCH);
                while receiver.recv_many(&mut batch, BATCH).await > 0 {
                    let count = batch.len() as u64;
                    for queued in batch.drain(..) {
                        let published = match queued {
                            Queued::Message(outbound) => {
                                client.publish(outbound.subject, outbound.payload).await
                            }
                            Queued::Started(publishing) => publishing.await,
                        };
                        if let Err(error) = published {
                            stats.failed_casts.fetch_add(1, Ordering::Relaxed);
                            tracing::warn!(target: "genserver::remote", %error, "a cast was not published");
                        }
                    }
                    progress.sent.fetch_add(count, Ordering::AcqRel);
                    progress.advanced.notify_waiters();
                }
            }
        });
        let outbox = Outbox {
            client,
            queue,
            queued: AtomicU64::new(0),
            progress,
        };
        (outbox, task)
    }

    /// Publishes `outbound` after everything queued before it; `false` if the outbox's task is
    /// gone (the node is shutting down).
    ///
    /// With nothing queued, the message goes to the client at once, as an `await`ed publish
    /// would: the client's channel takes it unless it is full. Only then (or behind earlier
    /// messages) does it wait in the queue for the outbox's task, which keeps them in order.
    pub(crate) fn push(&self, outbound: Outbound) -> bool {
        let queued =
            if self.progress.sent.load(Ordering::Acquire) == self.queued.load(Ordering::Acquire) {
                let client = self.client.clone();
                let Outbound { subject, payload } = outbound;
                let mut publishing: Publishing =
                    Box::pin(async move { client.publish(subject, payload).await });
                match publishing
                    .as_mut()
                    .poll(&mut Context::from_waker(Waker::noop()))
                {
                    // Taken (or refused: the client is closed, as the task would find too).
                    Poll::Ready(_) => return true,
                    Poll::Pending => Queued::Started(publishing),
                }
            } else {
                Queued::Message(outbound)
            };
        // Counted before it is queued, so a `flushed` after this returns waits for it.
        self.queued.fetch_add(1, Ordering::AcqRel);
        if self.queue.send(queued).is_err() {
            // Never published: count it as done, or `flushed` would wait for it forever.
            self.progress.sent.fetch_add(1, Ordering::AcqRel);
            self.progress.advanced.notify_waiters();
            return false;
        }
        true
    }

    /// Waits until everything queued before this call has been handed to the NATS client.
    pub(crate) async fn flushed(&self) {
        let target = self.queued.load(Ordering::Acquire);
        loop {
            if self.progress.sent.load(Ordering::Acquire) >= target {
                return;
            }
            let advanced = self.progress.advanced.notified();
            tokio::pin!(advanced);
            advanced.as_mut().enable();
            if self.progress.sent.load(Ordering::Acquire) >= target {
                return;
            }
            advanced.await;
        }
    }
}
