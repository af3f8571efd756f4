//! `cargo run --release -p genserver-bench --features nats --bin remote -- --help`

fn main() {
    std::process::exit(genserver_bench::remote::main(
        std::env::args().skip(1).collect(),
    ));
}
