//! Rule `SCH005` ([`NumberAsString`]): an integer field is given as a string of digits.

use crate::declare_rule;

declare_rule! {
    /// An integer field is given as a string of digits.
    ///
    /// ## What it does
    /// Reports `intendedMessageTimestamp` or `intendedMessageFromUserId` written as a JSON string
    /// (`"1433045622000"`), and offers a fix that writes the same number as a JSON integer. A string that is
    /// not an integer at all is reported as a wrong type.
    ///
    /// ## Why is this bad?
    /// The OpenAPI types both fields as `integer` (`int64`). Whether the Agent coerces a string is a server
    /// setting, not a contract; exports that quote ids often also round them through floating point
    /// elsewhere, so the value deserves a look.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageFromUserId": "7215545057281", ...}
    /// ```
    pub struct NumberAsString;
}

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::json::{self, IntegerError, JsonString, Spanned};
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports an integer field given as a string; returns the number when the string holds an `int64`.
pub(crate) fn check(
    checker: &mut RecordChecker<'_>,
    name: &str,
    pointer: &str,
    value: &Spanned<'_>,
    string: &JsonString<'_>,
) -> Option<i64> {
    let text = string.as_str().trim();
    match json::parse_integer(text) {
        Ok(number) => {
            checker.emit_at_value(
                Diagnostic::new(Rule::NumberAsString, format!("`{name}` is the string \"{text}\", not an integer"))
                    .with_help("write the number without quotes")
                    .with_fix(Fix {
                        title: "Write the number as a JSON integer".to_owned(),
                        edits: vec![Edit { pointer: pointer.to_owned(), value: serde_json::Value::from(number) }],
                    }),
                pointer,
                value,
            );
            Some(number)
        }
        Err(IntegerError::NotAnInteger | IntegerError::OutOfRange) => {
            checker.emit_at_value(
                Diagnostic::new(
                    Rule::NumberAsString,
                    format!("`{name}` is the string \"{text}\", which is not an int64 either"),
                )
                .with_help("write a whole number without quotes, within the 64-bit signed range"),
                pointer,
                value,
            );
            None
        }
        Err(IntegerError::NotANumber) => {
            checker.emit_at_value(
                Diagnostic::new(Rule::WrongFieldType, format!("`{name}` must be an integer (int64), not a string")),
                pointer,
                value,
            );
            None
        }
    }
}
