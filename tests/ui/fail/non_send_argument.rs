use std::rc::Rc;

use genserver::prelude::*;

struct Counter {
    value: u32,
}

#[genserver]
impl Counter {
    #[cast]
    fn add(&mut self, amount: Rc<u32>) {
        self.value += *amount;
    }
}

fn main() {}
