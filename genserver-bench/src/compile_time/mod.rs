//! What `#[genserver]` costs to compile: a crate of generated servers built twice, once with
//! the macro and once with the macro's expansion written out by hand, timed with cargo.
//!
//! - [`generate`] writes the two crates (from `genserver-bench/templates/compile_time/`);
//! - [`cargo`] runs cargo on them, offline, in a target directory of their own;
//! - [`nightly`] asks a nightly compiler whether both crates expand to the same code, where
//!   the check's time goes (`-Ztime-passes`) and how much code the macro emitted
//!   (`-Zmacro-stats`);
//! - [`results`] holds the samples and writes the tables and the JSON;
//! - [`cli`] is the `compile-time` command that runs it all.
//!
//! ```sh
//! cargo run --release -p genserver-bench --bin compile-time
//! ```

pub mod cargo;
pub mod cli;
pub mod generate;
pub mod nightly;
pub mod results;
