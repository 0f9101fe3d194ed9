//! Rule `JSON007` ([`DuplicateKey`]): the same key appears twice in one object.

use crate::declare_rule;

declare_rule! {
    /// The same key appears twice in one object.
    ///
    /// ## What it does
    /// Reports every later copy of a key inside the same object, pointing at the key.
    ///
    /// ## Why is this bad?
    /// JSON leaves duplicate keys undefined; the Agent's reader keeps the last value and drops the others
    /// without a word, so the first `message` or timestamp silently disappears.
    ///
    /// ## Example
    /// ```json
    /// {"message": "<messageML>first</messageML>", "message": "<messageML>second</messageML>", ...}
    /// ```
    pub struct DuplicateKey;
}
