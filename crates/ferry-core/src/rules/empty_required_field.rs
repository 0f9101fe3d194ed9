//! Rule `SCH003` ([`EmptyRequiredField`]): a required text field is empty or only whitespace.

use crate::declare_rule;

declare_rule! {
    /// A required text field is empty or only whitespace.
    ///
    /// ## What it does
    /// Reports `message`, `originatingSystemId`, `streamId`, or an attachment's `filename` or `content`,
    /// given as `""` or blank.
    ///
    /// ## Why is this bad?
    /// An empty message is rejected by the Agent's MessageML parser ("the message cannot be null or
    /// empty"); an empty stream id names no conversation; an empty originating system makes
    /// `originalMessageId` meaningless for repeat imports.
    ///
    /// ## Example
    /// ```json
    /// {"message": "", ...}
    /// ```
    pub struct EmptyRequiredField;
}
