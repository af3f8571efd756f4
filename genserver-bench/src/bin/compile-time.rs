//! `cargo run --release -p genserver-bench --bin compile-time -- --help`

fn main() {
    std::process::exit(genserver_bench::compile_time::cli::main(
        std::env::args().skip(1).collect(),
    ));
}
