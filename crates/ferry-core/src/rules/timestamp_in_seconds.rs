//! Rule `TS003` ([`TimestampInSeconds`]): `intendedMessageTimestamp` looks like seconds, not milliseconds.

use crate::declare_rule;

declare_rule! {
    /// `intendedMessageTimestamp` looks like seconds, not milliseconds.
    ///
    /// ## What it does
    /// Reports a positive timestamp below 100,000,000,000: as milliseconds that is before 1973-03-03, while as
    /// seconds it is any date up to the year 5138. Offers a fix multiplying it by 1,000.
    ///
    /// ## Why is this bad?
    /// The field is in milliseconds. Many sources (Slack's `ts`, Unix tools) give seconds; the Agent accepts
    /// the value and shows the message in January 1970.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageTimestamp": 1433045622, ...}
    /// ```
    /// Means 1970-01-17; `1433045622000` is 2015-05-31.
    pub struct TimestampInSeconds;
}

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::humanize;
use crate::json::Spanned;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Below this many milliseconds (1973-03-03) a timestamp is taken for seconds.
const SECONDS_THRESHOLD: i64 = 100_000_000_000;

/// Reports a positive timestamp that reads better as seconds; returns whether it was reported.
pub(crate) fn check(checker: &mut RecordChecker<'_>, timestamp: i64, value: &Spanned<'_>) -> bool {
    if !(1..SECONDS_THRESHOLD).contains(&timestamp) {
        return false;
    }
    let milliseconds = timestamp * 1000;
    let mut diagnostic = Diagnostic::new(
        Rule::TimestampInSeconds,
        format!(
            "`intendedMessageTimestamp` {timestamp} looks like seconds: as milliseconds it is {}, as seconds {}",
            humanize::utc_date_time(timestamp),
            humanize::utc_date_time(milliseconds)
        ),
    )
    .with_help("the field is in milliseconds since 1970-01-01; multiply seconds by 1000");
    if milliseconds <= checker.options.now_millis {
        diagnostic = diagnostic.with_fix(Fix {
            title: "Multiply the timestamp by 1000".to_owned(),
            edits: vec![Edit {
                pointer: "/intendedMessageTimestamp".to_owned(),
                value: serde_json::Value::from(milliseconds),
            }],
        });
    }
    checker.emit_at_value(diagnostic, "/intendedMessageTimestamp", value);
    true
}
