//! Rule `ATT003` ([`AttachmentFilenameWithPath`]): an attachment's or preview's `filename` holds a path separator.

use crate::declare_rule;

declare_rule! {
    /// An attachment's or preview's `filename` holds a path separator.
    ///
    /// ## What it does
    /// Reports the first `/` or `\` in a file name.
    ///
    /// ## Why is this bad?
    /// `filename` is a name, not a path: exports that put the source path there show recipients the sender's
    /// folders (`C:\Users\…`), and a separator can make the file unopenable or rejected.
    ///
    /// ## Example
    /// ```json
    /// {"attachments": [{"filename": "exports/2015/report.pdf", "content": "JVBERi0x"}], ...}
    /// ```
    pub struct AttachmentFilenameWithPath;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports the first path separator in a file name.
pub(crate) fn check(checker: &mut RecordChecker<'_>, pointer: &str, filename: &JsonString<'_>) {
    let name = filename.as_str();
    if let Some(at) = name.find(['/', '\\']) {
        let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
        checker.emit_in_string(
            Diagnostic::new(Rule::AttachmentFilenameWithPath, format!("file name \"{}\" holds a path separator", name.escape_debug()))
                .with_help(format!("give the name only, e.g. \"{}\"", base.escape_debug())),
            &format!("{pointer}/filename"),
            filename,
            Span::new(at, at + 1),
        );
    }
}
