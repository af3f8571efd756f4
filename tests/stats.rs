//! Per-server stats from the handle: messages handled, mailbox length, restarts.

use genserver::prelude::*;

struct Fragile {
    handled: u32,
}

#[genserver]
impl Fragile {
    #[call]
    fn poke(&mut self) -> u32 {
        self.handled += 1;
        self.handled
    }

    #[cast]
    fn note(&mut self) {
        self.handled += 1;
    }

    #[cast]
    fn crash(&mut self) {
        panic!("asked to crash");
    }
}

#[tokio::test(start_paused = true)]
async fn stats_count_messages_and_the_supervisors_restarts() {
    let sup = Supervisor::builder()
        .child(ChildSpec::new("fragile", || {
            Fragile::options()
                .name("fragile")
                .start(Fragile { handled: 0 })
        }))
        .start()
        .await
        .unwrap();
    let fragile = FragileRef::from_name("fragile");
    assert_eq!(fragile.poke().await, Ok(1));
    assert_eq!(fragile.poke().await, Ok(2));
    let stats = fragile.stats().await.unwrap();
    assert_eq!((stats.messages_handled, stats.restarts), (2, 0));

    for expected in 1..=2 {
        let current = Fragile::whereis("fragile").unwrap();
        current.crash().unwrap();
        current.exited().await;
        // The supervisor restarts it under the same name.
        while Fragile::whereis("fragile").is_none_or(|now| now.id() == current.id()) {
            tokio::task::yield_now().await;
        }
        let stats = fragile.stats().await.unwrap();
        assert_eq!((stats.messages_handled, stats.restarts), (0, expected));
    }
    let children = sup.which_children().await.unwrap();
    assert_eq!(children[0].restarts, 2);
    sup.stop().await;
}

#[tokio::test(start_paused = true)]
async fn stats_show_the_mailbox_length() {
    let fragile = Fragile::start(Fragile { handled: 0 }).await.unwrap();
    // The stats request is queued first, then three casts behind it: when the server answers
    // the request, those three are waiting.
    let (stats, ()) = tokio::join!(fragile.stats(), async {
        for _ in 0..3 {
            fragile.note().unwrap();
        }
    });
    let stats = stats.unwrap();
    assert_eq!((stats.mailbox_len, stats.messages_handled), (3, 0));
    assert_eq!(fragile.poke().await, Ok(4));
    let stats = fragile.stats().await.unwrap();
    assert_eq!((stats.mailbox_len, stats.messages_handled), (0, 4));
    fragile.stop().await;
}
