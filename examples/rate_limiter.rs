//! A rate limiter: a token bucket per client, refilled by a periodic info message. Requests
//! take a token or are refused; one server serialises every decision, so there is no race.
//!
//! Run with `cargo run --example rate_limiter`.

use std::collections::HashMap;
use std::time::Duration;

use genserver::prelude::*;

const BURST: u32 = 5;
const REFILL_EVERY: Duration = Duration::from_millis(20);

#[derive(Clone, Debug)]
struct Refill;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed { left: u32 },
    Denied,
}

pub struct RateLimiter {
    buckets: HashMap<String, u32>,
}

#[genserver]
impl RateLimiter {
    #[init]
    fn init(_: (), ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(REFILL_EVERY, Refill);
        RateLimiter {
            buckets: HashMap::new(),
        }
    }

    /// Takes one of `client`'s tokens if it has one.
    #[call]
    pub fn request(&mut self, client: String) -> Decision {
        let tokens = self.buckets.entry(client).or_insert(BURST);
        if *tokens == 0 {
            return Decision::Denied;
        }
        *tokens -= 1;
        Decision::Allowed { left: *tokens }
    }

    /// Every bucket gains a token, up to the burst size.
    #[info]
    fn on_refill(&mut self, _: Refill) {
        for tokens in self.buckets.values_mut() {
            *tokens = (*tokens + 1).min(BURST);
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let limiter = RateLimiter::start(()).await?;

    // A burst: the first five pass, the rest are refused.
    let mut decisions = Vec::new();
    for _ in 0..7 {
        decisions.push(limiter.request("alice".into()).await?);
    }
    let allowed = decisions
        .iter()
        .filter(|d| matches!(d, Decision::Allowed { .. }))
        .count();
    assert_eq!(allowed, 5);
    assert_eq!(decisions[5..], [Decision::Denied, Decision::Denied]);
    println!("alice bursts 7 requests: {allowed} allowed, 2 denied");

    // Another client has its own bucket.
    assert_eq!(
        limiter.request("bob".into()).await?,
        Decision::Allowed { left: BURST - 1 }
    );
    println!("bob's first request is allowed: buckets are per client");

    // Tokens come back with time.
    tokio::time::sleep(REFILL_EVERY * 3 + REFILL_EVERY / 2).await;
    let mut refilled = 0;
    while let Decision::Allowed { .. } = limiter.request("alice".into()).await? {
        refilled += 1;
    }
    // About three refills; how many exactly depends on the scheduler, so only require some.
    assert!((1..=BURST).contains(&refilled), "refilled {refilled}");
    println!(
        "after {:?}, alice had {refilled} new tokens",
        REFILL_EVERY * 3 + REFILL_EVERY / 2
    );

    limiter.stop().await;
    Ok(())
}
