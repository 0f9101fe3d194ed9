//! Rule `ATT004` ([`AttachmentsTooLarge`]): a message's attachments add up to more than 30 MB.

use crate::declare_rule;

declare_rule! {
    /// A message's attachments add up to more than 30 MB.
    ///
    /// ## What it does
    /// Adds up the decoded sizes of a record's `attachments` (previews not included) and reports a total over
    /// 30 MB, counted as 30 × 1024 × 1024 bytes.
    ///
    /// ## Why is this bad?
    /// Symphony documents a "30Mb total size" for a message's attachments; a larger message is rejected, and
    /// the whole request body travels between the importing bot and the Agent.
    ///
    /// ## Example
    /// A record with two attachments of 20 MB each.
    pub struct AttachmentsTooLarge;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::humanize;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// The documented limit on a message's attachments, in bytes.
pub(crate) const MAX_TOTAL_ATTACHMENT_BYTES: u64 = 30 * 1024 * 1024;

/// Reports a total decoded size over the limit.
pub(crate) fn check(checker: &mut RecordChecker<'_>, total_bytes: u64, list_span: Span) {
    if total_bytes > MAX_TOTAL_ATTACHMENT_BYTES {
        checker.emit(
            Diagnostic::new(
                Rule::AttachmentsTooLarge,
                format!(
                    "the attachments add up to {}, more than the {} a message may carry",
                    humanize::size_with_bytes(total_bytes),
                    humanize::size_with_bytes(MAX_TOTAL_ATTACHMENT_BYTES)
                ),
            )
            .with_help("spread the files over several messages, or link to them instead"),
            "/attachments",
            list_span,
            None,
        );
    }
}
