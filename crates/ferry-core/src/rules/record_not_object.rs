//! Rule `JSON004` ([`RecordNotObject`]): an element of the batch is not a JSON object.

use crate::declare_rule;

declare_rule! {
    /// An element of the batch is not a JSON object.
    ///
    /// ## What it does
    /// Reports an array element that is `null`, a number, a string, a boolean or an array.
    ///
    /// ## Why is this bad?
    /// Every element of the import list must be a `V4ImportedMessage` object; the Agent cannot read the
    /// request otherwise.
    ///
    /// ## Example
    /// ```json
    /// [{"message": "<messageML>hi</messageML>", ...}, null]
    /// ```
    pub struct RecordNotObject;
}
