//! The counter on genserver, written as a user writes it.
//!
//! TEMPORARY: the `#[genserver]` attribute does not expand yet, so this is the expansion written
//! by hand in the shape the macro generates (as `tests/manual_impl.rs` does). To be replaced by
//! the `#[genserver] impl BenchCounter { .. }` block once the macro works.

use genserver::__private as gs;

use crate::subject::Subject;

/// The counter state.
pub struct BenchCounter {
    value: u64,
}

impl BenchCounter {
    fn increment(&mut self) -> u64 {
        self.value += 1;
        self.value
    }

    fn bump(&mut self) {
        self.value += 1;
    }

    fn get(&self) -> u64 {
        self.value
    }
}

/// Messages of [`BenchCounter`].
pub enum BenchCounterMsg {
    /// `increment`.
    Increment {
        /// Where the reply goes.
        reply_to: gs::ReplyTo<u64>,
    },
    /// `bump`.
    Bump,
    /// `get`.
    Get {
        /// Where the reply goes.
        reply_to: gs::ReplyTo<u64>,
    },
}

impl gs::GenServer for BenchCounter {
    type Msg = BenchCounterMsg;
    type Args = Self;
    type InitError = gs::Infallible;
    type Ref = BenchCounterRef;

    async fn init(args: Self::Args, _: &mut gs::Context<Self>) -> gs::Result<Self, gs::Infallible> {
        gs::Ok(args)
    }

    async fn handle(&mut self, msg: BenchCounterMsg, ctx: &mut gs::Context<Self>) {
        let _ = &ctx;
        match msg {
            BenchCounterMsg::Increment { reply_to } => reply_to.send(Self::increment(self)),
            BenchCounterMsg::Bump => Self::bump(self),
            BenchCounterMsg::Get { reply_to } => reply_to.send(Self::get(self)),
        }
    }

    fn message_name(msg: &BenchCounterMsg) -> &'static str {
        match msg {
            BenchCounterMsg::Increment { .. } => "increment",
            BenchCounterMsg::Bump => "bump",
            BenchCounterMsg::Get { .. } => "get",
        }
    }
}

/// Client handle of [`BenchCounter`].
#[derive(Clone)]
pub struct BenchCounterRef {
    inner: gs::ServerRef<BenchCounter>,
}

impl gs::From<gs::ServerRef<BenchCounter>> for BenchCounterRef {
    fn from(inner: gs::ServerRef<BenchCounter>) -> Self {
        BenchCounterRef { inner }
    }
}

impl gs::AsRef<gs::ServerRef<BenchCounter>> for BenchCounterRef {
    fn as_ref(&self) -> &gs::ServerRef<BenchCounter> {
        &self.inner
    }
}

impl gs::Deref for BenchCounterRef {
    type Target = gs::ServerRef<BenchCounter>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl BenchCounterRef {
    /// Calls `increment`.
    pub async fn increment(&self) -> gs::Result<u64, gs::CallError> {
        self.inner
            .call(|reply_to| BenchCounterMsg::Increment { reply_to })
            .await
    }

    /// Casts `bump`.
    pub fn bump(&self) -> gs::Result<(), gs::CastError> {
        self.inner.cast(BenchCounterMsg::Bump)
    }

    /// Calls `get`.
    pub async fn get(&self) -> gs::Result<u64, gs::CallError> {
        self.inner
            .call(|reply_to| BenchCounterMsg::Get { reply_to })
            .await
    }
}

impl BenchCounter {
    /// Starts the server with `args` as its state.
    pub fn start(
        args: BenchCounter,
    ) -> impl gs::Future<Output = gs::Result<BenchCounterRef, gs::StartError<gs::Infallible>>> + gs::Send
    {
        gs::Options::<Self>::new().start(args)
    }
}

/// genserver, through the client API `#[genserver]` generates.
pub struct Genserver;

impl Subject for Genserver {
    type Handle = BenchCounterRef;

    async fn start() -> BenchCounterRef {
        BenchCounter::start(BenchCounter { value: 0 })
            .await
            .expect("genserver start")
    }

    async fn increment(counter: &BenchCounterRef) -> u64 {
        counter.increment().await.expect("genserver call")
    }

    async fn bump(counter: &BenchCounterRef) {
        counter.bump().expect("genserver cast");
    }

    async fn get(counter: &BenchCounterRef) -> u64 {
        counter.get().await.expect("genserver call")
    }

    async fn stop(counter: BenchCounterRef) {
        counter.stop().await;
    }
}
