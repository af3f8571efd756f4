//! `ServerRef::relay_call`, what a transport hands the calls of callers elsewhere to: every
//! call ends as a local one, without a timer of its own.

use super::*;

#[tokio::test(start_paused = true)]
async fn a_relayed_call_gets_its_reply_and_is_in_the_mailbox_at_once() {
    let log = Log::default();
    let probe = start(args("relay", &log)).await;
    // In the mailbox before the future is polled: a cast sent after it comes after it.
    let reply = probe.relay_call(ProbeMsg::Ping);
    probe.cast(ProbeMsg::StopWith(ExitReason::Normal)).unwrap();
    assert_eq!(reply.await, Ok("relay".to_owned()));
    assert_eq!(probe.exited().await, ExitReason::Normal);
}

#[tokio::test(start_paused = true)]
async fn a_relayed_call_has_no_timeout_of_its_own() {
    let log = Log::default();
    let probe = start(args("slow", &log)).await;
    // A handler that answers much later than the default call timeout.
    let (sender, later) = tokio::sync::oneshot::channel::<ReplySender<String>>();
    let relayed = tokio::spawn(probe.relay_call(move |reply_to| {
        let _ = sender.send(reply_to);
        ProbeMsg::StopWith(ExitReason::Normal)
    }));
    let reply_to = later.await.unwrap();
    tokio::time::sleep(crate::DEFAULT_CALL_TIMEOUT * 10).await;
    assert!(
        !relayed.is_finished(),
        "still waiting, as its caller elsewhere decides"
    );
    reply_to.send("at last".to_owned());
    assert_eq!(relayed.await.unwrap(), Ok("at last".to_owned()));
}

#[tokio::test(start_paused = true)]
async fn a_relayed_call_ends_as_a_local_one_when_there_is_no_reply() {
    let log = Log::default();
    let probe = start(args("crashing", &log)).await;
    let crash = probe.relay_call(|reply_to: ReplySender<()>| {
        drop(reply_to);
        ProbeMsg::Crash
    });
    // The reply channel went with the message, unanswered: the server crashed first.
    assert!(
        matches!(crash.await, Err(CallError::Exited(ExitReason::Panic(_)))),
        "the crash's reason"
    );
    assert!(matches!(probe.exited().await, ExitReason::Panic(_)));
    assert_eq!(
        probe.relay_call(ProbeMsg::Ping).await,
        Err(CallError::NotRunning)
    );
    let nobody = ServerRef::<Probe>::from_name("relay/nobody");
    assert_eq!(
        nobody.relay_call(ProbeMsg::Ping).await,
        Err(CallError::NotRunning)
    );
}
