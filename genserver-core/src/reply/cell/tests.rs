//! Tests of the reply cell: sequential ones here, loom models of its races below.

#[cfg(not(loom))]
mod sequential {
    use std::task::{Context, Poll, Wake, Waker};

    use super::super::*;
    use crate::sync::{Arc, AtomicUsize, Dropped, Ordering};

    /// A waker that counts its wakes.
    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn waker() -> (Arc<Counter>, Waker) {
        let counter = Arc::new(Counter::default());
        (counter.clone(), Waker::from(counter))
    }

    fn wakes(counter: &Counter) -> usize {
        counter.0.load(Ordering::Relaxed)
    }

    fn poll<T>(rx: &mut Rx<T>, waker: &Waker) -> Poll<Received<T>> {
        rx.poll(&mut Context::from_waker(waker))
    }

    #[test]
    fn a_reply_sent_before_the_first_poll_is_there() {
        let (tx, mut rx) = channel::<u32>();
        tx.send(7);
        let (counter, waker) = waker();
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Received::Value(7)));
        assert_eq!(wakes(&counter), 0);
        // Polled again after the reply: nothing more.
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
    }

    #[test]
    fn a_waiting_caller_is_woken_once_by_the_reply() {
        let (tx, mut rx) = channel::<String>();
        let (counter, waker) = waker();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        assert_eq!(
            poll(&mut rx, &waker),
            Poll::Pending,
            "a second poll, same waker"
        );
        assert_eq!(wakes(&counter), 0);
        tx.send("late".to_owned());
        assert_eq!(wakes(&counter), 1);
        assert_eq!(
            poll(&mut rx, &waker),
            Poll::Ready(Received::Value("late".to_owned()))
        );
        // The waker the cell held was handed to the wake: only ours is left.
        assert_eq!(Arc::strong_count(&counter), 2);
    }

    #[test]
    fn the_latest_waker_is_the_one_woken() {
        let (tx, mut rx) = channel::<u32>();
        let (first, first_waker) = waker();
        let (second, second_waker) = waker();
        assert_eq!(poll(&mut rx, &first_waker), Poll::Pending);
        assert_eq!(poll(&mut rx, &second_waker), Poll::Pending);
        // The replaced waker was dropped by the cell.
        assert_eq!(Arc::strong_count(&first), 2);
        tx.send(1);
        assert_eq!((wakes(&first), wakes(&second)), (0, 1));
        assert_eq!(
            poll(&mut rx, &second_waker),
            Poll::Ready(Received::Value(1))
        );
    }

    #[test]
    fn no_reply_and_a_dropped_sender_are_told_apart() {
        let (tx, mut rx) = channel::<u32>();
        let (counter, waker) = waker();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        tx.no_reply();
        assert_eq!(wakes(&counter), 1);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Received::NoReply));

        let (tx, mut rx) = channel::<u32>();
        assert_eq!(poll(&mut rx, &waker), Poll::Pending);
        drop(tx);
        assert_eq!(wakes(&counter), 2);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Received::Closed));

        let (tx, mut rx) = channel::<u32>();
        drop(tx);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Received::Closed));
    }

    #[test]
    fn a_reply_to_a_caller_gone_is_dropped_at_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = channel::<Dropped>();
        let (counter, waker) = waker();
        assert!(poll(&mut rx, &waker).is_pending());
        assert!(!tx.is_closed());
        drop(rx);
        assert!(tx.is_closed());
        // The caller took its waker back when it left: the task is not kept alive by it.
        assert_eq!(Arc::strong_count(&counter), 2);
        tx.send(Dropped(drops.clone()));
        assert_eq!(drops.load(Ordering::Relaxed), 1);
        assert_eq!(wakes(&counter), 0, "no wake for a caller gone");
    }

    #[test]
    fn a_reply_never_taken_is_dropped_with_the_caller() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = channel::<Dropped>();
        tx.send(Dropped(drops.clone()));
        assert_eq!(drops.load(Ordering::Relaxed), 0);
        drop(rx);
        assert_eq!(drops.load(Ordering::Relaxed), 1);

        // The same, with a waker stored before the reply came.
        let (tx, mut rx) = channel::<Dropped>();
        let (counter, waker) = waker();
        assert!(poll(&mut rx, &waker).is_pending());
        tx.send(Dropped(drops.clone()));
        drop(rx);
        assert_eq!(drops.load(Ordering::Relaxed), 2);
        assert_eq!(Arc::strong_count(&counter), 2);
    }

    #[test]
    fn a_reply_taken_is_dropped_once() {
        let drops = Arc::new(AtomicUsize::new(0));
        let (tx, mut rx) = channel::<Dropped>();
        tx.send(Dropped(drops.clone()));
        let (_, waker) = waker();
        let Poll::Ready(Received::Value(value)) = poll(&mut rx, &waker) else {
            panic!("no reply")
        };
        drop(rx);
        assert_eq!(drops.load(Ordering::Relaxed), 0);
        drop(value);
        assert_eq!(drops.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_waker_stored_after_the_reply_goes_with_the_cell() {
        // The reply lands between the caller's look at the state and its registration: the
        // registration finds `TX_DONE` and the waker it just stored is freed with the cell.
        let (tx, mut rx) = channel::<u32>();
        tx.send(3);
        let (counter, waker) = waker();
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Received::Value(3)));
        assert_eq!(Arc::strong_count(&counter), 2);
    }

    #[test]
    fn try_recv_looks_without_storing_a_waker() {
        let (tx, mut rx) = channel::<u32>();
        assert_eq!(rx.try_recv(), None);
        // Nobody to wake: the reply is published and waits for the next look.
        tx.send(5);
        assert_eq!(rx.try_recv(), Some(Received::Value(5)));
        assert_eq!(rx.try_recv(), None, "taken once");

        // After a poll stored a waker, the reply still wakes it; `try_recv` then takes it.
        let (tx, mut rx) = channel::<u32>();
        let (counter, waker) = waker();
        assert!(poll(&mut rx, &waker).is_pending());
        tx.send(6);
        assert_eq!(wakes(&counter), 1);
        assert_eq!(rx.try_recv(), Some(Received::Value(6)));
    }

    #[test]
    fn zero_sized_and_large_replies() {
        let (tx, mut rx) = channel::<()>();
        tx.send(());
        let (_, waker) = waker();
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Received::Value(())));

        let (tx, mut rx) = channel::<[u64; 64]>();
        assert!(poll(&mut rx, &waker).is_pending());
        tx.send([9; 64]);
        assert_eq!(poll(&mut rx, &waker), Poll::Ready(Received::Value([9; 64])));
    }

    /// The caller leaves (with a waker stored) while the reply is sent from another thread:
    /// the reply is dropped once, and nothing is touched after the cell is freed (Miri's race
    /// detector runs this too: `cargo +nightly miri test`).
    #[test]
    fn callers_leaving_as_replies_come_across_threads() {
        let drops = Arc::new(AtomicUsize::new(0));
        let rounds = if cfg!(miri) { 50 } else { 1_000 };
        for _ in 0..rounds {
            let (tx, mut rx) = channel::<Dropped>();
            let (counter, waker) = waker();
            assert!(poll(&mut rx, &waker).is_pending());
            let value = Dropped(drops.clone());
            let sender = std::thread::spawn(move || tx.send(value));
            drop(rx);
            sender.join().unwrap();
            // The cell's clone of the waker went back to the caller or into the wake: either
            // way only the test's two handles are left.
            assert_eq!(Arc::strong_count(&counter), 2);
        }
        assert_eq!(drops.load(Ordering::Relaxed), rounds);
    }

    #[test]
    fn many_replies_across_threads() {
        for round in 0..if cfg!(miri) { 50 } else { 1_000u64 } {
            let (tx, mut rx) = channel::<u64>();
            let sender = std::thread::spawn(move || tx.send(round));
            let (_, waker) = waker();
            let received = loop {
                if let Poll::Ready(received) = poll(&mut rx, &waker) {
                    break received;
                }
                std::hint::spin_loop();
            };
            sender.join().unwrap();
            assert_eq!(received, Received::Value(round));
        }
    }
}

/// Loom models: every interleaving of a sender and a caller, with loom's checks of data races
/// on the waker and the value, and of lost wake-ups (a caller left waiting).
#[cfg(loom)]
mod loom_models {
    use std::future::poll_fn;

    use loom::future::block_on;
    use loom::thread;

    use super::super::*;
    use crate::sync::{Arc, AtomicUsize, Dropped, Ordering};

    /// A reply sent from another thread reaches a caller waiting for it (which polls with a
    /// first waker, then waits with another: the registration, the replacement of the waker and
    /// the sender's lock all race).
    #[test]
    fn a_reply_reaches_the_waiting_caller() {
        loom::model(|| {
            let drops = Arc::new(AtomicUsize::new(0));
            let (tx, mut rx) = channel::<Dropped>();
            let sender = {
                let drops = drops.clone();
                thread::spawn(move || tx.send(Dropped(drops)))
            };
            let first = block_on(poll_fn(|cx| Poll::Ready(rx.poll(cx))));
            let received = match first {
                Poll::Ready(received) => received,
                Poll::Pending => block_on(poll_fn(|cx| rx.poll(cx))),
            };
            let Received::Value(value) = received else {
                panic!("no reply")
            };
            sender.join().unwrap();
            drop(value);
            drop(rx);
            assert_eq!(drops.load(Ordering::Relaxed), 1);
        });
    }

    /// The caller first looks without a waker (as a call that steps aside does), then waits:
    /// the reply is taken once, whichever look finds it.
    #[test]
    fn a_look_without_waker_then_a_wait() {
        loom::model(|| {
            let (tx, mut rx) = channel::<u32>();
            let sender = thread::spawn(move || tx.send(8));
            let received = match rx.try_recv() {
                Some(received) => received,
                None => block_on(poll_fn(|cx| rx.poll(cx))),
            };
            sender.join().unwrap();
            assert_eq!(received, Received::Value(8));
            assert_eq!(rx.try_recv(), None);
        });
    }

    /// The sender finishes without a reply (dropped, or `no_reply`) while the caller waits: the
    /// caller learns which.
    #[test]
    fn a_dropped_sender_reaches_the_waiting_caller() {
        for no_reply in [false, true] {
            loom::model(move || {
                let (tx, mut rx) = channel::<u32>();
                let sender = thread::spawn(move || {
                    if no_reply {
                        tx.no_reply();
                    } else {
                        drop(tx);
                    }
                });
                let received = block_on(poll_fn(|cx| rx.poll(cx)));
                sender.join().unwrap();
                let expected = if no_reply {
                    Received::NoReply
                } else {
                    Received::Closed
                };
                assert_eq!(received, expected);
            });
        }
    }

    /// The caller leaves (after registering a waker, or before) while the reply is sent: the
    /// reply is dropped exactly once, and the cell is freed by whichever side is last.
    #[test]
    fn the_caller_leaves_as_the_reply_comes() {
        for register in [false, true] {
            loom::model(move || {
                let drops = Arc::new(AtomicUsize::new(0));
                let (tx, mut rx) = channel::<Dropped>();
                let sender = {
                    let drops = drops.clone();
                    thread::spawn(move || tx.send(Dropped(drops)))
                };
                let mut taken = None;
                if register {
                    if let Poll::Ready(Received::Value(value)) =
                        block_on(poll_fn(|cx| Poll::Ready(rx.poll(cx))))
                    {
                        taken = Some(value);
                    }
                }
                drop(rx);
                sender.join().unwrap();
                drop(taken);
                assert_eq!(drops.load(Ordering::Relaxed), 1);
            });
        }
    }
}
