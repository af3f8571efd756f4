//! A key-value store: the server owns a `HashMap`, clients put, get and delete through calls
//! and casts, concurrently.
//!
//! Run with `cargo run --example key_value_store`.

use std::collections::HashMap;

use genserver::prelude::*;

#[derive(Default)]
pub struct KeyValueStore {
    entries: HashMap<String, String>,
}

#[genserver]
impl KeyValueStore {
    /// Stores `value` under `key`; returns the value it replaced.
    #[call]
    pub fn put(&mut self, key: String, value: String) -> Option<String> {
        self.entries.insert(key, value)
    }

    /// The value under `key`. Replies are owned values: a clone leaves the server.
    #[call]
    pub fn get(&self, key: String) -> Option<String> {
        self.entries.get(&key).cloned()
    }

    /// Removes `key`, without waiting.
    #[cast]
    pub fn delete(&mut self, key: String) {
        self.entries.remove(&key);
    }

    /// Every key, sorted.
    #[call]
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.entries.keys().cloned().collect();
        keys.sort();
        keys
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = KeyValueStore::start(KeyValueStore::default()).await?;

    assert_eq!(store.put("language".into(), "Elixir".into()).await?, None);
    let previous = store.put("language".into(), "Rust".into()).await?;
    assert_eq!(previous.as_deref(), Some("Elixir"));
    println!("put language = Rust (replaced {previous:?})");
    assert_eq!(store.get("language".into()).await?.as_deref(), Some("Rust"));

    // Four clients write at once; the server handles one message at a time, so no lock.
    let writers: Vec<_> = (0..4)
        .map(|client| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..25 {
                    store
                        .put(
                            format!("client{client}/{i:02}"),
                            format!("{}", client * 100 + i),
                        )
                        .await?;
                }
                Ok::<_, CallError>(())
            })
        })
        .collect();
    for writer in writers {
        writer.await??;
    }
    let keys = store.keys().await?;
    assert_eq!(keys.len(), 101);
    println!("4 clients wrote 25 keys each: {} keys in all", keys.len());
    assert_eq!(
        store.get("client3/07".into()).await?.as_deref(),
        Some("307")
    );

    store.delete("language".into())?;
    assert_eq!(store.get("language".into()).await?, None);
    println!("deleted language: get -> None");

    store.stop().await;
    Ok(())
}
