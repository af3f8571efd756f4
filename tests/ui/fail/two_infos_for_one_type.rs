use genserver::prelude::*;

struct Counter {
    value: i64,
}

struct Tick;

#[genserver]
impl Counter {
    #[info]
    fn on_tick(&mut self, _tick: Tick) {
        self.value += 1;
    }

    #[info]
    fn count_tick(&mut self, _tick: Tick) {
        self.value += 1;
    }
}

fn main() {}
