//! Generic servers: type parameters (used in messages or not), bounds inline and in a where
//! clause, a generic `#[info]` message and deferred reply, and const parameters.

use genserver::prelude::*;

struct Stack<T> {
    items: Vec<T>,
}

#[genserver]
impl<T> Stack<T>
where
    T: Clone + Send + 'static,
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
    fn peek_later(&self, reply: ReplyTo<Option<T>>) {
        reply.send(self.items.last().cloned());
    }

    #[info]
    fn on_item(&mut self, item: Vec<T>) {
        self.items.extend(item);
    }
}

struct Tagged<K, const N: usize> {
    count: usize,
    kind: std::marker::PhantomData<fn() -> K>,
}

#[genserver]
impl<K: 'static, const N: usize> Tagged<K, N> {
    #[call]
    fn bump(&mut self) -> usize {
        self.count += N;
        self.count
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let stack: StackRef<&'static str> = Stack::start(Stack { items: vec![] }).await.unwrap();
        stack.push("a").unwrap();
        stack.send(vec!["b", "c"]).unwrap();
        assert_eq!(stack.peek_later().await, Ok(Some("c")));
        assert_eq!(stack.pop().await, Ok(Some("c")));
        let tagged = Tagged::<String, 3>::start(Tagged {
            count: 0,
            kind: std::marker::PhantomData,
        })
        .await
        .unwrap();
        assert_eq!(tagged.bump().await, Ok(3));
    });
}
