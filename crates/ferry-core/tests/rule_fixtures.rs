//! Every rule of the import checks (all families but `MML`, which has its own corpus) has a fixture in
//! `fixtures/rules/<code>.json` (or `.ndjson`) with records that pass and records that fail; the findings
//! are snapshotted. A fixture must make its rule fire, and must hold at least one record the rule does not
//! fire on (file-level rules, which have no record, are exempt from the second).
//!
//! Options: `now` is fixed at 2023-11-14T22:13:20Z (1,700,000,000,000 ms); fixtures of the `TEAMS` family
//! run with the Teams target; a sibling `<code>.options.json` overrides options.

use std::path::{Path, PathBuf};

use ferry_core::{validate, Diagnostic, Options, Report, Rule, Target};

const NOW_MILLIS: i64 = 1_700_000_000_000;

fn fixture_directory() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("rules")
}

fn fixture_path(rule: Rule) -> Option<PathBuf> {
    let stem = rule.code().to_ascii_lowercase();
    ["json", "ndjson"].iter().map(|extension| fixture_directory().join(format!("{stem}.{extension}"))).find(|path| path.exists())
}

/// A valid record, with `extra` members appended (a JSON fragment starting with `,`, or empty).
fn generated_record(index: usize, message: &str, extra: &str) -> String {
    format!(
        "{{\"message\":\"{message}\",\"intendedMessageTimestamp\":{},\"intendedMessageFromUserId\":7215545057281,\
         \"originatingSystemId\":\"fooChat\",\"originalMessageId\":\"m-{index}\",\"streamId\":\"Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA\"{extra}}}\n",
        1_433_045_622_000_i64 + index as i64 * 1000
    )
}

/// Fixtures too large to keep in the repository, built here instead.
fn generated_fixture(rule: Rule) -> Option<Vec<u8>> {
    let text = match rule {
        Rule::AttachmentsTooLarge => {
            // 16 MiB of zero bytes in base64, twice: 32 MiB in all, over 30 MiB; once is under.
            let content = "A".repeat(16 * 1024 * 1024 / 3 * 4);
            let one = format!(",\"attachments\":[{{\"filename\":\"a.bin\",\"content\":\"{content}\"}}]");
            let two = format!(
                ",\"attachments\":[{{\"filename\":\"a.bin\",\"content\":\"{content}\"}},{{\"filename\":\"b.bin\",\"content\":\"{content}\"}}]"
            );
            generated_record(1, "<messageML>one</messageML>", &one) + &generated_record(2, "<messageML>two</messageML>", &two)
        }
        Rule::AttachmentOverClientLimit => {
            // 24 MiB passes, 26 MiB does not (both within the 30 MiB total).
            let attachment = |mebibytes: usize| {
                let content = "A".repeat(mebibytes * 1024 * 1024 / 3 * 4);
                format!(",\"attachments\":[{{\"filename\":\"a.bin\",\"content\":\"{content}\"}}]")
            };
            generated_record(1, "<messageML>one</messageML>", &attachment(24))
                + &generated_record(2, "<messageML>two</messageML>", &attachment(26))
        }
        Rule::MessageTooLong => {
            let long = |characters: usize| format!("<messageML>{}</messageML>", "é".repeat(characters));
            generated_record(1, &long(30_000), "") + &generated_record(2, &long(30_001), "") + &generated_record(3, &long(81_131), "")
        }
        Rule::TooManyUniqueTokens => {
            let words = |count: usize| (0..count).map(|word| format!("w{word}")).collect::<Vec<_>>().join(" ");
            let message = |count: usize| format!("<messageML>{}</messageML>", words(count));
            generated_record(1, &message(2_500), "") + &generated_record(2, &message(2_501), "")
        }
        _ => return None,
    };
    Some(text.into_bytes())
}

fn options_for(rule: Rule) -> Options {
    let target = if rule.code().starts_with("TEAMS") { Target::Teams } else { Target::Symphony };
    let mut options = Options::new(target, NOW_MILLIS);
    let overrides = fixture_directory().join(format!("{}.options.json", rule.code().to_ascii_lowercase()));
    if let Ok(text) = std::fs::read_to_string(&overrides) {
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|error| panic!("{overrides:?}: {error}"));
        if let Some(object) = value.as_object_mut() {
            object.entry("nowMillis").or_insert(serde_json::Value::from(NOW_MILLIS));
            object.entry("target").or_insert(serde_json::to_value(target).unwrap_or_default());
        }
        options = serde_json::from_value(value).unwrap_or_else(|error| panic!("{overrides:?}: {error}"));
    }
    options
}

/// One line per finding: where, what, and the fix's title and edits. MessageML findings are left out: they
/// have their own conformance corpus, and these fixtures keep valid MessageML where they can.
fn render(report: &Report) -> String {
    let mut lines = Vec::new();
    for diagnostic in report.diagnostics.iter().filter(|diagnostic| !diagnostic.code().starts_with("MML")) {
        lines.push(render_diagnostic(diagnostic));
    }
    lines.push(format!(
        "records: {}, with errors: {}, planned: {} in {} request(s)",
        report.records,
        report.summary.records_with_errors,
        report.plan.records_planned,
        report.plan.requests.len()
    ));
    lines.join("\n")
}

fn render_diagnostic(diagnostic: &Diagnostic) -> String {
    let location = &diagnostic.location;
    let record = location.record.map_or("file".to_owned(), |record| format!("record {record}"));
    let span = location.span.map_or(String::new(), |span| format!(" [{}..{}]", span.start, span.end));
    let source = location.source.map_or(String::new(), |span| format!(" @{}..{}", span.start, span.end));
    let mut line = format!(
        "{} {} {record} `{}`{span}{source}: {}",
        diagnostic.code(),
        diagnostic.severity,
        location.pointer,
        diagnostic.message
    );
    if let Some(help) = &diagnostic.help {
        line.push_str(&format!("\n    help: {help}"));
    }
    if let Some(fix) = &diagnostic.fix {
        line.push_str(&format!("\n    fix: {}", fix.title));
        for edit in &fix.edits {
            line.push_str(&format!("\n      set {} = {}", edit.pointer, edit.value));
        }
    }
    line
}

#[test]
fn every_import_rule_has_a_fixture_that_fires_and_passes() {
    let mut missing = Vec::new();
    for &rule in Rule::ALL {
        if rule.code().starts_with("MML") {
            continue;
        }
        let bytes = match (generated_fixture(rule), fixture_path(rule)) {
            (Some(bytes), _) => bytes,
            (None, Some(path)) => std::fs::read(&path).unwrap_or_else(|error| panic!("{path:?}: {error}")),
            (None, None) => {
                missing.push(rule.code());
                continue;
            }
        };
        let report = validate(&bytes, &options_for(rule));
        let firing: Vec<&Diagnostic> = report.diagnostics.iter().filter(|diagnostic| diagnostic.rule == rule).collect();
        assert!(!firing.is_empty(), "{}: the fixture does not trigger the rule\n{}", rule.code(), render(&report));
        let file_level = firing.iter().all(|diagnostic| diagnostic.location.record.is_none());
        if !file_level {
            let passing = (0..report.records).any(|record| !firing.iter().any(|diagnostic| diagnostic.location.record == Some(record)));
            assert!(passing, "{}: the fixture has no passing record", rule.code());
        }
        for diagnostic in &report.diagnostics {
            if let Some(source) = diagnostic.location.source {
                assert!(source.start <= source.end && source.end <= bytes.len(), "{}: source span outside the file", rule.code());
            }
        }
        insta::assert_snapshot!(rule.code().to_ascii_lowercase(), render(&report));
    }
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}
