//! Model-based tests: random sequences of calls, casts and info messages against real servers,
//! each reply compared with a plain in-memory model of the same server.

use std::collections::BTreeMap;

use genserver::prelude::*;
use proptest::prelude::*;

// ---- the servers, as a user writes them ----

struct Counter {
    value: i64,
}

/// An info message: add to the counter.
struct Add(i64);

#[genserver]
impl Counter {
    #[call]
    fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }
    #[call]
    async fn get(&self) -> i64 {
        self.value
    }
    #[cast]
    fn reset(&mut self) {
        self.value = 0;
    }
    #[info]
    fn on_add(&mut self, add: Add) {
        self.value += add.0;
    }
}

struct Stack {
    items: Vec<u8>,
}

#[genserver]
impl Stack {
    #[cast]
    fn push(&mut self, item: u8) {
        self.items.push(item);
    }
    #[call]
    fn pop(&mut self) -> Option<u8> {
        self.items.pop()
    }
    #[call]
    fn len(&self) -> usize {
        self.items.len()
    }
}

#[derive(Default)]
struct KeyValueStore {
    map: BTreeMap<String, u32>,
}

#[genserver]
impl KeyValueStore {
    #[call]
    fn put(&mut self, key: String, value: u32) -> Option<u32> {
        self.map.insert(key, value)
    }
    #[call]
    fn get(&self, key: String) -> Option<u32> {
        self.map.get(&key).copied()
    }
    #[cast]
    fn delete(&mut self, key: String) {
        self.map.remove(&key);
    }
    #[call]
    fn keys(&self) -> Vec<String> {
        self.map.keys().cloned().collect()
    }
}

// ---- the operations and their models ----

#[derive(Debug, Clone)]
enum CounterOp {
    Increment,
    Get,
    Reset,
    Add(i64),
}

fn counter_op() -> impl Strategy<Value = CounterOp> {
    prop_oneof![
        Just(CounterOp::Increment),
        Just(CounterOp::Get),
        Just(CounterOp::Reset),
        (-100i64..100).prop_map(CounterOp::Add),
    ]
}

#[derive(Debug, Clone)]
enum StackOp {
    Push(u8),
    Pop,
    Len,
}

fn stack_op() -> impl Strategy<Value = StackOp> {
    prop_oneof![
        any::<u8>().prop_map(StackOp::Push),
        Just(StackOp::Pop),
        Just(StackOp::Len),
    ]
}

#[derive(Debug, Clone)]
enum KvOp {
    Put(String, u32),
    Get(String),
    Delete(String),
    Keys,
}

fn key() -> impl Strategy<Value = String> {
    // A handful of keys, so operations collide.
    "[a-d]{1,2}"
}

fn kv_op() -> impl Strategy<Value = KvOp> {
    prop_oneof![
        (key(), any::<u32>()).prop_map(|(k, v)| KvOp::Put(k, v)),
        key().prop_map(KvOp::Get),
        key().prop_map(KvOp::Delete),
        Just(KvOp::Keys),
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn counter_matches_its_model(ops in prop::collection::vec(counter_op(), 0..200)) {
        runtime().block_on(async {
            let counter = Counter::start(Counter { value: 0 }).await.unwrap();
            let mut model = 0i64;
            for op in ops {
                match op {
                    CounterOp::Increment => {
                        model += 1;
                        assert_eq!(counter.increment().await, Ok(model));
                    }
                    CounterOp::Get => assert_eq!(counter.get().await, Ok(model)),
                    CounterOp::Reset => {
                        model = 0;
                        counter.reset().unwrap();
                    }
                    CounterOp::Add(n) => {
                        model += n;
                        counter.send(Add(n)).unwrap();
                    }
                }
            }
            assert_eq!(counter.get().await, Ok(model));
            counter.stop().await;
        });
    }

    #[test]
    fn stack_matches_its_model(ops in prop::collection::vec(stack_op(), 0..200)) {
        runtime().block_on(async {
            let stack = Stack::start(Stack { items: Vec::new() }).await.unwrap();
            let mut model: Vec<u8> = Vec::new();
            for op in ops {
                match op {
                    StackOp::Push(item) => {
                        model.push(item);
                        stack.push(item).unwrap();
                    }
                    StackOp::Pop => assert_eq!(stack.pop().await, Ok(model.pop())),
                    StackOp::Len => assert_eq!(stack.len().await, Ok(model.len())),
                }
            }
            assert_eq!(stack.len().await, Ok(model.len()));
        });
    }

    #[test]
    fn key_value_store_matches_its_model(ops in prop::collection::vec(kv_op(), 0..200)) {
        runtime().block_on(async {
            let store = KeyValueStore::start(KeyValueStore::default()).await.unwrap();
            let mut model: BTreeMap<String, u32> = BTreeMap::new();
            for op in ops {
                match op {
                    KvOp::Put(k, v) => {
                        let previous = model.insert(k.clone(), v);
                        assert_eq!(store.put(k, v).await, Ok(previous));
                    }
                    KvOp::Get(k) => assert_eq!(store.get(k.clone()).await, Ok(model.get(&k).copied())),
                    KvOp::Delete(k) => {
                        model.remove(&k);
                        store.delete(k).unwrap();
                    }
                    KvOp::Keys => assert_eq!(
                        store.keys().await,
                        Ok(model.keys().cloned().collect::<Vec<_>>())
                    ),
                }
            }
        });
    }
}
