use genserver::prelude::*;

#[genserver]
struct Counter {
    value: i64,
}

fn main() {}
