use genserver::prelude::*;

struct Greeter {
    name: String,
}

#[genserver]
impl Greeter {
    #[call]
    fn name(&self) -> &str {
        &self.name
    }
}

fn main() {}
