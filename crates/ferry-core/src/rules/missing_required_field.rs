//! Rule `SCH001` ([`MissingRequiredField`]): a field the import requires is missing or `null`.

use crate::declare_rule;

declare_rule! {
    /// A field the import requires is missing or `null`.
    ///
    /// ## What it does
    /// Reports each of `message`, `intendedMessageTimestamp`, `intendedMessageFromUserId`,
    /// `originatingSystemId` and `streamId` that a record lacks (or gives as `null`), and each `filename` or
    /// `content` an attachment or preview lacks.
    ///
    /// ## Why is this bad?
    /// The OpenAPI of `V4ImportedMessage` marks these fields required: the Agent rejects the message.
    ///
    /// ## Example
    /// ```json
    /// {"message": "<messageML>hi</messageML>", "intendedMessageTimestamp": 1433045622000,
    ///  "intendedMessageFromUserId": 7215545057281, "originatingSystemId": "fooChat"}
    /// ```
    /// `streamId` is missing: the Agent does not know which conversation to import into.
    pub struct MissingRequiredField;
}
