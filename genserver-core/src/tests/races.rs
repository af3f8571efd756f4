//! Races between an exit and a monitor or link being set up, on a multi-thread runtime.

use super::*;

// ---------------------------------------------------------------------------------------------
// Races between an exit and the monitor or link being set up

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_link_racing_an_exit_always_delivers_it_once() {
    let log = Log::default();
    for _ in 0..200 {
        let a = start(args("a", &log)).await;
        let follower = start(args("follower", &log)).await;
        let trapper = start(ProbeArgs {
            trap_exits: true,
            ..args("trapper", &log)
        })
        .await;
        let doomed = a.clone();
        let killer = tokio::spawn(async move { doomed.kill() });
        let a_pid = a.pid();
        tokio::join!(follower.link(&a_pid), trapper.link(&a_pid));
        killer.await.unwrap();
        assert_eq!(
            follower.exited().await,
            ExitReason::Linked {
                id: a.id(),
                reason: Box::new(ExitReason::Killed)
            }
        );
        a.exited().await;
        let exits = trapper.exits().await;
        assert_eq!(exits.len(), 1, "{exits:?}");
        trapper.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_monitor_racing_an_exit_always_delivers_one_down() {
    let log = Log::default();
    let watcher = start(args("watcher", &log)).await;
    let mut targets = Vec::new();
    for _ in 0..200 {
        let target = start(args("target", &log)).await;
        let doomed = target.clone();
        let killer = tokio::spawn(async move { doomed.stop().await });
        watcher.monitor_other(&target.pid()).await;
        killer.await.unwrap();
        targets.push(target);
    }
    let downs = watcher.downs().await;
    assert_eq!(downs.len(), targets.len());
    for (down, target) in downs.iter().zip(&targets) {
        assert_eq!(down.id, target.id());
        assert_eq!(down.reason, ExitReason::Normal);
    }
}

/// A mailbox slot is no wider than the server's own message (or two words): the runtime's
/// requests are thin pointers. Every slot of every mailbox pays for this width.
#[test]
fn mail_slots_are_as_small_as_the_message() {
    use crate::task::Mail;
    let message = std::mem::size_of::<ProbeMsg>();
    assert!(
        std::mem::size_of::<Mail<Probe>>() <= message.max(16),
        "Mail<Probe> is {} bytes for a {message}-byte message",
        std::mem::size_of::<Mail<Probe>>()
    );
    assert_eq!(std::mem::size_of::<Mail<Probe>>(), message.max(16));
}
