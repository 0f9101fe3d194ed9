//! Rule `JSON002` ([`EmptyInput`]): a batch file holds no record at all.

use crate::declare_rule;

declare_rule! {
    /// A batch file holds no record at all.
    ///
    /// ## What it does
    /// Reports a file that is empty or only whitespace (a byte-order mark alone counts as empty).
    ///
    /// ## Why is this bad?
    /// Nothing in the file would be imported. Usually the export failed or the wrong file was given; an
    /// empty request body is rejected by the Agent with `400`.
    ///
    /// ## Example
    /// A file of zero bytes. Give `[]` if an empty batch is really intended.
    pub struct EmptyInput;
}
