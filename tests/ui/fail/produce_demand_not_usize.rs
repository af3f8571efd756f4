use genserver::prelude::*;

struct Numbers;

#[genserver]
impl Numbers {
    #[produce]
    fn demand(&mut self, demand: u32) -> Vec<u64> {
        vec![0; demand as usize]
    }
}

fn main() {}
