//! Rule `ATT001` ([`AttachmentNotBase64`]): an attachment's or preview's `content` is not valid standard base64.

use crate::declare_rule;

declare_rule! {
    /// An attachment's or preview's `content` is not valid standard base64.
    ///
    /// ## What it does
    /// Reports the first character of `content` outside the standard base64 alphabet (`A`–`Z`, `a`–`z`,
    /// `0`–`9`, `+`, `/`, with `=` padding at the end only), or a length no base64 text can have. Line breaks
    /// and the URL-safe characters `-` and `_` are reported too.
    ///
    /// ## Why is this bad?
    /// The Agent decodes `content` with a standard base64 decoder: a bad character fails the message, and MIME
    /// line breaks or URL-safe characters are not accepted by that decoder.
    ///
    /// ## Example
    /// ```json
    /// {"attachments": [{"filename": "a.txt", "content": "aGVsbG8*"}], ...}
    /// ```
    pub struct AttachmentNotBase64;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Where and why a text is not standard base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Base64Fault {
    /// Byte span of the offending character (or the end, for a bad length), 0-based.
    pub span: Span,
    pub kind: Base64FaultKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base64FaultKind {
    /// A character outside the alphabet.
    Character,
    /// `=` before the end, or more than two.
    Padding,
    /// A length that leaves one character in the last group of four.
    Length,
}

/// Whether `byte` is one of the 64 characters of the standard alphabet (range tests, which vectorize).
fn in_standard_alphabet(byte: u8) -> bool {
    byte.is_ascii_uppercase() | byte.is_ascii_lowercase() | byte.is_ascii_digit() | (byte == b'+') | (byte == b'/')
}

/// The length of the longest prefix in the standard alphabet. Each 64-byte chunk is tested with a
/// branch-free fold the compiler vectorizes (attachments are megabytes long); only the chunk holding the first
/// other byte is searched byte by byte.
fn alphabet_prefix_length(bytes: &[u8]) -> usize {
    let mut offset = 0;
    for chunk in bytes.chunks(64) {
        if !chunk.iter().fold(true, |all, &byte| all & in_standard_alphabet(byte)) {
            return offset + chunk.iter().position(|&byte| !in_standard_alphabet(byte)).unwrap_or(chunk.len());
        }
        offset += chunk.len();
    }
    offset
}

/// Validates standard base64 (padding optional, as Java's basic decoder accepts) and returns the decoded
/// length in bytes.
pub(crate) fn decoded_length(text: &str) -> Result<usize, Base64Fault> {
    let bytes = text.as_bytes();
    let body_length = alphabet_prefix_length(bytes);
    let mut padding = 0;
    let mut index = body_length;
    while index < bytes.len() {
        let byte = bytes[index];
        if byte == b'=' && padding < 2 {
            padding += 1;
            index += 1;
            continue;
        }
        let end = text[index..].chars().next().map_or(index + 1, |character| index + character.len_utf8());
        let kind = if byte == b'=' || (padding > 0 && in_standard_alphabet(byte)) {
            Base64FaultKind::Padding
        } else {
            Base64FaultKind::Character
        };
        return Err(Base64Fault { span: Span::new(index, end), kind });
    }
    let remainder = body_length % 4;
    let padded_ok = padding == 0 || (body_length + padding).is_multiple_of(4);
    if remainder == 1 || !padded_ok {
        return Err(Base64Fault { span: Span::new(bytes.len(), bytes.len()), kind: Base64FaultKind::Length });
    }
    Ok(body_length / 4 * 3 + remainder.saturating_sub(1))
}

/// Checks `content`; returns its decoded length when valid.
pub(crate) fn check(checker: &mut RecordChecker<'_>, pointer: &str, content: &JsonString<'_>) -> Option<usize> {
    match decoded_length(content.as_str()) {
        Ok(length) => Some(length),
        Err(fault) => {
            let found = content.as_str().get(fault.span.start..fault.span.end).unwrap_or("");
            let (message, help) = match (fault.kind, found) {
                (Base64FaultKind::Character, "\n" | "\r") => (
                    format!("`content` has a line break at byte {}; base64 must be one line", fault.span.start),
                    "encode without line wrapping (MIME base64 wraps at 76 characters)",
                ),
                (Base64FaultKind::Character, "-" | "_") => (
                    format!("`content` has `{found}` at byte {}: that is URL-safe base64, not standard", fault.span.start),
                    "encode with the standard alphabet (`+` and `/`)",
                ),
                (Base64FaultKind::Character, _) => (
                    format!("`content` has `{}` at byte {}, which is not base64", found.escape_debug(), fault.span.start),
                    "give the file's bytes encoded as standard base64",
                ),
                (Base64FaultKind::Padding, _) => (
                    format!("`content` has misplaced `=` padding at byte {}", fault.span.start),
                    "`=` may only end the text, at most twice",
                ),
                (Base64FaultKind::Length, _) => (
                    format!("`content` is {} characters long, which no base64 text is (truncated?)", content.as_str().len()),
                    "check that the content was not cut",
                ),
            };
            checker.emit_in_string(
                Diagnostic::new(Rule::AttachmentNotBase64, message).with_help(help),
                &format!("{pointer}/content"),
                content,
                fault.span,
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoded length, or where and why the text is not base64.
    type Expected = Result<usize, (usize, Base64FaultKind)>;

    #[test]
    fn lengths_and_faults() {
        let table: &[(&str, Expected)] = &[
            ("", Ok(0)),
            ("aGVsbG8=", Ok(5)),
            ("aGVsbG8", Ok(5)),
            ("aGVsbA==", Ok(4)),
            ("aGVsbA", Ok(4)),
            ("aGVs", Ok(3)),
            ("aGVsb", Err((5, Base64FaultKind::Length))),
            ("aGVsbG8*", Err((7, Base64FaultKind::Character))),
            ("aGV\nsbG8=", Err((3, Base64FaultKind::Character))),
            ("aG=sbG8=", Err((3, Base64FaultKind::Padding))),
            ("aGVsbA===", Err((8, Base64FaultKind::Padding))),
            ("aGVsbA=", Err((7, Base64FaultKind::Length))),
            ("aGé", Err((2, Base64FaultKind::Character))),
        ];
        for (text, expected) in table {
            let got = decoded_length(text).map_err(|fault| (fault.span.start, fault.kind));
            assert_eq!(&got, expected, "{text:?}");
        }
    }
}
