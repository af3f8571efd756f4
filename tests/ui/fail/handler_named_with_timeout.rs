use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn with_timeout(&self) -> i64 {
        self.value
    }
}

fn main() {}
