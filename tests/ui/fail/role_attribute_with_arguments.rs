use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call(timeout = 5)]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
