//! Rule `TS002` ([`TimestampNotPositive`]): `intendedMessageTimestamp` is zero or negative.

use crate::declare_rule;

declare_rule! {
    /// `intendedMessageTimestamp` is zero or negative.
    ///
    /// ## What it does
    /// Reports a timestamp at or before 1970-01-01T00:00:00Z.
    ///
    /// ## Why is this bad?
    /// No chat message predates 1970; a 0 or a negative value means the export lost the date (an unset field,
    /// a failed conversion). The message would be shown in 1970, or rejected.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageTimestamp": 0, ...}
    /// ```
    pub struct TimestampNotPositive;
}

use crate::diagnostic::Diagnostic;
use crate::humanize;
use crate::json::Spanned;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports a timestamp that is not positive; returns whether it was reported.
pub(crate) fn check(checker: &mut RecordChecker<'_>, timestamp: i64, value: &Spanned<'_>) -> bool {
    if timestamp > 0 {
        return false;
    }
    checker.emit_at_value(
        Diagnostic::new(
            Rule::TimestampNotPositive,
            format!(
                "`intendedMessageTimestamp` is {timestamp} ({}), not after 1970-01-01",
                humanize::utc_date_time(timestamp)
            ),
        )
        .with_help("give when the message was sent, in milliseconds since 1970-01-01T00:00:00Z"),
        "/intendedMessageTimestamp",
        value,
    );
    true
}
