use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[info]
    fn on_tick(&mut self) {
        self.value += 1;
    }
}

fn main() {}
