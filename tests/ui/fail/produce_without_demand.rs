use genserver::prelude::*;

struct Numbers;

#[genserver]
impl Numbers {
    #[produce]
    fn demand(&mut self) -> Vec<u64> {
        vec![1, 2, 3]
    }
}

fn main() {}
