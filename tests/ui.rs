//! The compile-fail suite: each file in `tests/ui/fail` is one misuse of `#[genserver]`, and its
//! `.stderr` is the message a user reads. The files in `tests/ui/pass` must compile.
//!
//! After a deliberate change of a message: `TRYBUILD=overwrite cargo test --test ui`, then read
//! every changed `.stderr`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
