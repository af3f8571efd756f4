//! `#[genserver(crate = path)]`: the facade re-exported under another path, as a framework
//! built on genserver would do, or the crate renamed with `extern crate .. as ..`. No
//! `genserver` name is in scope where the servers are defined.

extern crate genserver as renamed;

mod framework {
    pub use ::genserver as runtime;
}

mod app {
    use crate::framework::runtime::genserver;

    pub struct Counter {
        pub value: i64,
    }

    #[genserver(crate = crate::framework::runtime)]
    impl Counter {
        #[call]
        pub fn increment(&mut self) -> i64 {
            self.value += 1;
            self.value
        }
    }

    pub struct Quoted;

    // serde's form: the path as a string literal.
    #[genserver(crate = "::renamed")]
    impl Quoted {
        #[cast]
        pub fn poke(&mut self) {}
    }

    pub struct Renamed {
        pub calls: u32,
    }

    #[renamed::genserver(crate = ::renamed)]
    impl Renamed {
        #[call]
        pub fn calls(&mut self) -> u32 {
            self.calls += 1;
            self.calls
        }
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let counter = app::Counter::start(app::Counter { value: 0 })
            .await
            .unwrap();
        assert_eq!(counter.increment().await, Ok(1));
        let quoted = app::Quoted::start(app::Quoted).await.unwrap();
        quoted.poke().unwrap();
        let renamed = app::Renamed::start(app::Renamed { calls: 0 })
            .await
            .unwrap();
        assert_eq!(renamed.calls().await, Ok(1));
    });
}
