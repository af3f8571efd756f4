//! The `tracing` feature: one span per handled message, named by server type and message.
#![cfg(feature = "tracing")]

use std::sync::{Arc, Mutex};

use genserver::prelude::*;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

struct Counter {
    value: i64,
}

#[genserver]
impl Counter {
    #[call]
    fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }

    #[cast]
    fn reset(&mut self) {
        self.value = 0;
    }
}

/// The spans opened and the events seen, as `name server message` lines.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<String>>>,
}

#[derive(Default)]
struct Fields(Vec<String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == "genserver"
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let mut fields = Fields::default();
        span.record(&mut fields);
        let mut seen = self.seen.lock().unwrap();
        seen.push(format!(
            "span {} {}",
            span.metadata().name(),
            fields.0.join(" ")
        ));
        Id::from_u64(seen.len() as u64)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.seen
            .lock()
            .unwrap()
            .push(format!("event {}", fields.0.join(" ")));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn each_handled_message_gets_a_span_naming_server_and_message() {
    let recorder = Recorder::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(recorder.clone(), || {
        runtime.block_on(async {
            let counter = Counter::start(Counter { value: 0 }).await.unwrap();
            assert_eq!(counter.increment().await, Ok(1));
            counter.reset().unwrap();
            assert_eq!(counter.increment().await, Ok(1));
            counter.stop().await;
        })
    });
    let seen = recorder.seen.lock().unwrap().clone();
    let spans: Vec<&String> = seen
        .iter()
        .filter(|line| line.starts_with("span"))
        .collect();
    assert_eq!(spans.len(), 3, "{seen:#?}");
    assert!(spans[0].contains("server=tracing::Counter"), "{seen:#?}");
    assert!(spans[0].contains("message=increment"), "{seen:#?}");
    assert!(spans[1].contains("message=reset"), "{seen:#?}");
    assert!(spans[2].contains("message=increment"), "{seen:#?}");
    let exits: Vec<&String> = seen
        .iter()
        .filter(|line| line.contains("server exiting"))
        .collect();
    assert_eq!(exits.len(), 1, "{seen:#?}");
    assert!(exits[0].contains("reason=normal"), "{seen:#?}");
}
