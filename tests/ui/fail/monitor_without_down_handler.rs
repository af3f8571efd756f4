use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[cast]
    fn watch(&mut self, other: CounterRef, ctx: &mut Context<Self>) {
        ctx.monitor(&other);
    }
}

fn main() {}
