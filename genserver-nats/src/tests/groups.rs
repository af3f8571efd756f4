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
