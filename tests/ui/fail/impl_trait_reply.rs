use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn values(&self) -> impl Iterator<Item = i64> {
        std::iter::once(self.value)
    }
}

fn main() {}
