use genserver::prelude::*;

// The state must be returned as itself, not in another wrapper.
struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(value: i64) -> Result<Box<Self>, String> {
        Ok(Box::new(Counter { value }))
    }

    #[call]
    fn get(&self) -> i64 {
        self.value
    }
}

fn main() {}
