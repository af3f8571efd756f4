//! genserver's side: a `#[genserver(remote)]` counter started under a cluster name on one
//! node, called through the handle another node's `lookup` gives.

use genserver::prelude::*;
use genserver::remote::Node;

use super::{CALL_TIMEOUT, Exchange};

/// The counter of W9–W10.
#[derive(Default)]
pub struct RemoteCounter {
    value: u64,
}

#[genserver(remote)]
impl RemoteCounter {
    /// Adds `n`; the new value.
    #[call]
    pub fn add(&mut self, n: u64) -> u64 {
        self.value += n;
        self.value
    }

    /// Adds `n`.
    #[cast]
    pub fn bump(&mut self, n: u64) {
        self.value += n;
    }

    /// The value.
    #[call]
    pub fn value(&self) -> u64 {
        self.value
    }
}

/// The name the counter is served under.
const NAME: &str = "bench/remote-counter";

/// The server (on its own node) and a caller's handle (on another).
pub struct Served {
    server: Option<(Node, RemoteCounterRef)>,
    caller: RemoteCounterRef,
    /// Kept for the lifetime of the caller's handle.
    _caller_node: Node,
}

async fn node(url: &str) -> Node {
    Node::connect(url)
        .await
        .expect("W9-W10: connect a node to the bench's nats-server")
}

impl Exchange for Served {
    async fn start(url: &str) -> Self {
        let server_node = node(url).await;
        let server = RemoteCounter::options()
            .name(NAME)
            .call_timeout(CALL_TIMEOUT)
            .remote(&server_node)
            .start(RemoteCounter::default())
            .await
            .expect("W9-W10: start the remote counter");
        let caller_node = node(url).await;
        let caller = caller_node
            .lookup::<RemoteCounter>(NAME)
            .with_timeout(CALL_TIMEOUT);
        Served {
            server: Some((server_node, server)),
            caller,
            _caller_node: caller_node,
        }
    }

    async fn add(&self, n: u64) -> u64 {
        self.caller.add(n).await.expect("W9: the remote call")
    }

    async fn bump(&self, n: u64) {
        self.caller.bump(n).expect("W10: the remote cast");
    }

    async fn value(&self) -> u64 {
        self.caller.value().await.expect("W10: the remote call")
    }

    fn caller(&self) -> Self {
        Served {
            server: None,
            caller: self.caller.clone(),
            _caller_node: self._caller_node.clone(),
        }
    }

    async fn stop(self) {
        if let Some((node, server)) = self.server {
            server.stop().await;
            drop(node);
        }
    }
}
