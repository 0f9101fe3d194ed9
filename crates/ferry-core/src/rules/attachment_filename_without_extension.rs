//! Rule `ATT002` ([`AttachmentFilenameWithoutExtension`]): an attachment's or preview's `filename` has no extension.

use crate::declare_rule;

declare_rule! {
    /// An attachment's or preview's `filename` has no extension.
    ///
    /// ## What it does
    /// Reports a file name without a `.ext` ending (`report`, `report.`, `.png`).
    ///
    /// ## Why is this bad?
    /// The import documentation asks for the "filename including the extension (i.e. img.png, test.txt)": the
    /// extension decides how clients show and open the file, and the Agent may refuse a file type it cannot
    /// tell.
    ///
    /// ## Example
    /// ```json
    /// {"attachments": [{"filename": "quarterly-report", "content": "JVBERi0x"}], ...}
    /// ```
    pub struct AttachmentFilenameWithoutExtension;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// The extension of a file name (without the dot), if it has a non-empty stem and a non-empty extension.
pub(crate) fn extension(filename: &str) -> Option<&str> {
    let (stem, extension) = filename.rsplit_once('.')?;
    (!stem.is_empty() && !extension.is_empty() && !extension.contains(char::is_whitespace)).then_some(extension)
}

/// Reports a file name without an extension.
pub(crate) fn check(checker: &mut RecordChecker<'_>, pointer: &str, filename: &JsonString<'_>) {
    let name = filename.as_str();
    if extension(name).is_none() {
        checker.emit_in_string(
            Diagnostic::new(Rule::AttachmentFilenameWithoutExtension, format!("file name \"{}\" has no extension", name.escape_debug()))
                .with_help("add the extension matching the content, e.g. \".pdf\" or \".png\""),
            &format!("{pointer}/filename"),
            filename,
            Span::new(0, name.len()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::extension;

    #[test]
    fn extensions() {
        let table: &[(&str, Option<&str>)] = &[
            ("a.txt", Some("txt")),
            ("archive.tar.gz", Some("gz")),
            ("report", None),
            ("report.", None),
            (".png", None),
            ("my file.p df", None),
            ("IMG.JPEG", Some("JPEG")),
        ];
        for (name, expected) in table {
            assert_eq!(extension(name), *expected, "{name}");
        }
    }
}
