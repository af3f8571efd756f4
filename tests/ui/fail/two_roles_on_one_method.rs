use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    #[cast]
    fn reset(&mut self) {
        self.value = 0;
    }
}

fn main() {}
