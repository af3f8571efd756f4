use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn zero() -> i64 {
        0
    }

    #[call]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
