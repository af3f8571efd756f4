use genserver::prelude::*;

struct Seats {
    free: u32,
}

#[genserver]
impl Seats {
    #[cast]
    fn reserve(&mut self) {
        self.free -= 1;
    }
}

fn main() {}
