//! `cargo xtask tidy`: fails when the project's bookkeeping has drifted from its rules.
//!
//! Checked, for every rule of [`Rule::ALL`]:
//! - its doc has a one-line summary and the sections `## What it does`, `## Why is this bad?`, `## Example`;
//! - it has a fixture: a file under [`FIXTURE_DIR`] named after the rule's code (`ts001.ndjson`; a
//!   `ts001.options.json` beside it only sets options), or, for fixtures too large to keep, a `Rule::Name =>`
//!   arm in [`GENERATED_FIXTURES`];
//! - it has an insta snapshot: a `.snap` file under [`SNAPSHOT_ROOT`] whose name holds the code
//!   (`rule_fixtures__ts001.snap`) or the rule's snake_case name;
//!
//! and, once: `docs/rules.md` equals what `cargo xtask docs` generates.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ferry_core::Rule;

use crate::docs;

/// Where rule fixtures live, relative to the workspace root.
pub const FIXTURE_DIR: &str = "crates/ferry-core/fixtures/rules";

/// The test that builds the fixtures too large to keep in the repository, relative to the workspace root.
pub const GENERATED_FIXTURES: &str = "crates/ferry-core/tests/rule_fixtures.rs";

/// Where rule snapshots are searched for, relative to the workspace root.
pub const SNAPSHOT_ROOT: &str = "crates/ferry-core";

/// The sections every rule doc has.
const DOC_SECTIONS: [&str; 3] = ["## What it does", "## Why is this bad?", "## Example"];

/// Runs every check and prints every problem found.
///
/// # Errors
/// When a check finds a problem, or the tree cannot be read.
pub fn run() -> Result<()> {
    let root = crate::shell::workspace_root();
    let fixtures: Vec<String> = file_names_under(&root.join(FIXTURE_DIR), None)?
        .into_iter()
        .filter(|name| !name.contains(".options."))
        .collect();
    let generator_path = root.join(GENERATED_FIXTURES);
    let generated = match std::fs::read_to_string(&generator_path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(error) => return Err(error).with_context(|| format!("could not read {}", generator_path.display())),
    };
    let snapshots = file_names_under(&root.join(SNAPSHOT_ROOT), Some("snap"))?;
    let mut problems = rule_problems(Rule::ALL, &fixtures, &generated, &snapshots);
    if !docs::rules_page_is_up_to_date()? {
        problems.push(format!("{} is stale: run `cargo xtask docs`", docs::RULES_PAGE));
    }
    if problems.is_empty() {
        println!("tidy: {} rules documented, each with a fixture and a snapshot; {} up to date", Rule::ALL.len(), docs::RULES_PAGE);
        return Ok(());
    }
    for problem in &problems {
        eprintln!("tidy: {problem}");
    }
    bail!("tidy found {} problem(s)", problems.len())
}

/// The problems of each rule, given the lowercased names of the fixture and snapshot files and the source of
/// the fixture generator.
fn rule_problems(rules: &[Rule], fixtures: &[String], generated: &str, snapshots: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    for &rule in rules {
        let label = format!("{} ({})", rule.code(), rule.name());
        if rule.summary().trim().is_empty() {
            problems.push(format!("{label}: the doc has no one-line summary"));
        }
        let doc = rule.doc();
        for section in DOC_SECTIONS {
            if !doc.lines().any(|line| line.trim_end() == section) {
                problems.push(format!("{label}: the doc lacks `{section}`"));
            }
        }
        let keys = [rule.code().to_ascii_lowercase(), snake_case(rule.name())];
        let named_after_rule = |name: &String| keys.iter().any(|key| name_mentions(name, key));
        let is_generated = generated.contains(&format!("Rule::{} =>", rule.name()));
        if !is_generated && !fixtures.iter().any(named_after_rule) {
            problems.push(format!("{label}: no fixture under {FIXTURE_DIR} named after the code, none generated in {GENERATED_FIXTURES}"));
        }
        if !snapshots.iter().any(named_after_rule) {
            problems.push(format!("{label}: no insta snapshot under {SNAPSHOT_ROOT} named after the code or `{}`", keys[1]));
        }
    }
    problems
}

/// Whether `name` holds `key` delimited by anything that is not an ASCII letter or digit, so `ts001` matches
/// `ts001.json` and `rules__ts001.snap` but not `ts0011.json`.
fn name_mentions(name: &str, key: &str) -> bool {
    name.match_indices(key).any(|(start, _)| {
        let before = name[..start].chars().next_back();
        let after = name[start + key.len()..].chars().next();
        let delimits = |character: Option<char>| character.is_none_or(|character| !character.is_ascii_alphanumeric());
        delimits(before) && delimits(after)
    })
}

/// `TimestampInFuture` → `timestamp_in_future`.
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 8);
    for (index, character) in name.chars().enumerate() {
        if character.is_ascii_uppercase() && index > 0 {
            snake.push('_');
        }
        snake.push(character.to_ascii_lowercase());
    }
    snake
}

/// Lowercased file names (not paths) of every file under `directory`, recursively, keeping only those with
/// extension `extension` when given. A missing directory has no files.
fn file_names_under(directory: &Path, extension: Option<&str>) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut pending: Vec<PathBuf> = vec![directory.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(error) => return Err(error).with_context(|| format!("could not list {}", current.display())),
        };
        for entry in entries {
            let path = entry.with_context(|| format!("could not list {}", current.display()))?.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name == "target") {
                    continue;
                }
                pending.push(path);
            } else if extension.is_none_or(|wanted| path.extension().is_some_and(|found| found == wanted)) {
                if let Some(name) = path.file_name() {
                    names.push(name.to_string_lossy().to_lowercase());
                }
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_on_capitals() {
        let cases = [("TimestampInFuture", "timestamp_in_future"), ("MalformedJson", "malformed_json"), ("A", "a")];
        for (name, expected) in cases {
            assert_eq!(snake_case(name), expected);
        }
    }

    #[test]
    fn names_mention_whole_keys_only() {
        let cases = [
            ("ts001.json", "ts001", true),
            ("rules__ts001.snap", "ts001", true),
            ("fixtures@ts001-bad.json", "ts001", true),
            ("ts0011.json", "ts001", false),
            ("ts00.json", "ts001", false),
            ("malformed_json.ndjson", "malformed_json", true),
            ("snapshot__malformed_json.snap", "malformed_json", true),
        ];
        for (name, key, expected) in cases {
            assert_eq!(name_mentions(name, key), expected, "{name} / {key}");
        }
    }

    #[test]
    fn a_rule_without_fixture_or_snapshot_is_reported() {
        let rule = Rule::ALL[0];
        let code = rule.code().to_ascii_lowercase();
        let snapshot = [format!("rule_fixtures__{code}.snap")];
        let complete = rule_problems(&[rule], &[format!("{code}.json")], "", &snapshot);
        assert!(complete.is_empty(), "{complete:?}");
        let generated = format!("match rule {{ Rule::{} => build(), _ => None }}", rule.name());
        let complete = rule_problems(&[rule], &[], &generated, &snapshot);
        assert!(complete.is_empty(), "{complete:?}");
        let missing = rule_problems(&[rule], &[], "", &[]);
        assert_eq!(missing.len(), 2, "{missing:?}");
        assert!(missing[0].contains("no fixture") && missing[1].contains("no insta snapshot"));
    }
}
