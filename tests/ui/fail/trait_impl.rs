use genserver::prelude::*;

struct Counter {
    value: i64,
}

trait Get {
    fn get(&self) -> i64;
}

#[genserver]
impl Get for Counter {
    #[call]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
