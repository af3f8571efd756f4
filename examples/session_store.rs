//! Sessions that expire: a periodic info message sweeps out the ones not touched within the
//! time-to-live (OTP's `:timer.send_interval` + `handle_info`).
//!
//! Run with `cargo run --example session_store`.

use std::collections::HashMap;
use std::time::Duration;

use genserver::prelude::*;
use tokio::time::Instant;

const TTL: Duration = Duration::from_millis(100);
const SWEEP_EVERY: Duration = Duration::from_millis(20);

/// The sweep timer's message.
#[derive(Clone, Debug)]
struct Sweep;

struct Session {
    user: String,
    last_seen: Instant,
}

pub struct SessionStore {
    sessions: HashMap<u64, Session>,
    next_id: u64,
    expired: u64,
}

#[genserver]
impl SessionStore {
    /// Arms the sweep timer as the server starts.
    #[init]
    fn init(_: (), ctx: &mut Context<Self>) -> Self {
        ctx.send_interval(SWEEP_EVERY, Sweep);
        SessionStore {
            sessions: HashMap::new(),
            next_id: 1,
            expired: 0,
        }
    }

    /// Opens a session for `user`; returns its id.
    #[call]
    pub fn login(&mut self, user: String) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.sessions.insert(
            id,
            Session {
                user,
                last_seen: Instant::now(),
            },
        );
        id
    }

    /// The user of a live session, which this keeps alive.
    #[call]
    pub fn touch(&mut self, id: u64) -> Option<String> {
        let session = self.sessions.get_mut(&id)?;
        session.last_seen = Instant::now();
        Some(session.user.clone())
    }

    /// How many sessions are live, and how many expired so far.
    #[call]
    pub fn counts(&self) -> (usize, u64) {
        (self.sessions.len(), self.expired)
    }

    #[info]
    fn on_sweep(&mut self, _: Sweep) {
        let before = self.sessions.len();
        self.sessions
            .retain(|_, session| session.last_seen.elapsed() < TTL);
        let swept = before - self.sessions.len();
        if swept > 0 {
            self.expired += swept as u64;
            println!("  [sweep] {swept} session(s) expired");
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = SessionStore::start(()).await?;
    let alice = store.login("alice".into()).await?;
    let bob = store.login("bob".into()).await?;
    println!("alice has session {alice}, bob has session {bob}");
    assert_eq!(store.counts().await?, (2, 0));

    // Alice keeps her session alive; Bob goes quiet.
    for _ in 0..6 {
        tokio::time::sleep(TTL / 4).await;
        assert_eq!(store.touch(alice).await?.as_deref(), Some("alice"));
    }
    println!(
        "after {:?}: alice is still in, bob has expired",
        TTL * 6 / 4
    );
    assert_eq!(store.touch(bob).await?, None);
    assert_eq!(store.counts().await?, (1, 1));

    tokio::time::sleep(TTL + SWEEP_EVERY * 2).await;
    assert_eq!(store.touch(alice).await?, None);
    assert_eq!(store.counts().await?, (0, 2));
    println!(
        "after a quiet {:?}: alice has expired too",
        TTL + SWEEP_EVERY * 2
    );

    store.stop().await;
    Ok(())
}
