//! MessageML fidelity: messages the reference parser (finos/messageml-utils 1.1.3) never had in its own tests,
//! each labelled with its verdict, run through the public API the import checks use
//! (`ferry_core::messageml::check_message`) and scored against the recorded best figures.
//!
//! Scoring follows the set's README (`../shared/fidelity/README.md`):
//! - outcome: a case agrees when Ferry reports an error exactly when the reference rejected the message. Cases
//!   with `depends_on` (the verdict hinges on the pod) are scored apart and kept out of the overall figure;
//! - wording: for a rejected case, the reference's whole error text (Jackson's location suffix included) is
//!   contained in the message of Ferry's first error.
//!
//! `crashes.ndjson` holds inputs on which the reference throws something other than a validation error. Ferry
//! must not panic on any of them (each is run under `catch_unwind`; a panic fails the test), and should reject
//! them: the figures are the share rejected and the share whose first error says the Agent's parser will fail
//! (`MML023`).
//!
//! The ratchet (`tests/fidelity-ratchet.json`) holds the best figures, to one decimal; the test fails when one
//! drops below its record and prints the new record when one rises. Set `FERRY_FIDELITY_DISAGREEMENTS` to a file
//! path to get every disagreement written there (only a few per family are printed).
//!
//! The set lives outside the repository (`../shared/fidelity` next to the workspace root). When it is absent the
//! test says so and passes without measuring anything.

#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use ferry_core::messageml::{check_message, MessageMlOptions};
use ferry_core::{Diagnostic, Severity};
use serde_json::Value;

mod common;
use common::Tally;

/// Disagreements printed per family; the rest only go to `FERRY_FIDELITY_DISAGREEMENTS`.
const PRINTED_PER_FAMILY: usize = 8;

/// A figure as the ratchet records it: a percentage rounded down to one decimal, so that a record is never
/// above what was measured.
fn recorded(tally: &Tally) -> f64 {
    (tally.percent() * 10.0 + 1e-9).floor() / 10.0
}

/// Outcome and wording figures of one family (or of the whole set).
#[derive(Default, Debug, Clone, Copy)]
struct Scores {
    outcome: Tally,
    wording: Tally,
}

fn set_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fidelity")
}

fn ratchet_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fidelity-ratchet.json")
}

/// Ferry's findings on one labelled input; `None` when the check panicked.
fn check(case: &Value, options: &MessageMlOptions) -> Option<Vec<Diagnostic>> {
    let message = case["message"].as_str().unwrap_or_default();
    let data = case["data"].as_str();
    catch_unwind(AssertUnwindSafe(|| check_message(message, data, options))).ok()
}

fn first_error(diagnostics: &[Diagnostic]) -> Option<&Diagnostic> {
    diagnostics.iter().find(|diagnostic| diagnostic.severity == Severity::Error)
}

fn parse_lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

#[test]
fn messageml_fidelity_set_agrees_with_the_reference() {
    let dir = set_dir();
    let (Ok(cases_text), Ok(crashes_text)) =
        (std::fs::read_to_string(dir.join("cases.ndjson")), std::fs::read_to_string(dir.join("crashes.ndjson")))
    else {
        eprintln!(
            "MessageML fidelity set absent at {}: outcome, wording and crash figures not measured, ratchet not checked",
            dir.display()
        );
        return;
    };
    let started = std::time::Instant::now();
    let options = MessageMlOptions::default();
    let mut panics = Vec::new();

    let mut by_family: BTreeMap<String, Scores> = BTreeMap::new();
    let mut overall = Scores::default();
    let mut pod_dependent = Tally::default();
    let mut disagreements: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for case in parse_lines(&cases_text) {
        let id = case["id"].as_str().unwrap_or_default().to_owned();
        let family = case["family"].as_str().unwrap_or_default().to_owned();
        let expected_valid = case["valid"].as_bool().unwrap_or(true);
        let Some(diagnostics) = check(&case, &options) else {
            panics.push(id);
            continue;
        };
        let first = first_error(&diagnostics);
        let agrees = first.is_none() == expected_valid;
        if case.get("depends_on").is_some_and(|value| !value.is_null()) {
            pod_dependent.add(agrees);
            continue;
        }
        let scores = by_family.entry(family.clone()).or_default();
        scores.outcome.add(agrees);
        overall.outcome.add(agrees);
        let expected_error = case["error"].as_str().filter(|_| !expected_valid);
        let worded = expected_error.map(|expected| first.is_some_and(|error| error.message.contains(expected)));
        if let Some(worded) = worded {
            scores.wording.add(worded);
            overall.wording.add(worded);
        }
        if !agrees || worded == Some(false) {
            disagreements.entry(family).or_default().push(format!(
                "{id}: expected {}, got {}: {:?}",
                expected_error.map_or_else(|| "valid".to_owned(), |error| format!("{error:?}")),
                first.map_or("valid", |error| error.code()),
                first.map(|error| error.message.as_str()),
            ));
        }
    }

    let mut crashes = Scores::default();
    for case in parse_lines(&crashes_text) {
        let Some(diagnostics) = check(&case, &options) else {
            panics.push(case["id"].as_str().unwrap_or_default().to_owned());
            continue;
        };
        let first = first_error(&diagnostics);
        crashes.outcome.add(first.is_some());
        let flagged = first.is_some_and(|error| error.code() == "MML023");
        crashes.wording.add(flagged);
        if !flagged {
            disagreements.entry("crashes".to_owned()).or_default().push(format!(
                "{}: reference throws {}, got {:?}",
                case["id"].as_str().unwrap_or_default(),
                case["exception"].as_str().unwrap_or_default(),
                first.map(|error| (error.code(), error.message.as_str())),
            ));
        }
    }

    for (family, lines) in &disagreements {
        eprintln!("{family}: {} disagreements, the first ones:", lines.len());
        for line in lines.iter().take(PRINTED_PER_FAMILY) {
            eprintln!("  {line}");
        }
    }
    if let Ok(path) = std::env::var("FERRY_FIDELITY_DISAGREEMENTS") {
        let all: String = disagreements.values().flatten().fold(String::new(), |mut text, line| {
            let _ = writeln!(text, "{line}");
            text
        });
        std::fs::write(&path, all).expect("the disagreements file is writable");
        eprintln!("every disagreement written to {path}");
    }

    eprintln!("MessageML fidelity ({:.1} s):", started.elapsed().as_secs_f64());
    eprintln!("  {:<8} {:>27} {:>28}", "family", "outcome", "wording");
    let mut figures: Vec<(String, Tally)> = Vec::new();
    for (family, scores) in by_family.iter().chain([(&"all".to_owned(), &overall)]) {
        eprintln!(
            "  {family:<8} {:>8}/{:<8} {:>8.2}% {:>8}/{:<8} {:>8.2}%",
            scores.outcome.agree,
            scores.outcome.total,
            scores.outcome.percent(),
            scores.wording.agree,
            scores.wording.total,
            scores.wording.percent(),
        );
        figures.push((format!("outcome_{family}"), scores.outcome));
        figures.push((format!("wording_{family}"), scores.wording));
    }
    eprintln!(
        "  pod-dependent cases (depends_on, scored apart): {}/{} agree with the labels' pod assumptions",
        pod_dependent.agree, pod_dependent.total
    );
    eprintln!(
        "  crashes: {}/{} rejected, {}/{} with MML023 (the Agent's parser fails) as the first error",
        crashes.outcome.agree, crashes.outcome.total, crashes.wording.agree, crashes.wording.total
    );
    figures.push(("crashes_rejected".to_owned(), crashes.outcome));
    figures.push(("crashes_flagged".to_owned(), crashes.wording));
    assert!(panics.is_empty(), "check_message panicked on {}", panics.join(", "));

    let ratchet: Value = std::fs::read_to_string(ratchet_path())
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    let mut regressions = Vec::new();
    let mut improved = false;
    for (name, tally) in &figures {
        let measured = recorded(tally);
        let best = ratchet[name].as_f64().unwrap_or(0.0);
        if measured + 1e-9 < best {
            regressions.push(format!("{name}: {measured:.1}% is below the recorded best {best:.1}%"));
        } else if measured > best + 1e-9 {
            improved = true;
            eprintln!("{name}: {measured:.1}% beats the recorded best {best:.1}%");
        }
    }
    if improved && regressions.is_empty() {
        let record: serde_json::Map<String, Value> =
            figures.iter().map(|(name, tally)| (name.clone(), Value::from(recorded(tally)))).collect();
        eprintln!(
            "raise the record: write this to {}\n{}",
            ratchet_path().display(),
            serde_json::to_string_pretty(&record).expect("figures serialise")
        );
    }
    assert!(regressions.is_empty(), "fidelity dropped:\n{}", regressions.join("\n"));
}
