//! A generic state whose type parameter may not be `Send`: one error, suggesting the bound.

use genserver::prelude::*;

struct Stack<T> {
    items: Vec<T>,
}

#[genserver]
impl<T: 'static> Stack<T> {
    #[call]
    fn len(&self) -> usize {
        self.items.len()
    }
}

fn main() {}
