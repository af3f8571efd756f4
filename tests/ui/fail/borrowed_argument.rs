use genserver::prelude::*;

struct Greeter {
    name: String,
}

#[genserver]
impl Greeter {
    #[cast]
    fn rename(&mut self, name: &str) {
        self.name = name.to_owned();
    }
}

fn main() {}
