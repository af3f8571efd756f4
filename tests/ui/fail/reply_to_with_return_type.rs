use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn get_later(&self, reply: ReplyTo<i64>) -> i64 {
        reply.send(self.value);
        self.value
    }
}

fn main() {}
