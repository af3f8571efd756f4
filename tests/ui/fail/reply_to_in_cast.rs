use genserver::prelude::*;

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[cast]
    fn get_later(&self, reply: ReplyTo<i64>) {
        reply.send(self.value);
    }
}

fn main() {}
