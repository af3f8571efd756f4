//! Who may call: a nats-server with authorisation refuses a node without credentials, with an
//! error that says so, and accepts one with them.

use async_nats::ConnectErrorKind;

use super::*;
use crate::testing::TempFile;
use crate::{ConnectOptions, NodeError};

fn refused(result: Result<Node, NodeError>) -> String {
    match result {
        Err(NodeError::Connect(error)) => {
            assert_eq!(
                error.kind(),
                ConnectErrorKind::AuthorizationViolation,
                "{error}"
            );
            NodeError::Connect(error).to_string()
        }
        other => panic!("a node without the right credentials is refused: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_a_password_refuses_a_node_without_it() {
    let nats = NatsServer::builder()
        .args(["--user", "shop", "--pass", "s3cret"])
        .start()
        .unwrap();
    let message = refused(Node::connect(nats.url()).await);
    assert!(message.contains("could not connect to NATS"), "{message}");
    assert!(message.contains("authorization"), "{message}");
    refused(
        Node::builder()
            .nats(ConnectOptions::with_user_and_password(
                "shop".into(),
                "wrong".into(),
            ))
            .connect(nats.url())
            .await,
    );
    let node = Node::builder()
        .nats(ConnectOptions::with_user_and_password(
            "shop".into(),
            "s3cret".into(),
        ))
        .lease(LEASE)
        .connect(nats.url())
        .await
        .unwrap();
    start_named(&node, "auth-password").await;
    assert_eq!(
        call_name::<i64>(&node, "auth-password", "increment").await,
        Ok(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_a_token_refuses_a_node_without_it() {
    let nats = NatsServer::builder()
        .args(["--auth", "t0ken"])
        .start()
        .unwrap();
    refused(Node::connect(nats.url()).await);
    let node = Node::builder()
        .nats(ConnectOptions::with_token("t0ken".into()))
        .connect(nats.url())
        .await
        .unwrap();
    assert!(node.is_connected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_with_nkey_users_accepts_only_their_keys() {
    let user = nkeys::KeyPair::new_user();
    let stranger = nkeys::KeyPair::new_user();
    let config = TempFile::new(
        "nats.conf",
        &format!(
            "authorization {{ users = [ {{ nkey: {} }} ] }}\n",
            user.public_key()
        ),
    )
    .unwrap();
    let nats = NatsServer::builder()
        .without_jetstream()
        .args(["-c".to_owned(), config.path().display().to_string()])
        .start()
        .unwrap();
    refused(Node::connect(nats.url()).await);
    refused(
        Node::builder()
            .nats(ConnectOptions::with_nkey(stranger.seed().unwrap()))
            .connect(nats.url())
            .await,
    );
    let node = Node::builder()
        .nats(ConnectOptions::with_nkey(user.seed().unwrap()))
        .connect(nats.url())
        .await
        .unwrap();
    assert!(node.is_connected());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_without_jetstream_fail_with_an_error_that_says_so() {
    let nats = NatsServer::builder().without_jetstream().start().unwrap();
    let node = node(&nats.url()).await;
    let result = Counter::options()
        .name("auth-nojs")
        .remote(&node)
        .start(counter("auth-nojs"))
        .await;
    let Err(StartError::Remote(error)) = result else {
        panic!("a remote start without JetStream fails: {result:?}");
    };
    assert!(error.to_string().contains("-js"), "{error}");
    // Nothing was started.
    assert!(Counter::whereis("auth-nojs").is_none());
}
