//! Diagnostics: what a check found, where, and how to fix it.
//!
//! Diagnostics are data, not errors: a check collects every finding and returns them; an `Err` anywhere in
//! this crate means the run itself could not proceed.
//!
//! Every index in a [`Location`] counts from 0 and every span is a half-open byte range. Lines and columns are
//! not stored; they are computed on demand with a [`LineIndex`](crate::line_index::LineIndex) (1-based).

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::registry::Rule;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong.
    Info,
    /// The Agent would accept the record, but the result is probably not what the user wants.
    Warning,
    /// The Agent would reject the record, or the import would be wrong.
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// A half-open byte range `start..end`, 0-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Span {
    /// First byte, 0-based.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from a range.
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// This span moved `offset` bytes to the right.
    pub fn shifted(self, offset: usize) -> Self {
        Span { start: self.start + offset, end: self.end + offset }
    }

    /// Number of bytes covered.
    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span covers no byte.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Span { start: range.start, end: range.end }
    }
}

/// Where a finding is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Location {
    /// Which input file of the batch, 0-based, in the order the files were given.
    pub file: usize,
    /// Which record of the batch, 0-based and counted across all files; `None` for findings about the
    /// file itself (for example malformed JSON before the first record).
    pub record: Option<usize>,
    /// JSON pointer (RFC 6901) to the field inside the record; `""` is the whole record.
    pub pointer: String,
    /// Byte span inside the field's decoded text (for example an element inside `message`).
    pub span: Option<Span>,
    /// Byte span inside the input file, when known.
    pub source: Option<Span>,
}

/// One change a fix makes: set the value at `pointer` in the record (creating the member when missing).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    /// JSON pointer (RFC 6901) inside the record.
    pub pointer: String,
    /// The new value.
    pub value: serde_json::Value,
}

/// An automatic fix, offered as data and applied only on request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    /// What the fix does, in a few words ("Wrap the text in `<messageML>`").
    pub title: String,
    /// The edits, applied in order.
    pub edits: Vec<Edit>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// The rule that found it; gives the code and the documentation.
    pub rule: Rule,
    /// Usually the rule's default severity; a rule may lower or raise it for one finding.
    pub severity: Severity,
    /// What is wrong, in one sentence. For MessageML, the reference parser's own wording.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Where it is.
    pub location: Location,
    /// An automatic fix, when one is safe.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A finding of `rule` at its default severity, located at the whole record.
    pub fn new(rule: Rule, message: impl Into<String>) -> Self {
        Diagnostic {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            help: None,
            location: Location::default(),
            fix: None,
        }
    }

    /// Points the finding at a field of the record.
    #[must_use]
    pub fn at(mut self, pointer: impl Into<String>) -> Self {
        self.location.pointer = pointer.into();
        self
    }

    /// Narrows the finding to a byte span inside the field's text.
    #[must_use]
    pub fn with_span(mut self, span: impl Into<Span>) -> Self {
        self.location.span = Some(span.into());
        self
    }

    /// Adds a help text.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Overrides the rule's default severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Offers an automatic fix.
    #[must_use]
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// The rule's code, e.g. `TS001`.
    pub fn code(&self) -> &'static str {
        self.rule.code()
    }
}
