//! The compile-time benchmark's crates at the quick size (3 servers): both generated crates
//! compile, and (with nightly, ignored by default) the hand-written one is the macro's
//! expansion. They build in `target/compile-time/`, next to the benchmark's own crates, and
//! share its target directory: the first run checks the dependencies (about 10 s on 2 cores),
//! later runs only the two small crates.

use genserver_bench::compile_time::cli::{self, QUICK_SERVERS};
use genserver_bench::compile_time::generate::Variant;
use genserver_bench::compile_time::nightly;
use genserver_bench::workspace_root;

fn scratch(name: &str) -> std::path::PathBuf {
    workspace_root()
        .join("target")
        .join("compile-time")
        .join(name)
}

#[test]
fn both_generated_crates_compile() {
    let dir = scratch("test");
    let crates = cli::generate_crates(&dir, QUICK_SERVERS).unwrap();
    assert_eq!(
        crates.iter().map(|c| c.variant).collect::<Vec<_>>(),
        Variant::ALL
    );
    // The target directory of the benchmark, so that the dependencies are shared with it.
    let cargo = cli::stable_cargo(&scratch(""));
    for krate in &crates {
        assert_eq!(krate.sources().len(), QUICK_SERVERS + 1);
        if let Err(error) = cargo.run(krate, &["check", "--quiet"]) {
            panic!("{error}");
        }
    }
}

#[test]
#[ignore = "needs the nightly toolchain, and builds the dependencies once more with it (about \
            a minute the first time): cargo test -p genserver-bench --test compile_time -- \
            --ignored"]
fn the_hand_written_crate_is_the_macro_expansion() {
    let dir = scratch("test");
    let crates = cli::generate_crates(&dir, QUICK_SERVERS).unwrap();
    let cargo = cli::nightly_cargo(&scratch(""), "nightly");
    let expanded: Vec<String> = crates
        .iter()
        .map(|krate| nightly::expanded(&cargo, krate).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let lines = nightly::check_same_expansion(&expanded[0], &expanded[1], &dir)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(lines > 300 * QUICK_SERVERS, "{lines} lines");
    // The macro ran: its impl is in the macro crate's expansion too.
    assert!(expanded[0].contains("impl ::genserver::__private::GenServer for Server002"));
}
