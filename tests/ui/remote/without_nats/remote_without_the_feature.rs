use genserver::prelude::*;

pub struct Counter {
    value: i64,
}

#[genserver(remote)]
impl Counter {
    #[call]
    pub fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }
}

fn main() {}
