//! Rule `SCH009` ([`StreamIdStandardBase64`]): `streamId` is written in standard base64 (`+`, `/`, `=`) instead of URL-safe base64.

use crate::declare_rule;

declare_rule! {
    /// `streamId` is written in standard base64 (`+`, `/`, `=`) instead of URL-safe base64.
    ///
    /// ## What it does
    /// Reports a stream id holding `+`, `/` or `=` padding, pointing at the first one, and offers a fix that
    /// converts it to the URL-safe form Symphony uses (`+` → `-`, `/` → `_`, padding removed).
    ///
    /// ## Why is this bad?
    /// Symphony stream ids are URL-safe base64 without padding (`Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA`).
    /// Some APIs and admin screens show the standard-base64 spelling of the same id; clients confuse the two,
    /// and the Agent does not find the stream under the other spelling.
    ///
    /// ## Example
    /// ```json
    /// {"streamId": "Z3oQRAZGTCNl5KjiUH2G1n///qr9lLT8dA==", ...}
    /// ```
    /// Should be `"Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA"`.
    pub struct StreamIdStandardBase64;
}

use crate::diagnostic::{Diagnostic, Edit, Fix, Span};
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

fn is_url_safe_base64(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// Checks a Symphony stream id's alphabet (both this rule and [`super::stream_id_invalid_character`]).
pub(crate) fn check(checker: &mut RecordChecker<'_>, stream_id: &JsonString<'_>) {
    let text = stream_id.as_str();
    let bytes = text.as_bytes();
    let Some(first_bad) = bytes.iter().position(|&byte| !is_url_safe_base64(byte)) else { return };
    let foreign = bytes[first_bad..].iter().position(|&byte| !is_url_safe_base64(byte) && !matches!(byte, b'+' | b'/' | b'='));
    match foreign {
        Some(relative) => {
            let at = first_bad + relative;
            let end = text[at..].chars().next().map_or(at + 1, |character| at + character.len_utf8());
            super::stream_id_invalid_character::report(checker, stream_id, Span::new(at, end));
        }
        None => {
            let converted: String = text.trim_end_matches('=').chars().map(|character| match character {
                '+' => '-',
                '/' => '_',
                other => other,
            }).collect();
            checker.emit_in_string(
                Diagnostic::new(
                    Rule::StreamIdStandardBase64,
                    format!("`streamId` uses standard base64 (`{}`); Symphony stream ids are URL-safe base64", bytes[first_bad] as char),
                )
                .with_help(format!("the same id in URL-safe form is \"{converted}\""))
                .with_fix(Fix {
                    title: "Convert the stream id to URL-safe base64".to_owned(),
                    edits: vec![Edit { pointer: "/streamId".to_owned(), value: serde_json::Value::String(converted) }],
                }),
                "/streamId",
                stream_id,
                Span::new(first_bad, first_bad + 1),
            );
        }
    }
}
