//! Running cargo on a generated crate: offline, in the benchmark's own target directory, with
//! cargo's defaults (nothing of the calling environment's flags, wrappers or jobserver).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use super::generate::GeneratedCrate;

/// Variables of the calling environment that would change what is measured: extra compiler
/// flags, compiler wrappers (a cache would make every build a hit), a forced incremental mode,
/// a compiler other than the toolchain's, and the jobserver of a cargo that runs this one.
const CLEARED_ENV: [&str; 11] = [
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "CARGO_BUILD_RUSTC_WRAPPER",
    "CARGO_INCREMENTAL",
    "RUSTC",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
];

/// cargo of one toolchain, writing into one target directory.
#[derive(Debug, Clone)]
pub struct Cargo {
    /// `Some("nightly")` for `cargo +nightly`; `None` for the toolchain rustup chooses.
    pub toolchain: Option<String>,
    /// The target directory every generated crate of this toolchain shares, so that the
    /// dependencies are built once for all of them.
    pub target_dir: PathBuf,
}

impl Cargo {
    /// cargo of the default toolchain.
    pub fn new(target_dir: PathBuf) -> Cargo {
        Cargo {
            toolchain: None,
            target_dir,
        }
    }

    /// cargo of the named toolchain (`cargo +nightly`).
    pub fn with_toolchain(toolchain: &str, target_dir: PathBuf) -> Cargo {
        Cargo {
            toolchain: Some(toolchain.to_owned()),
            target_dir,
        }
    }

    fn program(&self, program: &str, dir: &Path) -> Command {
        let mut command = Command::new(program);
        if let Some(toolchain) = &self.toolchain {
            command.arg(format!("+{toolchain}"));
        }
        for name in CLEARED_ENV {
            command.env_remove(name);
        }
        command
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("CARGO_TERM_COLOR", "never");
        command
    }

    /// `cargo --offline <args>` in the crate's directory.
    pub fn command(&self, krate: &GeneratedCrate, args: &[&str]) -> Command {
        let mut command = self.program("cargo", &krate.dir);
        command.arg("--offline").args(args);
        command
    }

    /// Runs `cargo --offline <args>` and returns its output; an error (with the end of what
    /// cargo printed) if it failed.
    pub fn run(&self, krate: &GeneratedCrate, args: &[&str]) -> Result<Output, String> {
        let mut command = self.command(krate, args);
        let output = command
            .output()
            .map_err(|e| format!("starting {}: {e}", self.describe(args)))?;
        if !output.status.success() {
            return Err(format!(
                "{} in {} failed ({}):\n{}",
                self.describe(args),
                krate.dir.display(),
                output.status,
                tail(&String::from_utf8_lossy(&output.stderr), 40)
            ));
        }
        Ok(output)
    }

    /// Runs `cargo --offline <args>` and returns how long it took.
    pub fn timed(&self, krate: &GeneratedCrate, args: &[&str]) -> Result<Duration, String> {
        let started = Instant::now();
        self.run(krate, args)?;
        Ok(started.elapsed())
    }

    /// Removes the crate's own build products (its incremental state included), not those of
    /// its dependencies.
    pub fn clean_crate(&self, krate: &GeneratedCrate) -> Result<(), String> {
        self.run(krate, &["clean", "--quiet", "-p", krate.variant.package()])
            .map(drop)
    }

    /// The compiler's version (`rustc --version` of the toolchain), if it runs.
    pub fn rustc_version(&self) -> Option<String> {
        let output = self
            .program("rustc", Path::new("."))
            .arg("--version")
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// The binary `cargo build` made of the crate.
    pub fn binary(&self, krate: &GeneratedCrate) -> PathBuf {
        self.target_dir.join("debug").join(format!(
            "{}{}",
            krate.variant.package(),
            std::env::consts::EXE_SUFFIX
        ))
    }

    fn describe(&self, args: &[&str]) -> String {
        match &self.toolchain {
            Some(toolchain) => format!("`cargo +{toolchain} {}`", args.join(" ")),
            None => format!("`cargo {}`", args.join(" ")),
        }
    }
}

/// The last `lines` lines of `text`.
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
