//! The floor of the pipeline workloads (W11, W12): a hand-written chain of tasks joined by
//! tokio's bounded `mpsc` channels, one event a message, each channel as large as the stages'
//! demand (`max`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::subject::Pipeline;

/// The hand-written channel chain.
pub struct ChannelChain;

/// A running W12 chain.
pub struct Running {
    consumed: Arc<AtomicU64>,
    tasks: Vec<JoinHandle<()>>,
}

impl Pipeline for ChannelChain {
    type Running = Running;

    async fn chain(events: u64, capacity: usize) -> u64 {
        let (numbers, mut incoming) = mpsc::channel::<u64>(capacity);
        let (incremented, mut sums) = mpsc::channel::<u64>(capacity);
        tokio::spawn(async move {
            for n in 0..events {
                if numbers.send(n).await.is_err() {
                    return;
                }
            }
        });
        tokio::spawn(async move {
            while let Some(n) = incoming.recv().await {
                if incremented.send(n + 1).await.is_err() {
                    return;
                }
            }
        });
        let mut sum = 0u64;
        let mut count = 0u64;
        while let Some(n) = sums.recv().await {
            sum = sum.wrapping_add(n);
            count += 1;
            if count == events {
                break;
            }
        }
        assert_eq!(count, events, "W11 channel chain: events received");
        sum
    }

    async fn slow(capacity: usize, pace: Duration, batch: usize) -> Running {
        let (numbers, mut incoming) = mpsc::channel::<u64>(capacity);
        let consumed = Arc::new(AtomicU64::new(0));
        let producer = tokio::spawn(async move {
            let mut n = 0u64;
            while numbers.send(n).await.is_ok() {
                n += 1;
            }
        });
        let counted = consumed.clone();
        let consumer = tokio::spawn(async move {
            let mut next = tokio::time::Instant::now();
            let mut in_batch = 0;
            while incoming.recv().await.is_some() {
                in_batch += 1;
                if in_batch == batch {
                    next += pace * batch as u32;
                    tokio::time::sleep_until(next).await;
                    counted.fetch_add(batch as u64, Ordering::Relaxed);
                    in_batch = 0;
                }
            }
        });
        Running {
            consumed,
            tasks: vec![producer, consumer],
        }
    }

    fn consumed(running: &Running) -> u64 {
        running.consumed.load(Ordering::Relaxed)
    }

    async fn buffered(_: &Running) -> u64 {
        // Nothing beyond the channel, which is bounded.
        0
    }

    async fn stop(running: Running) {
        for task in running.tasks {
            task.abort();
            let _ = task.await;
        }
    }
}
