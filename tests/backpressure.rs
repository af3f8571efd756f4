//! Backpressure for plain servers: a bounded mailbox refuses a cast when full
//! (`CastError::Full`); `reserve()` waits for room first, so a fast sender is slowed to the
//! server's pace instead of failing.

use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

/// A server whose every message takes 10 ms.
struct Slow {
    handled: Vec<u32>,
}

#[genserver]
impl Slow {
    #[cast]
    async fn work(&mut self, n: u32) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        self.handled.push(n);
    }

    #[info]
    fn note(&mut self, n: u32) {
        self.handled.push(n);
    }

    #[call]
    fn handled(&self) -> Vec<u32> {
        self.handled.clone()
    }
}

async fn slow(capacity: usize) -> SlowRef {
    Slow::options()
        .mailbox_capacity(capacity)
        .start(Slow {
            handled: Vec::new(),
        })
        .await
        .unwrap()
}

/// The plain cast of a fast sender fails once the mailbox is full...
#[tokio::test(start_paused = true)]
async fn a_fast_sender_fails_with_plain_casts() {
    let server = slow(4).await;
    let results: Vec<Result<(), CastError>> = (0..100).map(|n| server.work(n)).collect();
    let refused = results
        .iter()
        .filter(|result| **result == Err(CastError::Full))
        .count();
    assert!(refused > 90, "{refused} refused");
}

/// ...and through `reserve` it is slowed to the server's pace, every message delivered.
#[tokio::test(start_paused = true)]
async fn a_fast_sender_is_slowed_not_failed() {
    let server = slow(4).await;
    let start = Instant::now();
    for n in 0..100 {
        server.reserve().await.unwrap().work(n).unwrap();
    }
    let sending = start.elapsed();
    assert_eq!(
        server.handled().await.unwrap(),
        (0..100).collect::<Vec<_>>()
    );
    // 100 messages of 10 ms through a mailbox of 4: the sender waited for all but the last few.
    assert!(sending >= Duration::from_millis(950), "{sending:?}");
}

/// A permit dropped unused gives its room back; a permit sends infos too.
#[tokio::test(start_paused = true)]
async fn an_unused_permit_gives_its_room_back() {
    let server = slow(1).await;
    let permit = server.reserve().await.unwrap();
    // The only room is reserved: a plain cast is refused.
    assert_eq!(server.work(0), Err(CastError::Full));
    drop(permit);
    server.reserve().await.unwrap().send(7u32).unwrap();
    assert_eq!(server.handled().await.unwrap(), vec![7]);
}

/// On an unbounded mailbox (the default) a permit is granted at once.
#[tokio::test(start_paused = true)]
async fn a_permit_of_an_unbounded_mailbox_is_immediate() {
    let server = Slow::start(Slow {
        handled: Vec::new(),
    })
    .await
    .unwrap();
    let start = Instant::now();
    for n in 0..1_000 {
        server.reserve().await.unwrap().work(n).unwrap();
    }
    assert_eq!(start.elapsed(), Duration::ZERO);
    server.stop().await;
}

/// A server that exits while a sender waits for room: the wait ends with `NotRunning`.
#[tokio::test(start_paused = true)]
async fn waiting_for_room_ends_when_the_server_exits() {
    let server = slow(1).await;
    server.work(0).unwrap();
    // The server takes the first message (its room comes back) and works on it for 10 ms;
    // the second fills the mailbox.
    tokio::task::yield_now().await;
    server.work(1).unwrap();
    let waiting = {
        let server = server.clone();
        tokio::spawn(async move { server.reserve().await.map(|_| ()) })
    };
    tokio::task::yield_now().await;
    server.kill();
    assert_eq!(waiting.await.unwrap(), Err(CastError::NotRunning));
    assert!(matches!(
        SlowRef::from_name("no such slow server").reserve().await,
        Err(CastError::NotRunning)
    ));
}
