//! The node's outbox: messages published without waiting (casts, a cancelled monitor's
//! goodbye, the replies of relayed calls sent from the server's task), in order, by one task.
//!
//! A cast must not block (it is a plain `fn`), while the NATS client only publishes from async
//! code. So a cast starts the publish and polls it once: the client's channel takes it at once
//! unless it is full; a message it did not take, and every message behind one, is queued here,
//! and the outbox's task publishes the queue in order. A call from the same task must not overtake a cast it sent before: before it sends,
//! it waits until the outbox has published everything queued so far ([`Outbox::flushed`]),
//! which costs two atomic loads when nothing is queued, the common case.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Waker};

use async_nats::client::PublishError;
use async_nats::{Client, HeaderMap, Subject};
use bytes::Bytes;
use tokio::sync::{Notify, mpsc};

use crate::node::Stats;

/// The most messages the outbox's task takes from the queue at once.
const BATCH: usize = 256;

/// One message to publish.
pub(crate) struct Outbound {
    pub(crate) subject: Subject,
    pub(crate) payload: Bytes,
    /// An error reply's headers.
    pub(crate) headers: Option<HeaderMap>,
    /// A reply, whose failure is not a failed cast.
    pub(crate) reply: bool,
}

impl Outbound {
    /// A cast, or another message that is not a reply.
    pub(crate) fn message(subject: Subject, payload: Bytes) -> Outbound {
        Outbound {
            subject,
            payload,
            headers: None,
            reply: false,
        }
    }

    /// Publishes a copy of it (its parts are reference-counted), so that a publish the client
    /// does not take at once can be dropped, and the message queued instead.
    async fn publish_copy(&self, client: &Client) -> Result<(), PublishError> {
        Outbound {
            subject: self.subject.clone(),
            payload: self.payload.clone(),
            headers: self.headers.clone(),
            reply: self.reply,
        }
        .publish(client)
        .await
    }

    /// Publishes it. (No copy: the first copy of a payload made from a `Vec` allocates, to
    /// share it.)
    async fn publish(self, client: &Client) -> Result<(), PublishError> {
        match self.headers {
            Some(headers) => {
                client
                    .publish_with_headers(self.subject, headers, self.payload)
                    .await
            }
            None => client.publish(self.subject, self.payload).await,
        }
    }
}

/// The sending side of the outbox.
pub(crate) struct Outbox {
    client: Client,
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
            let client = client.clone();
            async move {
                // Whatever is queued, at once: one wake-up of the callers waiting in
                // `flushed` a batch, not a message.
                let mut batch = Vec::with_capacity(BATCH);
                while receiver.recv_many(&mut batch, BATCH).await > 0 {
                    let count = batch.len() as u64;
                    for outbound in batch.drain(..) {
                        let reply = outbound.reply;
                        match outbound.publish(&client).await {
                            Err(error) if reply => {
                                tracing::debug!(target: "genserver::remote", %error, "a reply was not sent");
                            }
                            Err(error) => {
                                stats.failed_casts.fetch_add(1, Ordering::Relaxed);
                                tracing::warn!(target: "genserver::remote", %error, "a cast was not published");
                            }
                            Ok(()) => {}
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
        if self.progress.sent.load(Ordering::Acquire) == self.queued.load(Ordering::Acquire) {
            // Outside tokio's budget of operations a task poll: a cast loop (or a server's
            // task sending replies) would otherwise find the client's channel "full" after 128
            // messages of one poll, with room in it, and queue everything after them.
            let publishing = pin!(tokio::task::unconstrained(
                outbound.publish_copy(&self.client)
            ));
            // Taken (or refused: the client is closed, as the task would find too). A publish
            // still waiting for room in the client's channel has sent nothing (tokio's
            // `Sender::send` is cancel-safe): dropped, and the message queued.
            if publishing
                .poll(&mut Context::from_waker(Waker::noop()))
                .is_ready()
            {
                return true;
            }
        }
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

    /// How many messages have waited in the queue so far (the client's channel was full).
    #[cfg(test)]
    pub(crate) fn queued_so_far(&self) -> u64 {
        self.queued.load(Ordering::Acquire)
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
