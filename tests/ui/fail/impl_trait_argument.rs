use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[cast]
    fn set(&mut self, value: impl Into<i64>) {
        self.value = value.into();
    }
}

fn main() {}
