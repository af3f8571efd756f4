//! Links: exits that propagate, trapped exits, unlink.

use super::*;

// ---------------------------------------------------------------------------------------------
// Links

#[tokio::test(start_paused = true)]
async fn an_abnormal_exit_takes_the_linked_partner_along() {
    let log = Log::default();
    let a = start(args("a", &log)).await;
    let b = start(args("b", &log)).await;
    let c = start(args("c", &log)).await;
    a.link(&b.pid()).await;
    b.link(&c.pid()).await;
    a.crash();
    let a_reason = ExitReason::Panic("a crashed".to_owned());
    let b_reason = ExitReason::Linked {
        id: a.id(),
        reason: Box::new(a_reason.clone()),
    };
    assert_eq!(b.exited().await, b_reason);
    assert_eq!(
        c.exited().await,
        ExitReason::Linked {
            id: b.id(),
            reason: Box::new(b_reason.clone())
        }
    );
    assert!(b_reason.to_string().contains("a crashed"), "{b_reason}");
    assert!(b_reason.to_string().contains(&a.id().to_string()));
    // Followed without terminate, as in OTP.
    assert_eq!(
        entries(&log),
        vec![
            "start a",
            "start b",
            "start c",
            "stop a (panicked: a crashed)"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn normal_exits_do_not_propagate_and_unlink_cuts_the_link() {
    let log = Log::default();
    let a = start(args("a", &log)).await;
    let b = start(args("b", &log)).await;
    a.link(&b.pid()).await;
    a.stop_with(ExitReason::Shutdown).await;
    assert!(b.is_alive());

    let c = start(args("c", &log)).await;
    b.link(&c.pid()).await;
    b.unlink(&c.pid()).await;
    c.kill();
    c.exited().await;
    tokio::task::yield_now().await;
    assert!(b.is_alive());
    assert_eq!(b.ping().await.unwrap(), "b");
}

#[tokio::test(start_paused = true)]
async fn a_server_trapping_exits_gets_a_message() {
    let log = Log::default();
    let trapper = start(ProbeArgs {
        trap_exits: true,
        ..args("trapper", &log)
    })
    .await;
    let a = start(args("a", &log)).await;
    let b = start(args("b", &log)).await;
    trapper.link(&a.pid()).await;
    trapper.link(&b.pid()).await;
    a.crash();
    a.exited().await;
    b.stop().await;
    assert_eq!(
        trapper.exits().await,
        vec![
            Exit {
                id: a.id(),
                reason: ExitReason::Panic("a crashed".to_owned())
            },
            Exit {
                id: b.id(),
                reason: ExitReason::Normal
            },
        ]
    );
    assert!(trapper.is_alive());
}

#[tokio::test(start_paused = true)]
async fn linking_to_a_gone_server_delivers_its_exit_at_once() {
    let log = Log::default();
    let trapper = start(ProbeArgs {
        trap_exits: true,
        ..args("trapper", &log)
    })
    .await;
    let gone = start(args("gone", &log)).await;
    gone.kill();
    gone.exited().await;
    trapper.link(&gone.pid()).await;
    assert_eq!(
        trapper.exits().await,
        vec![Exit {
            id: gone.id(),
            reason: ExitReason::Killed
        }]
    );
}
