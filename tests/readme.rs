//! The output quoted in README.md and docs/*.md is what the examples print.
//!
//! A quoted block is a fenced block right after a line
//! `<!-- output of: cargo run --release --example NAME -->`, or after
//! `<!-- lines of: PATH -->` for an excerpt of a file in the repository (a snapshot). For each
//! one, this test runs the example's binary (or reads the file) and checks that the block's
//! lines appear in its output, in order. Between
//! them the output may have more lines; a quoted line `...` marks such a gap for the reader.
//! Durations (a number before `ms`, `µs` or `s`) differ from run to run and are compared as
//! `#`; every other character, down to the last digit, must match.
//!
//! `cargo test` builds every example next to the test binaries (`target/<profile>/examples/`)
//! before it runs any test, and this test runs those builds. A binary that is missing or older
//! than the sources (after `cargo test --test readme` alone, or without the features an example
//! needs) is not run: its quotes are listed as not checked, since an old build would check the
//! README against old code. Building here instead would wait on the lock of the build that
//! runs this test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

const MARKER: &str = "<!-- output of: cargo run --release --example ";
const FILE_MARKER: &str = "<!-- lines of: ";

/// One quoted block: where it is, what prints it, and its lines.
struct Quote {
    file: String,
    line: usize,
    source: Source,
    lines: Vec<String>,
}

/// What a quoted block quotes.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    /// The standard output of `cargo run --release --example NAME`.
    Example(String),
    /// A file of the repository, by its path from the root.
    File(String),
}

/// The markdown files that may quote output.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut guides: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("a readable docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    guides.sort();
    files.extend(guides);
    files
}

/// Every quoted block of one markdown text. A marker not followed by a fenced block panics, so a
/// typo cannot silently exempt a quote from the check.
fn quotes(file: &str, text: &str) -> Vec<Quote> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let line = lines[k].trim();
        let source = if let Some(rest) = line.strip_prefix(MARKER) {
            Some(Source::Example(
                rest.trim_end_matches("-->").trim().to_string(),
            ))
        } else {
            line.strip_prefix(FILE_MARKER)
                .map(|rest| Source::File(rest.trim_end_matches("-->").trim().to_string()))
        };
        if let Some(source) = source {
            assert!(
                lines
                    .get(k + 1)
                    .is_some_and(|l| l.trim().starts_with("```")),
                "{file}:{}: an output marker must be followed by a fenced block",
                k + 1
            );
            let start = k + 2;
            let len = lines[start..]
                .iter()
                .position(|l| l.trim() == "```")
                .unwrap_or_else(|| panic!("{file}:{}: the quoted block is not closed", k + 2));
            out.push(Quote {
                file: file.to_string(),
                line: k + 3,
                source,
                lines: lines[start..start + len]
                    .iter()
                    .map(|l| l.to_string())
                    .collect(),
            });
            k = start + len;
        }
        k += 1;
    }
    out
}

/// `line` with every duration's number replaced by `#`: `0.53 ms` → `# ms`, `(0.14 s)` →
/// `(# s)`. A number counts as a duration when `ms`, `µs` or `s` follows it (after at most
/// one space) and is not the start of a longer word.
fn normalized(line: &str) -> String {
    let chars: Vec<char> = line.trim_end().chars().collect();
    let mut out = String::new();
    let mut k = 0;
    while k < chars.len() {
        let starts_number = chars[k].is_ascii_digit()
            && (k == 0 || !(chars[k - 1].is_alphanumeric() || chars[k - 1] == '.'));
        if starts_number {
            let mut end = k;
            while end < chars.len() && (chars[end].is_ascii_digit() || chars[end] == '.') {
                end += 1;
            }
            let mut unit = end;
            if chars.get(unit) == Some(&' ') {
                unit += 1;
            }
            let rest: String = chars[unit..].iter().collect();
            let is_duration = ["ms", "µs", "s"].iter().any(|u| {
                rest.strip_prefix(u)
                    .is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric()))
            });
            if is_duration {
                out.push('#');
            } else {
                out.extend(&chars[k..end]);
            }
            k = end;
        } else {
            out.push(chars[k]);
            k += 1;
        }
    }
    out
}

/// The newest modification time of the Rust files under `dir`: the files cargo rebuilds an
/// example for (a data file beside them does not trigger a rebuild, so it must not count).
fn newest(dir: &Path) -> SystemTime {
    let mut newest = SystemTime::UNIX_EPOCH;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a readable source directory") {
            let path = entry.expect("a readable entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let modified = path.metadata().and_then(|m| m.modified());
                newest = newest.max(modified.unwrap_or(SystemTime::UNIX_EPOCH));
            }
        }
    }
    newest
}

/// The directory where `cargo test` puts the examples it builds: the test binary lives in
/// `target/<profile>/deps/`, the examples in `target/<profile>/examples/`.
fn examples_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .join("examples")
}

/// The example's binary, when it is there and newer than every source it is built from.
fn fresh_binary(dir: &Path, name: &str) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let sources = newest(&root.join("src")).max(newest(&root.join("examples")));
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let built = bin.metadata().and_then(|m| m.modified()).ok()?;
    (built >= sources).then_some(bin)
}

/// What `source` prints (or holds).
fn text_of(source: &Source, bin: Option<&Path>) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    match source {
        Source::Example(name) => {
            let bin = bin.expect("an example is run from its binary");
            let out = Command::new(bin)
                .current_dir(root)
                .output()
                .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()));
            assert!(
                out.status.success(),
                "--example {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).expect("UTF-8 output")
        }
        Source::File(path) => std::fs::read_to_string(root.join(path))
            .unwrap_or_else(|e| panic!("reading {path}: {e}")),
    }
}

/// Checks that the quoted lines appear in `output` in order; returns the mismatch, if any.
fn check(quote: &Quote, output: &str) -> Result<(), String> {
    let printed: Vec<String> = output.lines().map(normalized).collect();
    let mut from = 0;
    for (k, line) in quote.lines.iter().enumerate() {
        if line.trim() == "..." {
            continue;
        }
        let want = normalized(line);
        match printed[from..].iter().position(|p| *p == want) {
            Some(at) => from += at + 1,
            None => {
                let what = match &quote.source {
                    Source::Example(name) => format!("--example {name} does not print"),
                    Source::File(path) => format!("{path} does not hold"),
                };
                return Err(format!(
                    "{}:{}: {what} this line (in this order):\n  {line}\nWhat it has:\n{output}",
                    quote.file,
                    quote.line + k,
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn normalized_masks_durations_and_nothing_else() {
    assert_eq!(
        normalized("scalar nodes: 69012 nodes per step, 0.53 ms per step"),
        "scalar nodes: 69012 nodes per step, # ms per step"
    );
    assert_eq!(
        normalized("test accuracy 97.21% (0.14 s)"),
        "test accuracy 97.21% (# s)"
    );
    assert_eq!(normalized("took 26µs, 3 steps"), "took #µs, 3 steps");
    // `s` starting a word is not a unit; digits inside names stay.
    assert_eq!(
        normalized("after 30 steps, net_h2 = 0.39249999999999996"),
        "after 30 steps, net_h2 = 0.39249999999999996"
    );
}

#[test]
fn check_fails_on_a_last_digit_and_on_the_order() {
    let quote = |lines: &[&str]| Quote {
        file: "x.md".into(),
        line: 1,
        source: Source::Example("x".into()),
        lines: lines.iter().map(|l| l.to_string()).collect(),
    };
    let output = "a = 0.39249999999999996\n...\nb = 2 (1.5 ms)\n";
    assert!(
        check(
            &quote(&["a = 0.39249999999999996", "...", "b = 2 (9 ms)"]),
            output
        )
        .is_ok()
    );
    assert!(check(&quote(&["a = 0.39250000000000002"]), output).is_err());
    assert!(
        check(
            &quote(&["b = 2 (1.5 ms)", "a = 0.39249999999999996"]),
            output
        )
        .is_err()
    );
}

#[test]
fn quoted_output_is_what_the_examples_print() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    for path in documents() {
        let text = std::fs::read_to_string(&path).expect("a readable markdown file");
        let name = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .display()
            .to_string();
        all.extend(quotes(&name, &text));
    }
    assert!(!all.is_empty(), "the README and the guides quote no output");
    let mut sources: Vec<Source> = all.iter().map(|q| q.source.clone()).collect();
    sources.sort();
    sources.dedup();
    let dir = examples_dir();
    let mut failures = Vec::new();
    let mut not_built = Vec::new();
    for source in &sources {
        let bin = match source {
            Source::Example(name) => match fresh_binary(&dir, name) {
                Some(bin) => Some(bin),
                None => {
                    not_built.push(name.clone());
                    continue;
                }
            },
            Source::File(_) => None,
        };
        let output = text_of(source, bin.as_deref());
        for quote in all.iter().filter(|q| &q.source == source) {
            if let Err(e) = check(quote, &output) {
                failures.push(e);
            }
        }
    }
    if !not_built.is_empty() {
        // `cargo test` with the default features builds every example before any test runs,
        // so there this list is empty and every quote is checked. A filtered run
        // (`--test readme`) or a build without the examples' features leaves them out.
        eprintln!(
            "not checked, their binaries are missing or older than the sources: {}; \
             `cargo test` (all targets, default features) checks them",
            not_built.join(", ")
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
