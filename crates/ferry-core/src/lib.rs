//! Ferry's validation core: checks batches for Symphony's `POST /agent/v4/message/import` before anything is
//! sent.
//!
//! Invariants:
//! - No I/O, no clock, no HTTP, no rendering: the caller passes bytes in and `now` in ([`Options::now_millis`]),
//!   and gets data back. The same code runs natively and in WebAssembly.
//! - Never panics on user input; sizes and depths are bounded.
//! - Findings are [`Diagnostic`]s collected in a [`Report`]; checks do not stop at the first one.

pub mod diagnostic;
pub mod messageml;
pub mod registry;
pub mod rules;

use serde::{Deserialize, Serialize};

pub use diagnostic::{Diagnostic, Edit, Fix, Location, Severity, Span};
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

/// What a run checks against.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Options {
    /// Target platform.
    pub target: Target,
    /// The current time in milliseconds since the Unix epoch; timestamps after it are in the future.
    pub now_millis: i64,
}

/// The outcome of checking a batch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Number of records read.
    pub records: usize,
    /// Every finding, in input order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks one batch file held in memory.
pub fn validate(bytes: &[u8], _options: &Options) -> Report {
    let mut report = Report::default();
    match serde_json::from_slice::<Vec<serde_json::Value>>(bytes) {
        Ok(records) => report.records = records.len(),
        Err(error) => report.diagnostics.push(Diagnostic::new(
            Rule::MalformedJson,
            format!("{error}"),
        )),
    }
    report
}
