//! A server with no handler at all still compiles: it can be started, stopped and inspected.

use genserver::prelude::*;

struct Idle {
    started: bool,
}

#[genserver]
impl Idle {}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    runtime.block_on(async {
        let idle = Idle::start(Idle { started: true }).await.unwrap();
        assert_eq!(idle.get_state(|idle| idle.started).await, Ok(true));
        idle.stop().await;
    });
}
