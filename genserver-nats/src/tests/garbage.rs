//! Bytes that are not a valid request, sent straight to a server's subject, get an error reply
//! or are dropped and counted, and never disturb the server.

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::protocol::Op;

async fn raw_request(node: &Node, subject: &str, payload: Vec<u8>) -> async_nats::Message {
    let request = async_nats::Request::new()
        .payload(payload.into())
        .timeout(Some(Duration::from_secs(5)));
    node.client()
        .send_request(subject.to_owned(), request)
        .await
        .expect("the server answers garbage")
}

fn error_of(message: &async_nats::Message) -> Option<String> {
    message
        .headers
        .as_ref()
        .and_then(|headers| headers.get(protocol::ERROR))
        .map(|value| value.as_str().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_with_a_reply_subject_gets_an_error_reply() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let _local = start_named(&a, "garbage-reply").await;
    let subject = b.inner.subjects.name("garbage-reply");
    // Not an envelope at all.
    let reply = raw_request(&b, &subject, b"\xc1\xff garbage".to_vec()).await;
    assert_eq!(error_of(&reply).as_deref(), Some("decode"));
    // A call of a known handler whose arguments are garbage.
    let envelope = protocol::call("add", Duration::from_secs(1), &[0xc1; 40]).unwrap();
    let reply = raw_request(&b, &subject, envelope).await;
    assert_eq!(error_of(&reply).as_deref(), Some("decode"));
    // An operation nobody knows.
    let reply = raw_request(&b, &subject, vec![0xee]).await;
    assert_eq!(error_of(&reply).as_deref(), Some("decode"));
    assert!(
        String::from_utf8_lossy(&reply.payload).starts_with("unknown operation 238"),
        "{:?}",
        reply.payload
    );
    assert_eq!(a.stats().error_replies, 3);
    assert_eq!(
        call_name::<i64>(&b, "garbage-reply", "increment").await,
        Ok(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_without_a_reply_subject_is_dropped_and_counted() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "garbage-drop").await;
    let subject = b.inner.subjects.name("garbage-drop");
    b.client()
        .publish(subject.clone(), b"\x00\x01\x02".as_slice().into())
        .await
        .unwrap();
    let envelope = protocol::cast("add", &[0xdd; 8]).unwrap();
    b.client()
        .publish(subject.clone(), envelope.into())
        .await
        .unwrap();
    b.client().flush().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while a.stats().dropped_messages != 2 {
        assert!(tokio::time::Instant::now() < deadline, "{:?}", a.stats());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(local.get().await, Ok(0));
    assert_eq!(
        call_name::<i64>(&b, "garbage-drop", "increment").await,
        Ok(1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_random_requests_never_crashes_the_server() {
    let nats = nats();
    let (a, b) = (node(&nats.url()).await, node(&nats.url()).await);
    let local = start_named(&a, "garbage-burst").await;
    let subject = b.inner.subjects.name("garbage-burst");
    let handlers = ["increment", "add", "echo", "slow", "nope", ""];
    // A fixed pseudo-random sequence: reproducible.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..200 {
        let len = usize::try_from(next() % 64).unwrap();
        let payload: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
        let handler = handlers[usize::try_from(next() % 6).unwrap()];
        // Half of them garbage after a valid envelope, half garbage in place of one.
        let payload = if round % 2 == 0 {
            protocol::call(handler, Duration::from_secs(2), &payload).unwrap()
        } else {
            let mut bytes = payload;
            bytes.insert(0, Op::Call.code());
            bytes
        };
        let reply = raw_request(&b, &subject, payload).await;
        // Every request ends: a reply or an error reply.
        let _ = (round, reply);
    }
    assert!(local.is_alive());
    let before = local.get().await.unwrap();
    assert_eq!(
        call_name::<i64>(&b, "garbage-burst", "increment").await,
        Ok(before + 1)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The server side's decoding of arbitrary bytes, for every handler name: an error or a
    /// delivery, never a panic. Against a local server, without NATS.
    #[test]
    fn the_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256), handler in 0usize..12) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let server = Counter::start(counter("prop")).await.unwrap();
            let names = ["increment", "get", "label", "add", "slow", "crash", "echo", "filler", "forget", "quit", "on_tick", "nope"];
            let incoming = Incoming::new(names[handler], &bytes, Duration::from_millis(100));
            let _ = CounterMsg::deliver(incoming, &server);
            let _ = wire::decode::<String>(&bytes);
            let _ = wire::decode::<Vec<Option<(u8, String)>>>(&bytes);
            let _ = crate::wire::decode_exit(&bytes);
            let _ = protocol::failure_of_reply("exited", &bytes);
            let _ = protocol::failure_of_reply("too_large", &bytes);
            // The envelope too: whatever it reads, it reads within the bytes.
            if let Ok(request) = protocol::parse(&bytes) {
                assert!(request.handler.len() + request.body.len() < bytes.len());
            }
        });
    }
}
