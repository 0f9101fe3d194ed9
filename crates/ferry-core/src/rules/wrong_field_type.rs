//! Rule `SCH002` ([`WrongFieldType`]): a field has the wrong JSON type.

use crate::declare_rule;

declare_rule! {
    /// A field has the wrong JSON type.
    ///
    /// ## What it does
    /// Reports a field whose value is not of the type the OpenAPI gives: a string for `message`,
    /// `originatingSystemId`, `originalMessageId`, `streamId`, `filename` and `content`; an integer for the
    /// timestamp and the user id; an array of objects for `attachments` and `previews`.
    ///
    /// ## Why is this bad?
    /// The Agent cannot bind the request to its model and rejects it.
    ///
    /// ## Example
    /// ```json
    /// {"message": ["<messageML>hi</messageML>"], ...}
    /// ```
    pub struct WrongFieldType;
}
