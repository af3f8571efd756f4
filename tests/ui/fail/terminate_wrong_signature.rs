use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn get(&self) -> i64 {
        self.value
    }

    #[terminate]
    fn terminate(&mut self, reason: ExitReason) {
        println!("stopped: {reason}");
    }
}

fn main() {}
