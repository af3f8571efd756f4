use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[handle_call]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
