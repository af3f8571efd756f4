//! A stricter floor for W11 (reported as W11b): the same chain of tasks and bounded tokio
//! channels as [`tokio_pipeline`](super::tokio_pipeline), but each message a `Vec` of up to
//! [`BATCH`] events, as genserver's stages send them, and each channel holding as many events
//! as the stages' demand (`capacity / BATCH` messages).

use tokio::sync::mpsc;

/// Events a message: the batch a GenStage consumer with the default demand (`max` 1,000, `min`
/// 750) handles at a time.
pub const BATCH: usize = 250;

/// The hand-written chain of batches.
pub struct BatchedChain;

impl BatchedChain {
    /// `events` numbers from 0 through producer → plus one → consumer; the consumer's sum.
    pub async fn chain(events: u64, capacity: usize) -> u64 {
        let messages = (capacity / BATCH).max(1);
        let (numbers, mut incoming) = mpsc::channel::<Vec<u64>>(messages);
        let (incremented, mut sums) = mpsc::channel::<Vec<u64>>(messages);
        tokio::spawn(async move {
            let mut next = 0u64;
            while next < events {
                let end = (next + BATCH as u64).min(events);
                if numbers.send((next..end).collect()).await.is_err() {
                    return;
                }
                next = end;
            }
        });
        tokio::spawn(async move {
            while let Some(mut batch) = incoming.recv().await {
                for n in &mut batch {
                    *n += 1;
                }
                if incremented.send(batch).await.is_err() {
                    return;
                }
            }
        });
        let mut sum = 0u64;
        let mut count = 0u64;
        while let Some(batch) = sums.recv().await {
            count += batch.len() as u64;
            sum = batch.iter().fold(sum, |sum, n| sum.wrapping_add(*n));
            if count >= events {
                break;
            }
        }
        assert_eq!(count, events, "W11b batched chain: events received");
        sum
    }
}
