//! The command line: runs the workloads, writes the table, the JSON and the chart.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::compared::Compared as _;
use crate::host::{machine, workspace_root};
use crate::names::{self, NameResults, NameScale, NameWorkload};
use crate::remote::{RemoteResults, RemoteScale, RemoteWorkload};
use crate::results::Results;
use crate::subject::{Flavor, Impl};
use crate::workloads::{Scale, Workload};
use crate::{chart, doc_markers, measure_memory, measure_timed};

const USAGE: &str = "\
Benchmarks genserver against a hand-written tokio actor, ractor and kameo.

USAGE:
    cargo run --release -p genserver-bench --features peers -- [OPTIONS]

OPTIONS:
    --out DIR            where to write results.md, results.json and results.svg
                         (default: docs/bench of the workspace; that default also refreshes
                         the table in docs/performance.md)
    --reps N             runs of each measurement; the median is reported (default 9)
    --quick              tiny workloads: checks that everything runs, measures nothing
    --impls LIST         comma-separated, among tokio,genserver,ractor,kameo (default: all built)
    --runtimes LIST      comma-separated, among multi_thread,current_thread (default: both)
    --workloads LIST     comma-separated, among W1,W2,W3,W4,W5,W6,W7,W8,W9,W10,W11,W11b,W12
                         (default: all built); W1-W5 write results.md/.json/.svg, W6-W8
                         names.md/.json, W9-W10 remote.md/.json, W11-W12 (and W11b)
                         pipeline.md/.json, each set only when measured (a W6-W12 run leaves
                         the W1-W5 results alone); W11-W12 are measured for tokio and
                         genserver only
    --caller task|block_on
                         where the calling code runs: a spawned task (default), or the
                         runtime's block_on future, as the body of #[tokio::main] does
    --no-write           print the table only
    -h, --help           this text

Without the `peers` feature, ractor and kameo are not built and not measured. W9-W10
(remote calls and casts over NATS) need the `nats` feature and an installed nats-server,
which the bench starts on loopback: `--features nats -- --workloads W9,W10`.
";

/// Options of one run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where the files go.
    pub out: PathBuf,
    /// Whether `out` is the default (then docs/performance.md is refreshed too).
    pub default_out: bool,
    /// Runs of each measurement.
    pub reps: usize,
    /// Workload sizes.
    pub scale: Scale,
    /// Implementations to measure.
    pub impls: Vec<Impl>,
    /// Runtime flavors to measure on.
    pub flavors: Vec<Flavor>,
    /// Workloads to run (W1–W5).
    pub workloads: Vec<Workload>,
    /// W6–W8 to run.
    pub name_workloads: Vec<NameWorkload>,
    /// Sizes of W6–W8.
    pub name_scale: NameScale,
    /// W9–W10 to run.
    pub remote_workloads: Vec<RemoteWorkload>,
    /// Sizes of W9–W10.
    pub remote_scale: RemoteScale,
    /// Whether the workloads run as the runtime's `block_on` future rather than a spawned task.
    pub caller_in_block_on: bool,
    /// Whether to write files.
    pub write: bool,
}

fn list<T>(text: &str, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<Vec<T>, String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse(s.trim()).ok_or_else(|| format!("unknown {what}: {s}")))
        .collect()
}

/// Parses the command line (without the program name).
pub fn parse(args: &[String]) -> Result<Option<Options>, String> {
    let mut options = Options {
        out: workspace_root().join("docs").join("bench"),
        default_out: true,
        reps: 9,
        scale: Scale::FULL,
        impls: Impl::available(),
        flavors: Flavor::ALL.to_vec(),
        workloads: Workload::ALL.to_vec(),
        name_workloads: NameWorkload::ALL.to_vec(),
        name_scale: NameScale::FULL,
        remote_workloads: if cfg!(feature = "nats") {
            RemoteWorkload::ALL.to_vec()
        } else {
            Vec::new()
        },
        remote_scale: RemoteScale::FULL,
        caller_in_block_on: false,
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
            "--out" => {
                options.out = PathBuf::from(value()?);
                options.default_out = false;
            }
            "--reps" => {
                options.reps = value()?
                    .parse()
                    .map_err(|e| format!("--reps: {e}"))
                    .and_then(|n: usize| {
                        if n == 0 {
                            Err("--reps: at least 1".into())
                        } else {
                            Ok(n)
                        }
                    })?;
            }
            "--quick" => {
                options.scale = Scale::QUICK;
                options.name_scale = NameScale::QUICK;
                options.remote_scale = RemoteScale::QUICK;
            }
            "--impls" => options.impls = list(&value()?, Impl::from_key, "implementation")?,
            "--runtimes" => options.flavors = list(&value()?, Flavor::from_key, "runtime")?,
            "--workloads" => {
                let keys = value()?;
                let all = list(
                    &keys,
                    |s| {
                        let timed = Workload::ALL
                            .into_iter()
                            .find(|w| w.key().eq_ignore_ascii_case(s));
                        let named = NameWorkload::ALL
                            .into_iter()
                            .find(|w| w.key().eq_ignore_ascii_case(s));
                        let remote = RemoteWorkload::from_key(s);
                        (timed.is_some() || named.is_some() || remote.is_some())
                            .then_some((timed, named, remote))
                    },
                    "workload",
                )?;
                options.workloads = all.iter().filter_map(|(timed, _, _)| *timed).collect();
                options.name_workloads = all.iter().filter_map(|(_, named, _)| *named).collect();
                let mut remote: Vec<RemoteWorkload> = all
                    .iter()
                    .filter_map(|(_, _, remote)| remote.clone())
                    .flatten()
                    .collect();
                remote.sort();
                remote.dedup();
                if !remote.is_empty() && !cfg!(feature = "nats") {
                    return Err(
                        "W9 and W10 need the `nats` feature: add `--features nats` to the \
                         cargo command"
                            .to_owned(),
                    );
                }
                options.remote_workloads = remote;
            }
            "--caller" => match value()?.as_str() {
                "task" => options.caller_in_block_on = false,
                "block_on" => options.caller_in_block_on = true,
                other => return Err(format!("--caller: task or block_on, not {other}")),
            },
            "--no-write" => options.write = false,
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    if let Some(missing) = options.impls.iter().find(|i| !i.is_available()) {
        return Err(format!(
            "{missing} is not built in: add `--features peers` to the cargo command"
        ));
    }
    options.impls.sort();
    options.impls.dedup();
    Ok(Some(options))
}

/// Runs the command line; returns the exit code.
pub fn main(args: Vec<String>) -> i32 {
    // An open observer page, for the whole run (W5's children included: they inherit the
    // variable).
    #[cfg(feature = "observer")]
    let _page = crate::observer_page::open_if_asked();
    // The W5 child: `--w5-child IMPL RUNTIME SERVERS [CALLER]`, prints bytes per server.
    if args.first().map(String::as_str) == Some("--w5-child") {
        return w5_child(&args[1..]);
    }
    // The W12 child: `--w12-child IMPL RUNTIME MILLIS [CALLER]`, prints the bytes of growth.
    if args.first().map(String::as_str) == Some("--w12-child") {
        return w12_child(&args[1..]);
    }
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
    // W1-W5 and the pipelines (W11-W12) are measured and written as two sets.
    let (pipelines, counters): (Vec<Workload>, Vec<Workload>) = options
        .workloads
        .iter()
        .partition(|workload| workload.is_pipeline());
    let mut sets = Vec::new();
    for workloads in [counters, pipelines] {
        if workloads.is_empty() {
            sets.push(None);
            continue;
        }
        let set = Options {
            workloads,
            ..options.clone()
        };
        match run(&set) {
            Ok(results) => sets.push(Some(results)),
            Err(error) => {
                eprintln!("error: {error}");
                return 1;
            }
        }
    }
    let pipeline_results = sets.pop().flatten();
    let results = sets.pop().flatten();
    let name_results = (!options.name_workloads.is_empty()).then(|| run_names(&options));
    let remote_results = if options.remote_workloads.is_empty() {
        None
    } else {
        match run_remote(&options) {
            Ok(results) => Some(results),
            Err(error) => {
                eprintln!("error: {error}");
                return 1;
            }
        }
    };
    if let Some(results) = &results {
        println!("{}", results.markdown());
    }
    if let Some(pipeline_results) = &pipeline_results {
        println!("{}", pipeline_results.markdown());
    }
    if let Some(name_results) = &name_results {
        println!("{}", name_results.markdown());
    }
    if let Some(remote_results) = &remote_results {
        println!("{}", remote_results.markdown());
    }
    if options.write {
        let written = write(
            &options,
            results.as_ref(),
            pipeline_results.as_ref(),
            name_results.as_ref(),
            remote_results.as_ref(),
        );
        if let Err(error) = written {
            eprintln!("error: {error}");
            return 1;
        }
    }
    0
}

/// Runs W9–W10 `reps` times each, on each runtime, through one nats-server the bench starts.
#[cfg(feature = "nats")]
pub fn run_remote(options: &Options) -> Result<RemoteResults, String> {
    let started = Instant::now();
    let mut results = RemoteResults::new(
        options.remote_scale,
        options.reps,
        options.flavors.clone(),
        options.remote_workloads.clone(),
    );
    let nats = crate::remote::nats_server()?;
    results.nats_server = nats_server_version();
    for rep in 0..options.reps {
        for &flavor in &options.flavors {
            for &workload in &options.remote_workloads {
                let values =
                    crate::remote::measure(workload, flavor, options.remote_scale, &nats.url());
                let shown: Vec<String> = workload
                    .variants()
                    .iter()
                    .zip(&values)
                    .map(|(variant, value)| format!("{variant} {}", workload.format_value(*value)))
                    .collect();
                eprintln!(
                    "[{:>4.0} s] run {}/{} {:<14} {} {} {}",
                    started.elapsed().as_secs_f64(),
                    rep + 1,
                    options.reps,
                    flavor.key(),
                    workload.key(),
                    shown.join(", "),
                    workload.unit()
                );
                results.push(flavor, workload, &values);
            }
        }
    }
    results.wall_time = started.elapsed();
    Ok(results)
}

/// Without the `nats` feature, W9–W10 cannot run (`parse` refuses them before).
#[cfg(not(feature = "nats"))]
pub fn run_remote(_: &Options) -> Result<RemoteResults, String> {
    Err("W9 and W10 need the `nats` feature".to_owned())
}

/// What `nats-server --version` says (`nats-server: v2.9.10`), or that it could not say.
#[cfg(feature = "nats")]
fn nats_server_version() -> String {
    ["nats-server", "/usr/sbin/nats-server"]
        .iter()
        .find_map(|program| {
            let output = Command::new(program).arg("--version").output().ok()?;
            output
                .status
                .success()
                .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        })
        .unwrap_or_else(|| "nats-server of unknown version".to_owned())
}

/// Runs W6–W8 `reps` times each, on each runtime.
pub fn run_names(options: &Options) -> NameResults {
    let started = Instant::now();
    let mut results = NameResults::new(
        options.name_scale,
        options.reps,
        options.flavors.clone(),
        options.name_workloads.clone(),
    );
    for rep in 0..options.reps {
        for &flavor in &options.flavors {
            for &workload in &options.name_workloads {
                let values = names::measure(workload, flavor, options.name_scale);
                let shown: Vec<String> = workload
                    .variants()
                    .iter()
                    .zip(&values)
                    .map(|(variant, value)| format!("{variant} {}", workload.format_value(*value)))
                    .collect();
                eprintln!(
                    "[{:>4.0} s] run {}/{} {:<14} {} {} {}",
                    started.elapsed().as_secs_f64(),
                    rep + 1,
                    options.reps,
                    flavor.key(),
                    workload.key(),
                    shown.join(", "),
                    workload.unit()
                );
                results.push(flavor, workload, &values);
            }
        }
    }
    results.wall_time = started.elapsed();
    results
}

fn w5_child(args: &[String]) -> i32 {
    let (Some(imp), Some(flavor), Some(servers)) = (
        args.first().and_then(|s| Impl::from_key(s)),
        args.get(1).and_then(|s| Flavor::from_key(s)),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: --w5-child IMPL RUNTIME SERVERS [task|block_on]");
        return 2;
    };
    crate::subject::set_caller_in_block_on(args.get(3).map(String::as_str) == Some("block_on"));
    let scale = Scale {
        w5_servers: servers,
        ..Scale::FULL
    };
    let bytes = measure_memory(imp, flavor, scale);
    println!("{bytes}");
    0
}

fn w12_child(args: &[String]) -> i32 {
    let (Some(imp), Some(flavor), Some(millis)) = (
        args.first().and_then(|s| Impl::from_key(s)),
        args.get(1).and_then(|s| Flavor::from_key(s)),
        args.get(2).and_then(|s| s.parse::<u64>().ok()),
    ) else {
        eprintln!("usage: --w12-child IMPL RUNTIME MILLIS [task|block_on]");
        return 2;
    };
    crate::subject::set_caller_in_block_on(args.get(3).map(String::as_str) == Some("block_on"));
    let scale = Scale {
        w12_millis: millis,
        ..Scale::FULL
    };
    let bytes = crate::measure_pipeline(imp, Workload::W12, flavor, scale);
    println!("{bytes}");
    0
}

/// Measures W5 or W12 in a fresh process, so that no other implementation's memory is counted.
fn memory_in_child(
    workload: Workload,
    imp: Impl,
    flavor: Flavor,
    scale: Scale,
    caller_in_block_on: bool,
) -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let (flag, size) = match workload {
        Workload::W12 => ("--w12-child", scale.w12_millis),
        _ => ("--w5-child", scale.w5_servers),
    };
    let output = Command::new(exe)
        .args([
            flag,
            imp.key(),
            flavor.key(),
            &size.to_string(),
            if caller_in_block_on {
                "block_on"
            } else {
                "task"
            },
        ])
        .output()
        .map_err(|e| format!("starting the {workload} child: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "the {workload} child for {imp} on {flavor} failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .trim()
        .parse()
        .map_err(|e| format!("the {workload} child printed {stdout:?}: {e}"))
}

/// Runs every selected measurement `reps` times, implementations interleaved (the order rotates
/// from one repetition to the next, so that none always runs first).
pub fn run(options: &Options) -> Result<Results, String> {
    let started = Instant::now();
    let mut results = Results::new(
        options.scale,
        options.reps,
        options.impls.clone(),
        options.flavors.clone(),
        options.workloads.clone(),
    );
    results.machine = machine();
    crate::subject::set_caller_in_block_on(options.caller_in_block_on);
    results.machine.push((
        "caller".to_owned(),
        if options.caller_in_block_on {
            "the runtime's block_on future".to_owned()
        } else {
            "a task spawned on the runtime".to_owned()
        },
    ));
    for rep in 0..options.reps {
        let mut order = options.impls.clone();
        let turns = rep % order.len().max(1);
        order.rotate_left(turns);
        for &flavor in &options.flavors {
            for &workload in &options.workloads {
                if rep >= workload.max_reps() {
                    continue;
                }
                for &imp in &order {
                    if !workload.applies_to(imp) {
                        continue;
                    }
                    let value = if workload.in_child() {
                        memory_in_child(
                            workload,
                            imp,
                            flavor,
                            options.scale,
                            options.caller_in_block_on,
                        )?
                    } else {
                        measure_timed(imp, workload, flavor, options.scale)
                    };
                    eprintln!(
                        "[{:>4.0} s] run {}/{} {:<14} {} {:<18} {:>12} {}",
                        started.elapsed().as_secs_f64(),
                        rep + 1,
                        options.reps,
                        flavor.key(),
                        workload.key(),
                        imp.label(),
                        workload.format_value(value),
                        workload.unit()
                    );
                    results.push(flavor, workload, imp, value);
                }
            }
        }
    }
    results.wall_time = started.elapsed();
    Ok(results)
}

fn write(
    options: &Options,
    results: Option<&Results>,
    pipeline_results: Option<&Results>,
    name_results: Option<&NameResults>,
    remote_results: Option<&RemoteResults>,
) -> Result<(), String> {
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("creating {}: {e}", options.out.display()))?;
    let put = |name: &str, text: &str| {
        let path = options.out.join(name);
        std::fs::write(&path, text).map_err(|e| format!("writing {}: {e}", path.display()))?;
        eprintln!("wrote {}", path.display());
        Ok::<(), String>(())
    };
    let root = workspace_root();
    if let Some(results) = results {
        put("results.md", &results.markdown())?;
        put("results.json", &results.json())?;
        put("results.svg", &chart::svg(results)?)?;
        if options.default_out {
            let (start, end) = (TABLE_START, TABLE_END);
            refresh_performance_doc(
                &root.join("docs").join("performance.md"),
                results,
                start,
                end,
            )?;
            refresh_performance_doc(&root.join("README.md"), results, start, end)?;
        }
    }
    if let Some(results) = pipeline_results {
        put("pipeline.md", &results.markdown())?;
        put("pipeline.json", &results.json())?;
        if options.default_out {
            let path = root.join("docs").join("performance.md");
            refresh_performance_doc(&path, results, PIPELINE_START, PIPELINE_END)?;
            let readme = root.join("README.md");
            refresh_performance_doc(&readme, results, PIPELINE_START, PIPELINE_END)?;
        }
    }
    if let Some(name_results) = name_results {
        put("names.md", &name_results.markdown())?;
        put("names.json", &name_results.json())?;
        if options.default_out {
            refresh_names_doc(&root.join("docs").join("performance.md"), name_results)?;
        }
    }
    if let Some(remote_results) = remote_results {
        put("remote.md", &remote_results.markdown())?;
        put("remote.json", &remote_results.json())?;
        if options.default_out {
            for doc in [
                root.join("docs").join("performance.md"),
                root.join("README.md"),
            ] {
                refresh_remote_doc(&doc, remote_results)?;
            }
        }
    }
    Ok(())
}

/// The markers in docs/performance.md and the README between which the latest W9–W10 tables
/// go.
pub const REMOTE_START: &str = "<!-- bench-remote:start -->";
/// See [`REMOTE_START`].
pub const REMOTE_END: &str = "<!-- bench-remote:end -->";

/// Puts the W9–W10 tables between their markers in a document, if it has them.
fn refresh_remote_doc(path: &Path, results: &RemoteResults) -> Result<(), String> {
    let mut tables = String::new();
    let mut keep = false;
    for line in results.markdown().lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            keep = heading != "Spread";
            if keep {
                tables.push_str("#### ");
                tables.push_str(heading);
                tables.push('\n');
            }
            continue;
        }
        if keep {
            tables.push_str(line);
            tables.push('\n');
        }
    }
    let body = format!(
        "_Through {} on loopback; median of {} runs; measurement {:.0} s._\n\n{}",
        results.nats_server,
        results.reps,
        results.wall_time.as_secs_f64(),
        tables.trim_end(),
    );
    if doc_markers::refresh(path, REMOTE_START, REMOTE_END, &body)? {
        eprintln!("refreshed the W9-W10 tables in {}", path.display());
    }
    Ok(())
}

/// The markers in docs/performance.md and the README between which the latest W11–W12 table
/// goes.
pub const PIPELINE_START: &str = "<!-- bench-pipeline:start -->";
/// See [`PIPELINE_START`].
pub const PIPELINE_END: &str = "<!-- bench-pipeline:end -->";

/// The markers in docs/performance.md between which the latest W6–W8 table goes.
pub const NAMES_START: &str = "<!-- bench-names:start -->";
/// See [`NAMES_START`].
pub const NAMES_END: &str = "<!-- bench-names:end -->";

/// Puts the W6–W8 tables between their markers in docs/performance.md, if it has them.
fn refresh_names_doc(path: &Path, results: &NameResults) -> Result<(), String> {
    let Ok(doc) = std::fs::read_to_string(path) else {
        return Ok(());
    };
    let (Some(start), Some(end)) = (doc.find(NAMES_START), doc.find(NAMES_END)) else {
        return Ok(());
    };
    if end < start {
        return Ok(());
    }
    let mut tables = String::new();
    let mut keep = false;
    for line in results.markdown().lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            keep = heading != "Spread";
            if keep {
                tables.push_str("### ");
                tables.push_str(heading);
                tables.push('\n');
            }
            continue;
        }
        if keep {
            tables.push_str(line);
            tables.push('\n');
        }
    }
    let updated = format!(
        "{}{NAMES_START}\n\n_Median of {} runs; measurement {:.0} s._\n\n{}\n\n{}",
        &doc[..start],
        results.reps,
        results.wall_time.as_secs_f64(),
        tables.trim_end(),
        &doc[end..]
    );
    std::fs::write(path, updated).map_err(|e| format!("writing {}: {e}", path.display()))?;
    eprintln!("refreshed the W6-W8 table in {}", path.display());
    Ok(())
}

/// The markers in docs/performance.md and the README between which the latest table goes.
pub const TABLE_START: &str = "<!-- bench-table:start -->";
/// See [`TABLE_START`].
pub const TABLE_END: &str = "<!-- bench-table:end -->";

/// Puts the tables of `results` between the markers of a document (docs/performance.md, the
/// README), if it has them.
fn refresh_performance_doc(
    path: &Path,
    results: &Results,
    start: &str,
    end: &str,
) -> Result<(), String> {
    // The flavor sections of results.md, one heading level down.
    let markdown = results.markdown();
    let mut tables = String::new();
    let mut keep = false;
    for line in markdown.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            keep = heading != "Spread";
            if keep {
                tables.push_str("### ");
                tables.push_str(heading);
                tables.push('\n');
            }
            continue;
        }
        if keep {
            tables.push_str(line);
            tables.push('\n');
        }
    }
    let summary = results
        .machine
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("; ");
    let body = format!(
        "_{summary}; median of {} runs; measurement {:.0} s._\n\n{}",
        results.reps,
        results.wall_time.as_secs_f64(),
        tables.trim_end(),
    );
    if doc_markers::refresh(path, start, end, &body)? {
        eprintln!("refreshed the table in {}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_options() {
        let args: Vec<String> = [
            "--reps",
            "3",
            "--quick",
            "--impls",
            "tokio,genserver",
            "--no-write",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        let options = parse(&args).unwrap().unwrap();
        assert_eq!(options.reps, 3);
        assert_eq!(options.scale, Scale::QUICK);
        assert_eq!(options.impls, vec![Impl::HandWritten, Impl::Genserver]);
        assert!(!options.write);
        assert!(parse(&["--reps".to_owned(), "0".to_owned()]).is_err());
        assert!(parse(&["--bogus".to_owned()]).is_err());
        assert!(!options.caller_in_block_on);
        let block_on = parse(&["--caller".to_owned(), "block_on".to_owned()]);
        assert!(block_on.unwrap().unwrap().caller_in_block_on);
        assert!(parse(&["--caller".to_owned(), "thread".to_owned()]).is_err());
        let names = parse(&["--workloads".to_owned(), "W6,w8,W2".to_owned()]);
        let names = names.unwrap().unwrap();
        assert_eq!(names.workloads, [Workload::W2]);
        assert_eq!(names.name_workloads, [NameWorkload::W6, NameWorkload::W8]);
        assert!(parse(&["--workloads".to_owned(), "W13".to_owned()]).is_err());
        let remote = parse(&["--workloads".to_owned(), "W10,W1".to_owned()]);
        if cfg!(feature = "nats") {
            let remote = remote.unwrap().unwrap();
            assert_eq!(
                remote.remote_workloads,
                [RemoteWorkload::W10Calls, RemoteWorkload::W10Casts]
            );
            assert_eq!(remote.workloads, [Workload::W1]);
        } else {
            assert!(remote.unwrap_err().contains("--features nats"));
        }
    }
}
