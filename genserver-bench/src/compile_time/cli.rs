//! The `compile-time` command: generates both crates, builds their dependencies, times the
//! builds, asks the nightly compiler where the time goes, writes the results.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::cargo::Cargo;
use super::generate::{self, GeneratedCrate, Variant};
use super::nightly;
use super::results::{CompileResults, NightlyResults, Step};
use crate::{doc_markers, machine, workspace_root};

const USAGE: &str = "\
Measures what #[genserver] costs to compile: a generated crate of servers written with the
macro, against the same crate with the macro's expansion written out by hand.

USAGE:
    cargo run --release -p genserver-bench --bin compile-time -- [OPTIONS]

OPTIONS:
    --servers N       servers in each crate, 8 handlers each (default 100)
    --reps N          runs of each measurement; the median is reported (default 5)
    --quick           3 servers, 1 run: checks that everything works, measures nothing
    --nightly NAME    the toolchain for -Zunpretty=expanded, -Ztime-passes and -Zmacro-stats
                      (default: nightly)
    --no-nightly      leave those out
    --dir DIR         scratch directory for the crates and their target directories
                      (default: target/compile-time of the workspace)
    --out DIR         where to write compile-time.md and compile-time.json
                      (default: docs/bench of the workspace; that default also refreshes
                      the tables in docs/performance.md and the README)
    --no-write        print the tables only
    -h, --help        this text

Everything builds offline, against the workspace's Cargo.lock and the crates already
downloaded.
";

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Servers in each crate.
    pub servers: usize,
    /// Runs of each measurement.
    pub reps: usize,
    /// The nightly toolchain's name, or `None` to leave the nightly measurements out.
    pub nightly: Option<String>,
    /// Scratch directory.
    pub dir: PathBuf,
    /// Where the files go.
    pub out: PathBuf,
    /// Whether `out` is the default (then docs/performance.md and the README are refreshed).
    pub default_out: bool,
    /// Whether to write files.
    pub write: bool,
}

/// Servers in each crate of `--quick` (and of the test).
pub const QUICK_SERVERS: usize = 3;

/// The markers in docs/performance.md and the README between which the latest tables go.
pub const TABLE_START: &str = "<!-- compile-time-table:start -->";
/// See [`TABLE_START`].
pub const TABLE_END: &str = "<!-- compile-time-table:end -->";

fn positive(arg: &str, value: String) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(0) => Err(format!("{arg}: at least 1")),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("{arg}: {e}")),
    }
}

/// Parses the command line (without the program name).
pub fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let root = workspace_root();
    let mut options = Options {
        servers: 100,
        reps: 5,
        nightly: Some("nightly".to_owned()),
        dir: root.join("target").join("compile-time"),
        out: root.join("docs").join("bench"),
        default_out: true,
        write: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--servers" => options.servers = positive(arg, value()?)?,
            "--reps" => options.reps = positive(arg, value()?)?,
            "--quick" => {
                options.servers = QUICK_SERVERS;
                options.reps = 1;
            }
            "--nightly" => options.nightly = Some(value()?),
            "--no-nightly" => options.nightly = None,
            "--dir" => options.dir = PathBuf::from(value()?),
            "--out" => {
                options.out = PathBuf::from(value()?);
                options.default_out = false;
            }
            "--no-write" => options.write = false,
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Some(options))
}

/// Runs the command line; returns the exit code.
pub fn main(args: Vec<String>) -> i32 {
    let options = match parse(&args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return 0;
        }
        Err(error) => {
            eprintln!("error: {error}\n\n{USAGE}");
            return 2;
        }
    };
    let results = match run(&options) {
        Ok(results) => results,
        Err(error) => {
            eprintln!("error: {error}");
            return 1;
        }
    };
    println!("{}", results.markdown());
    if options.write {
        if let Err(error) = write(&options, &results) {
            eprintln!("error: {error}");
            return 1;
        }
    }
    0
}

/// Writes both crates of `servers` servers into `dir/crates`.
pub fn generate_crates(dir: &Path, servers: usize) -> Result<Vec<GeneratedCrate>, String> {
    let root = workspace_root();
    Variant::ALL
        .into_iter()
        .map(|variant| {
            generate::write_crate(
                &dir.join("crates").join(variant.key()),
                variant,
                servers,
                &root,
            )
        })
        .collect()
}

/// cargo of the default toolchain, with the target directory that every generated crate under
/// `dir` shares.
pub fn stable_cargo(dir: &Path) -> Cargo {
    Cargo::new(dir.join("target"))
}

/// cargo of the `toolchain` (nightly), with a target directory of its own.
pub fn nightly_cargo(dir: &Path, toolchain: &str) -> Cargo {
    Cargo::with_toolchain(toolchain, dir.join(format!("target-{toolchain}")))
}

/// Builds and runs the crate's binary; an error unless every server was exercised.
pub fn build_and_run(cargo: &Cargo, krate: &GeneratedCrate) -> Result<(), String> {
    cargo.run(krate, &["build", "--quiet"])?;
    let binary = cargo.binary(krate);
    let output = std::process::Command::new(&binary)
        .output()
        .map_err(|e| format!("running {}: {e}", binary.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected = generate::expected_output(krate.servers);
    if !output.status.success() || stdout != expected {
        return Err(format!(
            "{} ({}) printed {stdout:?}, not {expected:?}:\n{}",
            binary.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// Every measurement of one run.
pub fn run(options: &Options) -> Result<CompileResults, String> {
    let started = Instant::now();
    let progress = |what: &str| {
        eprintln!("[{:>4.0} s] {what}", started.elapsed().as_secs_f64());
    };
    let mut results = CompileResults::new(options.servers, options.reps);
    results.machine = machine();
    results
        .machine
        .retain(|(key, _)| key != "compiler" && key != "build");

    let crates = generate_crates(&options.dir, options.servers)?;
    for krate in &crates {
        let lines = krate
            .lines_of_code()
            .map_err(|e| format!("reading {}: {e}", krate.dir.display()))?;
        results.lines.insert(krate.variant, lines);
    }
    progress(&format!(
        "generated {} servers in {}",
        options.servers,
        options.dir.join("crates").display()
    ));

    let cargo = stable_cargo(&options.dir);
    if let Some(version) = cargo.rustc_version() {
        results.machine.push(("compiler".to_owned(), version));
    }
    // The dependencies, built once for both crates (in check and in build mode), and a check
    // that each crate runs every server.
    for krate in &crates {
        cargo.run(krate, &["check", "--quiet"])?;
        build_and_run(&cargo, krate)?;
        progress(&format!(
            "{}: dependencies built, {} servers exercised",
            krate.variant.package(),
            krate.servers
        ));
    }

    for rep in 0..options.reps {
        let mut order = crates.clone();
        let turns = rep % order.len();
        order.rotate_left(turns);
        for krate in &order {
            // Each edit step builds on the incremental state the step before it left.
            for step in [
                Step::Check,
                Step::CheckAfterEdit,
                Step::Build,
                Step::BuildAfterEdit,
                Step::BuildAfterEditLast,
            ] {
                match step.edit() {
                    None => cargo.clean_crate(krate)?,
                    Some(at) => generate::edit(krate, at)?,
                }
                let seconds = cargo
                    .timed(krate, &[step.command(), "--quiet"])?
                    .as_secs_f64();
                results.push(step, krate.variant, seconds);
                progress(&format!(
                    "run {}/{} {:<22} {:<70} {seconds:>6.2} s",
                    rep + 1,
                    options.reps,
                    krate.variant.package(),
                    step.label()
                ));
            }
        }
    }

    match &options.nightly {
        None => results.nightly_skipped = Some("left out with --no-nightly".to_owned()),
        Some(toolchain) => {
            let cargo = nightly_cargo(&options.dir, toolchain);
            match cargo.rustc_version() {
                None => {
                    progress(&format!(
                        "no `{toolchain}` toolchain: the passes and the expansion check are left out"
                    ));
                    results.nightly_skipped = Some(format!("no `{toolchain}` toolchain installed"));
                }
                Some(compiler) => {
                    results.nightly = Some(measure_nightly(
                        &cargo, compiler, &crates, options, &progress,
                    )?);
                }
            }
        }
    }
    results.wall_time = started.elapsed();
    Ok(results)
}

/// The expansion check, the macro's output and the passes, with the nightly toolchain.
fn measure_nightly(
    cargo: &Cargo,
    compiler: String,
    crates: &[GeneratedCrate],
    options: &Options,
    progress: &dyn Fn(&str),
) -> Result<NightlyResults, String> {
    let mut nightly = NightlyResults {
        compiler,
        ..NightlyResults::default()
    };
    let find = |variant| {
        crates
            .iter()
            .find(|krate| krate.variant == variant)
            .expect("generate_crates writes both variants")
    };
    let (with_macro, hand) = (find(Variant::Macro), find(Variant::HandWritten));
    for krate in [with_macro, hand] {
        cargo.run(krate, &["check", "--quiet"])?;
    }
    progress("nightly: dependencies built");
    nightly.expansion_lines = nightly::check_same_expansion(
        &nightly::expanded(cargo, with_macro)?,
        &nightly::expanded(cargo, hand)?,
        &options.dir,
    )?;
    progress(&format!(
        "nightly: both crates expand to the same {} lines",
        nightly.expansion_lines
    ));
    nightly.macro_stats = Some(nightly::macro_stats(cargo, with_macro)?);
    for rep in 0..options.reps {
        let order = if rep % 2 == 0 {
            [with_macro, hand]
        } else {
            [hand, with_macro]
        };
        for krate in order {
            let passes = nightly::time_passes(cargo, krate)?;
            progress(&format!(
                "nightly: run {}/{} {:<22} -Ztime-passes total {:.2} s",
                rep + 1,
                options.reps,
                krate.variant.package(),
                passes["total"]
            ));
            for (pass, seconds) in passes {
                nightly
                    .passes
                    .entry((pass, krate.variant))
                    .or_default()
                    .push(seconds);
            }
        }
    }
    Ok(nightly)
}

fn write(options: &Options, results: &CompileResults) -> Result<(), String> {
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("creating {}: {e}", options.out.display()))?;
    let put = |name: &str, text: &str| {
        let path = options.out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
        Ok::<(), String>(())
    };
    put("compile-time.md", &results.markdown())?;
    put("compile-time.json", &results.json())?;
    if options.default_out {
        let machine = results
            .machine
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let body = format!(
            "_{machine}; median of {} runs; whole run {:.0} s._\n\n{}\n\n{}",
            results.reps,
            results.wall_time.as_secs_f64(),
            results.summary(),
            results.tables()
        );
        let root = workspace_root();
        for doc in [
            root.join("docs").join("performance.md"),
            root.join("README.md"),
        ] {
            if doc_markers::refresh(&doc, TABLE_START, TABLE_END, &body)? {
                eprintln!("refreshed the compile-time table in {}", doc.display());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_the_options() {
        let options = parse(&args(&[
            "--servers",
            "20",
            "--reps",
            "2",
            "--no-nightly",
            "--no-write",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((options.servers, options.reps), (20, 2));
        assert_eq!(options.nightly, None);
        assert!(!options.write);
        assert!(options.default_out);
        let quick = parse(&args(&["--quick", "--out", "/tmp/x"]))
            .unwrap()
            .unwrap();
        assert_eq!((quick.servers, quick.reps), (QUICK_SERVERS, 1));
        assert_eq!(quick.nightly.as_deref(), Some("nightly"));
        assert!(!quick.default_out);
        assert!(parse(&args(&["--servers", "0"])).is_err());
        assert!(parse(&args(&["--reps"])).is_err());
        assert!(parse(&args(&["--bogus"])).is_err());
        assert!(parse(&args(&["-h"])).unwrap().is_none());
    }
}
