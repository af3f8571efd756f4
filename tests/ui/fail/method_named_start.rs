use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn get(&self) -> i64 {
        self.value
    }

    fn start(&mut self) {
        self.value = 0;
    }
}

fn main() {}
