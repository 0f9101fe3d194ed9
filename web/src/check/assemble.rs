//! The page's side of a check: the worker's replies in, one [`CheckedBatch`] out.
//!
//! Replies are gathered outside the app's state (appending to a vector, no copy of what came before), so each
//! reply costs the page the time to decode it and nothing more; the state changes once, when the batch is
//! whole.

use std::rc::Rc;

use ferry_core::PlannedRequest;

use crate::check::protocol::{CheckSettings, WorkerReply};
use crate::model::{CheckedBatch, Position, RecordRow};

/// What one reply means to the page.
#[derive(Debug)]
pub enum Step {
    /// Nothing to show yet.
    Nothing,
    /// The check progressed.
    Progress {
        /// Bytes read and checked, over all files.
        bytes_checked: u64,
        /// Records checked.
        records_checked: usize,
    },
    /// The batch is checked; here it is.
    Checked(Box<CheckedBatch>),
    /// The check failed.
    Failed(String),
}

/// Gathers one check's replies.
#[derive(Debug)]
pub struct BatchAssembler {
    /// What the check runs against.
    settings: CheckSettings,
    /// The files, handed back in the batch.
    files: Vec<web_sys::File>,
    /// Rows so far, in record order.
    rows: Vec<RecordRow>,
    /// Streams so far, by index.
    streams: Vec<String>,
    /// Senders so far, by index.
    senders: Vec<String>,
    /// Kept findings so far.
    findings: Vec<ferry_core::Diagnostic>,
    /// Planned requests so far.
    requests: Vec<PlannedRequest>,
    /// Positions of the kept findings so far.
    positions: Vec<Option<Position>>,
}

impl BatchAssembler {
    /// An assembler for the check of `files` with `settings`.
    pub fn new(settings: CheckSettings, files: Vec<web_sys::File>) -> Self {
        BatchAssembler {
            settings,
            files,
            rows: Vec::new(),
            streams: Vec::new(),
            senders: Vec::new(),
            findings: Vec::new(),
            requests: Vec::new(),
            positions: Vec::new(),
        }
    }

    /// Takes in one reply. Replies of another run, and rows out of order (which a worker never sends), are
    /// dropped; findings about rows not received are kept as findings and counted nowhere else.
    pub fn apply(&mut self, reply: WorkerReply) -> Step {
        if reply.run() != Some(self.settings.run) {
            return Step::Nothing;
        }
        match reply {
            WorkerReply::Ready => Step::Nothing,
            WorkerReply::Progress { bytes_checked, records_checked, .. } => {
                Step::Progress { bytes_checked, records_checked }
            }
            WorkerReply::Rows { first_record, rows, new_streams, new_senders, .. } => {
                if first_record == self.rows.len() {
                    self.rows.extend(rows);
                    self.streams.extend(new_streams);
                    self.senders.extend(new_senders);
                }
                Step::Nothing
            }
            WorkerReply::Findings { findings, late, .. } => {
                self.findings.extend(findings);
                for finding in late {
                    if let Some(row) = self.rows.get_mut(finding.record) {
                        row.count(finding.severity, finding.rule);
                    }
                }
                Step::Nothing
            }
            WorkerReply::PlanRequests { requests, .. } => {
                self.requests.extend(requests);
                Step::Nothing
            }
            WorkerReply::Positions { positions, .. } => {
                self.positions.extend(positions);
                Step::Nothing
            }
            WorkerReply::Done { file_names, summary, mut plan, .. } => {
                plan.requests = std::mem::take(&mut self.requests);
                let mut positions = std::mem::take(&mut self.positions);
                positions.resize(self.findings.len(), None);
                Step::Checked(Box::new(CheckedBatch {
                    files: std::mem::take(&mut self.files),
                    file_names,
                    rows: std::mem::take(&mut self.rows),
                    streams: std::mem::take(&mut self.streams),
                    senders: std::mem::take(&mut self.senders),
                    findings: std::mem::take(&mut self.findings),
                    positions,
                    summary,
                    plan,
                    target: self.settings.target,
                    now_millis: self.settings.now_millis,
                    teams_directory: self.settings.teams_directory.take().map(Rc::new),
                }))
            }
            WorkerReply::Failed { message, .. } => Step::Failed(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::positions::positions_of;
    use crate::check::protocol::ROWS_PER_REPLY;
    use crate::check::session::{positions_replies, CheckSession};
    use crate::model::NONE;
    use ferry_core::{Severity, Target};

    const SETTINGS: CheckSettings =
        CheckSettings { run: 7, target: Target::Symphony, now_millis: 1_800_000_000_000, teams_directory: None };

    /// The batch a session makes of `files` pushed in chunks of `chunk`, assembled from its replies (sent
    /// through JSON, as the worker posts them).
    fn checked(files: &[(&str, &str)], chunk: usize) -> CheckedBatch {
        checked_with(SETTINGS, files, chunk)
    }

    /// As [`checked`], with `settings`.
    fn checked_with(settings: CheckSettings, files: &[(&str, &str)], chunk: usize) -> CheckedBatch {
        let mut session = CheckSession::new(settings.clone());
        let mut replies = Vec::new();
        for (name, text) in files {
            session.begin_file(name);
            for bytes in text.as_bytes().chunks(chunk) {
                replies.extend(session.push(bytes));
            }
            replies.extend(session.end_file());
        }
        let finished = session.finish();
        replies.extend(finished.replies);
        let sizes: Vec<u64> = files.iter().map(|(_, text)| text.len() as u64).collect();
        let positions = positions_of::<()>(&finished.kept_findings, &sizes, 3, |file, start, end| {
            Ok(files[file].1.as_bytes()[start as usize..end as usize].to_vec())
        })
        .unwrap();
        replies.extend(positions_replies(settings.run, &positions));
        replies.push(finished.done);
        let mut assembler = BatchAssembler::new(settings, Vec::new());
        let mut batch = None;
        for reply in replies {
            let json = serde_json::to_string(&reply).unwrap();
            if let Step::Checked(checked) = assembler.apply(serde_json::from_str(&json).unwrap()) {
                batch = Some(*checked);
            }
        }
        batch.expect("the last reply completes the batch")
    }

    fn record(stream: &str, sender: u64, timestamp: i64, message: &str) -> String {
        format!(
            r#"{{"message":"{message}","intendedMessageTimestamp":{timestamp},"intendedMessageFromUserId":{sender},"originatingSystemId":"ferry","originalMessageId":"{timestamp}","streamId":"{stream}"}}"#
        )
    }

    #[test]
    fn rows_streams_senders_and_findings_survive_any_chunking() {
        let first = format!(
            "[{},\n{},\n{}]",
            record("roomA", 1, 1_700_000_000_000, "<messageML>hi</messageML>"),
            record("roomB", 2, 1_700_000_001_000, "<messageML><b>bad</messageML>"),
            record("roomA", 2, 1_700_000, "<messageML>seconds</messageML>"),
        );
        let second = record("roomB", 3, 1_700_000_002_000, "<messageML>ok</messageML>");
        for chunk in [1, 7, 64, 1 << 20] {
            let batch = checked(&[("a.json", &first), ("b.ndjson", &second)], chunk);
            assert_eq!(batch.rows.len(), 4, "chunks of {chunk}");
            assert_eq!(batch.streams, ["roomA", "roomB"]);
            assert_eq!(batch.senders, ["1", "2", "3"]);
            let facts: Vec<(u32, u32, u32, Option<i64>)> =
                batch.rows.iter().map(|row| (row.file, row.stream, row.sender, row.timestamp)).collect();
            assert_eq!(
                facts,
                [
                    (0, 0, 0, Some(1_700_000_000_000)),
                    (0, 1, 1, Some(1_700_000_001_000)),
                    (0, 0, 1, Some(1_700_000)),
                    (1, 1, 2, Some(1_700_000_002_000))
                ]
            );
            assert_eq!(batch.rows[1].worst, Some(Severity::Error), "unclosed <b> is an error");
            assert_eq!(batch.rows[0].worst, None);
            assert_eq!(batch.summary.records, 4);
            let counted: u32 = batch.rows.iter().map(|row| row.findings).sum();
            assert_eq!(counted as usize, batch.summary.errors + batch.summary.warnings + batch.summary.infos);
            assert_eq!(batch.findings.len(), batch.positions.len());
            // The unclosed <b> of record 2 is on the file's second line.
            let unclosed = batch.findings.iter().position(|finding| finding.location.record == Some(1)).unwrap();
            assert_eq!(batch.positions[unclosed].map(|position| position.line), Some(2));
            assert_eq!(batch.file_names, ["a.json", "b.ndjson"]);
            // Each row's span is its record's text.
            let texts = [&first, &second];
            let row = batch.rows[3];
            assert_eq!(&texts[row.file as usize][row.start as usize..row.end as usize], second.as_str());
        }
    }

    #[test]
    fn rows_come_in_replies_of_bounded_size_and_stay_in_order() {
        let records: Vec<String> = (0..ROWS_PER_REPLY + 3)
            .map(|index| record(&format!("room{}", index % 3), index as u64 + 1, 1_700_000_000_000, "hi"))
            .collect();
        let text = records.join("\n");
        let batch = checked(&[("many.ndjson", &text)], 4096);
        assert_eq!(batch.rows.len(), ROWS_PER_REPLY + 3);
        assert_eq!(batch.streams.len(), 3);
        assert_eq!(batch.senders.len(), ROWS_PER_REPLY + 3);
        assert!(batch.rows.iter().enumerate().all(|(index, row)| row.sender == index as u32 && row.stream != NONE));
    }

    #[test]
    fn the_teams_maps_reach_the_worker_and_come_back_with_the_batch() {
        let streams = "streamId,teamId,channelId,chatId\nroomA,,,19:a@thread.v2\n";
        let users = "symphonyUserId,entraUserId,displayName\n1,5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60,One\n";
        let directory = ferry_core::teams::Directory {
            users: ferry_convert::teams::read_users_csv(users).unwrap(),
            streams: ferry_convert::teams::read_streams_csv(streams).unwrap(),
        };
        let text = [
            record("roomA", 1, 1_700_000_000_000, "<messageML>mapped</messageML>"),
            record("roomA", 2, 1_700_000_001_000, "<messageML>sender 2 is not in users.csv</messageML>"),
        ]
        .join("\n");
        let codes = |batch: &CheckedBatch| -> Vec<(Option<usize>, String)> {
            batch.findings.iter().map(|finding| (finding.location.record, finding.code().to_owned())).collect()
        };
        // (case, maps, findings)
        let cases = [
            ("without maps the mapping rules are silent", None, vec![]),
            ("with maps the unmapped sender is found", Some(directory), vec![(Some(1), "TEAMS004".to_owned())]),
        ];
        for (name, directory, expected) in cases {
            let settings = CheckSettings { target: Target::Teams, teams_directory: directory.clone(), ..SETTINGS };
            let batch = checked_with(settings, &[("teams.ndjson", &text)], 64);
            assert_eq!(codes(&batch), expected, "{name}");
            assert_eq!(batch.teams_directory.as_deref(), directory.as_ref(), "{name}");
        }
    }

    #[test]
    fn replies_of_another_run_are_dropped() {
        let mut assembler = BatchAssembler::new(SETTINGS.clone(), Vec::new());
        let step = assembler.apply(WorkerReply::Failed { run: SETTINGS.run + 1, message: "old".to_owned() });
        assert!(matches!(step, Step::Nothing));
        let step = assembler.apply(WorkerReply::Failed { run: SETTINGS.run, message: "now".to_owned() });
        assert!(matches!(step, Step::Failed(message) if message == "now"));
    }
}
