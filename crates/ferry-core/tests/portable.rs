//! Properties that must hold the same natively and in WebAssembly: this file runs under `cargo test` and,
//! compiled to wasm32, under `wasm-bindgen-test` in Node and in Chromium (`cargo xtask test`).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as portable_test;

#[cfg(not(target_arch = "wasm32"))]
use core::prelude::v1::test as portable_test;

use ferry_core::{validate, LineIndex, Options, Report, Rule, Target, Validator};

const NOW_MILLIS: i64 = 1_700_000_000_000;
const STREAM: &str = "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA";

fn record(index: usize, timestamp: i64, user_id: &str) -> String {
    format!(
        r#"{{"message":"<messageML>Hello {index}</messageML>","intendedMessageTimestamp":{timestamp},"intendedMessageFromUserId":{user_id},"originatingSystemId":"fooChat","originalMessageId":"m-{index}","streamId":"{STREAM}"}}"#
    )
}

fn options() -> Options {
    Options::new(Target::Symphony, NOW_MILLIS)
}

fn in_chunks(bytes: &[u8], chunk: usize) -> Report {
    let mut validator = Validator::new(options());
    validator.begin_file("input");
    for piece in bytes.chunks(chunk) {
        validator.push(piece);
    }
    validator.end_file();
    validator.finish()
}

#[portable_test]
fn integers_above_two_to_the_53_stay_exact() {
    // 2^53 + 1 cannot be held by an f64: a reader going through floats would print ...992.
    let batch = format!("[{}]", record(0, 9_007_199_254_740_993, "9007199254740993"));
    let report = validate(batch.as_bytes(), &options());
    let future = report
        .diagnostics
        .iter()
        .find(|diagnostic| diagnostic.location.pointer == "/intendedMessageTimestamp")
        .expect("a timestamp in 285,000 AD is in the future");
    assert!(future.message.contains("9007199254740993"), "{}", future.message);
    assert!(!report.diagnostics.iter().any(|diagnostic| diagnostic.location.pointer == "/intendedMessageFromUserId"));
}

#[portable_test]
fn the_report_does_not_depend_on_chunking() {
    let batch = format!(
        "[{},{},{{\"message\": \"plain text\"}},{}]",
        record(0, 1_433_045_622_000, "7215545057281"),
        record(1, 1_433_045_621_000, "7215545057281"),
        record(0, 1_433_045_623_000, "7215545057281"),
    );
    let whole = validate(batch.as_bytes(), &options());
    assert!(!whole.diagnostics.is_empty());
    for chunk in [1, 7, 64, 4096] {
        assert_eq!(in_chunks(batch.as_bytes(), chunk), whole, "chunks of {chunk} bytes");
    }
}

#[portable_test]
fn malformed_json_is_located_inside_the_input() {
    let batch = format!("[{},{{\"message\" 1}}]", record(0, 1_433_045_622_000, "7215545057281"));
    let report = validate(batch.as_bytes(), &options());
    assert_eq!(report.records, 1);
    let malformed = report.diagnostics.iter().find(|diagnostic| diagnostic.rule == Rule::MalformedJson).expect("JSON001");
    let source = malformed.location.source.expect("a malformed place has a source span");
    assert!(source.end <= batch.len() && source.start <= source.end, "{source:?}");
}

#[portable_test]
fn columns_count_utf16_units_for_the_browser() {
    let text = "[\n  {\"message\": \"😀 x\"}\n]".as_bytes();
    let index = LineIndex::from_source_bytes(text);
    let x = text.iter().position(|&byte| byte == b'x').expect("x is in the text");
    let position = index.line_column(x, text);
    assert_eq!(position.line, 2);
    // The emoji is 4 bytes, 1 character, 2 UTF-16 units.
    assert_eq!(index.utf16_column(x, text), position.column + 1);
}

#[portable_test]
fn requests_hold_at_most_five_thousand_records() {
    let records: Vec<String> =
        (0..12_000).map(|index| record(index, 1_433_045_622_000 + index as i64, "7215545057281")).collect();
    let batch = format!("[{}]", records.join(","));
    let report = validate(batch.as_bytes(), &options());
    assert_eq!(report.summary.errors, 0, "{:?}", report.diagnostics.first());
    let sizes: Vec<usize> = report.plan.requests.iter().map(|request| request.records.len()).collect();
    assert_eq!(sizes, [5_000, 5_000, 2_000]);
}

#[portable_test]
fn every_rule_carries_its_documentation() {
    for rule in Rule::ALL {
        assert!(rule.doc().contains("## What it does"), "{}", rule.code());
    }
}
