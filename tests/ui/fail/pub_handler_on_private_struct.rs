use genserver::prelude::*;

// The struct is private, but a `pub` handler makes the generated handle `pub`.
struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    pub fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
