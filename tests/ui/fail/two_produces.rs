use genserver::prelude::*;

struct Numbers {
    next: u64,
}

#[genserver]
impl Numbers {
    #[produce]
    fn demand(&mut self, demand: usize) -> Vec<u64> {
        let events = (self.next..self.next + demand as u64).collect();
        self.next += demand as u64;
        events
    }

    #[produce]
    fn more(&mut self, demand: usize) -> Vec<u64> {
        vec![0; demand]
    }
}

fn main() {}
