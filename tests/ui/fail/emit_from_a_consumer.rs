use genserver::prelude::*;

struct Sink;

#[genserver]
impl Sink {
    #[consume]
    fn events(&mut self, events: Vec<u64>, ctx: &mut Context<Self>) {
        ctx.emit(events);
    }
}

fn main() {}
