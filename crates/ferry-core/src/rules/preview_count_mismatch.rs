//! Rule `ATT006` ([`PreviewCountMismatch`]): `previews` is given but does not have one entry per attachment.

use crate::declare_rule;

declare_rule! {
    /// `previews` is given but does not have one entry per attachment.
    ///
    /// ## What it does
    /// Reports a record whose non-empty `previews` list has a different length than its `attachments` list.
    ///
    /// ## Why is this bad?
    /// The import documentation: "When using previews, make sure to declare the same number of previews as
    /// the attachments declared"; the BDK adds "If one attachment has a preview, then all attachments must
    /// have a preview". Previews pair with attachments by position, so a missing one shifts every pair.
    ///
    /// ## Example
    /// ```json
    /// {"attachments": [{"filename": "a.png", "content": "…"}, {"filename": "b.png", "content": "…"}],
    ///  "previews": [{"filename": "a-preview.png", "content": "…"}], ...}
    /// ```
    pub struct PreviewCountMismatch;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports previews whose count differs from the attachments'.
pub(crate) fn check(checker: &mut RecordChecker<'_>, attachments: usize, previews: usize, previews_span: Span) {
    if previews > 0 && previews != attachments {
        checker.emit(
            Diagnostic::new(
                Rule::PreviewCountMismatch,
                format!("{previews} previews for {attachments} attachments; there must be one preview per attachment"),
            )
            .with_help("give a preview for every attachment, in the same order, or no previews at all"),
            "/previews",
            previews_span,
            None,
        );
    }
}
