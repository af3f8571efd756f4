//! The runtime without the macro: a server written by hand exactly as `#[genserver]` writes it.
//! This is the shape the macro's snapshots must keep (see `docs/expansion.md`).

use std::time::Duration;

use genserver::__private as gs;
use genserver::prelude::*;

#[derive(Clone, Debug)]
struct Tick;

struct Counter {
    value: i64,
    ticks: u32,
}

impl Counter {
    fn increment(&mut self) -> i64 {
        self.value += 1;
        self.value
    }
    async fn get(&self) -> i64 {
        self.value
    }
    fn add_later(&mut self, n: i64, reply: ReplyTo<i64>) {
        self.value += n;
        let value = self.value;
        tokio::spawn(async move { reply.send(value) });
    }
    fn reset(&mut self) {
        self.value = 0;
    }
    fn on_tick(&mut self, _tick: Tick, _ctx: &mut Context<Self>) {
        self.ticks += 1;
    }
}

/// Messages of [`Counter`].
enum CounterMsg {
    Increment {
        reply_to: gs::ReplySender<i64>,
    },
    Get {
        reply_to: gs::ReplySender<i64>,
    },
    AddLater {
        n: i64,
        reply_to: gs::ReplySender<i64>,
    },
    Reset,
    OnTick(Tick),
}

impl gs::GenServer for Counter {
    type Msg = CounterMsg;
    type Args = Self;
    type InitError = gs::Infallible;
    type Ref = CounterRef;

    async fn init(
        args: Self::Args,
        _: &mut gs::Context<Self>,
    ) -> gs::Result<gs::Option<Self>, gs::Infallible> {
        gs::Ok(gs::Some(args))
    }

    async fn handle(&mut self, msg: CounterMsg, ctx: &mut gs::Context<Self>) {
        let _ = &ctx;
        match msg {
            CounterMsg::Increment { reply_to } => reply_to.send(Self::increment(self)),
            CounterMsg::Get { reply_to } => reply_to.send(Self::get(self).await),
            CounterMsg::AddLater { n, reply_to } => {
                Self::add_later(self, n, gs::ReplyTo::from(reply_to))
            }
            CounterMsg::Reset => Self::reset(self),
            CounterMsg::OnTick(msg) => Self::on_tick(self, msg, ctx),
        }
    }

    fn message_name(msg: &CounterMsg) -> &'static str {
        match msg {
            CounterMsg::Increment { .. } => "increment",
            CounterMsg::Get { .. } => "get",
            CounterMsg::AddLater { .. } => "add_later",
            CounterMsg::Reset => "reset",
            CounterMsg::OnTick(..) => "on_tick",
        }
    }
}

impl gs::Info<Tick> for Counter {
    fn into_msg(msg: Tick) -> CounterMsg {
        CounterMsg::OnTick(msg)
    }
}

#[derive(Clone)]
struct CounterRef {
    inner: gs::ServerRef<Counter>,
}

impl gs::From<gs::ServerRef<Counter>> for CounterRef {
    fn from(inner: gs::ServerRef<Counter>) -> Self {
        CounterRef { inner }
    }
}
impl gs::AsRef<gs::ServerRef<Counter>> for CounterRef {
    fn as_ref(&self) -> &gs::ServerRef<Counter> {
        &self.inner
    }
}
impl gs::Deref for CounterRef {
    type Target = gs::ServerRef<Counter>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl CounterRef {
    async fn increment(&self) -> gs::Result<i64, gs::CallError> {
        self.inner
            .call(|reply_to| CounterMsg::Increment { reply_to })
            .await
    }
    async fn get(&self) -> gs::Result<i64, gs::CallError> {
        self.inner
            .call(|reply_to| CounterMsg::Get { reply_to })
            .await
    }
    async fn add_later(&self, n: i64) -> gs::Result<i64, gs::CallError> {
        self.inner
            .call(|reply_to| CounterMsg::AddLater { n, reply_to })
            .await
    }
    fn reset(&self) -> gs::Result<(), gs::CastError> {
        self.inner.cast(CounterMsg::Reset)
    }
    fn with_timeout(&self, timeout: gs::Duration) -> Self {
        CounterRef {
            inner: self.inner.with_timeout(timeout),
        }
    }
}

impl Counter {
    fn start(
        args: Counter,
    ) -> impl gs::Future<Output = gs::Result<CounterRef, gs::StartError<gs::Infallible>>> + gs::Send
    {
        Self::options().start(args)
    }
    fn options() -> gs::Options<Self> {
        gs::Options::new()
    }
}

#[tokio::test(start_paused = true)]
async fn hand_written_server_runs() {
    let counter = Counter::start(Counter { value: 0, ticks: 0 })
        .await
        .unwrap();
    assert_eq!(counter.increment().await, Ok(1));
    assert_eq!(counter.add_later(10).await, Ok(11));
    counter.reset().unwrap();
    assert_eq!(counter.get().await, Ok(0));
    counter.send(Tick).unwrap();
    assert_eq!(
        counter.with_timeout(Duration::from_millis(5)).get().await,
        Ok(0)
    );
    assert!(counter.is_alive());
    counter.stop().await;
    assert!(!counter.is_alive());
    assert_eq!(counter.increment().await, Err(CallError::NotRunning));
    assert_eq!(counter.exited().await, ExitReason::Normal);
}
