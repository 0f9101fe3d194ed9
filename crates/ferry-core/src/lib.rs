//! Ferry's validation core: checks batches for Symphony's `POST /agent/v4/message/import` before anything is
//! sent.
//!
//! Entry points: [`validate`] for a batch file held in memory, and [`Validator`] for a batch of one or more
//! files fed in chunks (a CLI reading files, a browser worker reading a `File`). Both return a [`Report`]:
//! the diagnostics, a [`Summary`] and a [`Plan`] of the import requests. [`pod`] holds the pre-flight rules
//! that turn what a caller found in the target pod into diagnostics; [`Validator::keep_records`] hands each
//! record's text over for them.
//!
//! Invariants:
//! - No I/O, no clock, no HTTP, no rendering: the caller passes bytes in and `now` in ([`Options::now_millis`]),
//!   and gets data back. The same code runs natively and in WebAssembly.
//! - Never panics on user input; sizes and depths are bounded ([`Options::max_record_bytes`],
//!   [`Options::max_depth`]).
//! - Memory does not grow with the input beyond the record in hand (with the `parallel` feature's
//!   [`Validator::parallel`], the batches of records in flight), the diagnostics, and a few bytes of
//!   bookkeeping per record (duplicate detection, stream order, planning).
//! - No threads, except in the `parallel` module (native builds with the `parallel` feature), whose reports
//!   are byte for byte those of one thread.
//! - Findings are [`Diagnostic`]s collected in a [`Report`]; checks do not stop at the first one.

pub mod diagnostic;
pub mod fix;
mod hash;
pub mod humanize;
pub mod json;
pub mod line_index;
pub mod messageml;
#[cfg(feature = "parallel")]
pub mod parallel;
pub mod planner;
pub mod pod;
mod reader;
mod record;
pub mod registry;
pub mod rules;
pub mod teams;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use diagnostic::{Diagnostic, Edit, Fix, Location, Severity, Span};
pub use fix::{apply_fixes, FixError};
pub use line_index::{LineColumn, LineIndex};
pub use planner::{Plan, PlannedRequest, RecordFacts};
pub use reader::{RecordText, Validator};
pub use registry::Rule;

/// Where the batch is going; decides which platform's rules apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Symphony's Agent, `POST /agent/v4/message/import`.
    #[default]
    Symphony,
    /// Microsoft Teams through Microsoft Graph's import (migration mode).
    Teams,
}

/// What a run checks against. Every field has a default, so `{target: "symphony", nowMillis: 1700000000000}`
/// is a complete options object from JavaScript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Options {
    /// Target platform.
    pub target: Target,
    /// The current time in milliseconds since the Unix epoch; timestamps after it are in the future.
    /// Defaults to `i64::MAX`: when the caller gives no time, no timestamp is in the future.
    pub now_millis: i64,
    /// Most records in one planned request (the documented recommendation is 5,000).
    pub max_records_per_request: usize,
    /// Most bytes of JSON in one planned request body, attachments included. The Agent documents no limit;
    /// the default, 64 MiB, is a conservative bound for one HTTP request carrying attachments.
    pub max_request_bytes: u64,
    /// Import rate used to estimate the duration (the documented ~200,000 messages per hour).
    pub messages_per_hour: u64,
    /// A record larger than this many bytes of JSON is reported and not parsed (bounds memory). The default,
    /// 96 MiB, fits 30 MB of attachments and as much of previews, base64-encoded.
    pub max_record_bytes: usize,
    /// Deepest nesting of arrays and objects accepted in a record (a message record needs 3).
    pub max_depth: usize,
    /// Teams target: when each conversation (keyed by the record's `streamId`) was created, in milliseconds
    /// since the Unix epoch; messages may not be dated before it.
    pub conversation_created_millis: BTreeMap<String, i64>,
    /// Teams target: the maps from Symphony users and streams to Entra users and Teams conversations. With
    /// it the mapping rules run and conversations are keyed by their Graph path; without it they are silent.
    pub teams_directory: Option<teams::Directory>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            target: Target::Symphony,
            now_millis: i64::MAX,
            max_records_per_request: 5_000,
            max_request_bytes: 64 * 1024 * 1024,
            messages_per_hour: 200_000,
            max_record_bytes: 96 * 1024 * 1024,
            max_depth: 64,
            conversation_created_millis: BTreeMap::new(),
            teams_directory: None,
        }
    }
}

impl Options {
    /// Options for `target` at time `now_millis`, everything else at its default.
    pub fn new(target: Target, now_millis: i64) -> Self {
        Options { target, now_millis, ..Options::default() }
    }
}

/// Counts over a whole run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Input files read.
    pub files: usize,
    /// Bytes read, over all files.
    pub bytes: u64,
    /// Records read (array elements or NDJSON lines), over all files.
    pub records: usize,
    /// Diagnostics of severity error.
    pub errors: usize,
    /// Diagnostics of severity warning.
    pub warnings: usize,
    /// Diagnostics of severity info.
    pub infos: usize,
    /// Records with at least one error: the Agent would reject them, or import them wrongly.
    pub records_with_errors: usize,
    /// Records with at least one warning and no error.
    pub records_with_warnings_only: usize,
    /// Diagnostics that offer an automatic fix.
    pub fixable: usize,
    /// Number of diagnostics per rule code.
    pub by_code: BTreeMap<String, usize>,
}

impl Summary {
    /// Counts one diagnostic.
    pub(crate) fn count(&mut self, diagnostic: &Diagnostic) {
        match diagnostic.severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
        if diagnostic.fix.is_some() {
            self.fixable += 1;
        }
        // Look up before inserting: the code's `String` is allocated once per code, not once per finding.
        match self.by_code.get_mut(diagnostic.code()) {
            Some(count) => *count += 1,
            None => {
                self.by_code.insert(diagnostic.code().to_owned(), 1);
            }
        }
    }
}

/// The outcome of checking a batch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Number of records read.
    pub records: usize,
    /// Every finding not already drained with [`Validator::drain_diagnostics`], in input order (batch-level
    /// findings come with the record that revealed them).
    pub diagnostics: Vec<Diagnostic>,
    /// Counts over the whole run, drained diagnostics included.
    pub summary: Summary,
    /// The import requests for the records without errors.
    pub plan: Plan,
}

impl Report {
    /// Whether any diagnostic of the run (drained ones included) is an error.
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }
}

/// Checks one batch file held in memory.
pub fn validate(bytes: &[u8], options: &Options) -> Report {
    let mut validator = Validator::new(options.clone());
    validator.begin_file("input");
    validator.push(bytes);
    validator.end_file();
    validator.finish()
}
