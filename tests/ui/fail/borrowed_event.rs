use genserver::prelude::*;

struct Words;

#[genserver]
impl Words {
    #[produce]
    fn demand(&mut self, demand: usize) -> Vec<&str> {
        vec!["word"; demand]
    }
}

fn main() {}
