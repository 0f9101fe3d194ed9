//! Rule `JSON001` ([`MalformedJson`]): the input is not well-formed JSON.

use crate::declare_rule;

declare_rule! {
    /// The input is not well-formed JSON.
    ///
    /// ## What it does
    /// Reports the first place where a batch file stops being valid JSON (or a line of an NDJSON file), with its
    /// byte offset, line and column. Every record before that place is still checked and reported.
    ///
    /// ## Why is this bad?
    /// The Agent rejects the whole request with `400` when its body is not a JSON array of messages: not one
    /// message of the batch is imported.
    ///
    /// ## Example
    /// ```json
    /// [{"message": "<messageML>hi</messageML>",}]
    /// ```
    /// The trailing comma after the last member is not JSON.
    pub struct MalformedJson;
}
