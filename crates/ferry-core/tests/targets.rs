//! One fixture batch checked for both targets: the codes found for only one target are exactly those that
//! `docs/targets.md` lists for that target, and `Rule::targets` agrees with that table for every rule.
//!
//! The batch (`fixtures/targets/batch.ndjson`, with `options.json` holding the Teams maps) has a record for
//! every rule that differs and for some shared ones; the two records too large to keep in the repository
//! (over Symphony's 30 MB and 25 MB attachment limits) are appended here. Findings of shared rules must be
//! the same for both targets, finding for finding. The `POD` rules are Symphony's pre-flight against a pod,
//! run by the import and not by the check, so they are compared with the table only.

// Test helpers fail by panicking.
#![allow(clippy::panic, clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::Path;

use ferry_core::{validate, Diagnostic, Options, Rule, Target};

/// The rows of `docs/targets.md`: code, whether it applies to Symphony, whether to Teams.
fn documented_differences() -> Vec<(String, bool, bool)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/targets.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
    let mut rows = Vec::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| CODE | Name | yes/no | yes/no | why |` splits into 7 cells, the first and last empty.
        let [_, code, _, symphony, teams, _, _] = cells.as_slice() else { continue };
        if Rule::from_code(code).is_none() {
            continue;
        }
        let flag = |cell: &str| match cell {
            "yes" => true,
            "no" => false,
            other => panic!("{code}: `{other}` is neither yes nor no"),
        };
        rows.push((code.to_string(), flag(symphony), flag(teams)));
    }
    rows
}

/// The fixture batch, with the two generated records appended.
fn batch() -> Vec<u8> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/targets");
    let mut text = std::fs::read_to_string(directory.join("batch.ndjson")).unwrap();
    let attachment = |name: &str, mebibytes: usize| {
        format!(r#"{{"filename":"{name}","content":"{}"}}"#, "A".repeat(mebibytes * 1024 * 1024 / 3 * 4))
    };
    // ATT004 (31 MiB in all) and ATT008 (one of 26 MiB).
    for (index, attachments) in
        [(1, vec![attachment("a.bin", 16), attachment("b.bin", 15)]), (2, vec![attachment("c.bin", 26)])]
    {
        text.push_str(&format!(
            r#"{{"message":"<messageML>big {index}</messageML>","intendedMessageTimestamp":{},"intendedMessageFromUserId":7215545057281,"originatingSystemId":"fooChat","originalMessageId":"big-{index}","streamId":"Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA","attachments":[{}]}}"#,
            1_433_045_700_000_i64 + index,
            attachments.join(",")
        ));
        text.push('\n');
    }
    text.into_bytes()
}

fn options(target: Target) -> Options {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/targets/options.json");
    let mut options: Options = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    options.target = target;
    options
}

fn codes(diagnostics: &[Diagnostic]) -> BTreeSet<String> {
    diagnostics.iter().map(|diagnostic| diagnostic.code().to_owned()).collect()
}

/// A finding as compared across targets: code, record, pointer, message, fix.
fn comparable(diagnostic: &Diagnostic) -> String {
    serde_json::to_string(&(diagnostic.code(), &diagnostic.location, &diagnostic.message, &diagnostic.fix)).unwrap()
}

#[test]
fn the_table_of_targets_is_rule_targets() {
    let documented: BTreeSet<(String, bool, bool)> = documented_differences().into_iter().collect();
    let from_rules: BTreeSet<(String, bool, bool)> = Rule::ALL
        .iter()
        .filter(|rule| rule.targets().len() != 2)
        .map(|rule| (rule.code().to_owned(), rule.applies_to(Target::Symphony), rule.applies_to(Target::Teams)))
        .collect();
    assert_eq!(documented, from_rules, "docs/targets.md and Rule::targets disagree");
    assert!(Rule::ALL.iter().all(|rule| !rule.targets().is_empty()));
}

#[test]
fn codes_found_for_one_target_only_are_the_documented_ones() {
    let bytes = batch();
    let symphony = validate(&bytes, &options(Target::Symphony));
    let teams = validate(&bytes, &options(Target::Teams));
    let (symphony_codes, teams_codes) = (codes(&symphony.diagnostics), codes(&teams.diagnostics));
    let only_symphony: BTreeSet<String> = symphony_codes.difference(&teams_codes).cloned().collect();
    let only_teams: BTreeSet<String> = teams_codes.difference(&symphony_codes).cloned().collect();

    let documented = documented_differences();
    let expected = |symphony: bool| -> BTreeSet<String> {
        documented
            .iter()
            .filter(|(code, on_symphony, on_teams)| {
                (*on_symphony, *on_teams) == (symphony, !symphony) && !code.starts_with("POD")
            })
            .map(|(code, _, _)| code.clone())
            .collect()
    };
    assert_eq!(only_symphony, expected(true), "codes found only for Symphony");
    assert_eq!(only_teams, expected(false), "codes found only for Teams");

    // Shared rules fire, and fire the same way for both targets.
    let shared = |diagnostics: &[Diagnostic]| -> Vec<String> {
        diagnostics.iter().filter(|diagnostic| diagnostic.rule.targets().len() == 2).map(comparable).collect()
    };
    let shared_symphony = shared(&symphony.diagnostics);
    assert_eq!(shared_symphony, shared(&teams.diagnostics), "shared rules differ between targets");
    let shared_codes: BTreeSet<&str> = ["TS001", "TS003", "SCH004", "BATCH001", "MML009", "ATT001", "ATT003"].into();
    for code in shared_codes {
        assert!(symphony_codes.contains(code), "the batch does not exercise the shared rule {code}");
    }
}
