//! What the JavaScript binding adds to the core: options with defaults (`nowMillis` from the page's clock),
//! errors thrown instead of panics, and the streaming validator's life cycle. Runs in WebAssembly only (Node
//! and headless Chromium); the reports themselves are compared with the native ones in `parity.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#![cfg(target_arch = "wasm32")]

mod support;

use ferry_wasm::{validate, StreamingValidator};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use support::{as_json, js_options};

const DAY_MILLIS: i64 = 24 * 60 * 60 * 1000;

/// One valid record dated `timestamp`, with `user_id` as given (raw JSON).
fn record(timestamp: i64, user_id: &str) -> String {
    format!(
        "{{\"message\":\"<messageML>hi</messageML>\",\"intendedMessageTimestamp\":{timestamp},\
         \"intendedMessageFromUserId\":{user_id},\"originatingSystemId\":\"fooChat\",\"originalMessageId\":\"m-1\",\
         \"streamId\":\"Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA\"}}\n"
    )
}

fn codes(report: &serde_json::Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .map(|diagnostic| diagnostic["rule"].as_str().expect("rule is a code").to_owned())
        .collect()
}

fn now_millis() -> i64 {
    js_sys::Date::now() as i64
}

#[wasm_bindgen_test]
fn now_defaults_to_the_clock_when_left_out() {
    let tomorrow = record(now_millis() + DAY_MILLIS, "7215545057281");
    let cases = [
        ("options left out", None, true),
        ("empty options", Some("{}".to_owned()), true),
        ("now given, after the record", Some(format!("{{\"nowMillis\": {}}}", now_millis() + 2 * DAY_MILLIS)), false),
        ("target given, now left out", Some("{\"target\": \"symphony\"}".to_owned()), true),
    ];
    for (name, options, expect_future) in cases {
        let report = validate(tomorrow.as_bytes(), options.as_deref().map(js_options)).expect("validate succeeds");
        let report = as_json(&report.into());
        assert_eq!(report["records"], 1, "{name}");
        assert_eq!(codes(&report).contains(&"TS001".to_owned()), expect_future, "{name}: {:?}", codes(&report));
    }
}

#[wasm_bindgen_test]
fn bad_options_throw_instead_of_panicking() {
    for options in ["\"symphony\"", "[1, 2]", "{\"target\": \"slack\"}", "{\"nowMillis\": 1.5}", "{\"maxDepth\": -1}"] {
        let outcome = validate(b"[]", Some(js_options(options)));
        assert!(outcome.is_err(), "options {options} were accepted");
        assert!(StreamingValidator::new(Some(js_options(options))).is_err(), "options {options} were accepted");
    }
}

#[wasm_bindgen_test]
fn a_finished_validator_refuses_further_calls() {
    let mut validator = StreamingValidator::new(None).expect("a validator");
    validator.push(record(1_433_045_622_000, "7215545057281").as_bytes()).expect("push");
    let report = as_json(&validator.finish().expect("finish").into());
    assert_eq!(report["records"], 1);
    assert!(validator.push(b"{}").is_err());
    assert!(validator.begin_file("next.json").is_err());
    assert!(validator.end_file().is_err());
    assert!(validator.summary().is_err());
    assert!(validator.drain_diagnostics().is_err());
    assert!(validator.finish().is_err());
}

#[wasm_bindgen_test]
fn drained_findings_leave_the_report_but_stay_counted() {
    let options = Some(js_options("{\"nowMillis\": 1700000000000}"));
    let mut validator = StreamingValidator::new(options).expect("a validator");
    validator.begin_file("part-1.ndjson").expect("begin");
    validator.push(record(-5, "7215545057281").as_bytes()).expect("push");
    validator.end_file().expect("end");
    let drained = as_json(&validator.drain_diagnostics().expect("drain").into());
    let drained = drained.as_array().expect("an array of diagnostics").len();
    assert!(drained > 0, "a negative timestamp gives a finding");
    let summary = as_json(&validator.summary().expect("summary").into());
    assert_eq!(summary["files"], 1);
    validator.begin_file("part-2.ndjson").expect("begin");
    validator.push(b"[").expect("push");
    let report = as_json(&validator.finish().expect("finish").into());
    let summary = &report["summary"];
    let counted = summary["errors"].as_u64().unwrap_or(0) + summary["warnings"].as_u64().unwrap_or(0)
        + summary["infos"].as_u64().unwrap_or(0);
    assert_eq!(summary["files"], 2);
    assert_eq!(codes(&report), vec!["JSON001".to_owned()], "only the second file's truncation is left");
    assert_eq!(counted as usize, drained + 1, "the summary counts drained findings too");
}

#[wasm_bindgen_test]
fn fix_values_beyond_2_pow_53_are_exact_bigints() {
    // The fix for a user id given as a string is the id as a number; above 2^53 a JavaScript number would
    // round it, so that value comes as a BigInt, from `validate` and from `drainDiagnostics` alike.
    let bytes = record(1_433_045_622_000, "\"9007199254740993\"");
    let from_validate = JsValue::from(validate(bytes.as_bytes(), None).expect("validate succeeds"));
    let diagnostics = js_sys::Reflect::get(&from_validate, &"diagnostics".into()).expect("diagnostics");
    let mut streaming = StreamingValidator::new(None).expect("a validator");
    streaming.push(bytes.as_bytes()).expect("push");
    let drained = JsValue::from(streaming.drain_diagnostics().expect("drain"));
    for (how, list) in [("validate", diagnostics), ("drainDiagnostics", drained)] {
        let values: Vec<JsValue> = js_sys::Array::from(&list)
            .iter()
            .filter_map(|diagnostic| {
                let fix = js_sys::Reflect::get(&diagnostic, &"fix".into()).ok()?;
                let edits = js_sys::Reflect::get(&fix, &"edits".into()).ok()?;
                Some(js_sys::Array::from(&edits).iter().filter_map(|edit| js_sys::Reflect::get(&edit, &"value".into()).ok()).collect::<Vec<_>>())
            })
            .flatten()
            .collect();
        let exact = js_sys::BigInt::from(9_007_199_254_740_993_u64);
        assert!(
            values.iter().any(|value| value.is_bigint() && value.loose_eq(&exact)),
            "{how}: no fix value is the BigInt 9007199254740993n"
        );
    }
}
