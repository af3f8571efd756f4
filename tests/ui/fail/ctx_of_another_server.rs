use genserver::prelude::*;

struct Counter {
    value: i64,
}

struct Logger;

#[genserver]
impl Logger {
    #[cast]
    fn log(&mut self, line: String) {
        println!("{line}");
    }
}

#[genserver]
impl Counter {
    #[call]
    fn get(&self, ctx: &mut Context<Logger>) -> i64 {
        let _ = ctx.id();
        self.value
    }
}

fn main() {}
