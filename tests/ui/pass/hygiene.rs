//! The generated code names everything by absolute path, and its locals cannot clash with
//! the user's names: modules and types shadowing std's names (`core`, `std`, `tokio`, even
//! `genserver`), prelude items redefined, and handler parameters named like the generated
//! code's locals change nothing.
#![allow(dead_code, non_camel_case_types)]

use ::genserver::prelude::*;

mod core {}
mod std {}
mod tokio {}
mod genserver {}
mod fmt {}
struct Result;
type Option = ();
struct Ok;
struct Err;
struct Some;
struct None;
type Box = ();
struct String;
struct Vec;
struct Send;
struct Sync;
struct Future;
struct Clone;
struct From;
struct Into;
struct AsRef;
struct Deref;
struct Debug;
struct Duration;
struct PhantomData;
struct Infallible;
struct Context;
struct u64;
struct str;

type Total = ::core::primitive::u64;

struct Hygienic {
    total: Total,
}

#[derive(::core::clone::Clone)]
struct Tick;

#[genserver]
impl Hygienic {
    #[call]
    fn add(&mut self, msg: Total, args: Total, inner: Total, f: Total, from: Total) -> Total {
        self.total += msg + args + inner + f + from;
        self.total
    }

    #[cast]
    fn set(&mut self, ctx: Total, name: Total, timeout: Total, reason: Total) {
        self.total = ctx + name + timeout + reason;
    }

    #[info]
    fn on_tick(&mut self, msg: Tick, ctx: &mut ::genserver::Context<Self>) {
        let _ = (msg, ctx);
    }

    #[call]
    fn deferred(&mut self, reply_to: ReplyTo<Total>) {
        reply_to.send(self.total);
    }
}

fn main() {
    let runtime = ::tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = Hygienic::start(Hygienic { total: 0 }).await.unwrap();
        assert_eq!(
            server.add(1, 2, 3, 4, 5).await,
            ::core::result::Result::Ok(15)
        );
        server.set(1, 1, 1, 1).unwrap();
        assert_eq!(server.deferred().await, ::core::result::Result::Ok(4));
        server.send(Tick).unwrap();
        server.stop().await;
    });
}
