//! The report of a journal: every record's fate, as CSV or JSON, written as it is read (never all in memory).
//!
//! CSV columns: `file, record, originatingSystemId, originalMessageId, streamId, state, request, messageId,
//! diagnostic, codes` (`record` is 0-based, as in `ferry check --format json`). JSON: `{"counts": {...},
//! "records": [...]}` with the same fields in camelCase.

use std::io::Write;

use crate::error::ProxyError;
use crate::journal::{Counts, Fate, Journal};

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// One row per record.
    Csv,
    /// One object with the counts and every record.
    Json,
}

impl ReportFormat {
    /// The format a file name asks for: `.csv` or `.json`.
    pub fn of_file_name(name: &str) -> Option<ReportFormat> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            Some(ReportFormat::Csv)
        } else if lower.ends_with(".json") {
            Some(ReportFormat::Json)
        } else {
            None
        }
    }
}

/// Writes the journal's report to `out`.
///
/// # Errors
/// [`ProxyError::Journal`] when the journal cannot be read, [`ProxyError::Refused`] when `out` fails.
pub fn write_report(journal: &Journal, format: ReportFormat, out: &mut dyn Write) -> Result<(), ProxyError> {
    let header = [
        "file",
        "record",
        "originatingSystemId",
        "originalMessageId",
        "streamId",
        "state",
        "request",
        "messageId",
        "diagnostic",
        "codes",
    ];
    let counts: Counts = journal.counts()?;
    write_rows(format, &header, &counts, out, |row| {
        journal.for_each_fate(|fate: Fate| {
            let optional = |value: &Option<String>| value.clone().unwrap_or_default();
            let cells = vec![
                fate.file.clone(),
                fate.record_index.to_string(),
                optional(&fate.originating_system_id),
                optional(&fate.original_message_id),
                optional(&fate.stream_id),
                fate.state.as_str().to_owned(),
                fate.request.map(|request| request.to_string()).unwrap_or_default(),
                optional(&fate.message_id),
                optional(&fate.diagnostic),
                optional(&fate.codes),
            ];
            row(&fate, cells)
        })
    })
}

/// Writes the Teams journal's report to `out`: CSV columns `file, record, originatingSystemId,
/// originalMessageId, conversation, createdDateTime, state, messageId, reason, codes`; JSON
/// `{"counts": {...}, "records": [...]}` with the same fields in camelCase.
///
/// # Errors
/// As [`write_report`].
pub fn write_teams_report(
    journal: &crate::teams::TeamsJournal,
    format: ReportFormat,
    out: &mut dyn Write,
) -> Result<(), ProxyError> {
    let header = [
        "file",
        "record",
        "originatingSystemId",
        "originalMessageId",
        "conversation",
        "createdDateTime",
        "state",
        "messageId",
        "reason",
        "codes",
    ];
    let counts = journal.counts()?;
    write_rows(format, &header, &counts, out, |row| {
        journal.for_each_fate(|fate| {
            let optional = |value: &Option<String>| value.clone().unwrap_or_default();
            let cells = vec![
                fate.file.clone(),
                fate.record_index.to_string(),
                optional(&fate.originating_system_id),
                optional(&fate.original_message_id),
                optional(&fate.conversation),
                optional(&fate.created_date_time),
                fate.state.as_str().to_owned(),
                optional(&fate.message_id),
                optional(&fate.reason),
                optional(&fate.codes),
            ];
            row(&fate, cells)
        })
    })
}

/// A row writer: a fate (for JSON) and its cells (for CSV).
type RowWriter<'a, F> = dyn FnMut(&F, Vec<String>) -> Result<(), String> + 'a;

/// Writes a report as it is read: `each` calls the row writer once per fate, in order.
fn write_rows<F: serde::Serialize, C: serde::Serialize>(
    format: ReportFormat,
    header: &[&str],
    counts: &C,
    out: &mut dyn Write,
    each: impl FnOnce(&mut RowWriter<'_, F>) -> Result<(), ProxyError>,
) -> Result<(), ProxyError> {
    let failed = |error: &dyn std::fmt::Display| ProxyError::Refused(format!("cannot write the report: {error}"));
    match format {
        ReportFormat::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(header).map_err(|error| failed(&error))?;
            each(&mut |_, cells| {
                writer.write_record(&cells).map_err(|error| format!("cannot write the report: {error}"))
            })?;
            writer.flush().map_err(|error| failed(&error))
        }
        ReportFormat::Json => {
            let counts_json = serde_json::to_string(counts).map_err(|error| ProxyError::Refused(error.to_string()))?;
            write!(out, "{{\"counts\":{counts_json},\"records\":[").map_err(|error| failed(&error))?;
            let mut first = true;
            each(&mut |fate, _| {
                let text = serde_json::to_string(fate).map_err(|error| error.to_string())?;
                let separator = if first { "\n" } else { ",\n" };
                first = false;
                write!(out, "{separator}{text}").map_err(|error| format!("cannot write the report: {error}"))
            })?;
            writeln!(out, "\n]}}").map_err(|error| failed(&error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_record_is_in_both_formats() {
        let mut journal = Journal::in_memory("http://pod").unwrap();
        let record = |id: &str, errors: &[&str]| {
            let mut record = crate::journal::tests::record(id, errors);
            record.file = "a,b.json".into();
            record.record_index = 3;
            record.error_message = record.error_message.map(|_| "bad \"quote\"".to_owned());
            record
        };
        journal.take_records(1, [record("x", &[]), record("y", &["MML001"])], false, &mut Vec::new()).unwrap();
        let mut csv_text = Vec::new();
        write_report(&journal, ReportFormat::Csv, &mut csv_text).unwrap();
        let csv_text = String::from_utf8(csv_text).unwrap();
        assert_eq!(csv_text.lines().count(), 3, "{csv_text}");
        assert!(csv_text.contains("\"a,b.json\",3,chat,y,s,excluded,,,\"bad \"\"quote\"\"\",MML001"), "{csv_text}");
        let mut json_text = Vec::new();
        write_report(&journal, ReportFormat::Json, &mut json_text).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&json_text).unwrap();
        assert_eq!(value["counts"]["planned"], 1);
        assert_eq!(value["records"][1]["state"], "excluded");
        assert_eq!(ReportFormat::of_file_name("R.CSV"), Some(ReportFormat::Csv));
    }
}
