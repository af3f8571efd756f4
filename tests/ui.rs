//! The compile-fail suite: each file in `tests/ui/fail` is one misuse of `#[genserver]`, and its
//! `.stderr` is the message a user reads. The files in `tests/ui/pass` must compile.
//!
//! `tests/ui/remote` holds the cases of `#[genserver(remote)]`. They run with the `nats`
//! feature (`cargo test -p gen-server --features nats --test ui`), and only they: with the NATS
//! client in the graph rustc spells some paths of the other messages differently
//! (`std::marker::Send` for `Send`), so each `.stderr` is kept for one set of features. Without
//! the feature, the other cases run, and `remote/without_nats`: the one error that asks for the
//! feature. With the observer's feature on as well (`--all-features`), no case runs: its
//! dependencies change the spelling of serde's paths again, and the messages are kept for the
//! two sets of features CI builds.
//!
//! After a deliberate change of a message: `TRYBUILD=overwrite cargo test --test ui`, then read
//! every changed `.stderr`.

#[test]
fn ui() {
    #[cfg(all(feature = "nats", feature = "observer"))]
    eprintln!("ui: not run with both `nats` and `observer` on (see the module's docs)");
    #[cfg(not(all(feature = "nats", feature = "observer")))]
    let cases = trybuild::TestCases::new();
    #[cfg(not(feature = "nats"))]
    {
        cases.compile_fail("tests/ui/fail/*.rs");
        cases.pass("tests/ui/pass/*.rs");
        cases.compile_fail("tests/ui/remote/without_nats/*.rs");
    }
    #[cfg(all(feature = "nats", not(feature = "observer")))]
    {
        cases.compile_fail("tests/ui/remote/fail/*.rs");
        cases.pass("tests/ui/remote/pass/*.rs");
    }
}
