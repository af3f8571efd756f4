use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn get(&self, ctx: &Context<Self>) -> i64 {
        let _ = ctx.id();
        self.value
    }
}

fn main() {}
