//! Rule `SCH008` ([`EntityDataNotString`]): `data` is a JSON object or array instead of a string holding one.

use crate::declare_rule;

declare_rule! {
    /// `data` is a JSON object or array instead of a string holding one.
    ///
    /// ## What it does
    /// Reports a `data` field given as a nested object or array, and offers a fix that serializes it into a
    /// string.
    ///
    /// ## Why is this bad?
    /// The OpenAPI types `data` as a string (EntityJSON serialized); the Agent's model cannot bind an object
    /// there and rejects the request.
    ///
    /// ## Example
    /// ```json
    /// {"data": {"object001": {"type": "org.symphonyoss.fin.security"}}, ...}
    /// ```
    /// Should be `"data": "{\"object001\": {\"type\": \"org.symphonyoss.fin.security\"}}"`.
    pub struct EntityDataNotString;
}

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::json::Spanned;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports `data` given as an object or array, with the fix serializing it.
pub(crate) fn check(checker: &mut RecordChecker<'_>, pointer: &str, value: &Spanned<'_>) {
    let raw = checker.text.get(value.span.start..value.span.end).unwrap_or("");
    let mut diagnostic = Diagnostic::new(
        Rule::EntityDataNotString,
        format!("`data` must be a string holding the EntityJSON, not {}", value.value.type_name()),
    )
    .with_help("serialize the object into a string");
    // Re-serializing through serde_json keeps the content; integers stay exact (serde_json reads them as
    // 64-bit integers when they fit).
    // Only an object makes valid EntityJSON once serialized; an array would still be rejected.
    if let Ok(parsed @ serde_json::Value::Object(_)) = serde_json::from_str::<serde_json::Value>(raw) {
        let serialized = parsed.to_string();
        diagnostic = diagnostic.with_fix(Fix {
            title: "Serialize `data` into a JSON string".to_owned(),
            edits: vec![Edit { pointer: pointer.to_owned(), value: serde_json::Value::String(serialized) }],
        });
    }
    checker.emit_at_value(diagnostic, pointer, value);
}
