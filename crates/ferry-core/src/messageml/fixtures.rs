//! Rule fixtures of the `MML` family: `fixtures/rules/mml<NNN>.json` holds records (`message`, optional
//! `data`) of which at least one makes the rule fire and at least one does not; the findings are snapshotted.

use std::path::Path;

use super::{check_message, MessageMlOptions};
use crate::registry::Rule;

/// One line per finding: record, code, severity, span, message, and the fix when there is one.
fn render(records: &[serde_json::Value]) -> String {
    let options = MessageMlOptions::default();
    let mut lines = Vec::new();
    for (index, record) in records.iter().enumerate() {
        let message = record["message"].as_str().unwrap_or_default();
        let diagnostics = check_message(message, record["data"].as_str(), &options);
        for diagnostic in &diagnostics {
            let span = diagnostic.location.span.map_or(String::new(), |span| format!(" [{}..{}]", span.start, span.end));
            lines.push(format!("record {index} {} {}{span}: {}", diagnostic.code(), diagnostic.severity, diagnostic.message));
            if let Some(fix) = &diagnostic.fix {
                lines.push(format!("    fix: {}", fix.title));
                for edit in &fix.edits {
                    lines.push(format!("      set {} = {}", edit.pointer, edit.value));
                }
            }
        }
        if diagnostics.is_empty() {
            lines.push(format!("record {index}: no finding"));
        }
    }
    lines.join("\n")
}

#[test]
fn every_messageml_rule_has_a_fixture_that_fires_and_passes() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("rules");
    for &rule in Rule::ALL.iter().filter(|rule| rule.code().starts_with("MML")) {
        let code = rule.code().to_ascii_lowercase();
        let path = directory.join(format!("{code}.json"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path:?}: {error}"));
        let records: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path:?}: {error}"));
        let options = MessageMlOptions::default();
        let firing: Vec<bool> = records
            .iter()
            .map(|record| {
                check_message(record["message"].as_str().unwrap_or_default(), record["data"].as_str(), &options)
                    .iter()
                    .any(|diagnostic| diagnostic.rule == rule)
            })
            .collect();
        assert!(firing.iter().any(|fires| *fires), "{code}: the fixture does not trigger the rule");
        assert!(firing.iter().any(|fires| !*fires), "{code}: the fixture has no passing record");
        insta::assert_snapshot!(code, render(&records));
    }
}
