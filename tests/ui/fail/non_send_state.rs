use std::rc::Rc;

use genserver::prelude::*;

struct Counter {
    value: Rc<u32>,
}

#[genserver]
impl Counter {
    #[call]
    fn get(&self) -> u32 {
        *self.value
    }
}

fn main() {}
