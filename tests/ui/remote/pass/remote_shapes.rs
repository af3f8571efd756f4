//! The shapes a remote server may have: generic (it travels when its parameter does), a
//! deferred reply, arguments of serde types, an info handler (local only), a context.

use genserver::prelude::*;
use genserver::remote::{Node, RemoteMessage};

#[derive(Debug, Clone)]
pub struct Tick;

pub struct Stack<T> {
    items: Vec<T>,
}

#[genserver(remote)]
impl<T: Send + 'static> Stack<T> {
    #[cast]
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }

    #[call]
    pub fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    #[call]
    pub fn later(&mut self, reply: ReplyTo<usize>, ctx: &mut Context<Self>) {
        let _ = ctx;
        reply.send(self.items.len());
    }

    #[cast]
    pub fn clear(&mut self) {
        self.items.clear();
    }

    #[info]
    fn on_tick(&mut self, _tick: Tick) {}
}

fn travels<M: RemoteMessage>() {}

#[allow(dead_code)]
async fn reach(node: Node) -> Result<Option<String>, CallError> {
    travels::<StackMsg<String>>();
    let stack: StackRef<String> = node.lookup::<Stack<String>>("stack");
    stack.push("one".to_owned()).map_err(|_| CallError::NotRunning)?;
    stack.pop().await
}

fn main() {}
