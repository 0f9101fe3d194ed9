//! Rule `SCH006` ([`NumberNotInteger`]): an integer field has a fraction or an exponent.

use crate::declare_rule;

declare_rule! {
    /// An integer field has a fraction or an exponent.
    ///
    /// ## What it does
    /// Reports `intendedMessageTimestamp` or `intendedMessageFromUserId` written as `1433045622000.0`,
    /// `1.433045622E12` or `7215545057281.5`.
    ///
    /// ## Why is this bad?
    /// Both fields are `int64`. A float in the export means the value went through floating point, where
    /// integers above 2^53 lose their last digits: a user id written as a float may already name another user.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageFromUserId": 7.215545057281e12, ...}
    /// ```
    pub struct NumberNotInteger;
}

use crate::diagnostic::Diagnostic;
use crate::json::{self, IntegerError, Spanned};
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reads an `int64` from a JSON number, reporting a fraction, an exponent or an overflow.
pub(crate) fn read(
    checker: &mut RecordChecker<'_>,
    name: &str,
    pointer: &str,
    value: &Spanned<'_>,
    text: &str,
) -> Option<i64> {
    match json::parse_integer(text) {
        Ok(number) => Some(number),
        Err(IntegerError::NotAnInteger) => {
            checker.emit_at_value(
                Diagnostic::new(Rule::NumberNotInteger, format!("`{name}` is {text}, not a whole number"))
                    .with_help("write the exact integer; a value that went through floating point may have lost digits"),
                pointer,
                value,
            );
            None
        }
        Err(IntegerError::OutOfRange | IntegerError::NotANumber) => {
            super::number_out_of_range::report(checker, name, pointer, value, text);
            None
        }
    }
}
