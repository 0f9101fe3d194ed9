//! The messages between the page and the check worker.
//!
//! The worker first posts [`WorkerReply::Ready`] once its WebAssembly is running (a message posted to it
//! before that would find no handler and be lost). The page then posts one request per check: a JavaScript object `{settings, files}` where `settings` is the
//! JSON of [`CheckSettings`] and `files` an array of `File`s (a `File` survives `postMessage`: it is a handle,
//! its bytes are not copied). The worker answers with a series of [`WorkerReply`]s, each posted as a JSON
//! string, and ends with [`WorkerReply::Done`] or [`WorkerReply::Failed`].
//!
//! Invariant: no single reply is large: rows go [`ROWS_PER_REPLY`] at a time, findings
//! [`FINDINGS_PER_REPLY`] at a time, their positions [`POSITIONS_PER_REPLY`] at a time and the plan's requests
//! [`REQUESTS_PER_REPLY`] at a time, so the page
//! decodes each one in a few milliseconds and never holds its thread for long.

use ferry_core::teams::Directory;
use ferry_core::{Diagnostic, Plan, PlannedRequest, Rule, Severity, Summary, Target};
use serde::{Deserialize, Serialize};

use crate::model::{Position, RecordIndex, RecordRow};

/// Identifies one check; the page numbers them, increasing.
pub type RunId = u64;

/// Most record rows in one reply.
pub const ROWS_PER_REPLY: usize = 1_000;

/// Most findings in one reply.
pub const FINDINGS_PER_REPLY: usize = 500;

/// Most positions in one reply.
pub const POSITIONS_PER_REPLY: usize = 2_000;

/// Most planned requests in one reply (each lists up to 5,000 record indices).
pub const REQUESTS_PER_REPLY: usize = 2;

/// What a check runs against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckSettings {
    /// Which check this is.
    pub run: RunId,
    /// The platform whose rules apply.
    pub target: Target,
    /// "Now", in milliseconds since the Unix epoch: later timestamps are in the future.
    pub now_millis: i64,
    /// Teams target: the user's maps of users and streams; `None` leaves the mapping rules silent.
    #[serde(default)]
    pub teams_directory: Option<Directory>,
}

/// A finding about a record whose row was already posted: the page updates that row with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateFinding {
    /// The record.
    pub record: RecordIndex,
    /// The finding's severity.
    pub severity: Severity,
    /// The finding's rule.
    pub rule: Rule,
}

/// One message from the worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum WorkerReply {
    /// The worker is running and listening for requests.
    Ready,
    /// How far the check is.
    #[serde(rename_all = "camelCase")]
    Progress {
        /// Which check.
        run: RunId,
        /// Bytes read and checked, over all files.
        bytes_checked: u64,
        /// Records checked so far.
        records_checked: usize,
    },
    /// The next records' rows and the next kept findings.
    #[serde(rename_all = "camelCase")]
    Rows {
        /// Which check.
        run: RunId,
        /// The record index of `rows[0]`; rows come in record order without gaps.
        first_record: RecordIndex,
        /// The rows.
        rows: Vec<RecordRow>,
        /// Streams first seen in these rows, in order: they take the next stream indices.
        new_streams: Vec<String>,
        /// Senders first seen in these rows, in order: they take the next sender indices.
        new_senders: Vec<String>,
    },
    /// The next kept findings, in batch order.
    #[serde(rename_all = "camelCase")]
    Findings {
        /// Which check.
        run: RunId,
        /// The findings.
        findings: Vec<Diagnostic>,
        /// Findings (kept or not) about records already posted.
        late: Vec<LateFinding>,
    },
    /// Where the next kept findings start in their files, finding for finding, in the order the findings came.
    #[serde(rename_all = "camelCase")]
    Positions {
        /// Which check.
        run: RunId,
        /// The positions; `None` for a finding without a source span.
        positions: Vec<Option<Position>>,
    },
    /// The next requests of the plan, in the order they are to be sent.
    #[serde(rename_all = "camelCase")]
    PlanRequests {
        /// Which check.
        run: RunId,
        /// The requests.
        requests: Vec<PlannedRequest>,
    },
    /// The check is over.
    #[serde(rename_all = "camelCase")]
    Done {
        /// Which check.
        run: RunId,
        /// The files' names, by file index.
        file_names: Vec<String>,
        /// Counts over every finding.
        summary: Summary,
        /// The plan, its requests left out (they came in [`WorkerReply::PlanRequests`]).
        plan: Plan,
    },
    /// The check could not run to its end.
    #[serde(rename_all = "camelCase")]
    Failed {
        /// Which check.
        run: RunId,
        /// Why, in words for the user.
        message: String,
    },
}

impl WorkerReply {
    /// The check this reply belongs to; `None` for [`WorkerReply::Ready`].
    pub fn run(&self) -> Option<RunId> {
        let run = match self {
            WorkerReply::Ready => return None,
            WorkerReply::Progress { run, .. }
            | WorkerReply::Rows { run, .. }
            | WorkerReply::Findings { run, .. }
            | WorkerReply::PlanRequests { run, .. }
            | WorkerReply::Positions { run, .. }
            | WorkerReply::Done { run, .. }
            | WorkerReply::Failed { run, .. } => *run,
        };
        Some(run)
    }
}
