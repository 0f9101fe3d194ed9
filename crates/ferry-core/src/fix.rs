//! Automatic fixes: how they are built and how they are applied to a record.
//!
//! A [`Fix`] is data on a [`Diagnostic`](crate::Diagnostic): a list of [`Edit`]s, each setting the value at a
//! JSON pointer inside the record. Nothing is applied unless asked: [`apply_fixes`] is a pure function of a
//! record and the chosen fixes.

use serde_json::Value;

use crate::diagnostic::{Edit, Fix};
use crate::hash::Fnv128;

/// Why a fix could not be applied to a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FixError {
    /// The pointer is not an RFC 6901 JSON pointer (it must be empty or start with `/`).
    #[error("`{0}` is not a JSON pointer")]
    InvalidPointer(String),
    /// The pointer goes through something that is not an object or an array, or past the end of an array.
    #[error("nothing at `{0}` to edit")]
    PathNotFound(String),
}

/// Applies `fixes`, in order, to one record.
///
/// # Errors
/// When an edit's pointer is malformed or leads nowhere; the record may then be partly edited, so apply to a
/// copy when that matters.
pub fn apply_fixes<'a>(record: &mut Value, fixes: impl IntoIterator<Item = &'a Fix>) -> Result<(), FixError> {
    for fix in fixes {
        for edit in &fix.edits {
            apply_edit(record, edit)?;
        }
    }
    Ok(())
}

fn apply_edit(record: &mut Value, edit: &Edit) -> Result<(), FixError> {
    if edit.pointer.is_empty() {
        *record = edit.value.clone();
        return Ok(());
    }
    let Some(path) = edit.pointer.strip_prefix('/') else {
        return Err(FixError::InvalidPointer(edit.pointer.clone()));
    };
    let tokens: Vec<String> = path.split('/').map(|token| token.replace("~1", "/").replace("~0", "~")).collect();
    let not_found = || FixError::PathNotFound(edit.pointer.clone());
    let (last, parents) = tokens.split_last().ok_or_else(not_found)?;
    let mut target = record;
    for token in parents {
        target = match target {
            Value::Object(map) => map.get_mut(token.as_str()).ok_or_else(not_found)?,
            Value::Array(items) => token.parse::<usize>().ok().and_then(|index| items.get_mut(index)).ok_or_else(not_found)?,
            _ => return Err(not_found()),
        };
    }
    match target {
        Value::Object(map) => {
            map.insert(last.clone(), edit.value.clone());
            Ok(())
        }
        Value::Array(items) => {
            let slot = last.parse::<usize>().ok().and_then(|index| items.get_mut(index)).ok_or_else(not_found)?;
            *slot = edit.value.clone();
            Ok(())
        }
        _ => Err(not_found()),
    }
}

/// Escapes text for XML character data: `&`, `<`, `>`, and both quotes (so the result is safe in attributes
/// too).
pub fn escape_xml(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + text.len() / 8);
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// Wraps plain text into a MessageML document: `<messageML>` + the XML-escaped text + `</messageML>`.
pub fn wrap_in_messageml(text: &str) -> String {
    format!("<messageML>{}</messageML>", escape_xml(text))
}

/// The fix that replaces a plain-text `message` with its [`wrap_in_messageml`] form.
pub fn wrap_message_fix(text: &str) -> Fix {
    Fix {
        title: "Wrap the text in <messageML> with XML escaping".to_owned(),
        edits: vec![Edit { pointer: "/message".to_owned(), value: Value::String(wrap_in_messageml(text)) }],
    }
}

/// A stable `originalMessageId` derived from a record's content.
///
/// The id is `ferry-` followed by 32 lowercase hex digits: the 128-bit FNV-1a hash of four fields, each fed
/// as its length in bytes (8 bytes, little-endian) then its UTF-8 bytes, in this order: `streamId`,
/// `intendedMessageTimestamp` and `intendedMessageFromUserId` (both in decimal), and `message`. The same
/// record gives the same id on every run and every machine, so a re-run is recognised by the Agent; two
/// records equal in all four fields get the same id, which is right: they are the same message.
pub fn derive_original_message_id(stream_id: &str, timestamp: i64, from_user_id: i64, message: &str) -> String {
    let hash = Fnv128::new()
        .field(stream_id.as_bytes())
        .field(timestamp.to_string().as_bytes())
        .field(from_user_id.to_string().as_bytes())
        .field(message.as_bytes())
        .finish();
    format!("ferry-{hash:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(pointer: &str, value: Value) -> Fix {
        Fix { title: "t".to_owned(), edits: vec![Edit { pointer: pointer.to_owned(), value }] }
    }

    #[test]
    fn edits_set_values_at_pointers() {
        let table: Vec<(Value, Fix, Result<Value, FixError>)> = vec![
            (json!({"a": 1}), set("/b", json!("x")), Ok(json!({"a": 1, "b": "x"}))),
            (json!({"a": [1, 2]}), set("/a/1", json!(3)), Ok(json!({"a": [1, 3]}))),
            (json!({"a/b": 1}), set("/a~1b", json!(2)), Ok(json!({"a/b": 2}))),
            (json!({"a": 1}), set("", json!([])), Ok(json!([]))),
            (json!({"a": [1]}), set("/a/5", json!(3)), Err(FixError::PathNotFound("/a/5".to_owned()))),
            (json!({"a": 1}), set("/a/b", json!(3)), Err(FixError::PathNotFound("/a/b".to_owned()))),
            (json!({"a": 1}), set("a", json!(3)), Err(FixError::InvalidPointer("a".to_owned()))),
        ];
        for (mut record, fix, expected) in table {
            let result = apply_fixes(&mut record, [&fix]).map(|()| record);
            assert_eq!(result, expected, "{:?}", fix.edits[0].pointer);
        }
    }

    #[test]
    fn wrapping_escapes_markup() {
        assert_eq!(wrap_in_messageml("a < b & \"c\""), "<messageML>a &lt; b &amp; &quot;c&quot;</messageML>");
        let fix = wrap_message_fix("hi");
        let mut record = json!({"message": "hi"});
        assert_eq!(apply_fixes(&mut record, [&fix]), Ok(()));
        assert_eq!(record, json!({"message": "<messageML>hi</messageML>"}));
    }

    #[test]
    fn derived_ids_are_stable_and_content_bound() {
        let id = derive_original_message_id("s", 1, 2, "m");
        assert_eq!(id, derive_original_message_id("s", 1, 2, "m"));
        assert_eq!(id.len(), "ferry-".len() + 32);
        assert_ne!(id, derive_original_message_id("s", 1, 2, "n"));
        assert_ne!(id, derive_original_message_id("s", 12, 2, "m"));
        // Pinned: the algorithm is documented, so its output must not drift.
        assert_eq!(id, "ferry-69682d080186acd872a1ee64f2c9dfe0");
    }
}
