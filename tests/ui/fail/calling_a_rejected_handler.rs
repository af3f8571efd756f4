use genserver::prelude::*;

// Only the handler's own error is reported: code that calls the rejected handler, or uses the
// other handlers and the context, still type-checks.
struct Greeter {
    name: String,
}

#[genserver]
impl Greeter {
    #[cast]
    fn rename(&mut self, name: &str) {
        self.name = name.to_owned();
    }

    #[call]
    fn greet(&self, ctx: &mut Context<Self>) -> String {
        format!("hello from {} ({})", self.name, ctx.id())
    }
}

async fn use_it() {
    let greeter = Greeter::start(Greeter { name: "a".into() }).await.unwrap();
    greeter.rename("b").unwrap();
    let _ = greeter.greet().await;
}

fn main() {
    let _ = use_it;
}
