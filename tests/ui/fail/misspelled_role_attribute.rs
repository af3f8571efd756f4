use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[calll]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
