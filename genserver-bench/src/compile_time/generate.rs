//! Writes the two crates the compile-time benchmark builds: `servers` servers of eight handlers
//! each, once with `#[genserver]` and once with what the macro emits written out by hand.
//!
//! Both crates are written from the same templates (`genserver-bench/templates/compile_time/`):
//!
//! - `server.rs`: the user's code, a struct and its `#[genserver] impl` block with a handler of
//!   every kind (sync and async calls, a deferred reply, calls and casts with and without
//!   arguments, infos with and without `ctx: &mut Context<Self>`);
//! - `generated.rs`: the items `#[genserver]` generates for that block, written out the way
//!   `tests/manual_impl.rs` writes a server by hand, with the same paths, attributes and docs as
//!   the macro's expansion (so that both crates give rustc the same items to check);
//! - `exercise.rs`: a function that starts the server, calls each handler and checks the result;
//!   `main` runs it for every server, so no generated code is dead.
//!
//! The macro crate's server file is `server.rs` + `exercise.rs`. The hand-written crate's is
//! `server.rs` without `#[genserver]` and the role attributes, then `generated.rs`, then
//! `exercise.rs`: the same order of items as in the macro's expansion, which the benchmark
//! checks on nightly (`-Zunpretty=expanded` of both crates must be the same text).
//!
//! In each template, `Server000` is the server's name and `SERVER_INDEX` its number.

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The name of the facade's library, as the generated code names it (`use genserver::...`,
/// `::genserver::__private`).
pub const FACADE_LIB: &str = "genserver";

/// Handlers per generated server.
pub const HANDLERS_PER_SERVER: usize = 8;

const SERVER_TEMPLATE: &str = include_str!("../../templates/compile_time/server.rs");
const GENERATED_TEMPLATE: &str = include_str!("../../templates/compile_time/generated.rs");
const EXERCISE_TEMPLATE: &str = include_str!("../../templates/compile_time/exercise.rs");

/// The attributes `#[genserver]` consumes, as lines of the server template.
const MACRO_ATTRIBUTES: [&str; 4] = ["#[genserver]", "#[call]", "#[cast]", "#[info]"];

/// Where [`edit`] changes a line of server 0 (to code with the same meaning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Edit {
    /// In `increment`, the first handler of the impl block.
    FirstHandler,
    /// In `on_note`, the last handler of the impl block.
    LastHandler,
}

impl Edit {
    /// The line, and what it becomes (and back, at the next edit).
    fn lines(self) -> [&'static str; 2] {
        match self {
            Edit::FirstHandler => ["let step = 1;", "let step = 2 - 1;"],
            Edit::LastHandler => ["self.notes += note.0;", "self.notes += note.0 + 0;"],
        }
    }
}

/// How the generated crate writes its servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// `#[genserver] impl ..`.
    Macro,
    /// The same servers with the macro's expansion written out.
    HandWritten,
}

impl Variant {
    /// Both variants, in table order.
    pub const ALL: [Variant; 2] = [Variant::Macro, Variant::HandWritten];

    /// Short name: the crate's directory and the JSON key.
    pub fn key(self) -> &'static str {
        match self {
            Variant::Macro => "macro",
            Variant::HandWritten => "hand-written",
        }
    }

    /// The generated package's (and binary's) name.
    pub fn package(self) -> &'static str {
        match self {
            Variant::Macro => "servers-macro",
            Variant::HandWritten => "servers-hand-written",
        }
    }

    /// Name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Variant::Macro => "`#[genserver]`",
            Variant::HandWritten => "hand-written",
        }
    }
}

/// One generated crate on disk.
#[derive(Debug, Clone)]
pub struct GeneratedCrate {
    /// Its directory (holding `Cargo.toml`).
    pub dir: PathBuf,
    /// How it writes its servers.
    pub variant: Variant,
    /// How many servers it has.
    pub servers: usize,
}

impl GeneratedCrate {
    /// The crate's `src/` files, `main.rs` first.
    pub fn sources(&self) -> Vec<PathBuf> {
        let src = self.dir.join("src");
        std::iter::once(src.join("main.rs"))
            .chain((0..self.servers).map(|i| src.join(format!("{}.rs", module_name(i)))))
            .collect()
    }

    /// Non-empty lines of Rust in the crate's sources.
    pub fn lines_of_code(&self) -> io::Result<usize> {
        let mut lines = 0;
        for path in self.sources() {
            lines += fs::read_to_string(path)?
                .lines()
                .filter(|line| !line.trim().is_empty())
                .count();
        }
        Ok(lines)
    }
}

/// The package name of the facade, read from the workspace's root `Cargo.toml` (its
/// `[package]` section's `name`).
pub fn facade_package(root_manifest: &str) -> Option<String> {
    let mut in_package = false;
    for line in root_manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.trim() == "name" {
            let value = value.trim();
            return value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned);
        }
    }
    None
}

/// The generated crate's `Cargo.toml`: the facade by path (under its package name, as the
/// library [`FACADE_LIB`]), tokio for `#[tokio::main]` and the deferred reply's task, and an
/// empty `[workspace]`, so that the crate is a workspace of its own inside `target/`.
pub fn manifest(variant: Variant, workspace: &Path, facade_package: &str) -> String {
    let path = toml_string(&workspace.display().to_string());
    format!(
        "# Generated by genserver-bench's compile-time benchmark; rewritten at every run.\n\
         [package]\n\
         name = \"{package}\"\n\
         version = \"0.0.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         [dependencies]\n\
         {FACADE_LIB} = {{ package = \"{facade_package}\", path = {path} }}\n\
         tokio = {{ version = \"1\", features = [\"rt\", \"macros\"] }}\n\
         \n\
         [workspace]\n",
        package = variant.package(),
    )
}

fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The module of server `index`: `s007`.
pub fn module_name(index: usize) -> String {
    format!("s{index:03}")
}

/// The type of server `index`: `Server007`.
pub fn server_name(index: usize) -> String {
    format!("Server{index:03}")
}

fn instantiate(template: &str, index: usize) -> String {
    template
        .replace("Server000", &server_name(index))
        .replace("SERVER_INDEX", &index.to_string())
}

/// The user's part of a server file: with `#[genserver]` and the role attributes, or without
/// them (the hand-written crate's plain impl block).
fn user_code(variant: Variant) -> String {
    match variant {
        Variant::Macro => SERVER_TEMPLATE.to_owned(),
        Variant::HandWritten => SERVER_TEMPLATE
            .lines()
            .filter(|line| !MACRO_ATTRIBUTES.contains(&line.trim()))
            .map(|line| format!("{line}\n"))
            .collect(),
    }
}

/// The source of server `index` (its module's file).
pub fn server_source(variant: Variant, index: usize) -> String {
    let mut source = format!("//! Server {index} of the compile-time benchmark.\n\n");
    source.push_str(&user_code(variant));
    if variant == Variant::HandWritten {
        source.push_str(GENERATED_TEMPLATE);
    }
    source.push_str(EXERCISE_TEMPLATE);
    instantiate(&source, index)
}

/// The crate's `main.rs`: the info message types, the modules, and a `main` that exercises
/// every server and checks that all ran.
pub fn main_source(servers: usize) -> String {
    let mut source = String::from(
        "//! Generated by genserver-bench's compile-time benchmark: servers with a handler of \
         every kind,\n//! each started, called and stopped by `main`.\n\n",
    );
    for i in 0..servers {
        let _ = writeln!(source, "mod {};", module_name(i));
    }
    source.push_str(
        "\n/// The info message every server counts.\n\
         #[derive(Clone, Debug)]\n\
         pub struct Tick;\n\
         \n\
         /// An info message with a number, which a server also sends itself with \
         `ctx.continue_with`.\n\
         #[derive(Clone, Debug)]\n\
         pub struct Note(pub u64);\n\
         \n\
         #[tokio::main(flavor = \"current_thread\")]\n\
         async fn main() {\n    \
             let mut exercised = 0;\n",
    );
    for i in 0..servers {
        let _ = writeln!(
            source,
            "    exercised += {}::exercise().await;",
            module_name(i)
        );
    }
    let _ = write!(
        source,
        "    assert_eq!(exercised, {servers});\n    \
             println!(\"{{exercised}} servers exercised\");\n\
         }}\n"
    );
    source
}

/// What `main` prints when every server ran.
pub fn expected_output(servers: usize) -> String {
    format!("{servers} servers exercised\n")
}

/// Writes the crate of `variant` with `servers` servers into `dir` (files whose content is
/// unchanged are left alone, so cargo does not rebuild them), with a copy of the workspace's
/// `Cargo.lock`, so that the dependencies resolve to the versions the workspace uses.
pub fn write_crate(
    dir: &Path,
    variant: Variant,
    servers: usize,
    workspace: &Path,
) -> Result<GeneratedCrate, String> {
    let root_manifest = read(&workspace.join("Cargo.toml"))?;
    let facade = facade_package(&root_manifest).ok_or_else(|| {
        format!(
            "no [package] name in {}",
            workspace.join("Cargo.toml").display()
        )
    })?;
    let src = dir.join("src");
    fs::create_dir_all(&src).map_err(|e| format!("creating {}: {e}", src.display()))?;
    // Files of a larger run before, which would otherwise stay behind.
    if let Ok(entries) = fs::read_dir(&src) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let known = name == "main.rs"
                || (0..servers).any(|i| name == format!("{}.rs", module_name(i)).as_str());
            if !known {
                let path = entry.path();
                fs::remove_file(&path).map_err(|e| format!("removing {}: {e}", path.display()))?;
            }
        }
    }
    write_if_changed(
        &dir.join("Cargo.toml"),
        &manifest(variant, workspace, &facade),
    )?;
    if !dir.join("Cargo.lock").exists() {
        let lock = read(&workspace.join("Cargo.lock"))?;
        write_if_changed(&dir.join("Cargo.lock"), &lock)?;
    }
    write_if_changed(&src.join("main.rs"), &main_source(servers))?;
    for i in 0..servers {
        write_if_changed(
            &src.join(format!("{}.rs", module_name(i))),
            &server_source(variant, i),
        )?;
    }
    Ok(GeneratedCrate {
        dir: dir.to_path_buf(),
        variant,
        servers,
    })
}

/// Changes one line of code in server 0 (to code with the same meaning, four bytes longer or
/// shorter), as a user edits a handler between two builds.
pub fn edit(krate: &GeneratedCrate, at: Edit) -> Result<(), String> {
    let path = krate.dir.join("src").join(format!("{}.rs", module_name(0)));
    let source = read(&path)?;
    let [a, b] = at.lines();
    let edited = if source.contains(a) {
        source.replacen(a, b, 1)
    } else if source.contains(b) {
        source.replacen(b, a, 1)
    } else {
        return Err(format!("{} has no line to edit ({a})", path.display()));
    };
    fs::write(&path, edited).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), String> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_facade_package_name() {
        let manifest = "[workspace]\nmembers = [\".\"]\n\n[workspace.package]\nname = \"no\"\n\n\
                        [package]\nname = \"gen-server\"\nversion = \"0.1.0\"\n\n\
                        [lib]\nname = \"genserver\"\n";
        assert_eq!(facade_package(manifest).as_deref(), Some("gen-server"));
        assert_eq!(facade_package("[workspace]\nname = \"x\"\n"), None);
    }

    #[test]
    fn the_manifest_names_the_facade_once() {
        let manifest = manifest(Variant::Macro, Path::new("/ws/x"), "gen-server");
        assert!(manifest.contains("genserver = { package = \"gen-server\", path = \"/ws/x\" }"));
        assert!(manifest.contains("name = \"servers-macro\""));
        assert!(manifest.contains("[workspace]"));
    }

    #[test]
    fn the_macro_variant_is_the_user_code() {
        let source = server_source(Variant::Macro, 7);
        assert!(source.contains("#[genserver]\nimpl Server007 {"));
        assert_eq!(source.matches("    #[call]\n").count(), 4);
        assert_eq!(source.matches("    #[cast]\n").count(), 2);
        assert_eq!(source.matches("    #[info]\n").count(), 2);
        assert!(!source.contains("Server000"));
        assert!(!source.contains("SERVER_INDEX"));
        assert!(!source.contains("impl ::genserver::__private::GenServer"));
        assert!(source.contains("server.add(7)"));
    }

    #[test]
    fn the_hand_written_variant_has_the_expansion_and_no_macro() {
        let source = server_source(Variant::HandWritten, 42);
        // (The generated docs mention `#[genserver]` and `#[call]`, but no line is one.)
        for line in source.lines() {
            assert!(!MACRO_ATTRIBUTES.contains(&line.trim()), "{line} left in");
        }
        assert!(source.contains("impl ::genserver::__private::GenServer for Server042\nwhere\n"));
        assert!(source.contains("pub struct Server042Ref {"));
        assert!(source.contains("impl ::genserver::__private::Info<Tick> for Server042 {"));
        assert!(source.contains("impl ::genserver::__private::Info<Note> for Server042 {"));
        assert!(source.contains("pub fn whereis("));
        // Every handler is dispatched by both `handle` and `handle_now`, and named.
        for variant in [
            "Increment",
            "Get",
            "AddLater",
            "Describe",
            "Add",
            "Reset",
            "OnTick",
            "OnNote",
        ] {
            assert!(
                source.matches(&format!("Server042Msg::{variant}")).count() >= 3,
                "{variant}"
            );
        }
        // The user code comes first, unchanged but for the attributes; `exercise` last.
        let user = source.find("impl Server042 {").unwrap();
        let generated = source.find("const _: () = {").unwrap();
        let exercise = source.find("pub async fn exercise()").unwrap();
        assert!(user < generated && generated < exercise);
    }

    #[test]
    fn main_exercises_every_server() {
        let main = main_source(3);
        for i in 0..3 {
            assert!(main.contains(&format!("mod s00{i};")));
            assert!(main.contains(&format!("exercised += s00{i}::exercise().await;")));
        }
        assert!(main.contains("assert_eq!(exercised, 3);"));
        assert!(!main.contains("s003"));
    }

    #[test]
    fn an_edit_toggles_one_line() {
        let dir = std::env::temp_dir().join(format!("genserver-bench-edit-{}", std::process::id()));
        let src = dir.join("src");
        fs::create_dir_all(&src).unwrap();
        let original = server_source(Variant::Macro, 0);
        fs::write(src.join("s000.rs"), &original).unwrap();
        let krate = GeneratedCrate {
            dir: dir.clone(),
            variant: Variant::Macro,
            servers: 1,
        };
        for at in [Edit::FirstHandler, Edit::LastHandler] {
            edit(&krate, at).unwrap();
            let edited = fs::read_to_string(src.join("s000.rs")).unwrap();
            assert_ne!(edited, original);
            assert!(edited.contains(at.lines()[1]));
            assert_eq!(edited.len(), original.len() + 4);
            edit(&krate, at).unwrap();
            assert_eq!(fs::read_to_string(src.join("s000.rs")).unwrap(), original);
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
