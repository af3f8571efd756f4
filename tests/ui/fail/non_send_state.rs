//! A state with a field that is not `Send`: one error, at the server's type, naming the field's
//! type and pointing at the struct; the code that starts and calls the server adds none.

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

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let counter = Counter::start(Counter { value: Rc::new(1) }).await.unwrap();
        assert_eq!(counter.get().await, Ok(1));
        counter.stop().await;
    });
}
