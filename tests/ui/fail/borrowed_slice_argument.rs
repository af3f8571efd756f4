use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[cast]
    fn add_all(&mut self, values: &[i64]) {
        self.value += values.iter().sum::<i64>();
    }
}

fn main() {}
