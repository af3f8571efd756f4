//! A live web page of a running genserver system: Erlang's `observer`, in a browser.
//!
//! [`serve`] starts an HTTP server (axum) with one page, which shows, updating itself without a
//! reload: each supervision tree as a tree, and every server with its type, name, id, mailbox
//! length, messages handled and their rate, restarts, links and monitors, the handler it runs
//! now and for how long (a server stuck in one handler longer than a threshold is marked), and,
//! on a click, the state of a server started with
//! [`Options::observe_state`](genserver_core::Options::observe_state). The page reads
//! `GET /api/servers` (JSON) twice a second; `GET /api/state/{id}` gives a state.
//!
//! Servers started before `serve` are shown too: every server is in the runtime's table of
//! live servers from its start (see [`genserver_core::observe`]).
//!
//! # Not for the open internet
//!
//! The page shows what runs and, for the servers that opt in, their state, to anyone who can
//! reach it, without authentication. [`serve`] binds the address it is given: use a loopback
//! address (`127.0.0.1:PORT`, what [`Builder`] binds unless told otherwise), and reach a remote
//! machine's page through an SSH tunnel, not by binding `0.0.0.0`.
//!
//! # Cost
//!
//! Serving costs nothing until the page is open: the runtime's table is kept anyway. While a
//! page (or any client) has asked for `/api/servers` in the last few seconds, the observer
//! samples every `sample_every` (250 ms by default), and servers write down the handler they
//! start (a lock of one shard of the table per message; see `docs/performance.md`).
//!
//! ```no_run
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let observer = genserver_observer::serve("127.0.0.1:9000").await?;
//! println!("observer at {}", observer.url());
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use genserver_core::ServerId;
use genserver_core::observe::{self, Sampler, ServerInfo};
use serde::Serialize;
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// The page: HTML with its script and style inline, no external address.
const PAGE: &str = include_str!("page.html");

/// Where [`Builder`] binds unless told otherwise: loopback, a fixed port.
pub const DEFAULT_ADDR: &str = "127.0.0.1:9000";

/// Why the observer did not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The address could not be bound (in use, not local, no permission).
    #[error("the observer could not listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// What the system said.
        source: io::Error,
    },
}

/// Starts the observer on `addr` (e.g. `"127.0.0.1:9000"`, or port 0 for any free port) and
/// returns once it listens. It runs on the current tokio runtime until [`Observer::stop`] or
/// the runtime's end; dropping the [`Observer`] leaves it running.
///
/// The page is for loopback (see the crate's docs): the address is bound as given.
pub async fn serve(addr: impl ToSocketAddrs + std::fmt::Debug) -> Result<Observer, ServeError> {
    Builder::new().serve(addr).await
}

/// The observer's settings: `Builder::new().stuck_after(Duration::from_secs(5)).serve(addr)`.
#[derive(Debug, Clone)]
pub struct Builder {
    stuck_after: Duration,
    sample_every: Duration,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            stuck_after: Duration::from_secs(2),
            sample_every: Duration::from_millis(250),
        }
    }
}

impl Builder {
    /// The default settings: stuck after 2 s in one handler, a sample every 250 ms.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long a server may run one handler before the page marks it stuck (default 2 s).
    /// Measured to the precision of the sampling.
    pub fn stuck_after(mut self, threshold: Duration) -> Self {
        self.stuck_after = threshold;
        self
    }

    /// How often the observer samples while the page is open (default 250 ms; at least 10 ms).
    pub fn sample_every(mut self, period: Duration) -> Self {
        self.sample_every = period.max(Duration::from_millis(10));
        self
    }

    /// Starts the observer on [`DEFAULT_ADDR`] (loopback).
    pub async fn serve_default(self) -> Result<Observer, ServeError> {
        self.serve(DEFAULT_ADDR).await
    }

    /// Starts the observer on `addr`; see [`serve`].
    pub async fn serve(
        self,
        addr: impl ToSocketAddrs + std::fmt::Debug,
    ) -> Result<Observer, ServeError> {
        let shown = format!("{addr:?}");
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind {
                addr: shown.clone(),
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
            addr: shown,
            source,
        })?;
        let (snapshots, latest) = watch::channel(Arc::new(Snapshot::empty(self.stuck_after)));
        let hub = Arc::new(Hub {
            settings: self,
            asked: Mutex::new(None),
            wake: Notify::new(),
            latest,
        });
        let sampler = tokio::spawn(sample(hub.clone(), snapshots));
        let app = Router::new()
            .route("/", get(page))
            .route("/api/servers", get(servers))
            .route("/api/state/{id}", get(state))
            .with_state(hub);
        let server = tokio::spawn(async move {
            // Ends only with an accept error that axum does not retry, or with the task.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Observer {
            local_addr,
            tasks: vec![sampler, server],
        })
    }
}

/// A running observer: where it listens, and how to stop it.
#[derive(Debug)]
pub struct Observer {
    local_addr: SocketAddr,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Observer {
    /// The address it listens on (with the port chosen, if port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The page's address, e.g. `http://127.0.0.1:9000/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.local_addr)
    }

    /// Stops serving and sampling.
    pub fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// What the handlers share with the sampling task.
struct Hub {
    settings: Builder,
    /// When a client last asked for the servers.
    asked: Mutex<Option<Instant>>,
    /// Wakes the sampling task when a client asks while it sleeps.
    wake: Notify,
    latest: watch::Receiver<Arc<Snapshot>>,
}

impl Hub {
    /// Sampling goes on while a client asked within this long.
    fn keep_alive(&self) -> Duration {
        (self.settings.sample_every * 8).max(Duration::from_secs(3))
    }

    fn asked_recently(&self) -> bool {
        let asked = *self.asked.lock().unwrap_or_else(PoisonError::into_inner);
        asked.is_some_and(|asked| asked.elapsed() < self.keep_alive())
    }
}

/// One reading of every server, as the page gets it.
#[derive(Debug, Serialize)]
struct Snapshot {
    /// Milliseconds since the Unix epoch... of the observer's own clock: since it started.
    taken_ms: u64,
    stuck_after_ms: u64,
    servers: Vec<Server>,
    #[serde(skip)]
    taken: Option<Instant>,
}

impl Snapshot {
    fn empty(stuck_after: Duration) -> Snapshot {
        Snapshot {
            taken_ms: 0,
            stuck_after_ms: stuck_after.as_millis() as u64,
            servers: Vec::new(),
            taken: None,
        }
    }
}

/// One server in a [`Snapshot`].
#[derive(Debug, Serialize)]
struct Server {
    id: u64,
    pid: String,
    type_name: &'static str,
    short_type: String,
    name: Option<String>,
    parent: Option<u64>,
    supervisor: bool,
    mailbox_len: usize,
    messages: u64,
    /// Messages per second over the last sample.
    rate: f64,
    restarts: u32,
    links: Vec<u64>,
    monitored_by: Vec<u64>,
    /// The servers it monitors (the other side of `monitored_by`).
    monitors: Vec<u64>,
    busy: bool,
    running: Option<&'static str>,
    /// How long it has been in the handler it runs, to sampling precision.
    running_ms: Option<u64>,
    stuck: bool,
    has_state: bool,
    traps_exits: bool,
    exiting: bool,
}

/// What the sampler remembers of a server between two readings.
struct Track {
    messages: u64,
    at: Instant,
    rate: f64,
    /// Busy since, and at which message count.
    busy: Option<(u64, Instant)>,
}

/// The sampling task: asleep until a client asks, then a reading every `sample_every` while
/// clients keep asking, with a [`Sampler`] alive (servers write down their handlers).
async fn sample(hub: Arc<Hub>, snapshots: watch::Sender<Arc<Snapshot>>) {
    let started = Instant::now();
    let mut tracks: HashMap<ServerId, Track> = HashMap::new();
    loop {
        if !hub.asked_recently() {
            tracks.clear();
            let notified = hub.wake.notified();
            if !hub.asked_recently() {
                notified.await;
            }
            continue;
        }
        let _sampler = Sampler::start();
        while hub.asked_recently() {
            let snapshot = reading(&hub.settings, started, &mut tracks);
            snapshots.send_replace(Arc::new(snapshot));
            tokio::time::sleep(hub.settings.sample_every).await;
        }
    }
}

/// One reading, with rates and busy times from the previous ones.
fn reading(
    settings: &Builder,
    started: Instant,
    tracks: &mut HashMap<ServerId, Track>,
) -> Snapshot {
    let now = Instant::now();
    let mut seen: Vec<ServerInfo> = observe::servers();
    seen.sort_by_key(|server| server.id);
    let mut monitors: HashMap<ServerId, Vec<u64>> = HashMap::new();
    for server in &seen {
        for watcher in &server.monitored_by {
            monitors
                .entry(*watcher)
                .or_default()
                .push(server.id.as_u64());
        }
    }
    tracks.retain(|id, _| seen.iter().any(|server| server.id == *id));
    let servers = seen
        .into_iter()
        .map(|info| {
            let track = tracks.entry(info.id).or_insert(Track {
                messages: info.messages,
                at: now,
                rate: 0.0,
                busy: None,
            });
            let elapsed = now.duration_since(track.at).as_secs_f64();
            if elapsed > 0.0 {
                track.rate = info.messages.saturating_sub(track.messages) as f64 / elapsed;
                track.messages = info.messages;
                track.at = now;
            }
            let busy = !info.waiting;
            track.busy = match track.busy {
                Some((messages, since)) if busy && messages == info.messages => {
                    Some((messages, since))
                }
                _ if busy => Some((info.messages, now)),
                _ => None,
            };
            let running_for = track.busy.map(|(_, since)| now.duration_since(since));
            Server {
                id: info.id.as_u64(),
                pid: info.id.to_string(),
                type_name: info.type_name,
                short_type: short_type(info.type_name),
                name: info.name,
                parent: info.parent.map(ServerId::as_u64),
                supervisor: info.supervisor,
                mailbox_len: info.mailbox_len,
                messages: info.messages,
                rate: (track.rate * 10.0).round() / 10.0,
                restarts: info.restarts,
                links: info.links.iter().map(|id| id.as_u64()).collect(),
                monitored_by: info.monitored_by.iter().map(|id| id.as_u64()).collect(),
                monitors: monitors.remove(&info.id).unwrap_or_default(),
                busy,
                running: info
                    .running
                    .or((busy && info.messages == 0).then_some("init")),
                running_ms: running_for.map(|d| d.as_millis() as u64),
                stuck: running_for.is_some_and(|d| d >= settings.stuck_after),
                has_state: info.has_state,
                traps_exits: info.traps_exits,
                exiting: info.exiting,
            }
        })
        .collect();
    Snapshot {
        taken_ms: now.duration_since(started).as_millis() as u64,
        stuck_after_ms: settings.stuck_after.as_millis() as u64,
        servers,
        taken: Some(now),
    }
}

/// `my_app::cache::Cache<alloc::string::String>` → `Cache<String>`.
fn short_type(type_name: &str) -> String {
    let mut short = String::with_capacity(type_name.len());
    let mut word = String::new();
    for c in type_name.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else if c == ':' {
            // A path separator: drop the segment before it.
            word.clear();
        } else {
            short.push_str(&word);
            word.clear();
            short.push(c);
        }
    }
    short.push_str(&word);
    short
}

async fn page() -> Html<&'static str> {
    Html(PAGE)
}

/// `GET /api/servers`: the latest reading; wakes the sampler if it slept.
async fn servers(State(hub): State<Arc<Hub>>) -> Response {
    *hub.asked.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
    hub.wake.notify_one();
    let mut latest = hub.latest.clone();
    let fresh = |snapshot: &Snapshot| {
        snapshot
            .taken
            .is_some_and(|taken| taken.elapsed() < hub.settings.sample_every * 3)
    };
    if !fresh(&latest.borrow()) {
        // The sampler was asleep: wait for its first reading (a moment).
        let _ = tokio::time::timeout(Duration::from_secs(2), latest.changed()).await;
    }
    let snapshot = latest.borrow().clone();
    json(StatusCode::OK, &*snapshot)
}

/// `GET /api/state/{id}`: `{"state": "..."}` or `{"error": "..."}`.
async fn state(Path(id): Path<u64>) -> Response {
    #[derive(Serialize)]
    struct Reply {
        state: Option<String>,
        error: Option<String>,
    }
    let reply = match ServerId::from_u64(id) {
        None => Reply {
            state: None,
            error: Some("no server has the id 0".to_owned()),
        },
        Some(id) => match observe::state(id).await {
            Ok(state) => Reply {
                state: Some(state),
                error: None,
            },
            Err(error) => Reply {
                state: None,
                error: Some(error),
            },
        },
    };
    json(StatusCode::OK, &reply)
}

fn json(status: StatusCode, value: &impl Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_type;

    #[test]
    fn type_names_lose_their_paths() {
        assert_eq!(short_type("my_app::cache::Cache"), "Cache");
        assert_eq!(
            short_type("stack::Stack<alloc::string::String>"),
            "Stack<String>"
        );
        assert_eq!(short_type("Plain"), "Plain");
        assert_eq!(short_type("a::Pair<b::X, (c::Y, u8)>"), "Pair<X, (Y, u8)>");
    }
}
