//! The measurements of one compile-time run and what is reported from them: the Markdown
//! tables and the JSON dump of every sample.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::generate::{Edit, HANDLERS_PER_SERVER, Variant};
use super::nightly::MacroStats;
use crate::results::median;

/// The macro crate's `cargo check` from scratch may take this much longer than the
/// hand-written crate's.
pub const CHECK_TARGET: f64 = 1.3;

/// What is timed, on each crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    /// `cargo check` of the crate after `cargo clean -p` of it (its dependencies built).
    Check,
    /// `cargo check` after one line of the first handler changed (incremental, as a user's
    /// next check).
    CheckAfterEdit,
    /// `cargo build` (debug) of the crate after `cargo clean -p` of it.
    Build,
    /// `cargo build` (debug) after one line of the first handler changed.
    BuildAfterEdit,
    /// `cargo build` (debug) after one line of the last handler changed.
    BuildAfterEditLast,
}

impl Step {
    /// Every step, in table order.
    pub const ALL: [Step; 5] = [
        Step::Check,
        Step::Build,
        Step::CheckAfterEdit,
        Step::BuildAfterEdit,
        Step::BuildAfterEditLast,
    ];

    /// Where the step edits server 0 before it runs; `None` for a step from scratch.
    pub fn edit(self) -> Option<Edit> {
        match self {
            Step::Check | Step::Build => None,
            Step::CheckAfterEdit | Step::BuildAfterEdit => Some(Edit::FirstHandler),
            Step::BuildAfterEditLast => Some(Edit::LastHandler),
        }
    }

    /// Short name, used in the JSON results.
    pub fn key(self) -> &'static str {
        match self {
            Step::Check => "check",
            Step::CheckAfterEdit => "check_after_edit",
            Step::Build => "build",
            Step::BuildAfterEdit => "build_after_edit",
            Step::BuildAfterEditLast => "build_after_edit_last",
        }
    }

    /// Name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Step::Check => "`cargo check`, the crate from scratch",
            Step::CheckAfterEdit => "`cargo check` after editing the first handler (incremental)",
            Step::Build => "`cargo build` (debug), the crate from scratch",
            Step::BuildAfterEdit => {
                "`cargo build` (debug) after editing the first handler (incremental)"
            }
            Step::BuildAfterEditLast => {
                "`cargo build` (debug) after editing the last handler (incremental)"
            }
        }
    }

    /// The cargo subcommand.
    pub fn command(self) -> &'static str {
        match self {
            Step::Check | Step::CheckAfterEdit => "check",
            Step::Build | Step::BuildAfterEdit | Step::BuildAfterEditLast => "build",
        }
    }
}

/// The compiler passes of `-Ztime-passes` that the report shows, each with what it covers. They
/// do not nest in each other; what they leave out of `total` is shown as the rest.
pub const PASSES: [(&str, &str); 7] = [
    ("parse_crate", "parsing the source files"),
    (
        "macro_expand_crate",
        "macro expansion: `#[genserver]` runs here (and `#[tokio::main]`, the derives, `format!`, `assert_eq!`)",
    ),
    ("resolve_crate", "name resolution"),
    (
        "type_check_crate",
        "type checking: coherence, item signatures, every body (most of it is the async fns' bodies)",
    ),
    ("MIR_borrow_checking", "building MIR and borrow checking"),
    ("misc_checking_3", "lints, privacy, liveness"),
    ("serialize_dep_graph", "saving the incremental state"),
];

/// What the nightly compiler measured.
#[derive(Debug, Clone, Default)]
pub struct NightlyResults {
    /// `rustc --version` of the nightly toolchain.
    pub compiler: String,
    /// Lines of the expansion, the same for both crates (checked).
    pub expansion_lines: usize,
    /// What `#[genserver]` emitted in the macro crate.
    pub macro_stats: Option<MacroStats>,
    /// Seconds of each pass (`-Ztime-passes`), one sample per run.
    pub passes: BTreeMap<(String, Variant), Vec<f64>>,
}

impl NightlyResults {
    /// The median seconds of a pass in one crate.
    pub fn pass(&self, pass: &str, variant: Variant) -> Option<f64> {
        self.passes
            .get(&(pass.to_owned(), variant))
            .and_then(|samples| median(samples))
    }

    /// The median of the passes [`PASSES`] leaves out: `total` minus the listed passes, run by
    /// run.
    pub fn rest(&self, variant: Variant) -> Option<f64> {
        let total = self.passes.get(&("total".to_owned(), variant))?;
        let rests: Vec<f64> = (0..total.len())
            .map(|run| {
                let listed: f64 = PASSES
                    .iter()
                    .filter_map(|(pass, _)| {
                        self.passes
                            .get(&((*pass).to_owned(), variant))
                            .and_then(|samples| samples.get(run))
                    })
                    .sum();
                total[run] - listed
            })
            .collect();
        median(&rests)
    }
}

/// Every sample of one compile-time run.
#[derive(Debug, Clone)]
pub struct CompileResults {
    /// Servers in each crate.
    pub servers: usize,
    /// Runs of each measurement.
    pub reps: usize,
    /// Seconds of each (step, crate), one sample per run.
    pub samples: BTreeMap<(Step, Variant), Vec<f64>>,
    /// Non-empty lines of each crate's sources.
    pub lines: BTreeMap<Variant, usize>,
    /// The nightly compiler's measurements, if it ran.
    pub nightly: Option<NightlyResults>,
    /// Why the nightly measurements are missing, if they are.
    pub nightly_skipped: Option<String>,
    /// What the run ran on.
    pub machine: Vec<(String, String)>,
    /// How long the whole run took (generation, builds of the dependencies, measurements).
    pub wall_time: Duration,
}

impl CompileResults {
    /// Empty results for crates of `servers` servers.
    pub fn new(servers: usize, reps: usize) -> CompileResults {
        CompileResults {
            servers,
            reps,
            samples: BTreeMap::new(),
            lines: BTreeMap::new(),
            nightly: None,
            nightly_skipped: None,
            machine: Vec::new(),
            wall_time: Duration::ZERO,
        }
    }

    /// Records one sample, in seconds.
    pub fn push(&mut self, step: Step, variant: Variant, seconds: f64) {
        self.samples
            .entry((step, variant))
            .or_default()
            .push(seconds);
    }

    /// The median seconds of a (step, crate).
    pub fn median(&self, step: Step, variant: Variant) -> Option<f64> {
        self.samples
            .get(&(step, variant))
            .and_then(|samples| median(samples))
    }

    /// The macro crate's median over the hand-written crate's.
    pub fn ratio(&self, step: Step) -> Option<f64> {
        let with_macro = self.median(step, Variant::Macro)?;
        let hand = self.median(step, Variant::HandWritten)?;
        (hand > 0.0).then(|| with_macro / hand)
    }

    /// Whether the check ratio meets [`CHECK_TARGET`].
    pub fn check_target_met(&self) -> Option<bool> {
        self.ratio(Step::Check).map(|ratio| ratio <= CHECK_TARGET)
    }

    /// The macro's own share of its crate's check: the extra macro expansion time of the macro
    /// crate over the hand-written crate's, divided by the macro crate's total (nightly medians).
    pub fn macro_share(&self) -> Option<(f64, f64)> {
        let nightly = self.nightly.as_ref()?;
        let expand = nightly.pass("macro_expand_crate", Variant::Macro)?
            - nightly.pass("macro_expand_crate", Variant::HandWritten)?;
        let total = nightly.pass("total", Variant::Macro)?;
        (total > 0.0).then(|| (expand, expand / total))
    }

    /// The tables in Markdown: the timings, the passes, what the macro emitted, the spread.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Compile-time results\n");
        let _ = writeln!(
            md,
            "Generated by `cargo run --release -p genserver-bench --bin compile-time` (from the \
             workspace root). Each cell is the median of {} runs, in seconds of wall time of the \
             cargo command; the ratio is the `#[genserver]` crate's median divided by the \
             hand-written crate's, measured in the same run. The method is described in \
             [docs/performance.md](../performance.md#what-the-macro-costs-to-compile).\n",
            self.reps
        );
        let _ = writeln!(md, "{}\n", self.summary());
        for (key, value) in &self.machine {
            let _ = writeln!(md, "- {key}: {value}");
        }
        let _ = writeln!(
            md,
            "- whole run (generation, dependencies, every measurement): {:.0} s\n",
            self.wall_time.as_secs_f64()
        );
        let _ = writeln!(md, "{}", self.tables());
        let _ = writeln!(md, "## Spread\n");
        let _ = writeln!(
            md,
            "Smallest and largest of the {} runs of each cell, in seconds.\n",
            self.reps
        );
        let _ = writeln!(
            md,
            "| | {} | {} |",
            Variant::Macro.label(),
            Variant::HandWritten.label()
        );
        let _ = writeln!(md, "|---|---:|---:|");
        for step in Step::ALL {
            let _ = write!(md, "| {} |", step.label());
            for variant in Variant::ALL {
                let cell = match self.samples.get(&(step, variant)) {
                    Some(samples) if !samples.is_empty() => {
                        let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
                        let max = samples.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                        format!("{} – {}", seconds(min), seconds(max))
                    }
                    _ => "–".to_owned(),
                };
                let _ = write!(md, " {cell} |");
            }
            md.push('\n');
        }
        md
    }

    /// One sentence on what the crates hold.
    pub fn summary(&self) -> String {
        let lines = |variant| {
            self.lines
                .get(&variant)
                .map_or("–".to_owned(), |n| group(*n as u64))
        };
        format!(
            "Each crate: {} servers of {HANDLERS_PER_SERVER} handlers (a sync call, an async \
             call, a deferred reply through `ReplyTo`, a call with an argument, two casts, two \
             infos, one of them taking `ctx: &mut Context<Self>`), each started, called and \
             stopped by `main`; {} non-empty lines of source with `#[genserver]`, {} with the \
             expansion written out.",
            self.servers,
            lines(Variant::Macro),
            lines(Variant::HandWritten),
        )
    }

    /// The timing table and, with nightly, the passes and the macro's output (what
    /// docs/performance.md shows between its markers).
    pub fn tables(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(
            md,
            "| | {} | {} | ratio | target | met |",
            Variant::Macro.label(),
            Variant::HandWritten.label()
        );
        let _ = writeln!(md, "|---|---:|---:|---:|---:|:---:|");
        for step in Step::ALL {
            let cell = |variant| {
                self.median(step, variant)
                    .map_or("–".to_owned(), |s| format!("{} s", seconds(s)))
            };
            let ratio = self
                .ratio(step)
                .map_or("–".to_owned(), |r| format!("**{r:.2}×**"));
            let (target, met) = match (step, self.check_target_met()) {
                (Step::Check, Some(met)) => (
                    format!("≤ {CHECK_TARGET:.2}×"),
                    if met { "yes" } else { "**no**" },
                ),
                _ => ("–".to_owned(), "–"),
            };
            let _ = writeln!(
                md,
                "| {} | {} | {} | {ratio} | {target} | {met} |",
                step.label(),
                cell(Variant::Macro),
                cell(Variant::HandWritten),
            );
        }
        md.push('\n');
        let Some(nightly) = &self.nightly else {
            let _ = writeln!(
                md,
                "_Where the time goes: not measured in this run ({})._",
                self.nightly_skipped
                    .as_deref()
                    .unwrap_or("no nightly toolchain")
            );
            return md;
        };
        let _ = writeln!(
            md,
            "Where the check's time goes: `cargo +nightly rustc --profile check -- -Ztime-passes` \
             of each crate from scratch ({}), median seconds of {} runs. Both crates expand to \
             the same {} lines of code (`-Zunpretty=expanded`, compared by the benchmark).\n",
            nightly.compiler,
            nightly
                .passes
                .get(&("total".to_owned(), Variant::Macro))
                .map_or(0, Vec::len),
            group(nightly.expansion_lines as u64),
        );
        let _ = writeln!(
            md,
            "| pass | {} | {} | difference |",
            Variant::Macro.label(),
            Variant::HandWritten.label()
        );
        let _ = writeln!(md, "|---|---:|---:|---:|");
        let row = |md: &mut String, name: String, a: Option<f64>, b: Option<f64>| {
            let fmt = |v: Option<f64>| v.map_or("–".to_owned(), |v| format!("{v:.2}"));
            let diff = match (a, b) {
                (Some(a), Some(b)) => format!("{:+.2}", a - b),
                _ => "–".to_owned(),
            };
            let _ = writeln!(md, "| {name} | {} | {} | {diff} |", fmt(a), fmt(b));
        };
        for (pass, what) in PASSES {
            row(
                &mut md,
                format!("`{pass}`: {what}"),
                nightly.pass(pass, Variant::Macro),
                nightly.pass(pass, Variant::HandWritten),
            );
        }
        row(
            &mut md,
            "the rest".to_owned(),
            nightly.rest(Variant::Macro),
            nightly.rest(Variant::HandWritten),
        );
        row(
            &mut md,
            "**total**".to_owned(),
            nightly.pass("total", Variant::Macro),
            nightly.pass("total", Variant::HandWritten),
        );
        md.push('\n');
        if let Some((seconds, share)) = self.macro_share() {
            let _ = writeln!(
                md,
                "The macro's own share of its crate's check: {seconds:.2} s of macro expansion \
                 more than the hand-written crate's, {:.1} % of the check.",
                share * 100.0
            );
        }
        if let Some(stats) = nightly.macro_stats {
            let _ = writeln!(
                md,
                "What `#[genserver]` emitted (`-Zmacro-stats`): {} uses, {} lines ({} a \
                 server), {} bytes.",
                stats.uses,
                group(stats.lines),
                group(stats.lines / stats.uses.max(1)),
                group(stats.bytes),
            );
        }
        md
    }

    /// Every sample and median, as JSON (for scripts comparing runs).
    pub fn json(&self) -> String {
        let mut json = String::from("{\n");
        let _ = writeln!(json, "  \"servers\": {},", self.servers);
        let _ = writeln!(json, "  \"handlers_per_server\": {HANDLERS_PER_SERVER},");
        let _ = writeln!(json, "  \"reps\": {},", self.reps);
        let _ = writeln!(
            json,
            "  \"wall_time_s\": {:.1},",
            self.wall_time.as_secs_f64()
        );
        json.push_str("  \"machine\": {");
        for (i, (key, value)) in self.machine.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(json, "{sep}{}: {}", quote(key), quote(value));
        }
        json.push_str("},\n  \"lines\": {");
        for (i, (variant, lines)) in self.lines.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = write!(json, "{sep}\"{}\": {lines}", variant.key());
        }
        json.push_str("},\n  \"results\": [\n");
        let rows: Vec<String> = self
            .samples
            .iter()
            .map(|(&(step, variant), samples)| {
                format!(
                    "    {{\"step\": \"{}\", \"crate\": \"{}\", \"median_s\": {:.3}, \
                     \"ratio_to_hand_written\": {}, \"samples_s\": [{}]}}",
                    step.key(),
                    variant.key(),
                    median(samples).unwrap_or(f64::NAN),
                    match variant {
                        Variant::Macro => self
                            .ratio(step)
                            .map_or("null".to_owned(), |r| format!("{r:.4}")),
                        Variant::HandWritten => "1.0".to_owned(),
                    },
                    list(samples)
                )
            })
            .collect();
        json.push_str(&rows.join(",\n"));
        json.push_str("\n  ],\n  \"nightly\": ");
        match &self.nightly {
            None => {
                let _ = write!(
                    json,
                    "{{\"skipped\": {}}}",
                    quote(self.nightly_skipped.as_deref().unwrap_or("not run"))
                );
            }
            Some(nightly) => {
                let _ = write!(
                    json,
                    "{{\n    \"compiler\": {},\n    \"expansion_lines\": {},\n",
                    quote(&nightly.compiler),
                    nightly.expansion_lines
                );
                if let Some(stats) = nightly.macro_stats {
                    let _ = writeln!(
                        json,
                        "    \"macro_stats\": {{\"uses\": {}, \"lines\": {}, \"bytes\": {}}},",
                        stats.uses, stats.lines, stats.bytes
                    );
                }
                json.push_str("    \"passes\": [\n");
                let rows: Vec<String> = nightly
                    .passes
                    .iter()
                    .map(|((pass, variant), samples)| {
                        format!(
                            "      {{\"pass\": {}, \"crate\": \"{}\", \"median_s\": {:.3}, \
                             \"samples_s\": [{}]}}",
                            quote(pass),
                            variant.key(),
                            median(samples).unwrap_or(f64::NAN),
                            list(samples)
                        )
                    })
                    .collect();
                json.push_str(&rows.join(",\n"));
                json.push_str("\n    ]\n  }");
            }
        }
        json.push_str("\n}\n");
        json
    }
}

/// Seconds with the precision that means something for a build: 4.12, 28.6.
fn seconds(s: f64) -> String {
    if s < 10.0 {
        format!("{s:.2}")
    } else {
        format!("{s:.1}")
    }
}

/// 35982 → "35,982".
fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn list(samples: &[f64]) -> String {
    samples
        .iter()
        .map(|s| format!("{s:.3}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn results() -> CompileResults {
        let mut results = CompileResults::new(100, 3);
        for (step, a, b) in [
            (Step::Check, [4.4, 4.0, 4.2], [3.8, 3.7, 4.0]),
            (Step::Build, [30.0, 29.0, 31.0], [30.0, 30.5, 29.5]),
            (Step::CheckAfterEdit, [1.2, 1.1, 1.3], [0.9, 1.0, 0.8]),
            (Step::BuildAfterEdit, [3.0, 3.1, 2.9], [3.0, 2.8, 2.9]),
            (Step::BuildAfterEditLast, [3.0, 3.1, 2.9], [3.0, 2.8, 2.9]),
        ] {
            for (x, y) in a.into_iter().zip(b) {
                results.push(step, Variant::Macro, x);
                results.push(step, Variant::HandWritten, y);
            }
        }
        results.lines.insert(Variant::Macro, 5_300);
        results.lines.insert(Variant::HandWritten, 26_100);
        results
    }

    #[test]
    fn the_ratio_is_of_the_medians() {
        let results = results();
        assert_eq!(results.median(Step::Check, Variant::Macro), Some(4.2));
        assert_eq!(results.median(Step::Check, Variant::HandWritten), Some(3.8));
        let ratio = results.ratio(Step::Check).unwrap();
        assert!((ratio - 4.2 / 3.8).abs() < 1e-12);
        assert_eq!(results.check_target_met(), Some(true));
        let mut slow = results.clone();
        slow.samples
            .insert((Step::Check, Variant::Macro), vec![5.0, 5.1, 5.2]);
        assert_eq!(slow.check_target_met(), Some(false));
    }

    #[test]
    fn the_tables_show_every_step_and_the_target() {
        let mut results = results();
        results.nightly_skipped = Some("--no-nightly".to_owned());
        let md = results.markdown();
        for step in Step::ALL {
            assert!(md.contains(step.label()), "{md}");
        }
        assert!(md.contains("| `cargo check`, the crate from scratch | 4.20 s | 3.80 s | **1.11×** | ≤ 1.30× | yes |"), "{md}");
        assert!(md.contains("30.0 s"), "{md}");
        assert!(md.contains("5,300 non-empty lines"), "{md}");
        assert!(
            md.contains("not measured in this run (--no-nightly)"),
            "{md}"
        );
        assert!(md.contains("| 4.00 – 4.40 | 3.70 – 4.00 |"), "{md}");
        let json = results.json();
        assert!(
            json.contains("\"step\": \"check\", \"crate\": \"macro\", \"median_s\": 4.200"),
            "{json}"
        );
        assert!(json.contains("\"skipped\": \"--no-nightly\""), "{json}");
    }

    #[test]
    fn the_passes_and_the_macro_share() {
        let mut results = results();
        let mut nightly = NightlyResults {
            compiler: "rustc 1.97.0-nightly".to_owned(),
            expansion_lines: 31_000,
            macro_stats: Some(MacroStats {
                uses: 100,
                lines: 30_700,
                bytes: 1_199_400,
            }),
            ..NightlyResults::default()
        };
        for (pass, a, b) in [
            ("macro_expand_crate", [0.50, 0.44], [0.16, 0.14]),
            ("type_check_crate", [3.0, 3.2], [3.1, 3.1]),
            ("total", [5.0, 5.4], [4.6, 4.8]),
        ] {
            for (x, y) in a.into_iter().zip(b) {
                nightly
                    .passes
                    .entry((pass.to_owned(), Variant::Macro))
                    .or_default()
                    .push(x);
                nightly
                    .passes
                    .entry((pass.to_owned(), Variant::HandWritten))
                    .or_default()
                    .push(y);
            }
        }
        results.nightly = Some(nightly);
        let (seconds, share) = results.macro_share().unwrap();
        assert!((seconds - (0.47 - 0.15)).abs() < 1e-9, "{seconds}");
        assert!((share - seconds / 5.2).abs() < 1e-9, "{share}");
        // The rest is the total less the listed passes, run by run: 5.0 - 3.5, 5.4 - 3.64.
        let rest = results
            .nightly
            .as_ref()
            .unwrap()
            .rest(Variant::Macro)
            .unwrap();
        assert!((rest - (1.5 + 1.76) / 2.0).abs() < 1e-9, "{rest}");
        let md = results.tables();
        assert!(
            md.contains("| `macro_expand_crate`: macro expansion"),
            "{md}"
        );
        assert!(md.contains("| 0.47 | 0.15 | +0.32 |"), "{md}");
        assert!(
            md.contains("100 uses, 30,700 lines (307 a server), 1,199,400 bytes"),
            "{md}"
        );
        assert!(md.contains("the same 31,000 lines"), "{md}");
        assert!(results.json().contains("\"macro_stats\": {\"uses\": 100"));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_000), "1,000");
        assert_eq!(group(1_199_400), "1,199,400");
        assert_eq!(seconds(4.123), "4.12");
        assert_eq!(seconds(28.64), "28.6");
    }
}
