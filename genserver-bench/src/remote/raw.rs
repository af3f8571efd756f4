//! The reference: the counter served and called by hand on async-nats, with the payloads of
//! genserver's wire format (MessagePack with named fields, the same `wire` functions), so that
//! both sides encode and decode the same bytes.

use std::sync::Arc;

use futures_util::StreamExt;
use genserver::remote::nats::{Client, ConnectOptions};
use genserver::remote::wire;
use serde::{Deserialize, Serialize};
use tokio::task::JoinHandle;

use super::{CALL_TIMEOUT, Exchange};

/// What the caller sends: the same shape as the generated message of `add(n)` / `bump(n)`.
#[derive(Serialize, Deserialize)]
struct Request {
    n: u64,
}

const ADD: &str = "bench.raw.counter.add";
const BUMP: &str = "bench.raw.counter.bump";
const VALUE: &str = "bench.raw.counter.value";

/// A responder task on one connection, and a caller's connection.
pub struct Raw {
    caller: Client,
    responder: Arc<JoinHandle<()>>,
}

async fn connect(url: &str) -> Client {
    ConnectOptions::new()
        .request_timeout(Some(CALL_TIMEOUT))
        .connect(url)
        .await
        .expect("W9-W10: connect to the bench's nats-server")
}

impl Exchange for Raw {
    async fn start(url: &str) -> Self {
        let server = connect(url).await;
        // One subscription for the three subjects, read by one task: casts and calls are
        // handled in the order they were sent, as a server's mailbox handles them.
        let mut requests = server
            .subscribe("bench.raw.counter.*")
            .await
            .expect("W9-W10: subscribe");
        server
            .flush()
            .await
            .expect("W9-W10: flush the subscription");
        let responder = tokio::spawn(async move {
            let mut value = 0u64;
            while let Some(message) = requests.next().await {
                let subject = message.subject.as_str();
                if subject != VALUE {
                    let request: Request =
                        wire::decode(&message.payload).expect("W9-W10: a request decodes");
                    value += request.n;
                    if subject == BUMP {
                        continue;
                    }
                }
                if let Some(reply) = message.reply {
                    let payload = wire::encode(&value).expect("W9-W10: a reply encodes");
                    if server.publish(reply, payload.into()).await.is_err() {
                        return;
                    }
                }
            }
        });
        Raw {
            caller: connect(url).await,
            responder: Arc::new(responder),
        }
    }

    async fn add(&self, n: u64) -> u64 {
        let payload = wire::encode(&Request { n }).expect("W9: a request encodes");
        let reply = self
            .caller
            .request(ADD, payload.into())
            .await
            .expect("W9: the responder answers");
        wire::decode(&reply.payload).expect("W9: a reply decodes")
    }

    async fn bump(&self, n: u64) {
        let payload = wire::encode(&Request { n }).expect("W10: a request encodes");
        self.caller
            .publish(BUMP, payload.into())
            .await
            .expect("W10: publish");
    }

    async fn value(&self) -> u64 {
        let reply = self
            .caller
            .request(VALUE, Vec::new().into())
            .await
            .expect("W10: the responder answers");
        wire::decode(&reply.payload).expect("W10: a reply decodes")
    }

    fn caller(&self) -> Self {
        Raw {
            caller: self.caller.clone(),
            responder: self.responder.clone(),
        }
    }

    async fn stop(self) {
        self.responder.abort();
    }
}
