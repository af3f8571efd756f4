use genserver::prelude::*;

struct Greeter<'a> {
    name: &'a str,
}

#[genserver]
impl<'a> Greeter<'a> {
    #[call]
    fn name(&self) -> String {
        self.name.to_owned()
    }
}

fn main() {}
