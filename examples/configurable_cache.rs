//! A cache configured at start: entries expire after a time-to-live, the least recently used
//! entry is evicted when it is full, and it keeps hit/miss statistics.
//!
//! Shows `#[init]` taking a config and failing with a typed error (`StartError::Init`).
//!
//! Run with `cargo run --example configurable_cache`.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

/// What `start` takes.
pub struct CacheConfig {
    pub capacity: usize,
    pub ttl: Duration,
}

/// Why a cache could not start.
#[derive(Debug)]
pub enum ConfigError {
    ZeroCapacity,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::ZeroCapacity => write!(f, "a cache needs a capacity of at least 1"),
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub expired: u64,
    pub evicted: u64,
}

struct Entry {
    value: String,
    inserted: Instant,
    /// When it was last read or written, in operations: the smallest is the least recently used.
    last_used: u64,
}

pub struct Cache {
    config: CacheConfig,
    entries: HashMap<String, Entry>,
    clock: u64,
    stats: CacheStats,
}

#[genserver]
impl Cache {
    #[init]
    fn init(config: CacheConfig) -> Result<Self, ConfigError> {
        if config.capacity == 0 {
            return Err(ConfigError::ZeroCapacity);
        }
        Ok(Cache {
            entries: HashMap::with_capacity(config.capacity),
            config,
            clock: 0,
            stats: CacheStats::default(),
        })
    }

    /// Stores `value` under `key`, evicting the least recently used entry if the cache is full.
    #[cast]
    pub fn put(&mut self, key: String, value: String) {
        self.clock += 1;
        if !self.entries.contains_key(&key) && self.entries.len() == self.config.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
                self.stats.evicted += 1;
            }
        }
        let entry = Entry {
            value,
            inserted: Instant::now(),
            last_used: self.clock,
        };
        self.entries.insert(key, entry);
    }

    /// The value under `key`, unless it is missing or older than the time-to-live.
    #[call]
    pub fn get(&mut self, key: String) -> Option<String> {
        self.clock += 1;
        let fresh = match self.entries.get_mut(&key) {
            Some(entry) if entry.inserted.elapsed() < self.config.ttl => {
                entry.last_used = self.clock;
                Some(entry.value.clone())
            }
            Some(_) => {
                self.entries.remove(&key);
                self.stats.expired += 1;
                None
            }
            None => None,
        };
        match fresh {
            Some(_) => self.stats.hits += 1,
            None => self.stats.misses += 1,
        }
        fresh
    }

    #[call]
    pub fn cache_stats(&self) -> CacheStats {
        self.stats
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A bad config is a typed error from `start`, not a panic.
    match Cache::start(CacheConfig {
        capacity: 0,
        ttl: Duration::from_secs(1),
    })
    .await
    {
        Err(StartError::Init(error)) => println!("capacity 0 -> start failed: {error}"),
        other => panic!("expected an init error, got {other:?}"),
    }

    let ttl = Duration::from_millis(80);
    let cache = Cache::start(CacheConfig { capacity: 2, ttl }).await?;
    cache.put("a".into(), "alpha".into())?;
    cache.put("b".into(), "beta".into())?;
    assert_eq!(cache.get("a".into()).await?.as_deref(), Some("alpha"));

    // Full: "b" is now the least recently used, so "c" evicts it.
    cache.put("c".into(), "gamma".into())?;
    assert_eq!(cache.get("b".into()).await?, None);
    assert_eq!(cache.get("c".into()).await?.as_deref(), Some("gamma"));
    println!("capacity 2: put a, b, read a, put c -> b evicted (least recently used)");

    tokio::time::sleep(ttl).await;
    assert_eq!(cache.get("a".into()).await?, None);
    println!("after {ttl:?}: a has expired");

    let stats = cache.cache_stats().await?;
    assert_eq!(
        stats,
        CacheStats {
            hits: 2,
            misses: 2,
            expired: 1,
            evicted: 1
        }
    );
    println!("stats: {stats:?}");

    cache.stop().await;
    Ok(())
}
