//! The core's offered fixes, applied at the user's request: to one record, or to every record with a finding of
//! one rule; and the fixed batch, written as a new NDJSON file.
//!
//! A fix is the core's data ([`ferry_core::Fix`], a list of edits at JSON pointers), applied with the core's own
//! [`ferry_core::apply_fixes`] to the record's current text (the file's, or the text of earlier fixes), and the
//! result checked again by the core, so the user sees the record's new findings beside the before and after.
//!
//! Invariant: the files are never modified. A fixed record's text goes into
//! [`Decisions::replaced`](crate::model::Decisions::replaced); the fixed batch is a new file built from every
//! record not excluded, its fixed text where it has one.
//!
//! Work over many records is sliced: the loops give the page back to the browser (a zero-length timer) once
//! [`SLICE_MILLIS`] have passed, so the page never blocks for longer than about that.

use std::collections::BTreeMap;
use std::rc::Rc;

use ferry_core::{Diagnostic, Fix, Options, Rule};
use serde_json::Value;

use crate::model::{push_ndjson_line, read_span, CheckedBatch, Decisions, ReadError, RecordIndex};

/// How long a loop runs before it lets the browser draw and handle events, in milliseconds.
pub const SLICE_MILLIS: f64 = 10.0;

/// Why a fix could not be applied to a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixFailure {
    /// The record is not well-formed JSON, so no edit can be placed in it.
    NotJson(String),
    /// The core could not apply the fix (its pointer leads nowhere in this record).
    NotApplicable(String),
    /// The record could not be read back from its file.
    Read(ReadError),
}

impl std::fmt::Display for FixFailure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FixFailure::NotJson(reason) => write!(formatter, "the record is not well-formed JSON ({reason})"),
            FixFailure::NotApplicable(reason) => write!(formatter, "the fix does not apply: {reason}"),
            FixFailure::Read(error) => error.fmt(formatter),
        }
    }
}

/// One record fixed: what it was, what it became, and what the core finds in it now.
#[derive(Clone, Debug, PartialEq)]
pub struct FixedRecord {
    /// The record, 0-based.
    pub record: RecordIndex,
    /// The titles of the fixes applied, in order.
    pub titles: Vec<String>,
    /// Its text before.
    pub before: Rc<str>,
    /// Its text after, compact JSON with its members in their order.
    pub after: Rc<str>,
    /// The core's findings about the fixed text, checked alone (so findings that compare records, such as
    /// duplicate ids or stream order, are not among them), located at this record.
    pub findings_after: Vec<Diagnostic>,
}

/// Applies `fixes`, in order, to a record's text.
///
/// # Errors
/// When the text is not JSON or a fix's pointer leads nowhere in it.
pub fn apply_to_text(text: &str, fixes: &[&Fix]) -> Result<String, FixFailure> {
    let mut record: Value = serde_json::from_str(text).map_err(|error| FixFailure::NotJson(error.to_string()))?;
    ferry_core::apply_fixes(&mut record, fixes.iter().copied())
        .map_err(|error| FixFailure::NotApplicable(error.to_string()))?;
    // Serialising a `Value` built by serde_json cannot fail (its keys are strings).
    serde_json::to_string(&record).map_err(|error| FixFailure::NotJson(error.to_string()))
}

/// Checks one record's text alone with the core, and places the findings at record `record`.
pub fn recheck(text: &str, record: RecordIndex, options: &Options) -> Vec<Diagnostic> {
    let mut findings = ferry_core::validate(text.as_bytes(), options).diagnostics;
    for finding in &mut findings {
        finding.location.record = Some(record);
        // The span in the file is the span in this text, which is not the file: dropped rather than wrong.
        finding.location.source = None;
    }
    findings
}

/// Applies `fixes` to `before` (record `record`'s current text) and checks the result.
///
/// # Errors
/// As [`apply_to_text`].
pub fn fix_record(
    record: RecordIndex,
    before: Rc<str>,
    fixes: &[&Fix],
    options: &Options,
) -> Result<FixedRecord, FixFailure> {
    let after = apply_to_text(&before, fixes)?;
    let findings_after = recheck(&after, record, options);
    Ok(FixedRecord {
        record,
        titles: fixes.iter().map(|fix| fix.title.clone()).collect(),
        before,
        after: Rc::from(after),
        findings_after,
    })
}

/// Each record's offered fix for `rule`, in batch order: the fix of its first finding of that rule that offers
/// one.
pub fn offered_fixes(findings: &[Diagnostic], rule: Rule) -> Vec<(RecordIndex, &Fix)> {
    let mut offered: Vec<(RecordIndex, &Fix)> = Vec::new();
    for finding in findings.iter().filter(|finding| finding.rule == rule) {
        if let (Some(record), Some(fix)) = (finding.location.record, &finding.fix) {
            if offered.last().is_none_or(|(last, _)| *last != record) {
                offered.push((record, fix));
            }
        }
    }
    offered
}

/// Each record's offered fix for `rule` as its current text offers it: for a record already fixed, from the core's
/// re-check of its fixed text (the batch's findings are about the file's text); for the others, from the batch's
/// findings. In batch order.
pub fn current_offered_fixes<'a>(
    findings: &'a [Diagnostic],
    rechecked: &'a BTreeMap<RecordIndex, Rc<Vec<Diagnostic>>>,
    rule: Rule,
) -> Vec<(RecordIndex, &'a Fix)> {
    let mut offered: Vec<(RecordIndex, &Fix)> =
        offered_fixes(findings, rule).into_iter().filter(|(record, _)| !rechecked.contains_key(record)).collect();
    for findings in rechecked.values() {
        offered.extend(offered_fixes(findings, rule));
    }
    offered.sort_by_key(|(record, _)| *record);
    offered
}

/// The outcome of applying one rule's fixes to every record that offers one.
#[derive(Debug, Default)]
pub struct BulkOutcome {
    /// The records fixed.
    pub fixed: Vec<FixedRecord>,
    /// The records whose fix failed, and why.
    pub failed: Vec<(RecordIndex, FixFailure)>,
}

/// Applies the fix offered for `rule` to every record whose current text offers one (see
/// [`current_offered_fixes`]) and that is not left out, to its current text (the fixed text where it has one,
/// so fixes build on earlier ones); sliced (see the module doc).
///
/// # Errors
/// When a file cannot be read; a fix that does not apply to its record is listed in the outcome instead.
pub async fn fix_every_record(
    batch: &CheckedBatch,
    decisions: &Decisions,
    rechecked: &BTreeMap<RecordIndex, Rc<Vec<Diagnostic>>>,
    rule: Rule,
    options: &Options,
) -> Result<BulkOutcome, FixFailure> {
    let offered: Vec<(RecordIndex, &Fix)> = current_offered_fixes(&batch.findings, rechecked, rule)
        .into_iter()
        .filter(|(record, _)| !decisions.excluded.contains(record))
        .collect();
    let records: Vec<RecordIndex> = offered.iter().map(|(record, _)| *record).collect();
    let mut outcome = BulkOutcome::default();
    let mut fixes = offered.iter().map(|(_, fix)| *fix);
    visit_record_texts(batch, decisions, &records, |record, text| {
        // INVARIANT: records are visited once each, in the order of `offered`.
        let Some(fix) = fixes.next() else { return };
        match fix_record(record, Rc::from(text), &[fix], options) {
            Ok(fixed) => outcome.fixed.push(fixed),
            Err(failure) => outcome.failed.push((record, failure)),
        }
    })
    .await?;
    Ok(outcome)
}

/// Most bytes read from a file at once.
const READ_BLOCK_BYTES: u64 = 4 * 1024 * 1024;
/// How much output text to gather before handing it to the browser as one part of the file.
const OUTPUT_PART_BYTES: usize = 1024 * 1024;

/// Gives `visit` the current text of each of `records` (ascending indices): the fixed text where it has one,
/// otherwise the file's. Files are read a block of up to 4 MB at a time (several records each), not record by
/// record; the browser gets the page back between records once a slice has lasted [`SLICE_MILLIS`].
///
/// # Errors
/// When a file cannot be read, or a record is past the batch.
pub async fn visit_record_texts(
    batch: &CheckedBatch,
    decisions: &Decisions,
    records: &[RecordIndex],
    mut visit: impl FnMut(RecordIndex, &str),
) -> Result<(), FixFailure> {
    let row_of = |record: RecordIndex| {
        batch.rows.get(record).copied().ok_or_else(|| {
            FixFailure::Read(ReadError {
                file_name: String::new(),
                reason: format!("there is no record {}", record + 1),
            })
        })
    };
    let mut slice = Slice::start();
    let mut position = 0;
    while position < records.len() {
        // The records from `position` on that share its file and fit one block are read together.
        let first = row_of(records[position])?;
        let mut end = position + 1;
        while let Some(row) = records.get(end).and_then(|&record| batch.rows.get(record)) {
            if row.file != first.file || row.end.saturating_sub(first.start) > READ_BLOCK_BYTES {
                break;
            }
            end += 1;
        }
        let block_records = &records[position..end];
        let block = if block_records.iter().all(|record| decisions.replaced.contains_key(record)) {
            Vec::new()
        } else {
            read_span(batch, first.file, first.start, row_of(records[end - 1])?.end).await.map_err(FixFailure::Read)?
        };
        for &record in block_records {
            match decisions.replaced.get(&record) {
                Some(text) => visit(record, text),
                None => {
                    let row = row_of(record)?;
                    let span = (row.start - first.start) as usize..(row.end - first.start) as usize;
                    visit(record, &String::from_utf8_lossy(block.get(span).unwrap_or_default()));
                }
            }
            slice.maybe_yield().await;
        }
        position = end;
    }
    Ok(())
}

/// The fixed batch: every record not excluded, in batch order, one per line (its fixed text where it has one),
/// as a Blob of type `application/x-ndjson`; and how many records it holds.
///
/// # Errors
/// When a file cannot be read.
pub async fn fixed_batch_blob(
    batch: &CheckedBatch,
    decisions: &Decisions,
) -> Result<(web_sys::Blob, usize), FixFailure> {
    let records: Vec<RecordIndex> =
        (0..batch.rows.len()).filter(|record| !decisions.excluded.contains(record)).collect();
    let parts = js_sys::Array::new();
    let mut output = String::new();
    visit_record_texts(batch, decisions, &records, |_, text| {
        push_ndjson_line(&mut output, text);
        if output.len() >= OUTPUT_PART_BYTES {
            parts.push(&wasm_bindgen::JsValue::from_str(&std::mem::take(&mut output)));
        }
    })
    .await?;
    parts.push(&wasm_bindgen::JsValue::from_str(&output));
    let properties = web_sys::BlobPropertyBag::new();
    properties.set_type("application/x-ndjson");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &properties)
        .map_err(|error| FixFailure::Read(ReadError { file_name: String::new(), reason: format!("{error:?}") }))?;
    Ok((blob, records.len()))
}

/// Time since the page was last given back to the browser.
struct Slice {
    started: f64,
}

impl Slice {
    fn start() -> Self {
        Slice { started: js_sys::Date::now() }
    }

    /// Lets the browser run when this slice has lasted [`SLICE_MILLIS`].
    async fn maybe_yield(&mut self) {
        if js_sys::Date::now() - self.started >= SLICE_MILLIS {
            yew::platform::time::sleep(std::time::Duration::ZERO).await;
            self.started = js_sys::Date::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::{Edit, Target};

    fn fix(pointer: &str, value: Value) -> Fix {
        Fix { title: format!("set {pointer}"), edits: vec![Edit { pointer: pointer.to_owned(), value }] }
    }

    #[test]
    fn fixes_edit_the_record_and_keep_member_order() {
        let table: Vec<(&str, Vec<Fix>, Result<&str, &str>)> = vec![
            (
                r#"{"z": 1, "intendedMessageTimestamp": 1433045622, "a": 2}"#,
                vec![fix("/intendedMessageTimestamp", Value::from(1_433_045_622_000_i64))],
                Ok(r#"{"z":1,"intendedMessageTimestamp":1433045622000,"a":2}"#),
            ),
            (r#"{"a": 1}"#, vec![fix("/b", Value::from("x")), fix("/a", Value::from(2))], Ok(r#"{"a":2,"b":"x"}"#)),
            (r#"{"a": 1}"#, vec![fix("/a/b/c", Value::from(2))], Err("the fix does not apply")),
            (r#"{"a": "#, vec![fix("/a", Value::from(2))], Err("not well-formed JSON")),
        ];
        for (before, fixes, expected) in table {
            let fixes: Vec<&Fix> = fixes.iter().collect();
            match (apply_to_text(before, &fixes), expected) {
                (Ok(after), Ok(expected)) => assert_eq!(after, expected, "{before}"),
                (Err(failure), Err(expected)) => assert!(failure.to_string().contains(expected), "{failure}"),
                (result, expected) => panic!("{before}: {result:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn a_fixed_record_is_checked_again() {
        let record = r#"{"message": "hello", "intendedMessageTimestamp": 1433045622, "intendedMessageFromUserId": 1, "originatingSystemId": "s", "originalMessageId": "m", "streamId": "abc"}"#;
        let options = Options::new(Target::Symphony, 1_700_000_000_000);
        let before = recheck(record, 7, &options);
        let codes = |findings: &[Diagnostic]| findings.iter().map(Diagnostic::code).collect::<Vec<_>>();
        assert!(codes(&before).contains(&"TS003"), "{:?}", codes(&before));
        assert!(before.iter().all(|finding| finding.location.record == Some(7)));
        let offered = offered_fixes(&before, Rule::TimestampInSeconds);
        assert_eq!(offered.len(), 1);
        let fixed = fix_record(7, Rc::from(record), &[offered[0].1], &options).expect("the core's fix applies");
        assert!(fixed.after.contains("1433045622000"), "{}", fixed.after);
        assert!(!codes(&fixed.findings_after).contains(&"TS003"), "{:?}", codes(&fixed.findings_after));
        assert_eq!(fixed.titles, vec!["Multiply the timestamp by 1000".to_owned()]);
    }

    #[test]
    fn a_fixed_record_offers_the_fixes_of_its_new_text() {
        let finding = |record: RecordIndex, rule: Rule, value: i64| {
            let mut finding = Diagnostic::new(rule, "m").with_fix(fix("/a", Value::from(value)));
            finding.location.record = Some(record);
            finding
        };
        let batch = vec![
            finding(0, Rule::TimestampInSeconds, 0),
            finding(1, Rule::TimestampInSeconds, 1),
            finding(1, Rule::TimestampInSeconds, 99),
            finding(2, Rule::PlainTextMessage, 2),
            finding(3, Rule::TimestampInSeconds, 3),
        ];
        // Record 1 was fixed and no longer offers the fix; record 2 was fixed and now offers one.
        let rechecked =
            BTreeMap::from([(1, Rc::new(Vec::new())), (2, Rc::new(vec![finding(2, Rule::TimestampInSeconds, 22)]))]);
        let offered = current_offered_fixes(&batch, &rechecked, Rule::TimestampInSeconds);
        let values: Vec<(RecordIndex, &Value)> =
            offered.iter().map(|(record, fix)| (*record, &fix.edits[0].value)).collect();
        assert_eq!(values, vec![(0, &Value::from(0)), (2, &Value::from(22)), (3, &Value::from(3))]);
        assert_eq!(offered_fixes(&batch, Rule::TimestampInSeconds).len(), 3, "one fix per record");
    }

    #[test]
    fn ndjson_lines_have_no_line_breaks_inside() {
        let mut output = String::new();
        push_ndjson_line(&mut output, "{\n  \"a\": 1,\r\n  \"b\": \"x\"\n}");
        push_ndjson_line(&mut output, r#"{"c":2}"#);
        assert_eq!(output, "{   \"a\": 1,    \"b\": \"x\" }\n{\"c\":2}\n");
    }
}
