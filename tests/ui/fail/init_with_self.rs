use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(&mut self, value: i64) -> Self {
        Counter {
            value: self.value + value,
        }
    }

    #[call]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
