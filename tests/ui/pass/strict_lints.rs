//! Generated code is clean under strict lints: documented, no needless qualification, no
//! warnings of any kind. `dead_code` is named explicitly because trybuild allows it on the
//! command line.
#![deny(warnings, dead_code, missing_docs, unused_results)]
#![deny(unused_qualifications, unreachable_pub, unnameable_types)]
#![deny(missing_debug_implementations, trivial_casts, trivial_numeric_casts)]
#![deny(unused_lifetimes, single_use_lifetimes, elided_lifetimes_in_paths)]
#![deny(rust_2018_idioms, nonstandard_style, future_incompatible)]
#![deny(keyword_idents, let_underscore_drop, unused_import_braces)]
#![forbid(unsafe_code)]

/// A public module with a public server.
pub mod counter {
    use genserver::prelude::*;

    /// A counter.
    #[derive(Debug)]
    pub struct Counter {
        value: i64,
    }

    impl Counter {
        /// A counter at `value`.
        pub fn new(value: i64) -> Self {
            Counter { value }
        }
    }

    /// A timer tick.
    #[derive(Debug, Clone)]
    pub struct Tick;

    #[genserver]
    impl Counter {
        /// Adds one.
        #[call]
        pub fn increment(&mut self) -> i64 {
            self.value += 1;
            self.value
        }

        /// Adds `by`, replying through the channel.
        #[call]
        pub fn add_later(&mut self, by: i64, reply: ReplyTo<i64>) {
            self.value += by;
            reply.send(self.value);
        }

        /// Back to zero.
        #[cast]
        pub async fn reset(&mut self, ctx: &mut Context<Self>) {
            let _id = ctx.id();
            self.value = 0;
        }

        #[info]
        fn on_tick(&mut self, _tick: Tick) {
            self.value += 1;
        }

        #[terminate]
        fn terminate(&mut self, _reason: &ExitReason) {}
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let counter = counter::Counter::start(counter::Counter::new(0))
            .await
            .unwrap();
        assert_eq!(counter.increment().await, Ok(1));
        assert_eq!(counter.add_later(2).await, Ok(3));
        counter.reset().unwrap();
        counter.send(counter::Tick).unwrap();
        assert_eq!(counter.increment().await, Ok(2));
        counter.stop().await;
    });
}
