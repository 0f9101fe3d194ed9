//! The JSON form of a `ferry check` run (`--format json`): one stable object, documented here and in
//! `docs/json-output.md`.
//!
//! ```json
//! {
//!   "records": 3,
//!   "files": ["batch.json"],
//!   "summary": {"files": 1, "bytes": 1289, "records": 3, "errors": 1, "warnings": 1, "infos": 0,
//!               "recordsWithErrors": 1, "recordsWithWarningsOnly": 1, "fixable": 1, "byCode": {"TS001": 1}},
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
//! record where in the file the finding is; `fix` is `{"title", "edits": [{"pointer", "value"}]}` or `null`.
//! Members are only ever added, never renamed or removed.

use ferry_core::{Fix, Report, Severity, Span, Summary};
use serde::Serialize;

use crate::render::Located;

/// The whole run.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckOutput<'a> {
    /// Records read, across every file.
    pub records: usize,
    /// The files, in the order given (`-` for standard input).
    pub files: Vec<&'a str>,
    /// Counts over the run (ferry-core's [`Summary`]).
    pub summary: &'a Summary,
    /// Every finding, in input order.
    pub diagnostics: Vec<DiagnosticOutput<'a>>,
}

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

/// Builds the JSON object of a run.
pub fn check_output<'a>(report: &'a Report, files: Vec<&'a str>, located: &'a [Located<'a>]) -> CheckOutput<'a> {
    CheckOutput {
        records: report.summary.records,
        files,
        summary: &report.summary,
        diagnostics: located
            .iter()
            .map(|entry| {
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
            })
            .collect(),
    }
}
