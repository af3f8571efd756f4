use genserver::prelude::*;

struct Counter {
    value: i64,
}

struct Tick;

#[genserver]
impl Counter {
    #[info]
    fn on_tick(&mut self, _tick: Tick) -> i64 {
        self.value += 1;
        self.value
    }
}

fn main() {}
