//! Rule `ATT008` ([`AttachmentOverClientLimit`]): one attachment is larger than Symphony's clients accept.

use crate::declare_rule;

declare_rule! {
    /// One attachment is larger than Symphony's clients accept (25 MB).
    ///
    /// ## What it does
    /// Reports an attachment whose decoded size is over 25 MB, counted as 25 × 1024 × 1024 bytes.
    ///
    /// ## Why is this bad?
    /// Symphony's clients limit a message's files to 25 MB each. The import may accept a larger file within the
    /// 30 MB total, but users will hold a file no one could have sent, and clients may fail to preview or
    /// download it.
    ///
    /// ## Example
    /// A record with one 28 MB video attachment.
    pub struct AttachmentOverClientLimit;
}

use crate::diagnostic::Diagnostic;
use crate::humanize;
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// The clients' limit on one file, in bytes.
const CLIENT_MAX_FILE_BYTES: usize = 25 * 1024 * 1024;

/// Reports an attachment over the clients' limit.
pub(crate) fn check(checker: &mut RecordChecker<'_>, pointer: &str, content: &JsonString<'_>, decoded_bytes: usize) {
    if decoded_bytes > CLIENT_MAX_FILE_BYTES {
        checker.emit_at_string(
            Diagnostic::new(
                Rule::AttachmentOverClientLimit,
                format!(
                    "the attachment is {}, over the {} clients accept for one file",
                    humanize::size_with_bytes(decoded_bytes as u64),
                    humanize::size_with_bytes(CLIENT_MAX_FILE_BYTES as u64)
                ),
            )
            .with_help("compress or split the file, or link to it instead"),
            &format!("{pointer}/content"),
            content,
        );
    }
}
