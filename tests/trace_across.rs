//! Traces across servers: with the `tracing` feature, the span of a handled call or cast is a
//! child of the span the caller was in, so one trace follows a request through every server.
#![cfg(feature = "tracing")]

use std::sync::{Arc, Mutex};

use genserver::prelude::*;
use tracing::span::{Attributes, Id};
use tracing::{Subscriber, info_span};
use tracing_subscriber::layer::{Context as LayerContext, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{Layer, Registry};

/// The first server: a call that calls the second.
struct Front {
    middle: MiddleRef,
}

#[genserver]
impl Front {
    #[call]
    async fn order(&mut self, item: String) -> u64 {
        self.middle
            .price(item)
            .await
            .expect("the middle server answers")
    }
}

/// The second: answers, and casts to the third.
struct Middle {
    back: BackRef,
}

#[genserver]
impl Middle {
    #[call]
    fn price(&mut self, item: String) -> u64 {
        self.back
            .record(item.clone())
            .expect("the back server runs");
        item.len() as u64
    }
}

/// The third: records what it was told.
#[derive(Default)]
struct Back {
    seen: Vec<String>,
}

#[genserver]
impl Back {
    #[cast]
    fn record(&mut self, item: String) {
        self.seen.push(item);
    }

    #[call]
    fn seen(&self) -> Vec<String> {
        self.seen.clone()
    }
}

/// One span as the layer saw it open.
#[derive(Debug, Clone)]
struct Opened {
    id: u64,
    name: &'static str,
    server: Option<String>,
    message: Option<String>,
    parent: Option<u64>,
}

/// Records every span with its parent, as tracing-subscriber's registry resolved it.
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Opened>>>);

#[derive(Default)]
struct Fields {
    server: Option<String>,
    message: Option<String>,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "server" => self.server = Some(value.to_owned()),
            "message" => self.message = Some(value.to_owned()),
            _ => {}
        }
    }
    fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: LayerContext<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let parent = ctx
            .span(id)
            .and_then(|span| span.parent())
            .map(|parent| parent.id().into_u64());
        self.0.lock().unwrap().push(Opened {
            id: id.into_u64(),
            name: attrs.metadata().name(),
            server: fields.server,
            message: fields.message,
            parent,
        });
    }
}

fn handled(spans: &[Opened], message: &str) -> Opened {
    spans
        .iter()
        .find(|span| span.name == "handle" && span.message.as_deref() == Some(message))
        .unwrap_or_else(|| panic!("no span for {message}: {spans:#?}"))
        .clone()
}

#[test]
fn one_trace_follows_a_request_through_three_servers() {
    let spans = Spans::default();
    let subscriber = Registry::default().with(spans.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let back = Back::start(Back::default()).await.unwrap();
            let middle = Middle::start(Middle { back: back.clone() }).await.unwrap();
            let front = Front::start(Front { middle }).await.unwrap();
            let request = info_span!("request", item = "tea");
            let price = {
                let _entered = request.enter();
                // The call future is polled inside the request's span.
                front.order("tea".to_owned())
            };
            let price = tracing::Instrument::instrument(price, request.clone()).await;
            assert_eq!(price, Ok(3));
            // Outside any span: the handler's span is a root of its own.
            assert_eq!(back.seen().await, Ok(vec!["tea".to_owned()]));
        });
    });

    let spans = spans.0.lock().unwrap().clone();
    let request = spans
        .iter()
        .find(|span| span.name == "request")
        .expect("the request span");
    let order = handled(&spans, "order");
    let price = handled(&spans, "price");
    let record = handled(&spans, "record");
    assert!(
        order.server.as_deref().unwrap().ends_with("Front"),
        "{order:?}"
    );
    assert_eq!(order.parent, Some(request.id), "{spans:#?}");
    assert_eq!(price.parent, Some(order.id), "{spans:#?}");
    assert_eq!(record.parent, Some(price.id), "{spans:#?}");
    assert!(
        record.server.as_deref().unwrap().ends_with("Back"),
        "{record:?}"
    );
    // A call made outside any span starts no trace of anyone else's.
    let seen = handled(&spans, "seen");
    assert_eq!(seen.parent, None, "{spans:#?}");
}
