//! Rule `JSON005` ([`InvalidUtf8`]): a record holds bytes that are not UTF-8.

use crate::declare_rule;

declare_rule! {
    /// A record holds bytes that are not UTF-8.
    ///
    /// ## What it does
    /// Reports the first byte of a record that cannot appear in UTF-8 text, with its offset. The record is
    /// not checked further; the records after it are.
    ///
    /// ## Why is this bad?
    /// JSON exchanged between systems is UTF-8. A Latin-1 or Windows-1252 export sent as is makes the Agent
    /// reject the request, or stores mangled characters (`Ã©` for `é`).
    ///
    /// ## Example
    /// A record whose `message` holds the single byte `0xE9` (Latin-1 `é`). Convert the file to UTF-8.
    pub struct InvalidUtf8;
}
