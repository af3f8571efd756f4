//! The node's outbox: messages published without waiting (casts, a cancelled monitor's
//! goodbye), in order, by one task.
//!
//! A cast must not block (it is a plain `fn`), while the NATS client only publishes from async
//! code. So a cast is queued here and returns, and the outbox's task publishes the queue in
//! order. A call from the same task must not overtake a cast it sent before: before it sends,
//! it waits until the outbox has published everything queued so far ([`Outbox::flushed`]),
//! which costs two atomic loads when nothing is queued, the common case.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// The sending side of the outbox.
pub(crate) struct Outbox {
    queue: mpsc::UnboundedSender<Outbound>,
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
        let (queue, mut receiver) = mpsc::unbounded_channel::<Outbound>();
        let progress = Arc::new(Progress::default());
        let task = tokio::spawn({
            let progress = progress.clone();
            async move {
                // Whatever is queued, at once: one wake-up of the callers waiting in
                // `flushed` a batch, not a message.
                let mut batch = Vec::with_capacity(BATCH);
                while receiver.recv_many(&mut batch, BATCH).await > 0 {
                    let count = batch.len() as u64;
                    for outbound in batch.drain(..) {
                        if let Err(error) = client.publish(outbound.subject, outbound.payload).await
                        {
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
            queue,
            queued: AtomicU64::new(0),
            progress,
        };
        (outbox, task)
    }

    /// Queues `outbound`; `false` if the outbox's task is gone (the node is shutting down).
    pub(crate) fn push(&self, outbound: Outbound) -> bool {
        // Counted before it is queued, so a `flushed` after this returns waits for it.
        self.queued.fetch_add(1, Ordering::AcqRel);
        if self.queue.send(outbound).is_err() {
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
