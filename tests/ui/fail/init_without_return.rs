use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(value: i64) {
        let _ = Counter { value };
    }

    #[call]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
