//! Rule `JSON003` ([`TopLevelNotBatch`]): the file's top-level value is neither an array of records nor a stream of objects.

use crate::declare_rule;

declare_rule! {
    /// The file's top-level value is neither an array of records nor a stream of objects.
    ///
    /// ## What it does
    /// Reports a file whose first value is `null`, a number, a string or a boolean.
    ///
    /// ## Why is this bad?
    /// The import takes a JSON array of `V4ImportedMessage` objects (`V4MessageImportList`); the Agent rejects
    /// any other body with `400` and imports nothing.
    ///
    /// ## Example
    /// ```json
    /// null
    /// ```
    /// Give `[{"message": "<messageML>hi</messageML>", ...}]` or one object per line instead.
    pub struct TopLevelNotBatch;
}
