//! The checked batch as every part of the app sees it, and the user's decisions about its records.
//!
//! The check (in a worker) produces a [`CheckedBatch`]: the files themselves (never copied into memory), each
//! record's place in its file and the few facts the summary, the timeline and the list need, and the findings.
//! A record's text is read again from its file when it is shown, fixed or uploaded ([`read_record`]), so a
//! batch of hundreds of megabytes costs the page tens of bytes per record.
//!
//! Record indices are 0-based across the batch, as in the core's reports and the JSON report; the page shows
//! them from 1 ([`shown_number`]).
//!
//! Invariant: the user's [`Decisions`] never change a file; a fixed record's new text lives in
//! [`Decisions::replaced`], and every consumer of many records (download of the fixed batch, upload, export)
//! reads them through `fixes::visit_record_texts`, so what is shown, downloaded and sent is the same text.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use ferry_core::teams::Directory;
use ferry_core::{Diagnostic, Plan, Rule, Severity, Summary, Target};
use serde::{Deserialize, Serialize};

/// A record's 0-based index across the batch.
pub type RecordIndex = usize;

/// The number a person sees for a record: its index plus one.
pub fn shown_number(index: RecordIndex) -> usize {
    index + 1
}

/// A value of [`RecordRow::stream`] or [`RecordRow::sender`] when the record has none that can be read.
pub const NONE: u32 = u32::MAX;

/// One record: where it is, and what the summary, timeline and list show of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordRow {
    /// Index of its file in [`CheckedBatch::files`].
    pub file: u32,
    /// Byte offset of its first byte (`{`) in its file.
    pub start: u64,
    /// Byte offset just past its last byte (`}`).
    pub end: u64,
    /// Index into [`CheckedBatch::streams`], or [`NONE`].
    pub stream: u32,
    /// Index into [`CheckedBatch::senders`], or [`NONE`].
    pub sender: u32,
    /// `intendedMessageTimestamp` in milliseconds, when it is an integer.
    pub timestamp: Option<i64>,
    /// The worst severity among its findings; `None` when it has none.
    pub worst: Option<Severity>,
    /// How many findings it has (all of them, kept or not).
    pub findings: u32,
    /// The rule of its first finding of the worst severity; `None` when it has none.
    pub lead: Option<Rule>,
}

/// Where a byte offset is in its file, as an editor shows it: line and column both count from 1, and the column
/// counts UTF-16 code units (what JavaScript and most editors count), not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column in UTF-16 code units, from 1.
    pub column: u64,
}

/// A checked batch.
#[derive(Debug)]
pub struct CheckedBatch {
    /// The files, in the order given; they form one batch.
    pub files: Vec<web_sys::File>,
    /// Their names, by file index.
    pub file_names: Vec<String>,
    /// Every record, by record index.
    pub rows: Vec<RecordRow>,
    /// Distinct `streamId`s as written, in order of first appearance.
    pub streams: Vec<String>,
    /// Distinct `intendedMessageFromUserId`s as written, in order of first appearance.
    pub senders: Vec<String>,
    /// The findings kept (bounded; `summary` counts all of them), in batch order: a record's findings are
    /// contiguous, file-level findings (no record) come where they were found.
    pub findings: Vec<Diagnostic>,
    /// Where each kept finding starts in its file, finding for finding; `None` without a source span.
    pub positions: Vec<Option<Position>>,
    /// The core's summary: counts over every finding.
    pub summary: Summary,
    /// The core's plan for the records without errors.
    pub plan: Plan,
    /// The platform whose rules were applied.
    pub target: Target,
    /// The "now" of the check, in milliseconds since the Unix epoch.
    pub now_millis: i64,
    /// Teams target: the maps the check ran with; `None` when none were given (the mapping rules were silent).
    pub teams_directory: Option<Rc<Directory>>,
}

/// A checked batch is made once per check and then shared (`Rc<CheckedBatch>`): two are equal when they are the
/// same check. Comparing by identity keeps yew's comparison of properties O(1) for batches of any size.
impl PartialEq for CheckedBatch {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

/// Why a record could not be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// The file's name.
    pub file_name: String,
    /// The browser's reason.
    pub reason: String,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "The browser could not read {}: {}", self.file_name, self.reason)
    }
}

/// Reads record `index`'s text, exactly as written in its file.
///
/// # Errors
/// When the index is past the batch, or the browser cannot read the file (removed, permission revoked).
pub async fn read_record(batch: &CheckedBatch, index: RecordIndex) -> Result<String, ReadError> {
    let out_of_range =
        || ReadError { file_name: String::new(), reason: format!("there is no record {}", shown_number(index)) };
    let row = batch.rows.get(index).ok_or_else(out_of_range)?;
    let bytes = read_span(batch, row.file, row.start, row.end).await?;
    let file_name = batch.file_names.get(row.file as usize).cloned().unwrap_or_default();
    String::from_utf8(bytes)
        .map_err(|_| ReadError { file_name, reason: format!("record {} is not UTF-8", shown_number(index)) })
}

/// Reads bytes `start..end` of file `file` of the batch: one read for the records lying there, not one each.
///
/// # Errors
/// When the batch has no such file, or the browser cannot read it.
pub async fn read_span(batch: &CheckedBatch, file: u32, start: u64, end: u64) -> Result<Vec<u8>, ReadError> {
    let file_name = batch.file_names.get(file as usize).cloned().unwrap_or_default();
    let Some(handle) = batch.files.get(file as usize) else {
        return Err(ReadError { file_name, reason: "the file is no longer listed".to_owned() });
    };
    let slice = gloo_file::File::from(handle.clone()).slice(start, end);
    gloo_file::futures::read_as_bytes(&slice).await.map_err(|error| ReadError { file_name, reason: error.to_string() })
}

/// `text` on one line: line breaks (`\n`, `\r`) outside JSON strings become spaces, so the size does not change.
/// Inside a string they are kept: JSON forbids them there, so such a record is already in error, and its text is
/// not repaired silently.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(['\n', '\r']) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut line = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for character in text.chars() {
        match character {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '\n' | '\r' if !in_string => {
                line.push(' ');
                continue;
            }
            _ => {}
        }
        line.push(character);
    }
    std::borrow::Cow::Owned(line)
}

/// Writes one record as one NDJSON line ([`one_line`]) followed by a line break.
pub fn push_ndjson_line(output: &mut String, record_text: &str) {
    output.push_str(&one_line(record_text));
    output.push('\n');
}

/// What the user decided about records: fixes applied, records left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Decisions {
    /// Records whose text the user changed by applying fixes: their new text.
    pub replaced: BTreeMap<RecordIndex, Rc<str>>,
    /// Records the user left out of the import.
    pub excluded: BTreeSet<RecordIndex>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_put_on_one_line_without_touching_strings() {
        let cases = [
            ("{\"a\": 1}", "{\"a\": 1}"),
            ("{\n  \"a\": 1,\r\n  \"b\": \"x\"\n}", "{   \"a\": 1,    \"b\": \"x\" }"),
            // An escaped quote does not end the string; a raw line break inside a string stays (the record is
            // already in error).
            ("{\"a\": \"q\\\"\n\",\n\"b\": 2}", "{\"a\": \"q\\\"\n\", \"b\": 2}"),
            ("{\"a\": \"back\\\\\",\n\"b\": 2}", "{\"a\": \"back\\\\\", \"b\": 2}"),
            ("{\"é\": \"ü\"\n}", "{\"é\": \"ü\" }"),
        ];
        for (text, expected) in cases {
            assert_eq!(one_line(text), expected, "{text:?}");
            assert_eq!(one_line(text).len(), text.len(), "the size does not change");
        }
    }
}
