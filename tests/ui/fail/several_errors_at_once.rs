use genserver::prelude::*;

struct Greeter {
    name: String,
}

#[genserver]
impl Greeter {
    #[cast]
    fn reset(&mut self) -> bool {
        self.name.clear();
        true
    }

    #[cast]
    fn rename(&mut self, name: &str) {
        self.name = name.to_owned();
    }

    #[info]
    fn on_tick(&mut self) {}
}

fn main() {}
