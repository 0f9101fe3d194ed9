//! The planner: splits the approved records of a batch into import requests.
//!
//! Each request holds at most [`Options::max_records_per_request`] records (the documented recommendation is
//! 5,000) and at most [`Options::max_request_bytes`] bytes of JSON body, attachments included. Records of one
//! stream stay together and in chronological order (by `intendedMessageTimestamp`, then input order), streams
//! in the order they first appear. Records with an error are never planned, whatever the approval says.
//!
//! For the Teams target every message is its own request (Graph's import takes one `chatMessage` per `POST`),
//! and the estimate is at [`teams::MESSAGES_PER_SECOND_PER_CONVERSATION`] with one conversation at a time: an
//! importer running conversations side by side divides it (`ferry import --target teams` says by how much).
//!
//! Invariants: every planned record appears in exactly one request; a request is never empty; a request is
//! over the byte limit only when it holds a single record larger than the limit (it is then marked
//! `oversized`).

use serde::{Deserialize, Serialize};

use crate::{teams, Options, Target};

/// What the planner needs to know about one record; kept for every record of a run (24 bytes each).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordFacts {
    /// The record's stream, as an index into the run's streams in order of first appearance;
    /// [`RecordFacts::NO_STREAM`] when the record has no usable `streamId`.
    pub stream: u32,
    /// `intendedMessageTimestamp`, or 0 when unusable.
    pub timestamp: i64,
    /// Size of the record's JSON text, in bytes.
    pub bytes: u32,
    /// Whether any diagnostic about the record is an error.
    pub has_error: bool,
}

impl RecordFacts {
    /// The stream index of a record without a usable `streamId`.
    pub const NO_STREAM: u32 = u32::MAX;
}

/// One planned request.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedRequest {
    /// Record indices (0-based, across the batch), in the order they are to be sent.
    pub records: Vec<usize>,
    /// Size of the request body: the records' JSON, commas and brackets.
    pub bytes: u64,
    /// Number of distinct streams in the request.
    pub streams: usize,
    /// The request holds one record larger than the byte limit.
    pub oversized: bool,
}

/// The import plan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plan {
    /// The requests, in the order they are to be sent.
    pub requests: Vec<PlannedRequest>,
    /// Records in the plan.
    pub records_planned: usize,
    /// Records left out: those with errors and those not approved.
    pub records_excluded: usize,
    /// Streams of the planned records (for Teams, its conversations).
    pub streams: usize,
    /// Bytes over all requests.
    pub total_bytes: u64,
    /// Estimated duration of the import at [`Plan::messages_per_hour`], in whole seconds (rounded up).
    pub estimated_seconds: u64,
    /// The rate the estimate assumes (for Teams, one conversation's).
    pub messages_per_hour: u64,
}

/// Plans the records for which `approved(record_index, facts)` holds and that have no error.
pub fn plan(facts: &[RecordFacts], options: &Options, approved: impl Fn(usize, &RecordFacts) -> bool) -> Plan {
    let mut chosen: Vec<usize> = (0..facts.len())
        .filter(|&index| !facts[index].has_error && approved(index, &facts[index]))
        .collect();
    chosen.sort_by_key(|&index| (facts[index].stream, facts[index].timestamp, index));

    // Graph's import takes one message per request.
    let max_records = match options.target {
        Target::Symphony => options.max_records_per_request.max(1),
        Target::Teams => 1,
    };
    let mut requests: Vec<PlannedRequest> = Vec::new();
    let mut current = PlannedRequest::default();
    let mut last_stream_in_current: Option<u32> = None;
    for &index in &chosen {
        let record_bytes = u64::from(facts[index].bytes);
        // `[` + `]`, and a comma before every record but the first.
        let bytes_if_added =
            if current.records.is_empty() { 2 + record_bytes } else { current.bytes + 1 + record_bytes };
        let fits = current.records.len() < max_records && bytes_if_added <= options.max_request_bytes;
        if !fits && !current.records.is_empty() {
            requests.push(std::mem::take(&mut current));
            last_stream_in_current = None;
        }
        current.bytes = if current.records.is_empty() { 2 + record_bytes } else { current.bytes + 1 + record_bytes };
        current.oversized = current.bytes > options.max_request_bytes;
        current.records.push(index);
        // Records are sorted by stream, so a new stream shows as a change from the previous record.
        if last_stream_in_current != Some(facts[index].stream) {
            current.streams += 1;
            last_stream_in_current = Some(facts[index].stream);
        }
    }
    if !current.records.is_empty() {
        requests.push(current);
    }

    let records_planned = chosen.len();
    let messages_per_hour = match options.target {
        Target::Symphony => options.messages_per_hour,
        Target::Teams => u64::from(teams::MESSAGES_PER_SECOND_PER_CONVERSATION) * 3600,
    };
    let estimated_seconds = match messages_per_hour {
        0 => 0,
        rate => (records_planned as u64 * 3600).div_ceil(rate),
    };
    // Planned records are sorted by stream: each change of stream is a new one.
    let streams = 1 + chosen.windows(2).filter(|pair| facts[pair[0]].stream != facts[pair[1]].stream).count();
    Plan {
        total_bytes: requests.iter().map(|request| request.bytes).sum(),
        requests,
        records_planned,
        records_excluded: facts.len() - records_planned,
        streams: if chosen.is_empty() { 0 } else { streams },
        estimated_seconds,
        messages_per_hour,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(stream: u32, timestamp: i64, bytes: u32, has_error: bool) -> RecordFacts {
        RecordFacts { stream, timestamp, bytes, has_error }
    }

    #[test]
    fn splits_by_count_and_bytes_keeping_stream_order() {
        let records = vec![
            facts(0, 30, 10, false),
            facts(1, 5, 10, false),
            facts(0, 10, 10, false),
            facts(0, 20, 10, true),
            facts(1, 1, 100, false),
            facts(0, 10, 10, false),
        ];
        let table: &[(usize, u64, Vec<Vec<usize>>)] = &[
            (5_000, 1_000, vec![vec![2, 5, 0, 4, 1]]),
            (2, 1_000, vec![vec![2, 5], vec![0, 4], vec![1]]),
            // 2 + 10 + 1 + 10 = 23 fits in 25; a third record would not.
            (5_000, 25, vec![vec![2, 5], vec![0], vec![4], vec![1]]),
        ];
        for (max_records, max_bytes, expected) in table {
            let options =
                Options { max_records_per_request: *max_records, max_request_bytes: *max_bytes, ..Options::default() };
            let plan = plan(&records, &options, |_, _| true);
            let got: Vec<Vec<usize>> = plan.requests.iter().map(|request| request.records.clone()).collect();
            assert_eq!(&got, expected, "max {max_records} records, {max_bytes} bytes");
            assert_eq!(plan.records_planned, 5);
            assert_eq!(plan.records_excluded, 1);
            assert_eq!(plan.streams, 2);
        }
    }

    #[test]
    fn teams_sends_each_message_alone_at_five_a_second_per_conversation() {
        let records: Vec<RecordFacts> =
            (0..11).map(|index| facts(index % 2, 100 - i64::from(index), 10, index == 10)).collect();
        let options = Options { target: Target::Teams, max_records_per_request: 5_000, ..Options::default() };
        let plan = plan(&records, &options, |_, _| true);
        let got: Vec<Vec<usize>> = plan.requests.iter().map(|request| request.records.clone()).collect();
        // Stream 0 (records 0, 2, ..., 8) then stream 1, each in time order; record 10 has an error.
        let expected: Vec<Vec<usize>> = [8, 6, 4, 2, 0, 9, 7, 5, 3, 1].iter().map(|&index| vec![index]).collect();
        assert_eq!(got, expected);
        assert_eq!((plan.records_planned, plan.records_excluded, plan.streams), (10, 1, 2));
        assert_eq!(plan.messages_per_hour, 18_000);
        // 10 messages at 5 a second, one conversation at a time.
        assert_eq!(plan.estimated_seconds, 2);
        let empty = super::plan(&records, &options, |_, _| false);
        assert_eq!((empty.requests.len(), empty.streams, empty.estimated_seconds), (0, 0, 0));
    }

    #[test]
    fn oversized_record_travels_alone_and_estimate_rounds_up() {
        let records = vec![facts(0, 1, 10, false), facts(0, 2, 500, false), facts(0, 3, 10, false)];
        let options = Options { max_request_bytes: 100, messages_per_hour: 7_200, ..Options::default() };
        let plan = plan(&records, &options, |_, _| true);
        assert_eq!(plan.requests.len(), 3);
        assert!(plan.requests[1].oversized);
        assert!(!plan.requests[0].oversized);
        assert_eq!(plan.requests[1].bytes, 502);
        assert_eq!(plan.requests[0].streams, 1);
        // 3 records at 2 per second.
        assert_eq!(plan.estimated_seconds, 2);
        let unapproved = super::plan(&records, &options, |index, _| index != 1);
        assert_eq!(unapproved.records_planned, 2);
        assert_eq!(unapproved.requests.len(), 1);
    }
}
