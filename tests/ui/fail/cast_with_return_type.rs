use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[cast]
    fn reset(&mut self) -> i64 {
        std::mem::take(&mut self.value)
    }
}

fn main() {}
