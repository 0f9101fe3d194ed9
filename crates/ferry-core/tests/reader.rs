//! The batch reader on whole inputs: formats, chunking, several files, hostile inputs, the public API.

mod common;

use common::{record, STREAM};
use ferry_core::{validate, Options, Report, Rule, Severity, Target, Validator};

const NOW_MILLIS: i64 = 1_700_000_000_000;

fn options() -> Options {
    Options::new(Target::Symphony, NOW_MILLIS)
}

fn codes(report: &Report) -> Vec<&'static str> {
    report.diagnostics.iter().map(|diagnostic| diagnostic.code()).collect()
}

/// Feeds `bytes` in chunks of `chunk` bytes.
fn validate_in_chunks(bytes: &[u8], chunk: usize) -> Report {
    let mut validator = Validator::new(options());
    validator.begin_file("input");
    for piece in bytes.chunks(chunk.max(1)) {
        validator.push(piece);
    }
    validator.end_file();
    validator.finish()
}

#[test]
fn inputs_and_what_they_give() {
    let two_records = format!("[{},{}]", record(0), record(1));
    let ndjson = format!("{}\n{}\n", record(0), record(1));
    let with_bom = format!("\u{feff}{two_records}");
    let concatenated = format!("{}  {}", record(0), record(1));
    let pretty = format!("{{\n  \"message\": \"<messageML>x</messageML>\"\n}}\n{}", record(1));
    let truncated_record = &two_records[..two_records.len() - 10];
    let unclosed_array = format!("[{}", record(0));
    let trailing_comma = format!("[{},]", record(0));
    let garbage_after_array = format!("[{}] x", record(0));
    let second_malformed = format!("[{},{{\"message\" 1}},{}]", record(0), record(2));
    // (input, records read, codes in order)
    let table: Vec<(&str, &[u8], usize, Vec<&str>)> = vec![
        ("array", two_records.as_bytes(), 2, vec![]),
        ("ndjson", ndjson.as_bytes(), 2, vec![]),
        ("byte-order mark", with_bom.as_bytes(), 2, vec![]),
        ("objects separated by spaces", concatenated.as_bytes(), 2, vec![]),
        ("pretty-printed object stream", pretty.as_bytes(), 2, vec!["SCH001", "SCH001", "SCH001", "SCH001", "BATCH002"]),
        ("empty array", b"[]", 0, vec![]),
        ("empty file", b"", 0, vec!["JSON002"]),
        ("whitespace only", b" \n\t ", 0, vec!["JSON002"]),
        ("byte-order mark only", b"\xEF\xBB\xBF", 0, vec!["JSON002"]),
        ("null at the top", b"null", 0, vec!["JSON003"]),
        ("number at the top", b"42", 0, vec!["JSON003"]),
        ("utf-16", b"\xFF\xFE[\x00", 0, vec!["JSON001"]),
        ("truncated inside a record", truncated_record.as_bytes(), 1, vec!["JSON001"]),
        ("array never closed", unclosed_array.as_bytes(), 1, vec!["JSON001"]),
        ("trailing comma", trailing_comma.as_bytes(), 1, vec!["JSON001"]),
        ("text after the array", garbage_after_array.as_bytes(), 1, vec!["JSON001"]),
        ("malformed second record", second_malformed.as_bytes(), 1, vec!["JSON001"]),
        ("record not an object", b"[1, \"x\", []]", 3, vec!["JSON004", "JSON004", "JSON004"]),
    ];
    for (name, bytes, records, expected) in table {
        let report = validate(bytes, &options());
        assert_eq!(report.records, records, "{name}: {:#?}", report.diagnostics);
        assert_eq!(codes(&report), expected, "{name}: {:#?}", report.diagnostics);
        for chunk in [1, 2, 3, 7, 64] {
            assert_eq!(validate_in_chunks(bytes, chunk), report, "{name}: chunks of {chunk} bytes");
        }
    }
}

#[test]
fn malformed_json_is_located_and_earlier_records_are_checked() {
    let input = format!("[\n{},\n{},\n{{\"message\": tru}}\n]", record(0), record(1).replace("7215545057281", "0"));
    let report = validate(input.as_bytes(), &options());
    assert_eq!(codes(&report), vec!["SCH011", "JSON001"]);
    let malformed = &report.diagnostics[1];
    let offset = input.find("tru}").unwrap_or(0) + 3;
    assert_eq!(malformed.location.source.map(|span| span.start), Some(offset));
    assert_eq!(malformed.location.record, None);
    let index = ferry_core::LineIndex::from_source_bytes(input.as_bytes());
    let position = index.line_column(offset, input.as_bytes());
    assert_eq!((position.line, position.column), (4, 16));
}

#[test]
fn ids_above_two_to_the_53_survive() {
    let input = record(0).replace("7215545057281", "9007199254740993");
    let report = validate(input.as_bytes(), &options());
    assert!(report.diagnostics.is_empty(), "{:#?}", report.diagnostics);
    // A string id is reported with a fix carrying the exact value.
    let quoted = record(0).replace("7215545057281", "\"9007199254740993\"");
    let report = validate(quoted.as_bytes(), &options());
    let fix = report.diagnostics[0].fix.as_ref().map(|fix| fix.edits[0].value.to_string());
    assert_eq!(fix.as_deref(), Some("9007199254740993"));
}

#[test]
fn duplicates_are_found_across_files_and_records_are_numbered_across_files() {
    let mut validator = Validator::new(options());
    validator.begin_file("a.ndjson");
    validator.push(format!("{}\n{}\n", record(0), record(1)).as_bytes());
    validator.end_file();
    validator.begin_file("b.json");
    validator.push(format!("[{}]", record(1)).as_bytes());
    validator.end_file();
    assert_eq!(validator.file_names(), ["a.ndjson", "b.json"]);
    let report = validator.finish();
    assert_eq!(report.records, 3);
    assert_eq!(codes(&report), vec!["BATCH001"]);
    let location = &report.diagnostics[0].location;
    assert_eq!((location.file, location.record), (1, Some(2)));
    assert!(report.diagnostics[0].message.contains("record 1"));
    assert_eq!(report.summary.files, 2);
    assert_eq!(report.plan.records_planned, 2);
}

#[test]
fn draining_keeps_counts_and_empties_the_report() {
    let mut validator = Validator::new(options());
    validator.push(format!("{}\n{}\n", record(0), record(1).replace("fooChat", "")).as_bytes());
    let drained = validator.drain_diagnostics();
    assert_eq!(drained.len(), 1);
    assert_eq!(validator.summary().errors, 1);
    assert_eq!((validator.summary().records, validator.summary().records_with_errors), (2, 1));
    assert_eq!(validator.record_facts().len(), 2);
    let report = validator.finish();
    assert!(report.diagnostics.is_empty());
    assert_eq!(report.summary.errors, 1);
    assert_eq!(report.summary.records_with_errors, 1);
    assert!(report.has_errors());
}

#[test]
fn a_huge_string_is_reported_without_being_held() {
    // 100 MB of message, fed in 1 MiB chunks: more than the 96 MiB a record may take.
    let mut validator = Validator::new(options());
    validator.begin_file("huge.ndjson");
    validator.push(b"{\"message\":\"");
    let chunk = vec![b'a'; 1024 * 1024];
    for _ in 0..100 {
        validator.push(&chunk);
    }
    validator.push(format!("\"}}\n{}\n", record(1)).as_bytes());
    let report = validator.finish();
    assert_eq!(report.records, 2);
    assert_eq!(codes(&report), vec!["LIM001"]);
    assert_eq!(report.diagnostics[0].location.record, Some(0));

    // The same input held in memory as one buffer.
    let mut whole = b"[{\"message\":\"".to_vec();
    whole.resize(whole.len() + 100 * 1024 * 1024, b'a');
    whole.extend_from_slice(format!("\"}},{}]", record(1)).as_bytes());
    let report = validate(&whole, &options());
    assert_eq!(codes(&report), vec!["LIM001"]);
    assert_eq!(report.records, 2);
}

#[test]
fn deep_nesting_and_invalid_utf8_skip_one_record_only() {
    let deep = format!("[{{\"message\":{}1{}}},{}]", "[".repeat(100_000), "]".repeat(100_000), record(1));
    let report = validate(deep.as_bytes(), &options());
    assert_eq!(codes(&report), vec!["JSON006"]);
    assert_eq!(report.records, 2);

    let mut bytes = format!("{}\n", record(0)).into_bytes();
    bytes[20] = 0xFF;
    bytes.extend_from_slice(format!("{}\n", record(1)).as_bytes());
    let report = validate(&bytes, &options());
    assert_eq!(codes(&report), vec!["JSON005"]);
    assert_eq!(report.diagnostics[0].location.source.map(|span| span.start), Some(20));
    assert_eq!(report.records, 2);
}

#[test]
fn options_from_javascript_need_only_target_and_now() {
    let options: Options = match serde_json::from_str(r#"{"target": "teams", "nowMillis": 1700000000000}"#) {
        Ok(options) => options,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(options.target, Target::Teams);
    assert_eq!(options.now_millis, NOW_MILLIS);
    assert_eq!(options.max_records_per_request, 5_000);
    assert_eq!(options.messages_per_hour, 200_000);
    let empty: Result<Options, _> = serde_json::from_str("{}");
    assert_eq!(empty.map(|options| options.now_millis).ok(), Some(i64::MAX));
}

#[test]
fn the_report_serializes_with_codes_and_camel_case() {
    let input = record(0).replace("\"m-0\"", "null");
    let report = validate(input.as_bytes(), &options());
    let value = match serde_json::to_value(&report) {
        Ok(value) => value,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(value["diagnostics"][0]["rule"], "BATCH002");
    assert_eq!(value["diagnostics"][0]["severity"], "warning");
    assert_eq!(value["summary"]["recordsWithErrors"], 0);
    assert_eq!(value["summary"]["byCode"]["BATCH002"], 1);
    assert_eq!(value["plan"]["recordsPlanned"], 1);
    assert_eq!(report.diagnostics[0].severity, Severity::Warning);
    assert_eq!(Rule::from_code("batch002"), Some(report.diagnostics[0].rule));
}

#[test]
fn fixes_applied_to_records_clear_their_findings() {
    let input = format!(
        "{}\n",
        record(0)
            .replace("\"m-0\"", "null")
            .replace("1433045622000", "1433045622")
            .replace(STREAM, "Z3oQRAZGTCNl5KjiUH2G1n///qr9lLT8dA==")
            .replace("7215545057281", "\"7215545057281\"")
    );
    let report = validate(input.as_bytes(), &options());
    assert_eq!(codes(&report), vec!["SCH005", "TS003", "SCH009", "BATCH002"]);
    let mut value: serde_json::Value = match serde_json::from_str(&input) {
        Ok(value) => value,
        Err(error) => panic!("{error}"),
    };
    let fixes: Vec<&ferry_core::Fix> = report.diagnostics.iter().filter_map(|diagnostic| diagnostic.fix.as_ref()).collect();
    assert_eq!(ferry_core::apply_fixes(&mut value, fixes), Ok(()));
    let fixed = value.to_string();
    let report = validate(fixed.as_bytes(), &options());
    assert!(report.diagnostics.is_empty(), "{fixed}\n{:#?}", report.diagnostics);
}

#[test]
fn plain_text_gets_the_wrap_fix_and_blank_text_does_not() {
    let input = format!("{}\n{}\n", record(0).replace("<messageML>Hello 0</messageML>", "Hello & <world>"), record(1).replace("<messageML>Hello 1</messageML>", ""));
    let report = validate(input.as_bytes(), &options());
    let fixes: Vec<Option<String>> = report
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.fix.as_ref().map(|fix| fix.edits[0].value.to_string()))
        .collect();
    assert_eq!(fixes, vec![Some(r#""<messageML>Hello &amp; &lt;world&gt;</messageML>""#.to_owned()), None], "{:#?}", report.diagnostics);
}
