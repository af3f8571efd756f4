//! Groups: members share the group's calls, a fan-out reaches each one, and members leave
//! the group when they exit or within the lease when they are cut off.

use std::collections::BTreeSet;
use std::time::Duration;

use super::*;
use crate::testing::Proxy;

async fn start_member(node: &Node, group: &str, label: &str) -> CounterRef {
    Counter::options()
        .remote_group(node, group)
        .start(counter(label))
        .await
        .expect("members of a group never clash")
}

fn labels(outcomes: &[(String, Result<String, CallError>)]) -> BTreeSet<String> {
    outcomes
        .iter()
        .map(|(_, outcome)| outcome.clone().expect("every member answers"))
        .collect()
}

/// `label` of every member of `group`, through `node`.
async fn labels_of(node: &Node, group: &str) -> Vec<(String, Result<String, CallError>)> {
    node.multi_call::<Counter, _, _>(group, |member| async move { member.label().await })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_members_of_a_group_share_its_calls() {
    let nats = nats();
    let (a, b, c) = (
        node(&nats.url()).await,
        node(&nats.url()).await,
        node(&nats.url()).await,
    );
    let _m1 = start_member(&a, "groups-share", "m1").await;
    let _m2 = start_member(&a, "groups-share", "m2").await;
    let _m3 = start_member(&b, "groups-share", "m3").await;
    let mut seen = BTreeSet::new();
    for _ in 0..90 {
        let label: String = call(
            &c,
            Address::Group("groups-share".into()),
            "label",
            &NoArgs {},
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        seen.insert(label);
    }
    // NATS picks a member at random for each call: 90 calls reach all three (a miss has a
    // chance of 3 * (2/3)^90).
    assert_eq!(
        seen,
        BTreeSet::from(["m1".into(), "m2".into(), "m3".into()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_call_reaches_every_member_and_a_stopped_one_leaves() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let m1 = start_member(&a, "groups-fan", "m1").await;
    let _m2 = start_member(&a, "groups-fan", "m2").await;
    let _m3 = start_member(&b, "groups-fan", "m3").await;
    let outcomes = labels_of(&b, "groups-fan").await;
    assert_eq!(outcomes.len(), 3);
    assert_eq!(
        labels(&outcomes),
        BTreeSet::from(["m1".into(), "m2".into(), "m3".into()])
    );
    m1.stop().await;
    // Its key is purged as it exits, before its serving task ends.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while b.members("groups-fan").await.unwrap().len() != 2 {
        assert!(tokio::time::Instant::now() < deadline, "the member left");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let outcomes = labels_of(&b, "groups-fan").await;
    assert_eq!(
        labels(&outcomes),
        BTreeSet::from(["m2".into(), "m3".into()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_off_member_is_not_running_in_a_fan_out_then_leaves_within_the_lease() {
    let nats = nats();
    let proxy = Proxy::start(nats.addr()).await.unwrap();
    let (a, b) = (node(&proxy.url()).await, node(&nats.url()).await);
    let _gone = start_member(&a, "groups-cut", "gone").await;
    let _here = start_member(&b, "groups-cut", "here").await;
    proxy.cut();
    let outcomes = labels_of(&b, "groups-cut").await;
    assert_eq!(outcomes.len(), 2);
    let mut answers: Vec<_> = outcomes.into_iter().map(|(_, outcome)| outcome).collect();
    answers.sort_by_key(|answer| answer.is_ok());
    assert_eq!(answers, vec![Err(CallError::NotRunning), Ok("here".into())]);
    // Its key expires: at most a lease after its last refresh.
    let deadline = tokio::time::Instant::now() + LEASE + Duration::from_secs(2);
    while b.members("groups-cut").await.unwrap().len() != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the cut-off member left"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A call NATS gave to a member that had exited is passed on to another member: callers of a
/// group that keeps a member get answers. Two instants remain where one is lost: the
/// unsubscribe itself (the request goes with the subscription, its caller times out; see
/// `calls.rs`), and a request handed over just as the server decided to exit (its mailbox
/// closed, its task not yet ended: `NotRunning`, though another member serves). Together, at
/// most one call in a hundred here; most runs lose none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_racing_a_members_stop_are_answered_by_another_member() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _stays = start_member(&a, "groups-race", "stays").await;
    let (rounds, callers_per_round) = (10, 4);
    let mut lost = 0;
    for round in 0..rounds {
        let leaves = start_member(&a, "groups-race", "leaves").await;
        let callers: Vec<_> = (0..callers_per_round)
            .map(|_| {
                let b = b.clone();
                tokio::spawn(async move {
                    let mut outcomes = Vec::new();
                    for _ in 0..50 {
                        outcomes.push(
                            call::<_, String>(
                                &b,
                                Address::Group("groups-race".into()),
                                "label",
                                &NoArgs {},
                                Duration::from_secs(1),
                            )
                            .await,
                        );
                    }
                    outcomes
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(5)).await;
        leaves.stop().await;
        for caller in callers {
            for outcome in caller.await.expect("a caller panicked") {
                match outcome {
                    // Answered, or handed to the leaving member before it stopped (a call
                    // queued behind a stop ends with its reason, as locally).
                    Ok(_) | Err(CallError::Exited(_)) => {}
                    Err(CallError::Timeout | CallError::NotRunning) => lost += 1,
                    Err(other) => panic!("round {round}: a group call ended with {other}"),
                }
            }
        }
    }
    let total = rounds * callers_per_round * 50;
    println!("{lost} of {total} group calls racing a member's stop were lost");
    assert!(lost * 100 <= total, "{lost} of {total} lost");
}
