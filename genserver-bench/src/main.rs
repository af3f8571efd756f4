//! `cargo run --release -p genserver-bench --features peers -- --help`

fn main() {
    std::process::exit(genserver_bench::cli::main(
        std::env::args().skip(1).collect(),
    ));
}
