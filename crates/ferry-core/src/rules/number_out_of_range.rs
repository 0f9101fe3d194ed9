//! Rule `SCH007` ([`NumberOutOfRange`]): an integer field is outside the 64-bit signed range.

use crate::declare_rule;

declare_rule! {
    /// An integer field is outside the 64-bit signed range.
    ///
    /// ## What it does
    /// Reports `intendedMessageTimestamp` or `intendedMessageFromUserId` below -2^63 or above 2^63-1.
    ///
    /// ## Why is this bad?
    /// Both fields are `int64`: the Agent cannot read a larger value and rejects the request.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageFromUserId": 72155450572810000000000, ...}
    /// ```
    pub struct NumberOutOfRange;
}

use crate::diagnostic::Diagnostic;
use crate::json::Spanned;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports an integer too large for `int64`.
pub(crate) fn report(checker: &mut RecordChecker<'_>, name: &str, pointer: &str, value: &Spanned<'_>, text: &str) {
    checker.emit_at_value(
        Diagnostic::new(Rule::NumberOutOfRange, format!("`{name}` is {text}, outside the int64 range"))
            .with_help("int64 holds -9223372036854775808 to 9223372036854775807"),
        pointer,
        value,
    );
}
