use genserver::prelude::*;

struct Counter {
    value: i64,
}

struct Tick;

#[genserver]
impl Counter {
    #[info]
    fn on_tick(&mut self, _tick: Tick, step: i64) {
        self.value += step;
    }
}

fn main() {}
