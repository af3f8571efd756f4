use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver(crate = genserver)]
impl Counter {
    #[call]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
