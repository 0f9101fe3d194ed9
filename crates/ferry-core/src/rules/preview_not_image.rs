//! Rule `ATT007` ([`PreviewNotImage`]): a preview is not an image.

use crate::declare_rule;

declare_rule! {
    /// A preview is not an image.
    ///
    /// ## What it does
    /// Reports a preview whose file name does not end in an image extension (`png`, `jpg`, `jpeg`, `gif`,
    /// `bmp`, `webp`) or whose content does not start with the signature of one of those formats.
    ///
    /// ## Why is this bad?
    /// A preview is the picture clients show in place of the attachment; a preview that is not an image shows
    /// as a broken thumbnail.
    ///
    /// ## Example
    /// ```json
    /// {"previews": [{"filename": "preview.txt", "content": "VGhpcyBpcyBhbiBhdHRhY2htZW50Lg=="}], ...}
    /// ```
    pub struct PreviewNotImage;
}

use base64::Engine;

use crate::diagnostic::Diagnostic;
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

const IMAGE_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "gif", "bmp", "webp"];

/// Whether decoded bytes start with the signature of a common image format.
fn has_image_signature(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        || bytes.starts_with(b"\xFF\xD8\xFF")
        || bytes.starts_with(b"GIF87a")
        || bytes.starts_with(b"GIF89a")
        || bytes.starts_with(b"BM")
        || (bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP"))
}

/// Checks one preview; `content` is known to be valid base64.
pub(crate) fn check(checker: &mut RecordChecker<'_>, pointer: &str, filename: Option<&JsonString<'_>>, content: &JsonString<'_>) {
    // The first 16 characters decode to the first 12 bytes, enough for every signature above.
    let prefix = content.as_str().get(..16.min(content.as_str().len() / 4 * 4)).unwrap_or("");
    let signature_ok = base64::engine::general_purpose::STANDARD
        .decode(prefix)
        .is_ok_and(|bytes| has_image_signature(&bytes));
    let extension_ok = filename
        .and_then(|name| super::attachment_filename_without_extension::extension(name.as_str()))
        .is_some_and(|extension| IMAGE_EXTENSIONS.iter().any(|image| image.eq_ignore_ascii_case(extension)));
    if signature_ok && extension_ok {
        return;
    }
    let message = match (extension_ok, signature_ok) {
        (false, false) => "the preview is not an image: neither its name nor its content is one",
        (false, true) => "the preview's content is an image, but its file name has no image extension",
        _ => "the preview's file name says image, but its content does not start like a PNG, JPEG, GIF, BMP or WebP",
    };
    checker.emit_at_string(
        Diagnostic::new(Rule::PreviewNotImage, message).with_help("give a small PNG or JPEG thumbnail of the attachment"),
        &format!("{pointer}/content"),
        content,
    );
}
