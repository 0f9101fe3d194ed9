//! `TEAMS001`'s nudges, planned over the whole batch: applying every fix at once leaves each conversation's
//! timestamps unique and in the batch's order; a nudge with no room before the conversation's next record is
//! withdrawn; the findings whose fix is still open are held back from progress reports.

// Test helpers fail by panicking.
#![allow(clippy::panic, clippy::unwrap_used)]

use ferry_core::{apply_fixes, validate, Diagnostic, Options, Rule, Target, Validator};
use proptest::prelude::*;
use serde_json::Value;

const NOW_MILLIS: i64 = 1_700_000_000_000;
const BASE: i64 = 1_433_045_622_000;

/// A batch of one record per `(stream, millisecond offset)`.
fn batch(records: &[(usize, i64)]) -> String {
    let mut text = String::new();
    for (index, (stream, offset)) in records.iter().enumerate() {
        text.push_str(&format!(
            r#"{{"message":"<messageML>m{index}</messageML>","intendedMessageTimestamp":{},"intendedMessageFromUserId":7,"originatingSystemId":"s","originalMessageId":"m-{index}","streamId":"stream{stream}"}}"#,
            BASE + offset
        ));
        text.push('\n');
    }
    text
}

fn teams() -> Options {
    Options::new(Target::Teams, NOW_MILLIS)
}

fn teams001(diagnostics: &[Diagnostic]) -> Vec<(usize, bool)> {
    diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.rule == Rule::TeamsTimestampNotUnique)
        .map(|diagnostic| (diagnostic.location.record.unwrap(), diagnostic.fix.is_some()))
        .collect()
}

#[test]
fn nudges_stay_before_the_next_record() {
    // (records, expected TEAMS001 findings: record and whether it has a fix)
    type Case<'a> = (&'a [(usize, i64)], &'a [(usize, bool)]);
    let cases: [Case<'_>; 5] = [
        // Room: 0, 0 → 0, 1 before 5.
        (&[(0, 0), (0, 0), (0, 5)], &[(1, true)]),
        // No room: the next record is 1 ms later.
        (&[(0, 0), (0, 0), (0, 1)], &[(1, false)]),
        // A run of three with room for two nudges.
        (&[(0, 0), (0, 0), (0, 0), (0, 3)], &[(1, true), (2, true)]),
        // A run of three with room for one: the second nudge (to +2) is withdrawn.
        (&[(0, 0), (0, 0), (0, 0), (0, 2)], &[(1, true), (2, false)]),
        // Other streams in between do not settle the run; the end of the batch leaves the nudge standing.
        (&[(0, 0), (1, 0), (0, 0), (1, 1), (0, 1000)], &[(2, true)]),
    ];
    for (records, expected) in cases {
        let report = validate(batch(records).as_bytes(), &teams());
        assert_eq!(teams001(&report.diagnostics), expected, "{records:?}");
        let fixable = report.diagnostics.iter().filter(|diagnostic| diagnostic.fix.is_some()).count();
        assert_eq!(report.summary.fixable, fixable, "{records:?}");
    }
}

#[test]
fn open_findings_are_held_back_from_progress() {
    let text = batch(&[(0, 0), (0, 0), (1, 0), (0, 1)]);
    let mut validator = Validator::new(teams());
    validator.begin_file("input");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut drained = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        validator.push(line.as_bytes());
        let now = validator.drain_diagnostics();
        // The finding of record 1 is open until record 3 (the stream's next) comes.
        if index < 3 {
            assert!(teams001(&now).is_empty(), "drained early after record {index}");
        }
        drained.extend(now);
    }
    validator.end_file();
    let report = validator.finish();
    drained.extend(report.diagnostics);
    assert_eq!(teams001(&drained), [(1, false)]);
    assert_eq!(report.summary.fixable, 0);
}

proptest! {
    /// Applying every fix of a batch gives a batch whose only `TEAMS001` findings are the unfixed ones, and
    /// whose other records keep their place in their stream's order.
    #[test]
    fn applying_every_nudge_leaves_unique_ordered_timestamps(
        records in prop::collection::vec((0..3_usize, 0..6_i64), 1..40),
    ) {
        let mut sorted = records.clone();
        sorted.sort_by_key(|(_, offset)| *offset);
        let text = batch(&sorted);
        let report = validate(text.as_bytes(), &teams());
        let unfixed: Vec<usize> =
            teams001(&report.diagnostics).into_iter().filter(|(_, fixed)| !fixed).map(|(record, _)| record).collect();
        let mut values: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        for diagnostic in &report.diagnostics {
            if let (Some(fix), Some(record)) = (&diagnostic.fix, diagnostic.location.record) {
                apply_fixes(&mut values[record], [fix]).unwrap();
            }
        }
        let fixed: String = values.iter().map(|value| format!("{value}\n")).collect();
        let again = validate(fixed.as_bytes(), &teams());
        prop_assert_eq!(teams001(&again.diagnostics).len(), unfixed.len());
        // Each stream's timestamps stay in non-decreasing batch order (the input is sorted), the records left
        // colliding apart.
        for stream in 0..3 {
            let times: Vec<i64> = values
                .iter()
                .enumerate()
                .filter(|(record, value)| value["streamId"] == format!("stream{stream}") && !unfixed.contains(record))
                .map(|(_, value)| value)
                .map(|value| value["intendedMessageTimestamp"].as_i64().unwrap())
                .collect();
            prop_assert!(times.windows(2).all(|pair| pair[0] <= pair[1]), "{:?}", times);
        }
    }
}
