use genserver::prelude::*;
use genserver::stage::Cancelled;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn get(&self) -> i64 {
        self.value
    }

    #[cancel]
    fn on_cancel(&mut self, _cancelled: Cancelled) {}
}

fn main() {}
