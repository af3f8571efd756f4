use genserver::prelude::*;

struct Double;

#[genserver]
impl Double {
    #[produce]
    fn demand(&mut self, demand: usize) -> Vec<u64> {
        vec![0; demand]
    }

    #[consume]
    fn events(&mut self, events: Vec<u64>) -> Vec<u64> {
        events.into_iter().map(|n| n * 2).collect()
    }
}

fn main() {}
