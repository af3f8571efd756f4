use genserver::prelude::*;

struct Numbers {
    next: u64,
}

#[genserver]
impl Numbers {
    #[produce]
    fn demand(&mut self, _demand: usize) -> u64 {
        self.next += 1;
        self.next
    }
}

fn main() {}
