//! The worker's side of a check: the files' bytes in, [`WorkerReply`] messages out.
//!
//! A [`CheckSession`] wraps ferry-core's streaming [`Validator`] (the same code as `ferry check`) with record
//! texts kept, so that for every record it can build the [`RecordRow`] the page lists: where the record is in
//! its file, its stream, sender and timestamp (read by [`ferry_core::pod::record_needs`], as the proxy reads
//! them), and the worst of its findings. Streams and senders are interned: a row holds their indices, and each
//! reply carries only the names first seen in it.
//!
//! Invariants: rows are posted in record order without gaps; findings are kept up to
//! [`MAX_KEPT_FINDINGS`] (the first ones, in batch order) while the summary and each row's counts cover every
//! finding; memory holds the pending rows and findings of at most one reply's worth plus the interners.

use std::collections::HashMap;

use ferry_core::pod::record_needs;
use ferry_core::{Diagnostic, Options, Severity, Validator};

use crate::check::protocol::{
    CheckSettings, LateFinding, RunId, WorkerReply, FINDINGS_PER_REPLY, POSITIONS_PER_REPLY, REQUESTS_PER_REPLY,
    ROWS_PER_REPLY,
};
use crate::model::{Position, RecordIndex, RecordRow, NONE};

/// Most findings kept for the list and posted to the page; the summary and the rows count all of them.
pub const MAX_KEPT_FINDINGS: usize = 20_000;

/// Distinct names in order of first appearance, each with its index.
#[derive(Debug, Default)]
struct Interner {
    /// Index of each name seen.
    indices: HashMap<String, u32>,
    /// Names seen since the last reply, in order.
    new_names: Vec<String>,
}

impl Interner {
    /// The index of `name`, giving it the next index when it is new; [`NONE`] when the interner is full.
    fn intern(&mut self, name: String) -> u32 {
        if let Some(&index) = self.indices.get(&name) {
            return index;
        }
        let Ok(index) = u32::try_from(self.indices.len()) else { return NONE };
        if index == NONE {
            return NONE;
        }
        self.new_names.push(name.clone());
        self.indices.insert(name, index);
        index
    }
}

/// One check of one batch, in the worker.
#[derive(Debug)]
pub struct CheckSession {
    /// The core's streaming validator, keeping record texts.
    validator: Validator,
    /// What came out of it so far.
    collector: Collector,
}

/// The rows and findings the validator handed over, until they are posted.
#[derive(Debug)]
struct Collector {
    /// Which check.
    run: RunId,
    /// Streams, as normalised by `record_needs`.
    streams: Interner,
    /// Senders, as decimal user ids.
    senders: Interner,
    /// Rows not yet posted; `pending_rows[0]` is record `first_pending`.
    pending_rows: Vec<RecordRow>,
    /// Record index of the first pending row: every record before it was posted.
    first_pending: RecordIndex,
    /// Kept findings not yet posted.
    pending_findings: Vec<Diagnostic>,
    /// Findings about records already posted, not yet posted themselves.
    late: Vec<LateFinding>,
    /// Findings about records whose text has not come out yet (applied when it does).
    early: Vec<LateFinding>,
    /// Findings kept so far, posted or not.
    kept: usize,
    /// Where each kept finding is, in order, to find its line and column at the end.
    kept_findings: Vec<Diagnostic>,
    /// Bytes pushed so far, over all files.
    bytes_checked: u64,
}

impl CheckSession {
    /// A session checking with `settings`.
    pub fn new(settings: CheckSettings) -> Self {
        let options =
            Options { teams_directory: settings.teams_directory, ..Options::new(settings.target, settings.now_millis) };
        let mut validator = Validator::new(options);
        validator.keep_records(true);
        let collector = Collector {
            run: settings.run,
            streams: Interner::default(),
            senders: Interner::default(),
            pending_rows: Vec::new(),
            first_pending: 0,
            pending_findings: Vec::new(),
            late: Vec::new(),
            early: Vec::new(),
            kept: 0,
            kept_findings: Vec::new(),
            bytes_checked: 0,
        };
        CheckSession { validator, collector }
    }

    /// Starts the next file of the batch.
    pub fn begin_file(&mut self, name: &str) {
        self.validator.begin_file(name);
    }

    /// Checks the next bytes of the current file; returns the replies ready to post (a progress reply always).
    pub fn push(&mut self, chunk: &[u8]) -> Vec<WorkerReply> {
        self.validator.push(chunk);
        self.collector.bytes_checked += chunk.len() as u64;
        self.collector.collect(&mut self.validator);
        let mut replies = self.collector.full_replies();
        replies.push(WorkerReply::Progress {
            run: self.collector.run,
            bytes_checked: self.collector.bytes_checked,
            records_checked: self.validator.summary().records,
        });
        replies
    }

    /// Ends the current file; returns the replies ready to post.
    pub fn end_file(&mut self) -> Vec<WorkerReply> {
        self.validator.end_file();
        self.collector.collect(&mut self.validator);
        self.collector.full_replies()
    }

    /// Ends the check: returns every remaining reply but the last, and the findings kept (in order), whose
    /// positions the caller finds and posts ([`positions_replies`]) before posting [`FinishedSession::done`].
    pub fn finish(self) -> FinishedSession {
        let CheckSession { mut validator, mut collector } = self;
        collector.collect(&mut validator);
        let file_names = validator.file_names().to_vec();
        let mut report = validator.finish();
        collector.take_findings(std::mem::take(&mut report.diagnostics));
        let mut replies = collector.flush_rows();
        replies.extend(collector.flush_findings());
        let requests = std::mem::take(&mut report.plan.requests);
        for requests in requests.chunks(REQUESTS_PER_REPLY) {
            replies.push(WorkerReply::PlanRequests { run: collector.run, requests: requests.to_vec() });
        }
        FinishedSession {
            replies,
            kept_findings: collector.kept_findings,
            done: WorkerReply::Done { run: collector.run, file_names, summary: report.summary, plan: report.plan },
        }
    }
}

impl Collector {
    /// Turns the records and findings the validator has produced into pending rows and findings.
    fn collect(&mut self, validator: &mut Validator) {
        for record in validator.drain_records() {
            let needs = record_needs(&record.text);
            let row = RecordRow {
                file: u32::try_from(record.file).unwrap_or(NONE),
                start: record.source.start as u64,
                end: record.source.end as u64,
                stream: needs.stream.map_or(NONE, |stream| self.streams.intern(stream)),
                sender: needs.sender.map_or(NONE, |sender| self.senders.intern(sender.to_string())),
                timestamp: needs.timestamp,
                worst: None,
                findings: 0,
                lead: None,
            };
            // A record the core counted without handing over its text (none is expected) keeps the indices
            // aligned with an empty row.
            while self.first_pending + self.pending_rows.len() < record.record {
                self.pending_rows.push(RecordRow {
                    file: row.file,
                    start: row.start,
                    end: row.start,
                    ..RecordRow::EMPTY
                });
            }
            if self.first_pending + self.pending_rows.len() == record.record {
                self.pending_rows.push(row);
            }
        }
        let early = std::mem::take(&mut self.early);
        for finding in early {
            self.note(finding);
        }
        let findings = validator.drain_diagnostics();
        self.take_findings(findings);
    }

    /// Notes `findings` on their records' rows and keeps the first ones.
    fn take_findings(&mut self, findings: Vec<Diagnostic>) {
        for finding in findings {
            if let Some(record) = finding.location.record {
                self.note(LateFinding { record, severity: finding.severity, rule: finding.rule });
            }
            if self.kept < MAX_KEPT_FINDINGS {
                self.kept += 1;
                self.kept_findings.push(finding.clone());
                self.pending_findings.push(finding);
            }
        }
    }

    /// Counts a finding on its record's row: the pending row, a late update, or an early note.
    fn note(&mut self, finding: LateFinding) {
        if finding.record < self.first_pending {
            self.late.push(finding);
        } else if let Some(row) = self.pending_rows.get_mut(finding.record - self.first_pending) {
            row.count(finding.severity, finding.rule);
        } else {
            self.early.push(finding);
        }
    }

    /// The replies of full batches of rows and findings.
    fn full_replies(&mut self) -> Vec<WorkerReply> {
        let mut replies = Vec::new();
        if self.pending_rows.len() >= ROWS_PER_REPLY {
            replies.extend(self.flush_rows());
        }
        if self.pending_findings.len() >= FINDINGS_PER_REPLY || self.late.len() >= FINDINGS_PER_REPLY {
            replies.extend(self.flush_findings());
        }
        replies
    }

    /// Every pending row, in replies of at most [`ROWS_PER_REPLY`].
    fn flush_rows(&mut self) -> Vec<WorkerReply> {
        let rows = std::mem::take(&mut self.pending_rows);
        let mut replies = Vec::new();
        for rows in rows.chunks(ROWS_PER_REPLY) {
            // Names first seen in these rows: rows only ever name an index already interned, so each reply's
            // new names are those interned since the previous reply, in order.
            let highest = |index: fn(&RecordRow) -> u32| rows.iter().map(index).filter(|&index| index != NONE).max();
            let new_streams = take_new_names(&mut self.streams, highest(|row| row.stream));
            let new_senders = take_new_names(&mut self.senders, highest(|row| row.sender));
            replies.push(WorkerReply::Rows {
                run: self.run,
                first_record: self.first_pending,
                rows: rows.to_vec(),
                new_streams,
                new_senders,
            });
            self.first_pending += rows.len();
        }
        replies
    }

    /// Every pending finding and late update, in replies of at most [`FINDINGS_PER_REPLY`] findings.
    fn flush_findings(&mut self) -> Vec<WorkerReply> {
        let findings = std::mem::take(&mut self.pending_findings);
        let mut late = std::mem::take(&mut self.late);
        let mut replies: Vec<WorkerReply> = findings
            .chunks(FINDINGS_PER_REPLY)
            .map(|findings| WorkerReply::Findings { run: self.run, findings: findings.to_vec(), late: Vec::new() })
            .collect();
        while !late.is_empty() {
            let rest = late.split_off(late.len().min(FINDINGS_PER_REPLY));
            replies.push(WorkerReply::Findings { run: self.run, findings: Vec::new(), late });
            late = rest;
        }
        replies
    }
}

/// The names of `interner` first seen up to index `highest`, which the reply carrying that index must bring.
fn take_new_names(interner: &mut Interner, highest: Option<u32>) -> Vec<String> {
    let already_posted = interner.indices.len() - interner.new_names.len();
    let wanted = highest.map_or(0, |highest| (highest as usize + 1).saturating_sub(already_posted));
    let rest = interner.new_names.split_off(wanted.min(interner.new_names.len()));
    std::mem::replace(&mut interner.new_names, rest)
}

/// The replies carrying `positions` (of the kept findings, in order) for check `run`.
pub fn positions_replies(run: RunId, positions: &[Option<Position>]) -> Vec<WorkerReply> {
    positions
        .chunks(POSITIONS_PER_REPLY)
        .map(|positions| WorkerReply::Positions { run, positions: positions.to_vec() })
        .collect()
}

/// What is left when a session ends.
#[derive(Debug)]
pub struct FinishedSession {
    /// Replies to post, in order, before `done`.
    pub replies: Vec<WorkerReply>,
    /// The findings kept, in the order they were posted.
    pub kept_findings: Vec<Diagnostic>,
    /// The last reply, [`WorkerReply::Done`].
    pub done: WorkerReply,
}

impl RecordRow {
    /// A row of a record with nothing known about it.
    pub const EMPTY: RecordRow = RecordRow {
        file: 0,
        start: 0,
        end: 0,
        stream: NONE,
        sender: NONE,
        timestamp: None,
        worst: None,
        findings: 0,
        lead: None,
    };

    /// Counts one finding of `severity` found by `rule` on this row.
    pub fn count(&mut self, severity: Severity, rule: ferry_core::Rule) {
        self.findings = self.findings.saturating_add(1);
        if self.worst.is_none_or(|worst| severity > worst) {
            self.worst = Some(severity);
            self.lead = Some(rule);
        }
    }
}
