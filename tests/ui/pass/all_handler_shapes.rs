//! Every handler shape the macro accepts.

use std::fmt;
use std::time::Duration;

use genserver::prelude::*;

#[derive(Debug)]
struct Invalid;

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid")
    }
}

#[derive(Clone)]
struct Tick;

struct Shapes {
    value: u64,
}

#[genserver]
impl Shapes {
    /// A fallible, async init with the context.
    #[init]
    async fn init(value: u64, ctx: &mut Context<Self>) -> Result<Self, Invalid> {
        let _ = ctx.id();
        if value > 100 {
            Err(Invalid)
        } else {
            Ok(Shapes { value })
        }
    }

    /// A sync handler on `&self`.
    #[call]
    fn sync_ref(&self) -> u64 {
        self.value
    }

    #[call]
    pub(crate) async fn async_mut(&mut self, by: u64) -> u64 {
        self.value += by;
        self.value
    }

    #[call]
    fn with_ctx(&mut self, ctx: &mut Context<Self>) -> bool {
        ctx.id() == ctx.handle().id()
    }

    #[call]
    fn ctx_first(&self, ctx: &mut Context<Self>, extra: u64) -> u64 {
        let _ = ctx;
        self.value + extra
    }

    #[call]
    fn deferred(&self, reply: ReplyTo<u64>, ctx: &mut Context<Self>) {
        let _ = ctx;
        reply.send(self.value);
    }

    #[call]
    fn deferred_from_task(&self, reply: ReplyTo<u64>) {
        let value = self.value;
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(1)).await;
            reply.send(value * 10);
        });
    }

    #[call]
    fn unit_call(&mut self) {}

    #[call]
    fn r#type(&self) -> &'static str {
        "shapes"
    }

    #[call]
    fn with_self_type(&self, other: Option<Self>) -> Option<Self> {
        other
    }

    #[cast]
    async fn async_cast(&mut self, (a, b): (u64, u64), _: u8) {
        self.value = a + b;
    }

    #[cast]
    fn sync_cast_with_ctx(&mut self, ctx: &mut Context<Self>) {
        ctx.continue_with(Tick);
    }

    #[cfg(any())]
    #[call]
    fn compiled_out(&self) -> u64 {
        0
    }

    #[cfg(all())]
    #[call]
    fn compiled_in(&self) -> u64 {
        1
    }

    #[info]
    async fn on_tick(&mut self, _: Tick) {
        self.value += 1;
    }

    #[terminate]
    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        let _ = (reason, ctx);
    }

    /// An unannotated method stays a plain method.
    fn plain_helper(&self) -> u64 {
        self.value
    }

    #[call]
    fn via_helper(&self) -> u64 {
        self.plain_helper()
    }
}

mod errors {
    /// An alias of `Result`, as `anyhow::Result` or `io::Result`.
    pub type Result<T> = std::result::Result<T, super::Invalid>;
}

/// An init returning an alias of `Result`, a sync terminate on `&self`, no context anywhere.
struct Minimal;

#[genserver]
impl Minimal {
    #[init]
    fn init() -> errors::Result<Self> {
        Ok(Minimal)
    }

    #[cast]
    fn poke(&self) {}

    #[terminate]
    fn terminate(&self) {}
}

/// An infallible init without arguments.
struct Infallible;

#[genserver]
impl Infallible {
    #[init]
    fn init() -> Self {
        Infallible
    }

    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

/// An infallible init that may ignore its start (OTP's `:ignore`).
struct Optional;

#[genserver]
impl Optional {
    #[init]
    fn init(enabled: bool) -> Option<Self> {
        enabled.then_some(Optional)
    }

    #[call]
    fn ping(&self) -> &'static str {
        "pong"
    }
}

/// An async init with the context that may fail or ignore its start, naming the type itself.
struct Picky;

#[genserver]
impl Picky {
    #[init]
    async fn init(ctx: &mut Context<Self>, value: u64) -> Result<Option<Picky>, Invalid> {
        let _ = ctx.id();
        match value {
            0 => Ok(None),
            1..=100 => Ok(Some(Picky)),
            _ => Err(Invalid),
        }
    }

    #[cast]
    fn poke(&self) {}
}

/// An init returning an alias of `Result` that may ignore its start.
struct AliasedOptional;

#[genserver]
impl AliasedOptional {
    #[init]
    fn init(value: u64) -> errors::Result<std::option::Option<Self>> {
        if value == 0 { Ok(None) } else { Ok(Some(AliasedOptional)) }
    }

    #[cast]
    fn poke(&self) {}
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert!(matches!(
            Shapes::start(101).await,
            Err(StartError::Init(Invalid))
        ));
        let shapes = Shapes::start(1).await.unwrap();
        assert_eq!(shapes.sync_ref().await, Ok(1));
        assert_eq!(shapes.async_mut(2).await, Ok(3));
        assert_eq!(shapes.with_ctx().await, Ok(true));
        assert_eq!(shapes.ctx_first(1).await, Ok(4));
        assert_eq!(shapes.deferred().await, Ok(3));
        assert_eq!(shapes.deferred_from_task().await, Ok(30));
        assert_eq!(shapes.unit_call().await, Ok(()));
        assert_eq!(shapes.r#type().await, Ok("shapes"));
        assert!(matches!(shapes.with_self_type(None).await, Ok(None)));
        assert_eq!(shapes.compiled_in().await, Ok(1));
        shapes.async_cast((5, 6), 0).unwrap();
        shapes.send(Tick).unwrap();
        assert_eq!(shapes.sync_ref().await, Ok(12));
        shapes.sync_cast_with_ctx().unwrap();
        assert_eq!(shapes.sync_ref().await, Ok(13));
        assert_eq!(shapes.via_helper().await, Ok(13));
        shapes.stop().await;

        let minimal = Minimal::start(()).await.unwrap();
        minimal.poke().unwrap();
        minimal.stop().await;

        let infallible = Infallible::start(()).await.unwrap();
        assert_eq!(infallible.ping().await, Ok("pong"));

        // `Optional::start` can only be ignored: its error type is `StartError<Infallible>`.
        let ignored: Result<OptionalRef, StartError<std::convert::Infallible>> =
            Optional::start(false).await;
        assert!(matches!(ignored, Err(StartError::Ignored)));
        assert_eq!(Optional::start(true).await.unwrap().ping().await, Ok("pong"));

        assert!(matches!(Picky::start(0).await, Err(StartError::Ignored)));
        assert!(matches!(
            Picky::start(101).await,
            Err(StartError::Init(Invalid))
        ));
        Picky::start(1).await.unwrap().poke().unwrap();

        assert!(matches!(
            AliasedOptional::start(0).await,
            Err(StartError::Ignored)
        ));
        AliasedOptional::start(1).await.unwrap().poke().unwrap();
    });
}
