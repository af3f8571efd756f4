use genserver::prelude::*;

struct Sink {
    total: u64,
}

#[genserver]
impl Sink {
    #[consume]
    fn event(&mut self, event: u64) {
        self.total += event;
    }
}

fn main() {}
