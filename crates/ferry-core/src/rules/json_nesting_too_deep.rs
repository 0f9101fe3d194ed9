//! Rule `JSON006` ([`JsonNestingTooDeep`]): a record nests arrays and objects deeper than allowed.

use crate::declare_rule;

declare_rule! {
    /// A record nests arrays and objects deeper than allowed.
    ///
    /// ## What it does
    /// Reports a record nested deeper than `maxDepth` (64 by default) and skips it; the records after it
    /// are checked.
    ///
    /// ## Why is this bad?
    /// A message record needs three levels (record, `attachments`, attachment). Deeper nesting is not a
    /// message; it is usually a wrong export, and unbounded nesting can exhaust a parser's stack.
    ///
    /// ## Example
    /// A record `{"message": [[[[ … ]]]]}` with a hundred nested arrays.
    pub struct JsonNestingTooDeep;
}
