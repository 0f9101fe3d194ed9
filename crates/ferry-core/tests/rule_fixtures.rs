//! Every rule of the import checks (all families but `MML`, which has its own corpus) has a fixture in
//! `fixtures/rules/<code>.json` (or `.ndjson`) with records that pass and records that fail; the findings
//! are snapshotted. A fixture must make its rule fire, and must hold at least one record the rule does not
//! fire on (file-level rules, which have no record, are exempt from the second).
//!
//! Options: `now` is fixed at 2023-11-14T22:13:20Z (1,700,000,000,000 ms); fixtures of the `TEAMS` family
//! run with the Teams target; a sibling `<code>.options.json` overrides options.
//!
//! Pre-flight rules (`POD`): a sibling `<code>.pod.json` holds the [`PodFacts`] found in the pod; the batch is
//! validated with its records kept, and each record's needs are checked against the facts, as ferry-proxy
//! does. Their findings follow the validation's in the snapshot.

// The helpers below fail the test by panicking when a fixture cannot be read; clippy's test allowance covers
// only `#[test]` functions themselves.
#![allow(clippy::panic)]

use std::path::{Path, PathBuf};

use ferry_core::pod::{self, PodFacts};
use ferry_core::{validate, Diagnostic, Location, Options, Report, Rule, Target, Validator};

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

/// The pod facts of a `POD` rule's fixture, from `<code>.pod.json`.
fn pod_facts_for(rule: Rule) -> Option<PodFacts> {
    let path = fixture_directory().join(format!("{}.pod.json", rule.code().to_ascii_lowercase()));
    let text = std::fs::read_to_string(&path).ok()?;
    Some(serde_json::from_str(&text).unwrap_or_else(|error| panic!("{path:?}: {error}")))
}

/// Validates `bytes` keeping its records (drained after every chunk of 7 bytes, as a streaming caller does),
/// then runs the pre-flight checks: the service user once, then each record's needs.
fn validate_with_pod(bytes: &[u8], options: &Options, facts: &PodFacts) -> (Report, Vec<Diagnostic>) {
    let mut validator = Validator::new(options.clone());
    validator.keep_records(true);
    validator.begin_file("input");
    let mut records = Vec::new();
    for chunk in bytes.chunks(7) {
        validator.push(chunk);
        records.extend(validator.drain_records());
    }
    validator.end_file();
    records.extend(validator.drain_records());
    let report = validator.finish();
    assert_eq!(records.len(), report.records, "every record is handed over once");
    let mut findings = pod::check_service_user(facts);
    for record in &records {
        assert_eq!(&bytes[record.source.start..record.source.end], &record.text[..], "record text is its source");
        let location = Location { file: record.file, record: Some(record.record), pointer: String::new(), span: None, source: Some(record.source) };
        findings.extend(pod::check_record(&pod::record_needs(&record.text), facts, location));
    }
    (report, findings)
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
        let (report, pod_findings) = match pod_facts_for(rule) {
            Some(facts) => validate_with_pod(&bytes, &options_for(rule), &facts),
            None => (validate(&bytes, &options_for(rule)), Vec::new()),
        };
        let mut rendered = render(&report);
        if !pod_findings.is_empty() {
            rendered.push_str("\npre-flight against the pod:");
            for diagnostic in &pod_findings {
                rendered.push('\n');
                rendered.push_str(&render_diagnostic(diagnostic));
            }
        }
        let firing: Vec<&Diagnostic> =
            report.diagnostics.iter().chain(&pod_findings).filter(|diagnostic| diagnostic.rule == rule).collect();
        assert!(!firing.is_empty(), "{}: the fixture does not trigger the rule\n{rendered}", rule.code());
        let file_level = firing.iter().all(|diagnostic| diagnostic.location.record.is_none());
        if !file_level {
            let passing = (0..report.records).any(|record| !firing.iter().any(|diagnostic| diagnostic.location.record == Some(record)));
            assert!(passing, "{}: the fixture has no passing record", rule.code());
        }
        for diagnostic in report.diagnostics.iter().chain(&pod_findings) {
            if let Some(source) = diagnostic.location.source {
                assert!(source.start <= source.end && source.end <= bytes.len(), "{}: source span outside the file", rule.code());
            }
        }
        insta::assert_snapshot!(rule.code().to_ascii_lowercase(), rendered);
    }
    assert!(missing.is_empty(), "rules without a fixture: {missing:?}");
}
