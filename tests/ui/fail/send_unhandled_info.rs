use genserver::prelude::*;

struct Counter {
    value: i64,
}

struct Tick;

struct Unhandled;

#[genserver]
impl Counter {
    #[info]
    fn on_tick(&mut self, _tick: Tick) {
        self.value += 1;
    }
}

async fn poke(counter: CounterRef) {
    counter.send(Tick).unwrap();
    counter.send(Unhandled).unwrap();
}

fn main() {
    let _ = poke;
}
