//! Properties of the reader: it never panics, chunking never changes the report, every source span lies in
//! the input, and every span inside a string field lies in that field and maps to the same characters in
//! the file.

use ferry_core::{validate, Diagnostic, Options, RecordText, Report, Target, Validator};
use proptest::prelude::*;

#[path = "common/jsonish.rs"]
mod jsonish;
use jsonish::jsonish_bytes;

fn options() -> Options {
    Options { max_record_bytes: 4096, max_depth: 16, ..Options::new(Target::Symphony, 1_700_000_000_000) }
}

fn validate_in_chunks(bytes: &[u8], chunk_sizes: &[usize]) -> Report {
    let mut validator = Validator::new(options());
    validator.begin_file("input");
    let mut rest = bytes;
    let mut sizes = chunk_sizes.iter().cycle();
    while !rest.is_empty() {
        let size = sizes.next().copied().unwrap_or(1).clamp(1, rest.len());
        validator.push(&rest[..size]);
        rest = &rest[size..];
    }
    validator.end_file();
    validator.finish()
}

/// The records handed over when `bytes` is fed in chunks (cycling through `chunk_sizes`), drained after
/// every push and at the end of the file, with the report.
fn drained_records(bytes: &[u8], chunk_sizes: &[usize]) -> (Vec<RecordText>, Report) {
    let mut validator = Validator::new(options());
    validator.keep_records(true);
    validator.begin_file("input");
    let mut records = Vec::new();
    let mut rest = bytes;
    let mut sizes = chunk_sizes.iter().cycle();
    while !rest.is_empty() {
        let size = sizes.next().copied().unwrap_or(1).clamp(1, rest.len());
        validator.push(&rest[..size]);
        records.extend(validator.drain_records());
        rest = &rest[size..];
    }
    validator.end_file();
    records.extend(validator.drain_records());
    (records, validator.finish())
}

fn check_source_spans(report: &Report, length: usize) -> Result<(), TestCaseError> {
    for diagnostic in &report.diagnostics {
        if let Some(source) = diagnostic.location.source {
            prop_assert!(source.start <= source.end && source.end <= length, "{diagnostic:?} outside {length} bytes");
        }
    }
    Ok(())
}

/// A string field value: any text, serialized by serde_json (so with escapes where JSON needs them).
fn field_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[a-zA-Z0-9+/=_\\- .:\\\\\"\n\té😀<>&]{0,24}",
        Just("<messageML>hi</messageML>".to_owned()),
        Just("aGVsbG8=".to_owned()),
    ]
}

fn generated_record() -> impl Strategy<Value = serde_json::Value> {
    (
        field_text(),
        field_text(),
        field_text(),
        field_text(),
        prop_oneof![any::<i64>().prop_map(serde_json::Value::from), field_text().prop_map(serde_json::Value::from)],
        any::<i64>(),
        prop::collection::vec((field_text(), field_text()), 0..3),
    )
        .prop_map(|(message, stream_id, filename, original_id, timestamp, user_id, attachments)| {
            serde_json::json!({
                "message": message,
                "streamId": stream_id,
                "originalMessageId": original_id,
                "originatingSystemId": "sys",
                "intendedMessageTimestamp": timestamp,
                "intendedMessageFromUserId": user_id,
                "attachments": attachments.into_iter().map(|(name, content)| serde_json::json!({"filename": name, "content": content})).collect::<Vec<_>>(),
                "previews": [{"filename": filename, "content": "iVBORw0KGgo="}],
            })
        })
}

/// Follows an RFC 6901 pointer.
fn resolve<'v>(value: &'v serde_json::Value, pointer: &str) -> Option<&'v serde_json::Value> {
    value.pointer(pointer)
}

fn check_field_span(input: &str, records: &[serde_json::Value], diagnostic: &Diagnostic) -> Result<(), TestCaseError> {
    let (Some(record), Some(span)) = (diagnostic.location.record, diagnostic.location.span) else { return Ok(()) };
    let field = resolve(&records[record], &diagnostic.location.pointer).and_then(serde_json::Value::as_str);
    let Some(field) = field else {
        return Err(TestCaseError::fail(format!("{diagnostic:?}: span on a field that is not a string")));
    };
    prop_assert!(span.start <= span.end && span.end <= field.len(), "{diagnostic:?}: span outside {field:?}");
    prop_assert!(field.is_char_boundary(span.start) && field.is_char_boundary(span.end), "{diagnostic:?}");
    // The raw text at the source span decodes to exactly the spanned characters.
    if let Some(source) = diagnostic.location.source {
        let raw = &input[source.start..source.end];
        let decoded: String = serde_json::from_str(&format!("\"{raw}\"")).unwrap_or_else(|_| format!("<undecodable {raw:?}>"));
        prop_assert_eq!(&decoded, &field[span.start..span.end], "{:?}", diagnostic);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_give_a_report_independent_of_chunking(bytes in jsonish_bytes(), chunks in prop::collection::vec(1usize..9, 1..4)) {
        let whole = validate(&bytes, &options());
        check_source_spans(&whole, bytes.len())?;
        let chunked = validate_in_chunks(&bytes, &chunks);
        prop_assert_eq!(&whole, &chunked);
        // Kept records: one per counted record, in order, each the bytes at its source, whatever the chunking.
        let (records, kept_report) = drained_records(&bytes, &chunks);
        prop_assert_eq!(&kept_report, &whole);
        prop_assert_eq!(records.len(), whole.records);
        for (index, record) in records.iter().enumerate() {
            prop_assert_eq!(record.record, index);
            prop_assert!(record.source.start <= record.source.end && record.source.end <= bytes.len());
            if !record.text.is_empty() {
                prop_assert_eq!(&bytes[record.source.start..record.source.end], &record.text[..]);
            }
        }
        prop_assert_eq!(drained_records(&bytes, &[bytes.len().max(1)]).0, records);
    }

    #[test]
    fn spans_stay_inside_their_fields(records in prop::collection::vec(generated_record(), 1..6), ndjson in any::<bool>(), chunk in 1usize..200) {
        let input = if ndjson {
            records.iter().map(|record| record.to_string() + "\n").collect::<String>()
        } else {
            serde_json::Value::Array(records.clone()).to_string()
        };
        let report = validate(input.as_bytes(), &options());
        check_source_spans(&report, input.len())?;
        prop_assert_eq!(report.records, records.len());
        for diagnostic in &report.diagnostics {
            check_field_span(&input, &records, diagnostic)?;
        }
        prop_assert_eq!(&validate_in_chunks(input.as_bytes(), &[chunk]), &report);
    }
}
