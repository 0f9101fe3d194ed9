//! The JSON form of a `ferry check` run (`--format json`): one stable object, documented here and in
//! `docs/json-output.md`.
//!
//! ```json
//! {
//!   "records": 3,
//!   "files": ["batch.json"],
//!   "emptyFiles": [],
//!   "summary": {"files": 1, "bytes": 1289, "records": 3, "errors": 1, "warnings": 1, "infos": 0,
//!               "recordsWithErrors": 1, "recordsWithWarningsOnly": 1, "fixable": 1, "byCode": {"TS001": 1}},
//!   "plan": {"requests": 1, "recordsPlanned": 2, "recordsExcluded": 1, "totalBytes": 812,
//!            "largestRequestBytes": 812, "estimatedSeconds": 1, "messagesPerHour": 200000},
//!   "diagnostics": [
//!     {
//!       "file": "batch.json",
//!       "record": 0,
//!       "code": "TS001",
//!       "name": "TimestampInFuture",
//!       "severity": "error",
//!       "message": "...",
//!       "help": null,
//!       "pointer": "/intendedMessageTimestamp",
//!       "span": null,
//!       "line": 3,
//!       "column": 31,
//!       "fix": null
//!     }
//!   ]
//! }
//! ```
//!
//! Conventions: `record` is the 0-based index of the record in the whole batch (counted across files), or
//! `null` for a finding about a file itself; `pointer` is an RFC 6901 JSON pointer inside the record (`""` is
//! the whole record); `span` is `{"start", "end"}`, a half-open 0-based byte range inside the field's decoded
//! text (for example an element inside `message`), or `null`; `line` and `column` are 1-based and locate the
//! start of the finding in the file (column counted in Unicode scalar values), or `null` when the reader did not
//! record where in the file the finding is; `fix` is `{"title", "edits": [{"pointer", "value"}]}` or `null`;
//! `plan` is the import plan of the records without errors (request count, sizes, estimated duration);
//! `emptyFiles` names the inputs that hold no record (rule `JSON002`): any of them makes the run exit 1.
//! Members are only ever added, never renamed or removed.

use std::io::Write;

use ferry_core::{Diagnostic, Fix, Plan, Severity, Span, Summary};
use serde::Serialize;

use crate::position::Position;
use crate::render::Located;
use crate::store::DiagnosticStore;

/// One finding.
#[derive(Serialize)]
pub struct DiagnosticOutput<'a> {
    /// The file it is in, as given on the command line.
    pub file: &'a str,
    /// The record, 0-based across the batch; `null` for a finding about the file itself.
    pub record: Option<usize>,
    /// The rule's code, e.g. `TS001`.
    pub code: &'static str,
    /// The rule's name, e.g. `TimestampInFuture`.
    pub name: &'static str,
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// What is wrong.
    pub message: &'a str,
    /// What to do about it.
    pub help: Option<&'a str>,
    /// RFC 6901 pointer to the field inside the record.
    pub pointer: &'a str,
    /// Byte range inside the field's decoded text, 0-based, half-open.
    pub span: Option<Span>,
    /// Line in the file, 1-based.
    pub line: Option<usize>,
    /// Column in the file, 1-based, in Unicode scalar values.
    pub column: Option<usize>,
    /// The automatic fix on offer.
    pub fix: Option<&'a Fix>,
}

impl<'a> DiagnosticOutput<'a> {
    /// The JSON form of a located finding.
    pub fn new(entry: &Located<'a>) -> Self {
        let diagnostic = entry.diagnostic;
        DiagnosticOutput {
            file: entry.file_name,
            record: diagnostic.location.record,
            code: diagnostic.rule.code(),
            name: diagnostic.rule.name(),
            severity: diagnostic.severity,
            message: &diagnostic.message,
            help: diagnostic.help.as_deref(),
            pointer: &diagnostic.location.pointer,
            span: diagnostic.location.span,
            line: entry.position.map(|position| position.line),
            column: entry.position.map(|position| position.column),
            fix: diagnostic.fix.as_ref(),
        }
    }
}

/// The import plan of the records without errors, in short: the requests' record lists are left out.
#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PlanSummary {
    /// Requests the import would send.
    pub requests: usize,
    /// Records in those requests.
    pub records_planned: usize,
    /// Records left out (those with errors).
    pub records_excluded: usize,
    /// Streams of the planned records (for Teams, its conversations).
    pub streams: usize,
    /// Bytes of JSON over all requests.
    pub total_bytes: u64,
    /// The largest request body, in bytes.
    pub largest_request_bytes: u64,
    /// Estimated duration of the import, in seconds.
    pub estimated_seconds: u64,
    /// The import rate the estimate assumes (for Teams, one conversation's).
    pub messages_per_hour: u64,
}

impl PlanSummary {
    /// Summarises a plan.
    pub fn of(plan: &Plan) -> Self {
        PlanSummary {
            requests: plan.requests.len(),
            records_planned: plan.records_planned,
            records_excluded: plan.records_excluded,
            streams: plan.streams,
            total_bytes: plan.total_bytes,
            largest_request_bytes: plan.requests.iter().map(|request| request.bytes).max().unwrap_or(0),
            estimated_seconds: plan.estimated_seconds,
            messages_per_hour: plan.messages_per_hour,
        }
    }
}

/// What the JSON object says before its diagnostics.
pub struct Report<'a> {
    /// Counts over the run.
    pub summary: &'a Summary,
    /// The import plan, in short.
    pub plan: &'a PlanSummary,
    /// The inputs, as named on the command line.
    pub files: &'a [&'a str],
    /// The inputs that hold no record (rule `JSON002`); any of them makes the run fail.
    pub empty_files: &'a [&'a str],
}

/// Writes the JSON object of a run, one diagnostic at a time (a run can have millions), one per line.
///
/// # Errors
/// When writing fails or the store cannot be read back.
pub fn write_json(
    out: &mut impl Write,
    report: &Report<'_>,
    store: &mut DiagnosticStore,
    positions: &[Option<Position>],
) -> anyhow::Result<()> {
    let files = report.files;
    write!(
        out,
        "{{\n  \"records\": {},\n  \"files\": {},\n  \"emptyFiles\": {},\n  \"summary\": {},\n  \"plan\": {},\n  \"diagnostics\": [",
        report.summary.records,
        serde_json::to_string(files)?,
        serde_json::to_string(report.empty_files)?,
        serde_json::to_string(report.summary)?,
        serde_json::to_string(report.plan)?
    )?;
    store.for_each(|index, diagnostic: &Diagnostic| {
        let entry = Located {
            diagnostic,
            file_name: files.get(diagnostic.location.file).copied().unwrap_or("?"),
            position: positions.get(index).copied().flatten(),
            excerpt: None,
        };
        out.write_all(if index == 0 { b"\n    " } else { b",\n    " })?;
        serde_json::to_writer(&mut *out, &DiagnosticOutput::new(&entry))?;
        Ok::<(), anyhow::Error>(())
    })?;
    out.write_all(if store.len() == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    Ok(())
}
