//! `Validator::keep_records` / `drain_records`: every counted record comes out once, in batch order, with its
//! text exactly as in the file, however the input is cut into chunks.

use ferry_core::{Options, RecordText, Report, Rule, Span, Target, Validator};

mod common;

use common::record;

/// Small records only, so that an oversized one fits in a test.
fn options() -> Options {
    Options { max_record_bytes: 400, max_depth: 8, ..Options::new(Target::Symphony, 1_700_000_000_000) }
}

/// Validates `files` in chunks of `chunk` bytes, draining the records after every push and after each file.
fn drained_in_chunks(files: &[&[u8]], chunk: usize) -> (Vec<RecordText>, Report) {
    let mut validator = Validator::new(options());
    validator.keep_records(true);
    let mut records = Vec::new();
    for (index, bytes) in files.iter().enumerate() {
        validator.begin_file(&format!("file-{index}"));
        for piece in bytes.chunks(chunk) {
            validator.push(piece);
            records.extend(validator.drain_records());
        }
        validator.end_file();
        records.extend(validator.drain_records());
    }
    assert!(validator.drain_records().is_empty(), "a second drain gives nothing new");
    (records, validator.finish())
}

/// Checks the records against the files: batch order, indices 0.., texts equal to their source slices
/// (empty for oversized records), no whitespace or separator at either end.
fn check_records(files: &[&[u8]], records: &[RecordText], report: &Report) {
    assert_eq!(records.len(), report.records, "one text per counted record");
    for (index, record) in records.iter().enumerate() {
        assert_eq!(record.record, index);
        let bytes = files[record.file];
        let Span { start, end } = record.source;
        assert!(start <= end && end <= bytes.len(), "{record:?}");
        if record.text.is_empty() {
            let too_large = report
                .diagnostics
                .iter()
                .any(|diagnostic| diagnostic.rule == Rule::RecordTooLarge && diagnostic.location.record == Some(index));
            assert!(too_large, "only an oversized record has no text: {record:?}");
            continue;
        }
        assert_eq!(&bytes[start..end], &record.text[..]);
        let (first, last) = (record.text[0], record.text[record.text.len() - 1]);
        for byte in [first, last] {
            assert!(
                !matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b','),
                "{:?}",
                String::from_utf8_lossy(&record.text)
            );
        }
    }
    // Each record's findings lie inside its text.
    for diagnostic in &report.diagnostics {
        if let (Some(index), Some(source)) = (diagnostic.location.record, diagnostic.location.source) {
            let record = &records[index];
            assert!(
                record.source.start <= source.start && source.end <= record.source.end.max(record.source.start + 1),
                "{diagnostic:?}"
            );
        }
    }
}

fn batches() -> Vec<(&'static str, Vec<Vec<u8>>)> {
    let oversized = format!(r#"{{"message":"<messageML>{}</messageML>"}}"#, "x".repeat(500));
    let invalid_utf8 = b"{\"message\":\"<messageML>caf\xE9</messageML>\"}".to_vec();
    let too_deep = r#"{"attachments":[[[[[[[[[[1]]]]]]]]]]}"#;
    let with_error = r#"{"message":"<messageML>x</messageML>","intendedMessageTimestamp":-1}"#;
    let ndjson = format!("{}\n{with_error}\r\n{oversized}\n\n{}\n{too_deep}\n", record(0), record(1)).into_bytes();
    let mut ndjson_with_bad_utf8 = format!("{}\n", record(0)).into_bytes();
    ndjson_with_bad_utf8.extend_from_slice(&invalid_utf8);
    ndjson_with_bad_utf8.extend_from_slice(format!("\n{}", record(2)).as_bytes());
    let array = format!("[ {} ,\n  {with_error}\t,{oversized}  , {}\n]\n", record(0), record(1)).into_bytes();
    let compact_array = format!("[{},{}]", record(0), record(1)).into_bytes();
    let bom_array = format!("\u{feff}[{},{}]", record(0), record(1)).into_bytes();
    let bom_ndjson = format!("\u{feff}{}\n{}", record(0), record(1)).into_bytes();
    let unclosed_array = format!("[{},{}", record(0), record(1)).into_bytes();
    let malformed = format!("{}\n{{\"message\": oops}}\n{}\n", record(0), record(1)).into_bytes();
    vec![
        ("ndjson", vec![ndjson]),
        ("ndjson with invalid UTF-8", vec![ndjson_with_bad_utf8]),
        ("array", vec![array]),
        ("compact array", vec![compact_array.clone()]),
        ("array with BOM", vec![bom_array]),
        ("ndjson with BOM", vec![bom_ndjson]),
        ("array without its `]`", vec![unclosed_array]),
        ("malformed second record", vec![malformed]),
        ("several files", vec![compact_array, format!("{}\n", record(3)).into_bytes(), b"".to_vec()]),
    ]
}

#[test]
fn every_chunk_size_gives_the_same_records() {
    for (name, files) in batches() {
        let files: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
        let whole = files.iter().map(|bytes| bytes.len()).max().unwrap_or(1).max(1);
        let (expected, report) = drained_in_chunks(&files, whole);
        check_records(&files, &expected, &report);
        for chunk in 1..=64 {
            let (records, _) = drained_in_chunks(&files, chunk);
            assert_eq!(records, expected, "{name}: chunks of {chunk} bytes");
        }
    }
}

#[test]
fn what_each_batch_hands_over() {
    let counts: Vec<(&str, usize, Vec<usize>)> = batches()
        .into_iter()
        .map(|(name, files)| {
            let files: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
            let (records, _) = drained_in_chunks(&files, 5);
            (name, records.len(), records.iter().map(|record| record.file).collect())
        })
        .collect();
    let expected: Vec<(&str, usize, Vec<usize>)> = vec![
        ("ndjson", 5, vec![0; 5]),
        ("ndjson with invalid UTF-8", 3, vec![0; 3]),
        ("array", 4, vec![0; 4]),
        ("compact array", 2, vec![0; 2]),
        ("array with BOM", 2, vec![0; 2]),
        ("ndjson with BOM", 2, vec![0; 2]),
        ("array without its `]`", 2, vec![0; 2]),
        // The file stops at the malformed record: the first record only.
        ("malformed second record", 1, vec![0]),
        ("several files", 3, vec![0, 0, 1]),
    ];
    assert_eq!(counts, expected);
}

#[test]
fn a_byte_order_mark_counts_in_the_offsets() {
    let bytes = format!("\u{feff}{}\n{}", record(0), record(1)).into_bytes();
    let (records, _) = drained_in_chunks(&[&bytes], 2);
    assert_eq!(records[0].source.start, 3);
    assert_eq!(records[0].text, record(0).into_bytes());
    assert_eq!(records[1].source.start, 3 + record(0).len() + 1);
}

#[test]
fn an_oversized_record_comes_out_without_text() {
    let oversized = format!(r#"{{"message":"{}"}}"#, "x".repeat(500));
    let bytes = format!("[{}, {oversized} ,{}]", record(0), record(1)).into_bytes();
    let (records, report) = drained_in_chunks(&[&bytes], 3);
    assert_eq!(records.len(), 3);
    assert!(records[1].text.is_empty());
    let start = record(0).len() + 3;
    // Its bytes were not kept, so its span runs to the separator.
    assert_eq!(records[1].source, Span::new(start, start + oversized.len() + 1));
    assert!(report
        .diagnostics
        .iter()
        .any(|diagnostic| diagnostic.rule == Rule::RecordTooLarge && diagnostic.location.record == Some(1)));
    assert_eq!(records[2].text, record(1).into_bytes());
}

#[test]
fn records_are_not_kept_unless_asked() {
    let bytes = format!("{}\n{}\n", record(0), record(1)).into_bytes();
    let mut validator = Validator::new(options());
    validator.push(&bytes);
    validator.end_file();
    assert!(validator.drain_records().is_empty());
    // Switched on midway: records read from then on are kept.
    validator.keep_records(true);
    validator.begin_file("second");
    validator.push(&bytes);
    validator.end_file();
    let records: Vec<usize> = validator.drain_records().iter().map(|record| record.record).collect();
    assert_eq!(records, [2, 3]);
}
