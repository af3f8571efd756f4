use genserver::prelude::*;

struct Double;

#[genserver]
impl Double {
    #[consume]
    fn events(&mut self, events: Vec<u64>) -> u64 {
        events.iter().sum()
    }
}

fn main() {}
