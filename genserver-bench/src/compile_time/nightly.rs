//! What only a nightly compiler tells: the expansion of each crate (`-Zunpretty=expanded`, to
//! check that the hand-written crate is the macro's expansion), the time of each compiler pass
//! (`-Ztime-passes`) and the size of what each macro emitted (`-Zmacro-stats`).

use std::collections::BTreeMap;
use std::path::Path;

use super::cargo::Cargo;
use super::generate::GeneratedCrate;

/// The size of what `#[genserver]` emitted in one crate, as `-Zmacro-stats` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MacroStats {
    /// How many times the macro ran.
    pub uses: u64,
    /// Lines of code it emitted, as rustc pretty-prints them.
    pub lines: u64,
    /// Bytes of code it emitted.
    pub bytes: u64,
}

/// The `-Zunpretty=expanded` text of the crate (checked only: nothing is built).
pub fn expanded(cargo: &Cargo, krate: &GeneratedCrate) -> Result<String, String> {
    let output = cargo.run(
        krate,
        &[
            "rustc",
            "--quiet",
            "--profile",
            "check",
            "--",
            "-Zunpretty=expanded",
        ],
    )?;
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Checks that the two crates expand to the same code, the doc attributes' spelling aside
/// (see [`normalize_docs`]); on a difference, writes both expansions into `dir` and says where
/// they first differ.
pub fn check_same_expansion(
    macro_expanded: &str,
    hand_expanded: &str,
    dir: &Path,
) -> Result<usize, String> {
    let a = normalize_docs(macro_expanded);
    let b = normalize_docs(hand_expanded);
    if a == b {
        return Ok(a.lines().count());
    }
    let macro_path = dir.join("macro.expanded.rs");
    let hand_path = dir.join("hand-written.expanded.rs");
    let written = std::fs::write(&macro_path, &a).and_then(|()| std::fs::write(&hand_path, &b));
    let (line, left, right) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map(|(i, (x, y))| (i + 1, x.to_owned(), y.to_owned()))
        .unwrap_or_else(|| {
            let common = a.lines().count().min(b.lines().count());
            (common + 1, "(end)".to_owned(), "(end)".to_owned())
        });
    Err(format!(
        "the hand-written crate is not the macro's expansion: first difference at line {line}\n  \
         #[genserver]: {left}\n  hand-written: {right}\n{}",
        match written {
            Ok(()) => format!(
                "both expansions: diff {} {}",
                macro_path.display(),
                hand_path.display()
            ),
            Err(e) => format!("(writing the expansions failed: {e})"),
        }
    ))
}

/// The expansion with every `#[doc = "text"]` or `#[doc = r"text"]` (how rustc prints a doc
/// attribute that came from a macro's tokens, sometimes over two lines) written as `///text`
/// (how it prints a doc comment of the source).
pub fn normalize_docs(expanded: &str) -> String {
    const DOC: &str = "#[doc =";
    let mut out = String::with_capacity(expanded.len());
    let mut rest = expanded;
    while let Some(at) = rest.find(DOC) {
        out.push_str(&rest[..at]);
        let after = &rest[at + DOC.len()..];
        match doc_literal(after) {
            Some((text, len)) => {
                out.push_str("///");
                out.push_str(&text);
                rest = &after[len..];
            }
            None => {
                out.push_str(DOC);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The text of the string literal at the start of `s` (after white space) when `]` follows it,
/// and the bytes of `s` up to and with that `]`.
fn doc_literal(s: &str) -> Option<(String, usize)> {
    let literal = s.trim_start();
    let mut len = s.len() - literal.len();
    let (text, literal_len) = if let Some(raw) = literal.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let body = raw[hashes..].strip_prefix('"')?;
        let close = format!("\"{}", "#".repeat(hashes));
        let end = body.find(&close)?;
        (body[..end].to_owned(), 1 + hashes + 1 + end + close.len())
    } else {
        let body = literal.strip_prefix('"')?;
        let mut text = String::new();
        let mut chars = body.char_indices();
        let end = loop {
            let (i, c) = chars.next()?;
            match c {
                '"' => break i,
                '\\' => {
                    let (_, escaped) = chars.next()?;
                    match escaped {
                        'n' => text.push('\n'),
                        't' => text.push('\t'),
                        '"' | '\\' | '\'' => text.push(escaped),
                        // Kept as written (`\u{..}` does not occur in the docs compared).
                        other => {
                            text.push('\\');
                            text.push(other);
                        }
                    }
                }
                c => text.push(c),
            }
        };
        (text, 1 + end + 1)
    };
    len += literal_len;
    let after = &literal[literal_len..];
    let closing = after.trim_start();
    closing.strip_prefix(']')?;
    len += after.len() - closing.len() + 1;
    Some((text, len))
}

/// Checks the crate from scratch with `-Ztime-passes`; the seconds of each pass.
pub fn time_passes(cargo: &Cargo, krate: &GeneratedCrate) -> Result<BTreeMap<String, f64>, String> {
    cargo.clean_crate(krate)?;
    let output = cargo.run(
        krate,
        &["rustc", "--profile", "check", "--", "-Ztime-passes"],
    )?;
    let passes = parse_time_passes(&String::from_utf8_lossy(&output.stderr));
    if !passes.contains_key("total") {
        return Err(format!(
            "-Ztime-passes printed no total for {}",
            krate.dir.display()
        ));
    }
    Ok(passes)
}

/// The seconds of each pass of a `-Ztime-passes` report
/// (`time:   0.016; rss:   48MB ->   75MB (  +27MB)`, a tab, `expand_crate`); a pass reported more than
/// once is summed.
pub fn parse_time_passes(stderr: &str) -> BTreeMap<String, f64> {
    let mut passes = BTreeMap::new();
    for line in stderr.lines() {
        let Some(rest) = line.trim_start().strip_prefix("time:") else {
            continue;
        };
        let Some((seconds, rest)) = rest.split_once(';') else {
            continue;
        };
        let (Ok(seconds), Some(name)) = (
            seconds.trim().parse::<f64>(),
            rest.split_whitespace().last(),
        ) else {
            continue;
        };
        *passes.entry(name.to_owned()).or_insert(0.0) += seconds;
    }
    passes
}

/// Checks the crate from scratch with `-Zmacro-stats`; what `#[genserver]` emitted.
pub fn macro_stats(cargo: &Cargo, krate: &GeneratedCrate) -> Result<MacroStats, String> {
    cargo.clean_crate(krate)?;
    let output = cargo.run(
        krate,
        &["rustc", "--profile", "check", "--", "-Zmacro-stats"],
    )?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    parse_macro_stats(&stderr, "#[genserver]")
        .ok_or_else(|| format!("-Zmacro-stats reported no #[genserver]:\n{stderr}"))
}

/// The line of `macro` in a `-Zmacro-stats` report
/// (`macro-stats #[genserver]   3   921   307.0   35_982   11_994.0`: uses, lines, average
/// lines, bytes, average bytes).
pub fn parse_macro_stats(stderr: &str, name: &str) -> Option<MacroStats> {
    stderr.lines().find_map(|line| {
        let mut fields = line
            .strip_prefix("macro-stats")?
            .split_whitespace()
            .skip_while(|field| *field != name);
        fields.next()?;
        let mut number = || fields.next()?.replace('_', "").parse::<f64>().ok();
        let uses = number()?;
        let lines = number()?;
        let _average_lines = number()?;
        let bytes = number()?;
        Some(MacroStats {
            uses: uses as u64,
            lines: lines as u64,
            bytes: bytes as u64,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_attributes_read_as_doc_comments() {
        let macro_printed = "    #[doc = \" Where the reply goes.\"]\n    reply_to: u8,\n    \
                             #[doc =\n    \" A \\\"quoted\\\" `name`.\"]\n    x: u8,\n    \
                             #[doc = r\" Raw.\"]\n    #[doc = r#\" Hash \"raw\".\"#]\n";
        let source_printed = "    /// Where the reply goes.\n    reply_to: u8,\n    \
                              /// A \"quoted\" `name`.\n    x: u8,\n    /// Raw.\n    \
                              /// Hash \"raw\".\n";
        assert_eq!(normalize_docs(macro_printed), source_printed);
        // Anything else stays as it was.
        let other = "#[doc = concat!(\"a\")]\n#[doc(hidden)]\nfn f() {}\n";
        assert_eq!(normalize_docs(other), other);
    }

    #[test]
    fn a_difference_in_the_expansions_is_reported() {
        let dir =
            std::env::temp_dir().join(format!("genserver-bench-expand-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(
            check_same_expansion("a\n#[doc = \" b\"]\n", "a\n/// b\n", &dir),
            Ok(2)
        );
        let error = check_same_expansion("a\nb\nc\n", "a\nx\nc\n", &dir).unwrap_err();
        assert!(error.contains("line 2"), "{error}");
        assert!(error.contains("#[genserver]: b"), "{error}");
        assert!(error.contains("hand-written: x"), "{error}");
        let error = check_same_expansion("a\nb\n", "a\n", &dir).unwrap_err();
        assert!(error.contains("line 2"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reads_time_passes() {
        let stderr = "    Checking servers-macro v0.0.0 (/x)\n\
            time:   0.000; rss:   37MB ->   38MB (   +1MB)\tparse_crate\n\
            time:   0.016; rss:   48MB ->   75MB (  +27MB)\texpand_crate\n\
            time:   1.250; rss:   89MB ->   91MB (   +3MB)\ttype_check_crate\n\
            time:   0.010; rss:   74MB ->   74MB (   +0MB)\tlink\n\
            time:   0.020; rss:   74MB ->   74MB (   +0MB)\tlink\n\
            time:   2.062; rss:   27MB ->   61MB (  +33MB)\ttotal\n\
            Finished `dev` profile\n";
        let passes = parse_time_passes(stderr);
        assert_eq!(passes.len(), 5);
        assert_eq!(passes["expand_crate"], 0.016);
        assert_eq!(passes["type_check_crate"], 1.25);
        assert!((passes["link"] - 0.03).abs() < 1e-9);
        assert_eq!(passes["total"], 2.062);
    }

    #[test]
    fn reads_macro_stats() {
        let stderr = "macro-stats ====\n\
            macro-stats Macro Name                         Uses      Lines  Avg Lines      Bytes  Avg Bytes\n\
            macro-stats #[genserver]                          3        921      307.0     35_982   11_994.0\n\
            macro-stats assert_eq!                           16        144        9.0      5_052      315.8\n";
        assert_eq!(
            parse_macro_stats(stderr, "#[genserver]"),
            Some(MacroStats {
                uses: 3,
                lines: 921,
                bytes: 35_982
            })
        );
        assert_eq!(parse_macro_stats(stderr, "#[derive(Debug)]"), None);
    }
}
