use genserver::prelude::*;

// Only the init's own error is reported: `start` still takes the init's argument.
struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[init]
    fn init(value: i64) -> Box<Self> {
        Box::new(Counter { value })
    }

    #[call]
    fn get(&self) -> i64 {
        self.value
    }
}

async fn use_it() {
    let counter = Counter::start(5).await.unwrap();
    let _ = counter.get().await;
}

fn main() {
    let _ = use_it;
}
