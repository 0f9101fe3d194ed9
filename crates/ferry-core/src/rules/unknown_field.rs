//! Rule `SCH004` ([`UnknownField`]): a record or attachment has a field the import does not know.

use crate::declare_rule;

declare_rule! {
    /// A record or attachment has a field the import does not know.
    ///
    /// ## What it does
    /// Reports every member that `V4ImportedMessage` (or `V4ImportedMessageAttachment`) does not define,
    /// suggesting the right spelling when only the case differs (`streamID` for `streamId`).
    ///
    /// ## Why is this bad?
    /// The Agent ignores unknown fields without a word. A misspelt optional field (`originalMessageID`)
    /// silently loses data; `format`, which Symphony's own examples send, does nothing.
    ///
    /// ## Example
    /// ```json
    /// {"message": "<messageML>hi</messageML>", "format": "MESSAGEML", ...}
    /// ```
    pub struct UnknownField;
}
