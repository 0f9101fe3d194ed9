//! Rule `ATT005` ([`TooManyAttachments`]): a message carries more than 25 attachments.

use crate::declare_rule;

declare_rule! {
    /// A message carries more than 25 attachments.
    ///
    /// ## What it does
    /// Reports a record with more than 25 entries in `attachments`.
    ///
    /// ## Why is this bad?
    /// Symphony recommends "not to exceed 25 files" per message. More may be accepted, but clients show them
    /// poorly and the request grows; split them over several messages.
    ///
    /// ## Example
    /// A record with 30 attachments.
    pub struct TooManyAttachments;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::record::RecordChecker;
use crate::registry::Rule;

/// The documented recommended maximum of files per message.
const RECOMMENDED_MAX_ATTACHMENTS: usize = 25;

/// Reports more attachments than recommended.
pub(crate) fn check(checker: &mut RecordChecker<'_>, count: usize, list_span: Span) {
    if count > RECOMMENDED_MAX_ATTACHMENTS {
        checker.emit(
            Diagnostic::new(
                Rule::TooManyAttachments,
                format!("the message has {count} attachments; Symphony recommends at most {RECOMMENDED_MAX_ATTACHMENTS}"),
            )
            .with_help("spread the files over several messages"),
            "/attachments",
            list_span,
            None,
        );
    }
}
