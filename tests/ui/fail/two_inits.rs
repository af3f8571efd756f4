use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(value: i64) -> Self {
        Counter { value }
    }

    #[init]
    fn init_at_zero() -> Self {
        Counter { value: 0 }
    }

    #[call]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
