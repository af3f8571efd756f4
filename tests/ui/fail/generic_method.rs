use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[cast]
    fn set<T: Into<i64>>(&mut self, value: T) {
        self.value = value.into();
    }
}

fn main() {}
