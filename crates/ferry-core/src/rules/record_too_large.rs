//! Rule `LIM001` ([`RecordTooLarge`]): a record is larger than Ferry reads.

use crate::declare_rule;

declare_rule! {
    /// A record is larger than Ferry reads.
    ///
    /// ## What it does
    /// Reports a record whose JSON text is longer than `maxRecordBytes` (96 MiB by default) and skips it
    /// without holding it in memory; the records after it are checked.
    ///
    /// ## Why is this bad?
    /// A message may carry at most 30 MB of attachments, about 40 MB in base64; a record far larger cannot
    /// be imported, and is usually a corrupted export (a whole file pasted into one field).
    ///
    /// ## Example
    /// A record whose `message` is a 100 MB string.
    pub struct RecordTooLarge;
}
