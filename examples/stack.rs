//! A generic server: one `Stack<T>` definition, a server per element type.
//!
//! The impl's type parameter and its bounds are carried to the generated `StackMsg<T>`,
//! `StackRef<T>` and `impl GenServer`.
//!
//! Run with `cargo run --example stack`.

use genserver::prelude::*;

pub struct Stack<T> {
    items: Vec<T>,
}

#[genserver]
impl<T: Send + 'static> Stack<T> {
    /// Pushes an element on top.
    #[cast]
    pub fn push(&mut self, item: T) {
        self.items.push(item);
    }

    /// Takes the top element, if any.
    #[call]
    pub fn pop(&mut self) -> Option<T> {
        self.items.pop()
    }

    /// How many elements there are.
    #[call]
    pub fn size(&self) -> usize {
        self.items.len()
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let words: StackRef<String> = Stack::start(Stack {
        items: vec!["hello".to_owned()],
    })
    .await?;
    words.push("world".to_owned())?;
    assert_eq!(words.size().await?, 2);
    println!(
        "words: pushed \"world\" on [\"hello\"]; size {}",
        words.size().await?
    );
    assert_eq!(words.pop().await?, Some("world".to_owned()));
    assert_eq!(words.pop().await?, Some("hello".to_owned()));
    assert_eq!(words.pop().await?, None);
    println!("words: popped \"world\", \"hello\", then nothing");

    // The same definition, another element type: another server.
    let numbers = Stack::start(Stack {
        items: Vec::<u64>::new(),
    })
    .await?;
    for n in 1..=5 {
        numbers.push(n)?;
    }
    let mut popped = Vec::new();
    while let Some(n) = numbers.pop().await? {
        popped.push(n);
    }
    assert_eq!(popped, [5, 4, 3, 2, 1]);
    println!("numbers: pushed 1..=5, popped {popped:?} (last in, first out)");

    words.stop().await;
    numbers.stop().await;
    Ok(())
}
