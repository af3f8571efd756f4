//! Cases of Elixir's `registry/unique_test.exs`, `registry/duplicate_test.exs` and
//! `registry_test.exs`, ported to `KeyRegistry`: counts, unique and duplicate registrations
//! across servers, `dispatch`, `unregister`, `via` naming, and cleanup when a server exits.
//! Each test's doc comment names the case it comes from; the last two go beyond them
//! (concurrency, and a registry made with another hasher).
//!
//! Elixir's `Registry.register` registers the calling process; `KeyRegistry::register` takes
//! the `Pid` to register (a handler passes its own, `ctx.handle().pid()`).

use std::time::Duration;

use genserver::prelude::*;

/// A server that can register itself, as Elixir's tests register their own process.
struct Member;

#[genserver]
impl Member {
    #[call]
    fn register_self(
        &self,
        registry: std::sync::Arc<KeyRegistry<String, u32>>,
        key: String,
        value: u32,
        ctx: &mut Context<Self>,
    ) -> Result<(), RegistryError> {
        registry.register(&ctx.handle().pid(), key, value)
    }

    #[call]
    fn ping(&self) -> bool {
        true
    }

    #[cast]
    fn deliver(&mut self, _value: u32) {}
}

async fn member() -> MemberRef {
    Member::start(Member).await.unwrap()
}

fn key(key: &str) -> String {
    key.to_owned()
}

/// `unique_test` / `duplicate_test` "counts 0 keys in an empty registry" and "counts the number
/// of keys in a registry".
#[tokio::test(start_paused = true)]
async fn the_count_is_the_number_of_entries() {
    let unique = KeyRegistry::<String, u32>::unique();
    let duplicate = KeyRegistry::<String, u32>::duplicate();
    assert_eq!(unique.count(), 0);
    assert_eq!(duplicate.count(), 0);
    let me = member().await;
    unique.register(&me.pid(), key("hello"), 1).unwrap();
    unique.register(&me.pid(), key("world"), 1).unwrap();
    assert_eq!(unique.count(), 2);
    duplicate.register(&me.pid(), key("hello"), 1).unwrap();
    duplicate.register(&me.pid(), key("hello"), 1).unwrap();
    assert_eq!(duplicate.count(), 2);
}

/// `unique_test` "has unique registrations": a second registration of a key held, by the same
/// server, is `already_registered` with it; keys and values are unchanged.
#[tokio::test(start_paused = true)]
async fn a_unique_key_is_registered_once() {
    let registry = KeyRegistry::<String, u32>::unique();
    let me = member().await;
    registry.register(&me.pid(), key("hello"), 7).unwrap();
    assert_eq!(registry.keys(&me.pid()), ["hello"]);
    assert_eq!(registry.values(&key("hello"), &me.pid()), [7]);
    assert_eq!(
        registry.register(&me.pid(), key("hello"), 8),
        Err(RegistryError::AlreadyRegistered(me.pid()))
    );
    assert_eq!(registry.keys(&me.pid()), ["hello"]);
    assert_eq!(registry.values(&key("hello"), &me.pid()), [7]);
    registry.register(&me.pid(), key("world"), 7).unwrap();
    let mut keys = registry.keys(&me.pid());
    keys.sort();
    assert_eq!(keys, ["hello", "world"]);
}

/// `unique_test` "has unique registrations across processes": a key held by another server
/// is `already_registered` with that server; nothing is registered for the second one.
#[tokio::test(start_paused = true)]
async fn a_unique_key_held_by_another_server_is_refused() {
    let registry = KeyRegistry::<String, u32>::unique();
    let task = member().await;
    task.register_self(registry.clone(), key("hello"), 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(registry.keys(&task.pid()), ["hello"]);
    let me = member().await;
    assert_eq!(
        registry.register(&me.pid(), key("hello"), 2),
        Err(RegistryError::AlreadyRegistered(task.pid()))
    );
    assert!(registry.keys(&me.pid()).is_empty());
    assert!(registry.values(&key("hello"), &me.pid()).is_empty());
}

/// `unique_test` "has unique registrations even if partition is delayed": once the holder is
/// killed, the key is free.
#[tokio::test(start_paused = true)]
async fn a_unique_key_is_free_once_its_holder_is_killed() {
    let registry = KeyRegistry::<String, u32>::unique();
    let task = member().await;
    registry.register(&task.pid(), key("hello"), 1).unwrap();
    let me = member().await;
    assert_eq!(
        registry.register(&me.pid(), key("hello"), 2),
        Err(RegistryError::AlreadyRegistered(task.pid()))
    );
    task.kill();
    task.exited().await;
    registry.register(&me.pid(), key("hello"), 2).unwrap();
    assert_eq!(registry.lookup(&key("hello")), [(me.pid(), 2)]);
}

/// `unique_test` "dispatches to a single key": with no entry the function is never called;
/// with one, it gets it.
#[tokio::test(start_paused = true)]
async fn dispatch_runs_the_function_only_with_entries() {
    let registry = KeyRegistry::<String, u32>::unique();
    registry.dispatch(&key("hello"), |_| panic!("will never be invoked"));
    let me = member().await;
    registry.register(&me.pid(), key("hello"), 9).unwrap();
    let mut seen = Vec::new();
    registry.dispatch(&key("hello"), |entries| {
        seen.extend(entries.iter().map(|(pid, value)| (pid.id(), *value)));
    });
    assert_eq!(seen, [(me.id(), 9)]);
}

/// `unique_test` "unregisters process by key" and "unregisters with no entries".
#[tokio::test(start_paused = true)]
async fn unregister_removes_one_key() {
    let registry = KeyRegistry::<String, u32>::unique();
    let me = member().await;
    registry.unregister(&me.pid(), &key("hello"));
    registry.register(&me.pid(), key("hello"), 1).unwrap();
    registry.register(&me.pid(), key("world"), 1).unwrap();
    registry.unregister(&me.pid(), &key("hello"));
    assert_eq!(registry.keys(&me.pid()), ["world"]);
    registry.unregister(&me.pid(), &key("world"));
    assert!(registry.keys(&me.pid()).is_empty());
    assert_eq!(registry.count(), 0);
}

/// `unique_test` "via callbacks": a server started through the registry is reached by its
/// key, a second start is `already_started`, a start that fails frees the key.
#[tokio::test(start_paused = true)]
async fn via_a_unique_registry() {
    struct Agent {
        value: i64,
    }
    #[genserver]
    impl Agent {
        #[init]
        fn init(value: i64) -> Result<Self, String> {
            if value < 0 {
                return Err("oops".to_owned());
            }
            Ok(Agent { value })
        }
        #[call]
        fn get(&self) -> i64 {
            self.value
        }
        #[cast]
        fn update(&mut self, by: i64) {
            self.value += by;
        }
    }

    let registry = KeyRegistry::<String, ()>::unique();
    let agent = Agent::options()
        .via(registry.clone(), "hello")
        .start(0)
        .await
        .unwrap();
    let by_name = AgentRef::from(ServerRef::from_name_via(registry.clone(), "hello"));
    by_name.update(1).unwrap();
    assert_eq!(by_name.get().await, Ok(1));
    assert_eq!(registry.lookup(&key("hello")), [(agent.pid(), ())]);
    match Agent::options()
        .via(registry.clone(), "hello")
        .start(0)
        .await
    {
        Err(StartError::AlreadyStarted(holder)) => assert_eq!(holder, agent.pid()),
        other => panic!("expected AlreadyStarted, got {:?}", other.map(|a| a.id())),
    }
    agent.stop().await;
    assert!(registry.lookup(&key("hello")).is_empty());
    assert!(matches!(
        Agent::options()
            .via(registry.clone(), "hello")
            .start(-1)
            .await,
        Err(StartError::Init(_))
    ));
    assert!(registry.lookup(&key("hello")).is_empty());
    assert_eq!(by_name.get().await, Err(CallError::NotRunning));
}

/// `duplicate_test` "has duplicate registrations": one server may register a key twice.
#[tokio::test(start_paused = true)]
async fn a_duplicate_key_may_be_registered_twice_by_one_server() {
    let registry = KeyRegistry::<String, u32>::duplicate();
    let me = member().await;
    registry.register(&me.pid(), key("hello"), 1).unwrap();
    assert_eq!(registry.keys(&me.pid()), ["hello"]);
    assert_eq!(registry.values(&key("hello"), &me.pid()), [1]);
    registry.register(&me.pid(), key("hello"), 1).unwrap();
    assert_eq!(registry.keys(&me.pid()), ["hello", "hello"]);
    assert_eq!(registry.values(&key("hello"), &me.pid()), [1, 1]);
    registry.register(&me.pid(), key("world"), 1).unwrap();
    let mut keys = registry.keys(&me.pid());
    keys.sort();
    assert_eq!(keys, ["hello", "hello", "world"]);
}

/// `duplicate_test` "has duplicate registrations across processes".
#[tokio::test(start_paused = true)]
async fn a_duplicate_key_is_shared_by_servers() {
    let registry = KeyRegistry::<String, u32>::duplicate();
    let task = member().await;
    task.register_self(registry.clone(), key("hello"), 1)
        .await
        .unwrap()
        .unwrap();
    let me = member().await;
    assert!(registry.keys(&me.pid()).is_empty());
    assert_eq!(registry.keys(&task.pid()), ["hello"]);
    assert_eq!(registry.values(&key("hello"), &task.pid()), [1]);
    registry.register(&me.pid(), key("hello"), 2).unwrap();
    assert_eq!(registry.keys(&me.pid()), ["hello"]);
    assert_eq!(registry.values(&key("hello"), &me.pid()), [2]);
    assert_eq!(
        registry.lookup(&key("hello")),
        [(task.pid(), 1), (me.pid(), 2)]
    );
}

/// `duplicate_test` "dispatches to multiple keys in serial": the function gets every entry of
/// the key, and no other key's, on the caller's task.
#[tokio::test(start_paused = true)]
async fn dispatch_reaches_every_entry_of_a_topic() {
    let registry = KeyRegistry::<String, u32>::duplicate();
    registry.dispatch(&key("hello"), |_| panic!("will never be invoked"));
    let (a, b, c) = (member().await, member().await, member().await);
    registry.register(&a.pid(), key("hello"), 1).unwrap();
    registry.register(&b.pid(), key("hello"), 2).unwrap();
    registry.register(&c.pid(), key("world"), 3).unwrap();
    let mut seen = Vec::new();
    registry.dispatch(&key("hello"), |entries| {
        for (pid, value) in entries {
            pid.downcast::<Member>().unwrap().deliver(*value).unwrap();
            seen.push(*value);
        }
    });
    assert_eq!(seen, [1, 2]);
    let mut seen = Vec::new();
    registry.dispatch(&key("world"), |entries| {
        seen.extend(entries.iter().map(|(_, value)| *value));
    });
    assert_eq!(seen, [3]);
    // The function may use the registry: it runs outside its locks.
    registry.dispatch(&key("world"), |entries| {
        registry.register(&entries[0].0, key("hello"), 4).unwrap();
    });
    assert_eq!(registry.lookup(&key("hello")).len(), 3);
}

/// `duplicate_test` "unregisters by key": every entry of the server under the key goes.
#[tokio::test(start_paused = true)]
async fn unregister_removes_every_entry_of_a_server_under_a_key() {
    let registry = KeyRegistry::<String, u32>::duplicate();
    let (me, other) = (member().await, member().await);
    registry.register(&me.pid(), key("hello"), 1).unwrap();
    registry.register(&me.pid(), key("hello"), 1).unwrap();
    registry.register(&me.pid(), key("world"), 1).unwrap();
    registry.register(&other.pid(), key("hello"), 2).unwrap();
    registry.unregister(&me.pid(), &key("hello"));
    assert_eq!(registry.keys(&me.pid()), ["world"]);
    assert_eq!(registry.lookup(&key("hello")), [(other.pid(), 2)]);
    registry.unregister(&me.pid(), &key("world"));
    assert!(registry.keys(&me.pid()).is_empty());
    registry.unregister(&me.pid(), &key("nothing"));
}

/// `duplicate_test` "raises if attempt to be used on via": here a name given through a
/// duplicate registry is taken as long as a live server has an entry under it (a deliberate
/// difference: the trait has no way to refuse the registry itself).
#[tokio::test(start_paused = true)]
async fn via_a_duplicate_registry_takes_a_key_that_has_entries() {
    let registry = KeyRegistry::<String, ()>::duplicate();
    let first = Member::options()
        .via(registry.clone(), "hello")
        .start(Member)
        .await
        .unwrap();
    assert!(matches!(
        Member::options()
            .via(registry.clone(), "hello")
            .start(Member)
            .await,
        Err(StartError::AlreadyStarted(holder)) if holder == first.pid()
    ));
}

/// `registry_test` "clean up registry on process crash": the entries of a killed server, in a
/// unique and in a duplicate registry, are gone by the time its exit is seen — before its
/// monitors are told.
#[tokio::test(start_paused = true)]
async fn the_entries_of_a_server_are_gone_when_it_exits() {
    struct Watcher {
        registry: std::sync::Arc<KeyRegistry<String, u32>>,
        seen_at_down: Option<usize>,
    }
    #[genserver]
    impl Watcher {
        #[call]
        fn watch(&mut self, pid: Pid, ctx: &mut Context<Self>) -> MonitorRef {
            ctx.monitor_pid(&pid)
        }
        #[call]
        fn seen_at_down(&self) -> Option<usize> {
            self.seen_at_down
        }
        #[info]
        fn on_down(&mut self, _down: Down) {
            self.seen_at_down = Some(self.registry.count());
        }
    }

    let unique = KeyRegistry::<String, u32>::unique();
    let duplicate = KeyRegistry::<String, u32>::duplicate();
    let (task1, task2) = (member().await, member().await);
    unique.register(&task1.pid(), key("hello"), 1).unwrap();
    unique.register(&task2.pid(), key("world"), 1).unwrap();
    duplicate.register(&task1.pid(), key("hello"), 1).unwrap();
    duplicate.register(&task1.pid(), key("hello"), 2).unwrap();
    let watcher = Watcher::start(Watcher {
        registry: duplicate.clone(),
        seen_at_down: None,
    })
    .await
    .unwrap();
    watcher.watch(task1.pid()).await.unwrap();

    task1.kill();
    task1.exited().await;
    assert!(unique.lookup(&key("hello")).is_empty());
    assert!(duplicate.lookup(&key("hello")).is_empty());
    assert_eq!(watcher.seen_at_down().await, Ok(Some(0)));
    task2.stop().await;
    assert_eq!(unique.count(), 0);
    assert!(unique.keys(&task2.pid()).is_empty());
    // An exited server cannot be registered: it would vanish at once.
    assert_eq!(
        unique.register(&task2.pid(), key("again"), 1),
        Err(RegistryError::NotRunning)
    );
}

/// Many tasks register, look up and exit at once, on a multi-thread runtime: no entry is lost
/// or left behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_lookups_and_exits_leave_nothing_behind() {
    let registry = KeyRegistry::<String, u32>::duplicate();
    let mut tasks = Vec::new();
    for n in 0..8u32 {
        let registry = registry.clone();
        tasks.push(tokio::spawn(async move {
            let mut members = Vec::new();
            for m in 0..50u32 {
                let member = member().await;
                registry
                    .register(&member.pid(), format!("topic-{}", m % 5), n)
                    .unwrap();
                members.push(member);
            }
            let seen: usize = (0..5)
                .map(|t| registry.lookup(&format!("topic-{t}")).len())
                .sum();
            assert!(seen >= 50, "at least this task's own entries: {seen}");
            for member in members {
                member.stop().await;
            }
        }));
    }
    for task in tasks {
        tokio::time::timeout(Duration::from_secs(60), task)
            .await
            .expect("the registry does not hang")
            .unwrap();
    }
    assert_eq!(registry.count(), 0);
}

/// A registry made with another hasher (std's SipHash, for keys an outsider chooses) behaves
/// as one with the default: unique keys refused twice, entries shared in a duplicate one,
/// `via` naming, and every entry gone when its server exits.
#[tokio::test(start_paused = true)]
async fn a_registry_with_another_hasher_behaves_the_same() {
    use std::hash::RandomState;

    let unique = KeyRegistry::<String, u32, _>::unique_with_hasher(RandomState::new());
    let duplicate = KeyRegistry::<String, u32, _>::duplicate_with_hasher(RandomState::new());
    assert!(unique.is_unique() && !duplicate.is_unique());
    let (a, b) = (member().await, member().await);
    unique.register(&a.pid(), key("hello"), 1).unwrap();
    assert_eq!(
        unique.register(&b.pid(), key("hello"), 2),
        Err(RegistryError::AlreadyRegistered(a.pid()))
    );
    duplicate.register(&a.pid(), key("topic"), 1).unwrap();
    duplicate.register(&b.pid(), key("topic"), 2).unwrap();
    let mut values: Vec<u32> = duplicate
        .lookup(&key("topic"))
        .into_iter()
        .map(|(_, value)| value)
        .collect();
    values.sort();
    assert_eq!(values, [1, 2]);

    let names = KeyRegistry::<String, u32, _>::unique_with_hasher(RandomState::new());
    let named = Member::options()
        .via(names.clone(), "svc")
        .start(Member)
        .await
        .unwrap();
    let found = ServerRef::<Member>::whereis_via(&*names, "svc").unwrap();
    assert_eq!(MemberRef::from(found).ping().await, Ok(true));

    a.stop().await;
    named.stop().await;
    assert!(unique.lookup(&key("hello")).is_empty());
    assert_eq!(duplicate.lookup(&key("topic")), [(b.pid(), 2)]);
    assert!(ServerRef::<Member>::whereis_via(&*names, "svc").is_none());
    assert_eq!(names.count(), 0);
}
