//! Generic servers: bounds carried to the generated message enum, handle and impls.

use std::fmt::Debug;

use genserver::prelude::*;

struct Stack<T> {
    items: Vec<T>,
}

// `Sync` because `peek` is an `async fn` on `&self`: its future holds `&Stack<T>` across an
// `.await`, and the server's future must be `Send`. Sync handlers on `&self` need no `Sync`.
#[genserver]
impl<T> Stack<T>
where
    T: Clone + Debug + Send + Sync + 'static,
{
    #[cast]
    fn push(&mut self, item: T) {
        self.items.push(item);
    }

    #[call]
    fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    #[call]
    async fn peek(&self) -> Option<T> {
        self.items.last().cloned()
    }

    #[call]
    fn len(&self) -> usize {
        self.items.len()
    }
}

/// A generic server whose type parameter appears in no message.
struct Tagged<K: Send + 'static> {
    count: u32,
    _kind: std::marker::PhantomData<fn() -> K>,
}

#[genserver]
impl<K: Send + 'static> Tagged<K> {
    #[call]
    fn bump(&mut self) -> u32 {
        self.count += 1;
        self.count
    }
}

#[tokio::test(start_paused = true)]
async fn a_generic_stack_pushes_and_pops() {
    let stack: StackRef<String> = Stack::start(Stack { items: Vec::new() }).await.unwrap();
    stack.push("a".to_string()).unwrap();
    stack.push("b".to_string()).unwrap();
    assert_eq!(stack.peek().await, Ok(Some("b".to_string())));
    assert_eq!(stack.pop().await, Ok(Some("b".to_string())));
    assert_eq!(stack.len().await, Ok(1));
    assert_eq!(stack.pop().await, Ok(Some("a".to_string())));
    assert_eq!(stack.pop().await, Ok(None));
}

#[tokio::test(start_paused = true)]
async fn two_instantiations_are_independent_servers() {
    let numbers = Stack::start(Stack {
        items: vec![1u64, 2],
    })
    .await
    .unwrap();
    let words = Stack::start(Stack { items: vec!["x"] }).await.unwrap();
    assert_eq!(numbers.pop().await, Ok(Some(2)));
    assert_eq!(words.pop().await, Ok(Some("x")));
    assert_ne!(numbers.id(), words.id());
}

#[tokio::test(start_paused = true)]
async fn an_unused_type_parameter_is_fine() {
    let tagged = Tagged::<Vec<u8>>::start(Tagged {
        count: 0,
        _kind: std::marker::PhantomData,
    })
    .await
    .unwrap();
    assert_eq!(tagged.bump().await, Ok(1));
    assert_eq!(tagged.bump().await, Ok(2));
}
