//! The upload of a checked batch to `ferry serve`: which records go, how they are cut into posted batches, and
//! how the API's answers about a posted batch's record find the page's record again.
//!
//! The records sent are those the user did not exclude ([`Decisions::excluded`]), with their fixed text
//! ([`Decisions::replaced`], read through [`visit_record_texts`]), in batch order; records whose JSON the check
//! could not read (a `JSON` finding) are left out and said so: one of them would make the server refuse its whole posted batch. They are cut into
//! batches of at most the chosen number of records (the API's 5,000 at most) and of a body within the API's byte
//! limit; a record too large for any body is left out and said so, never sent to be refused.
//!
//! Bodies are NDJSON: each record on one line ([`crate::model::one_line`]: line breaks between a record's tokens become spaces,
//! nothing inside a string changes), in page order, so record `k` of a posted batch is the `k`-th record of its
//! slice. [`UploadPlan`] keeps that slice for every posted batch: the API names records by (batch name, 0-based
//! index in it), in its findings, its pre-flight and its journal, and [`UploadPlan::page_record`] maps them back.
//!
//! Reading: the records of a posted batch are read a block of their file at a time
//! ([`crate::fixes::visit_record_texts`]), not one read per record.

use std::collections::{BTreeSet, HashMap};

use ferry_core::planner::{plan, RecordFacts};
use ferry_core::{Options, Plan, Severity, Target};

use crate::fixes::visit_record_texts;
use crate::model::{push_ndjson_line, CheckedBatch, Decisions, RecordIndex};
use crate::services::api::Limits;

/// Why a record is not sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeftOut {
    /// The user excluded it.
    Excluded,
    /// Its JSON cannot be read (a `JSON` finding): it would make the server refuse its whole batch.
    Unreadable,
    /// Alone it is larger than the server takes in one body.
    TooLarge,
}

impl LeftOut {
    /// Why, in words for people.
    pub fn reason(self) -> &'static str {
        match self {
            LeftOut::Excluded => "excluded by you",
            LeftOut::Unreadable => "its JSON cannot be read",
            LeftOut::TooLarge => "larger than the server takes in one request",
        }
    }
}

/// One batch to post: a slice of the page's records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadBatch {
    /// Its name in the journal and the reports (unique within an upload).
    pub name: String,
    /// The page's records, in the order posted: record `k` of the batch is `records[k]`.
    pub records: Vec<RecordIndex>,
    /// Its body's size in bytes (records and the line breaks between them).
    pub body_bytes: u64,
}

/// How a checked batch is posted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UploadPlan {
    /// The batches, in the order they are posted.
    pub batches: Vec<UploadBatch>,
    /// Records not sent, in page order, and why.
    pub left_out: Vec<(RecordIndex, LeftOut)>,
    /// Batch name to its index in `batches`.
    by_name: HashMap<String, usize>,
}

impl UploadPlan {
    /// The page's record that the API calls record `record_in_batch` (0-based) of batch `batch_name`; `None` for
    /// a batch this plan did not post (an earlier upload, another page).
    pub fn page_record(&self, batch_name: &str, record_in_batch: usize) -> Option<RecordIndex> {
        let batch = self.batches.get(*self.by_name.get(batch_name)?)?;
        batch.records.get(record_in_batch).copied()
    }

    /// Records sent.
    pub fn records(&self) -> usize {
        self.batches.iter().map(|batch| batch.records.len()).sum()
    }

    /// Bytes of every body.
    pub fn body_bytes(&self) -> u64 {
        self.batches.iter().map(|batch| batch.body_bytes).sum()
    }
}

/// Cuts `records` (the page's index and the byte size of each record to send, in page order) into batches of at
/// most `max_records` records (at least 1) and bodies of at most `max_body_bytes`, named `{prefix}.part-N.ndjson`
/// from 1. A record whose line (text and line break) alone exceeds the byte limit is left out
/// ([`LeftOut::TooLarge`]).
pub fn slice(
    records: impl IntoIterator<Item = (RecordIndex, u64)>,
    max_records: usize,
    max_body_bytes: u64,
    prefix: &str,
) -> UploadPlan {
    let max_records = max_records.max(1);
    let mut upload = UploadPlan::default();
    let mut current: Option<UploadBatch> = None;
    for (index, bytes) in records {
        if bytes >= max_body_bytes {
            upload.left_out.push((index, LeftOut::TooLarge));
            continue;
        }
        // Each record is a line: its text and a line break.
        let line_bytes = bytes + 1;
        let fits = current
            .as_ref()
            .is_some_and(|batch| batch.records.len() < max_records && batch.body_bytes + line_bytes <= max_body_bytes);
        if fits {
            if let Some(batch) = current.as_mut() {
                batch.records.push(index);
                batch.body_bytes += line_bytes;
            }
        } else {
            upload.batches.extend(current.take());
            let name = format!("{prefix}.part-{}.ndjson", upload.batches.len() + 1);
            current = Some(UploadBatch { name, records: vec![index], body_bytes: line_bytes });
        }
    }
    upload.batches.extend(current);
    upload.by_name =
        upload.batches.iter().enumerate().map(|(position, batch)| (batch.name.clone(), position)).collect();
    upload
}

/// Record `index`'s size as it will be sent: its fixed text's when the user applied fixes, else its file's.
fn record_bytes(batch: &CheckedBatch, decisions: &Decisions, index: RecordIndex) -> u64 {
    match decisions.replaced.get(&index) {
        Some(text) => text.len() as u64,
        None => batch.rows.get(index).map_or(0, |row| row.end.saturating_sub(row.start)),
    }
}

/// The records whose JSON the check found unreadable, in one pass over the findings (per record, a scan of every
/// finding would make a batch of 100,000 records with 20,000 findings a task of seconds on the page's thread).
fn unreadable_records(batch: &CheckedBatch) -> BTreeSet<RecordIndex> {
    batch
        .findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error && finding.code().starts_with("JSON"))
        .filter_map(|finding| finding.location.record)
        .collect()
}

/// The upload of `batch` as the user decided: records not excluded nor unreadable, cut by `max_records` and the
/// server's `limits`, named after `prefix`.
pub fn plan_upload(
    batch: &CheckedBatch,
    decisions: &Decisions,
    max_records: usize,
    limits: Limits,
    prefix: &str,
) -> UploadPlan {
    let unreadable = unreadable_records(batch);
    let mut left_out = Vec::new();
    let mut sent = Vec::new();
    for index in 0..batch.rows.len() {
        if decisions.excluded.contains(&index) {
            left_out.push((index, LeftOut::Excluded));
        } else if unreadable.contains(&index) {
            left_out.push((index, LeftOut::Unreadable));
        } else {
            sent.push((index, record_bytes(batch, decisions, index)));
        }
    }
    let mut upload = slice(sent, max_records.min(limits.max_records_per_batch), limits.max_body_bytes, prefix);
    upload.left_out.extend(left_out);
    upload.left_out.sort_unstable_by_key(|(index, _)| *index);
    upload
}

/// The import requests the server will send for the records of `upload`, by ferry-core's planner with its
/// default limits (those `ferry serve`'s runs use) and its estimate at the pod's documented rate. Records the
/// check found errors in are not planned: the server refuses them too.
pub fn import_plan(batch: &CheckedBatch, decisions: &Decisions, upload: &UploadPlan) -> Plan {
    let options = Options::new(Target::Symphony, 0);
    let mut sent = vec![false; batch.rows.len()];
    for index in upload.batches.iter().flat_map(|posted| posted.records.iter()) {
        if let Some(flag) = sent.get_mut(*index) {
            *flag = true;
        }
    }
    let facts: Vec<RecordFacts> = batch
        .rows
        .iter()
        .enumerate()
        .map(|(index, row)| RecordFacts {
            stream: row.stream,
            timestamp: row.timestamp.unwrap_or(0),
            bytes: u32::try_from(record_bytes(batch, decisions, index)).unwrap_or(u32::MAX),
            has_error: row.worst == Some(Severity::Error),
        })
        .collect();
    plan(&facts, &options, |index, _| sent.get(index).copied().unwrap_or(false))
}

/// The body of a posted batch: the current text of each of `records` (page order), one per line.
///
/// # Errors
/// When a file cannot be read.
pub async fn ndjson_body(
    batch: &CheckedBatch,
    decisions: &Decisions,
    records: &[RecordIndex],
) -> Result<String, String> {
    let mut body = String::new();
    visit_record_texts(batch, decisions, records, |_, text| push_ndjson_line(&mut body, text))
        .await
        .map_err(|failure| failure.to_string())?;
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_and_records(upload: &UploadPlan) -> Vec<(String, Vec<RecordIndex>, u64)> {
        upload.batches.iter().map(|batch| (batch.name.clone(), batch.records.clone(), batch.body_bytes)).collect()
    }

    #[test]
    fn records_are_cut_by_count_and_by_bytes() {
        type Batches = Vec<(&'static str, Vec<RecordIndex>, u64)>;
        /// (case, records (index, bytes), most records, most bytes, batches, left out)
        type Case = (&'static str, Vec<(RecordIndex, u64)>, usize, u64, Batches, Vec<RecordIndex>);
        // A record's line is its bytes and a line break.
        let cases: Vec<Case> = vec![
            ("nothing to send", vec![], 5, 100, vec![], vec![]),
            (
                "one batch",
                vec![(0, 10), (1, 10), (2, 10)],
                5,
                100,
                vec![("p.part-1.ndjson", vec![0, 1, 2], 33)],
                vec![],
            ),
            (
                "by count",
                vec![(0, 10), (1, 10), (2, 10)],
                2,
                100,
                vec![("p.part-1.ndjson", vec![0, 1], 22), ("p.part-2.ndjson", vec![2], 11)],
                vec![],
            ),
            (
                "by bytes, line breaks counted",
                vec![(0, 10), (1, 10), (2, 10)],
                5,
                22,
                vec![("p.part-1.ndjson", vec![0, 1], 22), ("p.part-2.ndjson", vec![2], 11)],
                vec![],
            ),
            (
                "one byte short of two records",
                vec![(0, 10), (1, 10)],
                5,
                21,
                vec![("p.part-1.ndjson", vec![0], 11), ("p.part-2.ndjson", vec![1], 11)],
                vec![],
            ),
            (
                "a record over the limit is left out, the others go",
                vec![(3, 10), (4, 100), (7, 10)],
                5,
                100,
                vec![("p.part-1.ndjson", vec![3, 7], 22)],
                vec![4],
            ),
            (
                "a record exactly at the limit goes alone",
                vec![(0, 99), (1, 1)],
                5,
                100,
                vec![("p.part-1.ndjson", vec![0], 100), ("p.part-2.ndjson", vec![1], 2)],
                vec![],
            ),
            (
                "zero records per batch means one",
                vec![(0, 1), (1, 1)],
                0,
                100,
                vec![("p.part-1.ndjson", vec![0], 2), ("p.part-2.ndjson", vec![1], 2)],
                vec![],
            ),
        ];
        for (case, records, max_records, max_bytes, expected, expected_left_out) in cases {
            let upload = slice(records.clone(), max_records, max_bytes, "p");
            let expected: Vec<(String, Vec<RecordIndex>, u64)> =
                expected.into_iter().map(|(name, records, bytes)| (name.to_owned(), records, bytes)).collect();
            assert_eq!(names_and_records(&upload), expected, "{case}");
            let left_out: Vec<RecordIndex> = upload.left_out.iter().map(|(index, _)| *index).collect();
            assert_eq!(left_out, expected_left_out, "{case}");
            for batch in &upload.batches {
                assert!(
                    batch.records.len() <= max_records.max(1) && batch.body_bytes <= max_bytes,
                    "{case}: over a limit"
                );
            }
            let sent = upload.records() + upload.left_out.len();
            assert_eq!(sent, records.len(), "{case}: every record is sent or left out, once");
        }
    }

    #[test]
    fn the_apis_record_maps_back_to_the_pages() {
        let upload = slice([(2, 5), (3, 5), (5, 5), (8, 5), (9, 5)], 2, 1_000, "export.json.k3");
        let cases = [
            ("export.json.k3.part-1.ndjson", 0, Some(2)),
            ("export.json.k3.part-1.ndjson", 1, Some(3)),
            ("export.json.k3.part-2.ndjson", 0, Some(5)),
            ("export.json.k3.part-2.ndjson", 1, Some(8)),
            ("export.json.k3.part-3.ndjson", 0, Some(9)),
            ("export.json.k3.part-3.ndjson", 1, None),
            ("export.json.k3.part-4.ndjson", 0, None),
            ("another-upload.part-1.ndjson", 0, None),
        ];
        for (name, record, expected) in cases {
            assert_eq!(upload.page_record(name, record), expected, "{name} record {record}");
        }
    }
}
