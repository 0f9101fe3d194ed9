//! MessageML conformance: the reference parser's own test cases, run through the public API the import checks
//! use (`ferry_core::messageml::check_message`), scored against the recorded best figures.
//!
//! Outcome: a case counts as rejected when at least one diagnostic has error severity. Error text: for invalid
//! cases that carry an expected error, our first error's message must contain it (Jackson's multi-line
//! messages are compared on their first line, as the corpus README advises).
//!
//! The corpus lives outside the repository (`../shared/conformance` next to the workspace root). When it is
//! absent the test says so and passes without measuring anything.

#![allow(clippy::expect_used)]

use std::path::PathBuf;

use ferry_core::messageml::{check_message, MessageMlOptions};
use ferry_core::Severity;
use serde_json::Value;

mod common;
use common::Tally;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance")
}

fn ratchet_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("conformance-ratchet.json")
}

#[test]
fn messageml_corpus_agrees_with_the_reference() {
    let dir = corpus_dir();
    let (Ok(corpus_text), Ok(annotations_text)) = (
        std::fs::read_to_string(dir.join("messageml-corpus.json")),
        std::fs::read_to_string(dir.join("messageml-corpus-annotations.json")),
    ) else {
        eprintln!("MessageML conformance corpus absent at {}: figures not measured", dir.display());
        return;
    };
    let corpus: Vec<Value> = serde_json::from_str(&corpus_text).expect("corpus is JSON");
    let annotations: Value = serde_json::from_str(&annotations_text).expect("annotations are JSON");
    let options = MessageMlOptions::default();

    let (mut overall, mut plain, mut error_text) = (Tally::default(), Tally::default(), Tally::default());
    let mut disagreements = Vec::new();
    for case in &corpus {
        let id = case["id"].as_str().unwrap_or_default();
        let message = case["message"].as_str().unwrap_or_default();
        let data = case["data"].as_str();
        let expected_valid = case["valid"].as_bool().unwrap_or(true);
        let annotation = &annotations[id];
        let annotated = annotation.get("depends_on").is_some() || annotation["freemarker"].as_bool().unwrap_or(false);

        let diagnostics = check_message(message, data, &options);
        let first_error = diagnostics.iter().find(|diagnostic| diagnostic.severity == Severity::Error);
        let agrees = first_error.is_none() == expected_valid;
        overall.add(agrees);
        if !annotated {
            plain.add(agrees);
        }
        let mut text_note = String::new();
        if let (false, Some(expected)) = (expected_valid, case["error"].as_str()) {
            let expected_first_line = expected.lines().next().unwrap_or(expected);
            let matches = first_error.is_some_and(|diagnostic| diagnostic.message.contains(expected_first_line));
            error_text.add(matches);
            if !matches {
                text_note = format!("expected text {expected_first_line:?}");
            }
        }
        if !agrees || !text_note.is_empty() {
            disagreements.push(format!(
                "{id}{}: expected {}, got {:?} {text_note}",
                if annotated { " (annotated)" } else { "" },
                if expected_valid { "valid" } else { "invalid" },
                first_error.map(|diagnostic| diagnostic.message.as_str()),
            ));
        }
    }

    for line in &disagreements {
        eprintln!("  {line}");
    }
    let figures = [
        ("outcome_overall", overall.percent()),
        ("outcome_without_annotations", plain.percent()),
        ("error_text", error_text.percent()),
    ];
    eprintln!(
        "MessageML conformance: outcome {}/{} ({:.1}%), without depends_on/freemarker {}/{} ({:.1}%), error text {}/{} ({:.1}%)",
        overall.agree,
        overall.total,
        figures[0].1,
        plain.agree,
        plain.total,
        figures[1].1,
        error_text.agree,
        error_text.total,
        figures[2].1,
    );

    let ratchet: Value = std::fs::read_to_string(ratchet_path())
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null);
    let mut regressions = Vec::new();
    for (name, measured) in figures {
        let best = ratchet[name].as_f64().unwrap_or(0.0);
        if measured + 1e-9 < best {
            regressions.push(format!("{name}: {measured:.2}% is below the recorded best {best:.2}%"));
        } else if measured > best + 1e-9 {
            eprintln!("{name}: {measured:.2}% beats the recorded best {best:.2}%: raise it in {}", ratchet_path().display());
        }
    }
    assert!(regressions.is_empty(), "conformance dropped:\n{}", regressions.join("\n"));
}
