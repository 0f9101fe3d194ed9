//! Rule `TS001` ([`TimestampInFuture`]): `intendedMessageTimestamp` is in the future.

use crate::declare_rule;

declare_rule! {
    /// `intendedMessageTimestamp` is in the future.
    ///
    /// ## What it does
    /// Reports a timestamp later than the `now` the run was given (`--now`, or the time the check started).
    /// Ferry's core never reads the clock: the caller passes `now`.
    ///
    /// ## Why is this bad?
    /// The Agent's contract: "The intended message timestamp must be a valid time from the past. It cannot be
    /// a future timestamp." The message is rejected. A timestamp in microseconds or nanoseconds lands here too.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageTimestamp": 4102444800000, ...}
    /// ```
    /// That is 2100-01-01.
    pub struct TimestampInFuture;
}

use crate::diagnostic::Diagnostic;
use crate::humanize;
use crate::json::Spanned;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports a timestamp after `now`; returns whether it was reported.
pub(crate) fn check(checker: &mut RecordChecker<'_>, timestamp: i64, value: &Spanned<'_>) -> bool {
    let now = checker.options.now_millis;
    let in_future = timestamp > now;
    if in_future {
        let mut diagnostic = Diagnostic::new(
            Rule::TimestampInFuture,
            format!(
                "`intendedMessageTimestamp` {timestamp} ({}) is {} in the future (now is {})",
                humanize::utc_date_time(timestamp),
                humanize::duration_between(timestamp, now),
                humanize::utc_date_time(now)
            ),
        );
        diagnostic = if timestamp > 100_000_000_000_000 {
            diagnostic.with_help("the value looks like microseconds or nanoseconds; the field is in milliseconds")
        } else {
            diagnostic.with_help("imported messages must be dated in the past")
        };
        checker.emit_at_value(diagnostic, "/intendedMessageTimestamp", value);
    }
    in_future
}
