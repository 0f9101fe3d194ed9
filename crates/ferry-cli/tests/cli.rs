//! The `ferry` binary from the outside: exit codes, the human and JSON reports (insta snapshots), standard
//! input, several files as one batch, `ferry explain`, and `--fix --output`.
//!
//! Every run passes `--now 2026-01-01T00:00:00Z` so the reports do not depend on the clock, and runs from the
//! crate's directory so the paths in the reports are the stable `tests/fixtures/...`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

const NOW: &str = "2026-01-01T00:00:00Z";

/// Exit code, standard output, standard error.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn ferry(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("ferry starts");
    if let Some(bytes) = stdin {
        // A run that fails before reading its input closes the pipe early; that is not the test's concern.
        let _ = child.stdin.take().expect("piped stdin").write_all(bytes);
    }
    let output = child.wait_with_output().expect("ferry finishes");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

fn check_json(files: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--format", "json", "--now", NOW];
    args.extend_from_slice(files);
    let run = ferry(&args, None);
    let report = serde_json::from_str(&run.stdout).unwrap_or_else(|error| panic!("{error}: {}", run.stdout));
    (run.code, report)
}

fn fixture(name: &str) -> String {
    format!("tests/fixtures/{name}")
}

#[test]
fn exit_codes_follow_the_contract() {
    let valid = fixture("valid.json");
    let errors = fixture("errors.json");
    let same_millisecond = fixture("same_millisecond.ndjson");
    let cases: &[(&[&str], i32)] = &[
        // Two messages of one conversation in the same millisecond: fine for Symphony, a conflict for Teams.
        (&["check", "--now", NOW, &same_millisecond], 0),
        (&["check", "--now", NOW, "--target", "symphony", &same_millisecond], 0),
        (&["check", "--now", NOW, "--target", "teams", &same_millisecond], 1),
        (&["check", "--now", NOW, "--target", "slack", &same_millisecond], 2),
        (&["check", "--now", NOW, &valid], 0),
        (&["check", "--now", NOW, "--format", "json", &valid], 0),
        (&["check", "--now", NOW, &errors], 1),
        (&["check", "--now", NOW, "--format", "json", &errors], 1),
        (&["check", "--now", NOW, &valid, &errors], 1),
        (&["check", "--now", "1767225600000", &valid], 0),
        (&["check", "--now", NOW, "tests/fixtures/no-such-file.json"], 2),
        (&["check", "--now", NOW, "tests/fixtures"], 2),
        (&["check", "--now", "yesterday", &valid], 2),
        (&["check", "--format", "xml", &valid], 2),
        (&["check"], 2),
        (&["explain", "JSON001"], 0),
        (&["explain", "json001"], 0),
        (&["explain", "NOPE999"], 2),
    ];
    for (args, expected) in cases {
        let run = ferry(args, None);
        assert_eq!(run.code, *expected, "ferry {}\nstdout: {}\nstderr: {}", args.join(" "), run.stdout, run.stderr);
    }
}

#[test]
fn a_failed_run_says_why_on_stderr_and_prints_no_report() {
    let cases: &[(&[&str], &str)] = &[
        (&["check", "--now", NOW, "tests/fixtures/no-such-file.json"], "could not read `tests/fixtures/no-such-file.json`"),
        (&["check", "--now", "yesterday", "tests/fixtures/valid.json"], "--now `yesterday`"),
        (&["check", "--now", NOW, "-", "-"], "only once"),
    ];
    for (args, expected) in cases {
        let run = ferry(args, Some(b"[]"));
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn human_report_of_errors() {
    let run = ferry(&["check", "--now", NOW, &fixture("errors.json")], None);
    insta::assert_snapshot!("human_errors", run.stdout);
}

#[test]
fn human_report_of_malformed_json() {
    let run = ferry(&["check", "--now", NOW, &fixture("malformed.json")], None);
    insta::assert_snapshot!("human_malformed", run.stdout);
}

#[test]
fn human_report_of_a_long_ndjson_line() {
    let run = ferry(&["check", "--now", NOW, &fixture("long_line.ndjson")], None);
    insta::assert_snapshot!("human_long_line", run.stdout);
}

#[test]
fn human_report_of_a_valid_batch_is_the_counts() {
    let run = ferry(&["check", "--now", NOW, &fixture("valid.json")], None);
    insta::assert_snapshot!("human_valid", run.stdout);
}

#[test]
fn human_report_of_an_empty_input_fails_and_says_why() {
    let run = ferry(&["check", "--now", NOW, "-"], Some(b""));
    assert_eq!(run.code, 1, "{}", run.stdout);
    insta::assert_snapshot!("human_empty", run.stdout);
}

#[test]
fn an_empty_or_blank_file_fails_the_run_beside_a_valid_one() {
    let directory = std::env::temp_dir().join(format!("ferry-cli-empty-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let valid = fixture("valid.json");
    for (name, bytes) in
        [("zero.json", &b""[..]), ("blank.ndjson", &b" \n\t\r\n  "[..]), ("bom.json", &b"\xEF\xBB\xBF\n"[..])]
    {
        let path = directory.join(name);
        std::fs::write(&path, bytes).unwrap();
        let path = path.display().to_string();
        let human = ferry(&["check", "--now", NOW, &valid, &path], None);
        assert_eq!(human.code, 1, "{name}: {}", human.stdout);
        let reason =
            format!("error: `{path}` holds no record (JSON002 EmptyInput), so the run fails: the Agent answers 400");
        assert!(human.stdout.contains(&reason), "{name}: {}", human.stdout);
        assert!(human.stdout.contains("an empty export file is almost always a truncated one"), "{name}");
        let (code, report) = check_json(&[&valid, &path]);
        assert_eq!(code, 1, "{name}: {report}");
        assert_eq!(report["emptyFiles"], serde_json::json!([path]), "{name}");
        assert_eq!(report["summary"]["errors"], 0, "{name}: the core's finding stays a warning");
    }
    // An empty array is an intended empty batch: not an empty file.
    let empty_array = directory.join("empty-array.json");
    std::fs::write(&empty_array, b"[]").unwrap();
    let (code, report) = check_json(&[&empty_array.display().to_string()]);
    assert_eq!((code, &report["emptyFiles"]), (0, &serde_json::json!([])), "{report}");
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn a_run_on_pipes_draws_no_progress() {
    // Standard error is a pipe here, not a terminal: the progress bar is never created, so a check prints
    // nothing there, whatever its length (a terminal is not available to the tests; the bar is checked by hand).
    for args in [
        &["check", "--now", NOW, "tests/fixtures/errors.json"][..],
        &["check", "--now", NOW, "--format", "json", "-"][..],
    ] {
        let run = ferry(args, Some(b"[]"));
        assert!(run.code <= 1, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr, "", "{args:?}: nothing on standard error when it is not a terminal");
    }
}

#[test]
fn json_report_of_errors() {
    let (_, report) = check_json(&[&fixture("errors.json")]);
    insta::assert_json_snapshot!("json_errors", report);
}

#[test]
fn min_severity_leaves_less_severe_findings_out_of_the_listing_only() {
    let (all_code, all) = check_json(&[&fixture("errors.json")]);
    let severities = |report: &Value| -> Vec<String> {
        report["diagnostics"].as_array().unwrap().iter().map(|d| d["severity"].as_str().unwrap().to_owned()).collect()
    };
    assert!(["info", "warning", "error"].iter().all(|severity| severities(&all).iter().any(|s| s == severity)));
    for (threshold, kept) in [("warning", &["warning", "error"][..]), ("error", &["error"][..])] {
        let run = ferry(&["check", "--format", "json", "--now", NOW, "--min-severity", threshold, &fixture("errors.json")], None);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        let expected: Vec<String> = severities(&all).into_iter().filter(|s| kept.contains(&s.as_str())).collect();
        assert_eq!(severities(&report), expected, "--min-severity {threshold}");
        assert_eq!(report["summary"], all["summary"], "the counts cover every finding");
        assert_eq!(run.code, all_code);
    }
    let human = ferry(&["check", "--now", NOW, "--min-severity", "error", &fixture("errors.json")], None);
    assert!(!human.stdout.contains("warning[") && !human.stdout.contains("info["), "{}", human.stdout);
    assert!(human.stdout.contains("error["), "{}", human.stdout);
}

#[test]
fn json_report_of_a_clean_batch_has_no_diagnostics() {
    let (code, report) = check_json(&[&fixture("valid.json")]);
    assert_eq!(code, 0);
    assert_eq!(report["records"], 2);
    assert_eq!(report["diagnostics"], serde_json::json!([]));
    assert_eq!(report["summary"]["errors"], 0);
}

#[test]
fn json_report_has_every_documented_member() {
    let (_, report) = check_json(&[&fixture("errors.json")]);
    assert_eq!(report["records"], 4);
    assert_eq!(report["files"], serde_json::json!(["tests/fixtures/errors.json"]));
    assert_eq!(report["emptyFiles"], serde_json::json!([]));
    for member in ["errors", "warnings", "infos", "recordsWithErrors", "records", "files", "bytes"] {
        assert!(report["summary"][member].is_u64(), "summary.{member}");
    }
    let diagnostics = report["diagnostics"].as_array().expect("diagnostics");
    assert!(!diagnostics.is_empty());
    let members = [
        "file", "record", "code", "name", "severity", "message", "help", "pointer", "span", "line", "column", "fix",
    ];
    for diagnostic in diagnostics {
        let object = diagnostic.as_object().expect("object");
        for member in members {
            assert!(object.contains_key(member), "{member} missing in {diagnostic}");
        }
        assert!(["error", "warning", "info"].contains(&diagnostic["severity"].as_str().expect("severity")));
    }
    let errors = diagnostics.iter().filter(|diagnostic| diagnostic["severity"] == "error").count();
    assert_eq!(report["summary"]["errors"], errors);
}

#[test]
fn json_line_and_column_point_into_the_record() {
    let path = fixture("errors.json");
    let source = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    let lines: Vec<&str> = source.lines().collect();
    let (_, report) = check_json(&[&path]);
    let future = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|diagnostic| diagnostic["record"] == 0 && diagnostic["pointer"] == "/intendedMessageTimestamp")
        .unwrap_or_else(|| panic!("no finding on record 0's timestamp: {report}"));
    let line = future["line"].as_u64().expect("line") as usize;
    let column = future["column"].as_u64().expect("column") as usize;
    let text = lines[line - 1];
    assert!(text.contains("1900000000000"), "line {line} is `{text}`");
    assert!(column >= 1 && column <= text.chars().count(), "column {column} of `{text}`");
}

#[test]
fn standard_input_gives_the_same_report_as_the_file() {
    let path = fixture("errors.json");
    let bytes = std::fs::read(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
    let (_, mut from_file) = check_json(&[&path]);
    let run = ferry(&["check", "--format", "json", "--now", NOW, "-"], Some(&bytes));
    assert_eq!(run.code, 1);
    let mut from_stdin: Value = serde_json::from_str(&run.stdout).expect("JSON");
    for report in [&mut from_file, &mut from_stdin] {
        report["files"] = Value::Null;
        for diagnostic in report["diagnostics"].as_array_mut().expect("diagnostics") {
            diagnostic["file"] = Value::Null;
        }
    }
    assert_eq!(from_file, from_stdin);
}

#[test]
fn several_files_form_one_batch() {
    let first = fixture("first.ndjson");
    let second = fixture("second.ndjson");
    let (code, report) = check_json(&[&first, &second]);
    assert_eq!(report["records"], 3);
    assert_eq!(report["summary"]["files"], 2);
    // The second file's record is record 2 of the batch, and repeats an id of the first file.
    let duplicate = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|diagnostic| diagnostic["pointer"] == "/originalMessageId" && diagnostic["severity"] == "error")
        .unwrap_or_else(|| panic!("no duplicate reported: {report}"));
    assert_eq!(duplicate["file"], second.as_str());
    assert_eq!(duplicate["record"], 2);
    assert_eq!(duplicate["line"], 1);
    assert_eq!(code, 1);

    // Each file alone is clean.
    for file in [&first, &second] {
        let (code, report) = check_json(&[file]);
        assert_eq!(code, 0, "{report}");
    }
}

#[test]
fn explain_prints_the_rules_doc() {
    let run = ferry(&["explain", "JSON001"], None);
    insta::assert_snapshot!("explain_json001", run.stdout);
}

#[test]
fn explain_of_an_unknown_code_lists_the_codes() {
    let run = ferry(&["explain", "NOPE999"], None);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("unknown rule code `NOPE999`"), "{}", run.stderr);
    assert!(run.stderr.contains("JSON001"), "{}", run.stderr);
}

#[test]
fn fix_writes_a_fixed_copy_that_no_longer_needs_those_fixes() {
    let directory = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("fix-output");
    std::fs::create_dir_all(&directory).expect("temporary directory");
    let input = fixture("errors.json");
    let (_, before) = check_json(&[&input]);
    let fixable = before["summary"]["fixable"].as_u64().expect("fixable");
    assert!(fixable >= 2, "errors.json offers a wrap and an id fix: {before}");

    for name in ["fixed.json", "fixed.ndjson"] {
        let output = directory.join(name);
        let output_text = output.to_str().expect("UTF-8 path");
        let run = ferry(&["check", "--now", NOW, "--fix", "--output", output_text, &input], None);
        assert_eq!(run.code, 1, "the exit status describes the input: {}", run.stderr);
        assert!(run.stderr.contains(&format!("applied {fixable} fix(es)")), "{}", run.stderr);

        let (_, after) = check_json(&[output_text]);
        assert_eq!(after["records"], 4, "{name}");
        assert_eq!(after["summary"]["fixable"], 0, "{name}: {after}");
        let wrapped_before = before["diagnostics"].as_array().expect("diagnostics").iter().any(|diagnostic| {
            diagnostic["record"] == 1 && diagnostic["pointer"] == "/message" && !diagnostic["fix"].is_null()
        });
        assert!(wrapped_before, "record 1's plain text offered a fix");
        let still_plain = after["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .any(|diagnostic| diagnostic["record"] == 1 && diagnostic["pointer"] == "/message");
        assert!(!still_plain, "{name}: {after}");
    }
}

#[test]
fn fix_needs_an_output_and_refuses_to_overwrite_its_input() {
    let input = fixture("errors.json");
    let cases: &[&[&str]] = &[
        &["check", "--now", NOW, "--fix", &input],
        &["check", "--now", NOW, "--output", "x.json", &input],
        &["check", "--now", NOW, "--fix", "--output", &input, &input],
    ];
    for args in cases {
        let run = ferry(args, None);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
}

#[test]
fn more_findings_than_memory_holds_are_all_reported_in_order() {
    // Each record lacks `streamId`: one error per record, more than the CLI keeps in memory (20,000).
    let n_records = 21_000;
    let mut batch = String::new();
    for record in 0..n_records {
        batch.push_str(&format!(
            "{{\"message\":\"<messageML>x</messageML>\",\"intendedMessageTimestamp\":1433045622000,\
             \"intendedMessageFromUserId\":7215545057281,\"originatingSystemId\":\"s\",\"originalMessageId\":\"m-{record}\"}}\n"
        ));
    }
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("many-findings.ndjson");
    std::fs::write(&path, batch).expect("batch written");
    let path_text = path.to_str().expect("UTF-8 path");

    let (code, report) = check_json(&[path_text]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["recordsWithErrors"], n_records);
    let missing: Vec<&Value> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "SCH001")
        .collect();
    assert_eq!(missing.len(), n_records);
    for (record, diagnostic) in missing.iter().enumerate() {
        assert_eq!(diagnostic["record"], record);
        assert_eq!(diagnostic["line"], record + 1, "{diagnostic}");
    }

    let human = ferry(&["check", "--now", NOW, path_text], None);
    assert_eq!(human.code, 1);
    assert_eq!(human.stdout.matches("error[SCH001]").count(), n_records);
    assert!(human.stdout.contains(&format!("many-findings.ndjson:{n_records}:")), "the last record's line is shown");
}

#[test]
fn the_json_report_carries_every_finding_of_the_core_at_the_core_line_and_column() {
    for name in ["errors.json", "malformed.json", "long_line.ndjson", "valid.json", "same_millisecond.ndjson"] {
        let path = fixture(name);
        let bytes = std::fs::read(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).expect("fixture");
        let options = ferry_core::Options::new(ferry_core::Target::Symphony, 1_767_225_600_000);
        let core = ferry_core::validate(&bytes, &options);
        let line_index = ferry_core::LineIndex::from_source_bytes(&bytes);
        type Finding = (String, Option<usize>, String, String, Option<(usize, usize)>);
        let expected: Vec<Finding> = core
            .diagnostics
            .iter()
            .map(|diagnostic| {
                let location = &diagnostic.location;
                let line_column = location.source.map(|source| {
                    let found = line_index.line_column(source.start, &bytes);
                    (found.line, found.column)
                });
                let code = diagnostic.code().to_owned();
                (code, location.record, location.pointer.clone(), diagnostic.message.clone(), line_column)
            })
            .collect();
        let (_, report) = check_json(&[&path]);
        let found: Vec<Finding> = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|diagnostic| {
                (
                    diagnostic["code"].as_str().expect("code").to_owned(),
                    diagnostic["record"].as_u64().map(|record| record as usize),
                    diagnostic["pointer"].as_str().expect("pointer").to_owned(),
                    diagnostic["message"].as_str().expect("message").to_owned(),
                    diagnostic["line"].as_u64().zip(diagnostic["column"].as_u64()).map(|(line, column)| (line as usize, column as usize)),
                )
            })
            .collect();
        assert_eq!(found, expected, "{name}");
        assert_eq!(report["records"], core.records, "{name}");
    }
}

#[test]
fn a_pipe_given_as_a_file_is_read_once_and_still_located() {
    // `<(cat FILE)` names a pipe, which cannot be re-read to locate the findings.
    let script = format!(
        "{} check --format json --now {NOW} <(cat tests/fixtures/errors.json)",
        env!("CARGO_BIN_EXE_ferry")
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("bash runs");
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stderr));
    let from_pipe: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let (_, from_file) = check_json(&[&fixture("errors.json")]);
    let lines = |report: &Value| -> Vec<Value> {
        report["diagnostics"].as_array().expect("diagnostics").iter().map(|diagnostic| diagnostic["line"].clone()).collect()
    };
    assert_eq!(lines(&from_pipe), lines(&from_file));
    assert!(lines(&from_pipe).iter().all(Value::is_u64));
}

#[test]
fn mention_notes_are_listed_once_per_user_with_their_count() {
    let directory = std::env::temp_dir().join(format!("ferry-cli-mentions-{}", std::process::id()));
    std::fs::create_dir_all(&directory).expect("a temporary folder");
    let path = directory.join("mentions.ndjson");
    let record = |index: usize, user: u64| {
        serde_json::json!({
            "message": format!("<messageML>Hi <mention uid=\"{user}\"/></messageML>"),
            "intendedMessageTimestamp": 1_433_045_622_000_u64 + index as u64,
            "intendedMessageFromUserId": 7_215_545_057_281_u64,
            "originatingSystemId": "fooChat",
            "originalMessageId": format!("m-{index}"),
            "streamId": "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA",
        })
        .to_string()
    };
    let users = [7_215_545_057_290_u64, 7_215_545_057_291, 7_215_545_057_290, 7_215_545_057_290];
    let lines: Vec<String> = users.iter().enumerate().map(|(index, user)| record(index, *user)).collect();
    std::fs::write(&path, lines.join("\n")).expect("the batch is written");

    let (_, report) = check_json(&[path.to_str().expect("a UTF-8 path")]);
    let _ = std::fs::remove_dir_all(&directory);
    let notes: Vec<(u64, String)> = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "MML022")
        .map(|diagnostic| (diagnostic["record"].as_u64().expect("record"), diagnostic["message"].as_str().expect("message").to_owned()))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0].0, 0);
    assert!(notes[0].1.contains("\"7215545057290\"") && notes[0].1.ends_with("(mentioned 3 times in the batch; shown at the first)"), "{notes:?}");
    assert_eq!(notes[1].0, 1);
    assert!(!notes[1].1.contains("mentioned"), "{notes:?}");
    assert_eq!(report["summary"]["byCode"]["MML022"], 4, "the summary counts every mention");
}
