//! `genserver::testing`: a guard that fails a test when a server it started panicked, with
//! the panic message, and stops the test's servers at its end; scoped to the test, not to the
//! process (these tests run in parallel threads of one process).

use std::time::Duration;

use genserver::prelude::*;
use genserver::testing::{TestGuard, guard};

struct Divider {
    served: u64,
}

#[genserver]
impl Divider {
    #[call]
    fn divide(&mut self, a: i64, b: i64) -> i64 {
        self.served += 1;
        a / b
    }

    /// Starts another divider from inside this server's handler.
    #[call]
    async fn spawn_helper(&mut self) -> DividerRef {
        Divider::start(Divider { served: 0 }).await.unwrap()
    }
}

fn divider_spec(name: &'static str) -> ChildSpec {
    ChildSpec::new(name, move || {
        Divider::options().name(name).start(Divider { served: 0 })
    })
}

#[tokio::test]
async fn a_panicking_server_fails_the_test_with_its_message() {
    let test = tokio::spawn(async {
        guard(async {
            let divider = Divider::start(Divider { served: 0 }).await.unwrap();
            // The caller sees an error it might not even check; the guard sees the panic.
            let _ = divider.divide(1, 0).await;
        })
        .await;
    });
    let failure = test.await.expect_err("the guarded test fails");
    let message = failure
        .into_panic()
        .downcast::<String>()
        .map(|message| *message)
        .expect("a message");
    assert!(
        message.contains("1 server started by this test panicked"),
        "{message}"
    );
    assert!(message.contains("testing::Divider"), "{message}");
    assert!(message.contains("attempt to divide by zero"), "{message}");
}

#[tokio::test]
async fn a_crash_under_a_supervisor_is_seen_even_though_it_was_restarted() {
    let guard = TestGuard::new();
    let sup = guard
        .scope(
            Supervisor::builder()
                .child(divider_spec("guarded-divider"))
                .start(),
        )
        .await
        .unwrap();
    let divider = DividerRef::from_name("guarded-divider");
    let first = divider.id();
    assert!(divider.divide(1, 0).await.is_err());
    // The supervisor restarts it: everything looks fine again.
    // The name is resolved at each use: a new id, alive, and the same id again (an
    // unregistered name in between resolves to no process's id).
    let restarted = loop {
        let id = divider.id();
        if id != first && divider.is_alive() && divider.id() == id {
            break id;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    assert_eq!(divider.divide(6, 3).await, Ok(2));
    let panics = guard.panics();
    assert_eq!(panics.len(), 1, "{panics:?}");
    assert_eq!(panics[0].id, first);
    assert!(panics[0].message.contains("divide by zero"));
    // The restarted child is the guard's too: it inherited the supervisor's guard.
    assert!(
        guard.servers().contains(&restarted),
        "{:?}",
        guard.servers()
    );
    // Expected: taken, so `finish` passes; it stops the tree.
    guard.take_panics();
    guard.finish().await;
    assert!(!sup.is_alive());
    assert!(Divider::whereis("guarded-divider").is_none());
}

#[tokio::test]
async fn finish_stops_every_server_of_the_test_and_only_those() {
    // A server of "another test": started outside the guard.
    let outsider = Divider::start(Divider { served: 0 }).await.unwrap();
    let guard = TestGuard::new();
    let (mine, helper) = guard
        .scope(async {
            let mine = Divider::start(Divider { served: 0 }).await.unwrap();
            // A server started by a server's handler belongs to the guard as well.
            let helper = mine.spawn_helper().await.unwrap();
            (mine, helper)
        })
        .await;
    assert_eq!(guard.servers(), vec![mine.id(), helper.id()]);
    // The outsider's panic is not this guard's business.
    assert!(outsider.divide(1, 0).await.is_err());
    outsider.exited().await;
    assert!(guard.panics().is_empty());
    guard.finish().await;
    assert!(!mine.is_alive());
    assert!(!helper.is_alive(), "the unsupervised helper is stopped too");
}

#[tokio::test]
async fn parallel_guards_do_not_see_each_other() {
    let (one, two) = (TestGuard::new(), TestGuard::new());
    let crashing = one
        .scope(Divider::start(Divider { served: 0 }))
        .await
        .unwrap();
    let calm = two
        .scope(Divider::start(Divider { served: 0 }))
        .await
        .unwrap();
    assert!(crashing.divide(1, 0).await.is_err());
    crashing.exited().await;
    assert_eq!(calm.divide(4, 2).await, Ok(2));
    assert_eq!(one.take_panics().len(), 1);
    assert!(two.panics().is_empty());
    one.finish().await;
    two.finish().await;
}

#[tokio::test]
async fn a_guard_dropped_without_finish_kills_its_servers_and_still_fails() {
    let divider = {
        let guard = TestGuard::new();
        let divider = guard
            .scope(Divider::start(Divider { served: 0 }))
            .await
            .unwrap();
        assert_eq!(divider.divide(2, 1).await, Ok(2));
        divider
        // dropped here, nothing panicked: no failure
    };
    assert_eq!(divider.exited().await, ExitReason::Killed);

    let test = tokio::spawn(async {
        let guard = TestGuard::new();
        let divider = guard
            .scope(Divider::start(Divider { served: 0 }))
            .await
            .unwrap();
        let _ = divider.divide(1, 0).await;
        divider.exited().await;
        drop(guard);
    });
    assert!(test.await.unwrap_err().is_panic());
}
