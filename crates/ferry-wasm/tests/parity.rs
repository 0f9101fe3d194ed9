//! The WebAssembly build gives the same reports as the native build, on every rule fixture of ferry-core.
//!
//! Two halves in one file, compared through files written by the first:
//! - natively (`cargo test -p ferry-wasm`): each fixture in `ferry-core/fixtures/rules/` is validated by the
//!   native ferry-core, and the options and report are written as JSON to `tests/parity/expected/<name>.json`;
//!   `tests/parity/fixtures.rs` lists every fixture with its expected file. When any of these files is not
//!   what the native build gives, the test rewrites it and fails: review the change, commit it, run again.
//! - in WebAssembly (`cargo test -p ferry-wasm --target wasm32-unknown-unknown`, in Node and in headless
//!   Chromium): each fixture is validated by ferry-core compiled to wasm, by the `validate` binding (the
//!   object JavaScript receives, through `JSON.stringify`), and by the `StreamingValidator` binding fed in
//!   chunks of several sizes; every report must equal the native JSON.
//!
//! Options follow the fixture test of ferry-core (`tests/rule_fixtures.rs` there): now is 1,700,000,000,000 ms,
//! fixtures of the `TEAMS` family use the Teams target, and a sibling `<code>.options.json` overrides options.
//! Fixtures that ferry-core generates in code (too large to keep in the repository) are not covered here.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::fmt::Write as _;
    use std::path::{Path, PathBuf};

    use ferry_core::{Options, Report, Target};
    use serde::Serialize;

    const NOW_MILLIS: i64 = 1_700_000_000_000;

    fn manifest_directory() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn fixture_directory() -> PathBuf {
        manifest_directory().join("../ferry-core/fixtures/rules")
    }

    fn parity_directory() -> PathBuf {
        manifest_directory().join("tests/parity")
    }

    /// The fixtures, by file name, sorted: every `.json` and `.ndjson` file but the `.options.json` ones and the
    /// `.pod.json` pod facts of the pre-flight rules (which validation alone does not read).
    fn fixture_names() -> Vec<String> {
        let entries = std::fs::read_dir(fixture_directory()).expect("ferry-core's rule fixtures are readable");
        let mut names: Vec<String> = entries
            .map(|entry| entry.expect("a directory entry").file_name().to_string_lossy().into_owned())
            .filter(|name| {
                (name.ends_with(".json") || name.ends_with(".ndjson"))
                    && !name.ends_with(".options.json")
                    && !name.ends_with(".pod.json")
            })
            .collect();
        names.sort();
        names
    }

    fn stem(name: &str) -> &str {
        name.split('.').next().unwrap_or(name)
    }

    fn options_for(name: &str) -> Options {
        let target = if stem(name).starts_with("teams") { Target::Teams } else { Target::Symphony };
        let overrides = fixture_directory().join(format!("{}.options.json", stem(name)));
        let mut options = serde_json::to_value(Options::new(target, NOW_MILLIS)).expect("options serialize");
        if let Ok(text) = std::fs::read_to_string(&overrides) {
            let given: serde_json::Value = serde_json::from_str(&text).expect("an options fixture is JSON");
            for (key, value) in given.as_object().expect("an options fixture is an object") {
                options[key] = value.clone();
            }
        }
        serde_json::from_value(options).expect("the options fixture describes options")
    }

    /// One expected file. A struct, not a `serde_json::Value`, so that the text is the same whether or not
    /// another crate of the build turns on serde_json's `preserve_order`.
    #[derive(Serialize)]
    struct ExpectedFile<'a> {
        options: &'a Options,
        report: &'a Report,
    }

    /// Writes `text` to `path` unless it already holds it; returns whether it was written.
    fn ensure_file_contents(path: &Path, text: &str) -> bool {
        if std::fs::read_to_string(path).is_ok_and(|old| old == text) {
            return false;
        }
        std::fs::create_dir_all(path.parent().expect("a file has a folder")).expect("the folder can be created");
        std::fs::write(path, text).expect("the expected file can be written");
        true
    }

    #[test]
    fn expected_reports_are_the_native_ones() {
        let names = fixture_names();
        assert!(names.len() >= 10, "ferry-core should have rule fixtures, found {names:?}");
        let expected_directory = parity_directory().join("expected");
        let mut changed = Vec::new();
        let mut table = String::from(
            "// @generated natively by `cargo test -p ferry-wasm --test parity`; do not edit.\n\
             // (fixture file, its bytes, expected JSON: {\"options\": ..., \"report\": ...} from the native build)\n\
             const FIXTURES: &[(&str, &[u8], &str)] = &[\n",
        );
        for name in &names {
            let options = options_for(name);
            let input = std::fs::read(fixture_directory().join(name)).expect("a fixture is readable");
            let report = ferry_core::validate(&input, &options);
            let text = serde_json::to_string_pretty(&ExpectedFile { options: &options, report: &report }).expect("a report serializes") + "\n";
            let expected_name = format!("{}.json", stem(name));
            if ensure_file_contents(&expected_directory.join(&expected_name), &text) {
                changed.push(expected_name.clone());
            }
            let _ = writeln!(
                table,
                "    (\n        {name:?},\n        include_bytes!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/../ferry-core/fixtures/rules/{name}\")),\n        include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/tests/parity/expected/{expected_name}\")),\n    ),"
            );
        }
        table.push_str("];\n");
        if ensure_file_contents(&parity_directory().join("fixtures.rs"), &table) {
            changed.push("fixtures.rs".to_owned());
        }
        let wanted: Vec<String> = names.iter().map(|name| format!("{}.json", stem(name))).collect();
        for entry in std::fs::read_dir(&expected_directory).expect("the expected folder is readable") {
            let file_name = entry.expect("a directory entry").file_name().to_string_lossy().into_owned();
            if !wanted.contains(&file_name) {
                std::fs::remove_file(expected_directory.join(&file_name)).expect("a stale file can be removed");
                changed.push(format!("{file_name} (removed)"));
            }
        }
        assert!(
            changed.is_empty(),
            "the native reports changed; crates/ferry-wasm/tests/parity/ was rewritten: review and commit {changed:?}"
        );
    }
}

#[cfg(target_arch = "wasm32")]
mod support;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use ferry_core::{Options, Validator};
    use ferry_wasm::StreamingValidator;
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::wasm_bindgen_test;

    use crate::support::{as_json, js_options};

    include!("parity/fixtures.rs");

    /// Chunk sizes the streaming checks use: one byte at a time, odd sizes, and larger than most fixtures.
    const CHUNK_SIZES: [usize; 4] = [1, 7, 64, 4096];

    struct Expected {
        options_json: String,
        report: serde_json::Value,
    }

    fn expected(text: &str) -> Expected {
        let mut value: serde_json::Value = serde_json::from_str(text).expect("the expected file is JSON");
        Expected { options_json: value["options"].to_string(), report: value["report"].take() }
    }

    fn assert_same(name: &str, how: &str, actual: &serde_json::Value, expected: &serde_json::Value) {
        assert!(
            actual == expected,
            "{name}, {how}: the wasm report differs from the native one\n  wasm:   {actual}\n  native: {expected}"
        );
    }

    #[wasm_bindgen_test]
    fn core_compiled_to_wasm_gives_the_native_report() {
        assert!(!FIXTURES.is_empty(), "no fixture in the table");
        for (name, input, expected_text) in FIXTURES {
            let expected = expected(expected_text);
            let options: Options = serde_json::from_str(&expected.options_json).expect("options deserialize");
            let report = ferry_core::validate(input, &options);
            let actual = serde_json::to_value(&report).expect("a report serializes");
            assert_same(name, "ferry_core::validate", &actual, &expected.report);
        }
    }

    #[wasm_bindgen_test]
    fn core_validator_in_chunks_gives_the_native_report() {
        for (name, input, expected_text) in FIXTURES {
            let expected = expected(expected_text);
            let options: Options = serde_json::from_str(&expected.options_json).expect("options deserialize");
            for chunk_size in CHUNK_SIZES {
                let mut validator = Validator::new(options.clone());
                validator.begin_file(name);
                for chunk in input.chunks(chunk_size) {
                    validator.push(chunk);
                }
                validator.end_file();
                let actual = serde_json::to_value(validator.finish()).expect("a report serializes");
                assert_same(name, &format!("Validator in chunks of {chunk_size}"), &actual, &expected.report);
            }
        }
    }

    #[wasm_bindgen_test]
    fn validate_binding_gives_javascript_the_native_report() {
        for (name, input, expected_text) in FIXTURES {
            let expected = expected(expected_text);
            let report = ferry_wasm::validate(input, Some(js_options(&expected.options_json)))
                .unwrap_or_else(|_| panic!("{name}: validate threw"));
            assert_same(name, "validate()", &as_json(&report), &expected.report);
        }
    }

    #[wasm_bindgen_test]
    fn streaming_binding_in_chunks_gives_javascript_the_native_report() {
        for (name, input, expected_text) in FIXTURES {
            let expected = expected(expected_text);
            for chunk_size in CHUNK_SIZES {
                let run = || -> Result<JsValue, wasm_bindgen::JsError> {
                    let mut validator = StreamingValidator::new(Some(js_options(&expected.options_json)))?;
                    validator.begin_file(name)?;
                    for chunk in input.chunks(chunk_size) {
                        validator.push(chunk)?;
                    }
                    validator.end_file()?;
                    Ok(validator.finish()?.into())
                };
                let report = run().unwrap_or_else(|_| panic!("{name}: StreamingValidator threw"));
                assert_same(name, &format!("StreamingValidator in chunks of {chunk_size}"), &as_json(&report), &expected.report);
            }
        }
    }
}
