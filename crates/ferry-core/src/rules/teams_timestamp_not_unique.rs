//! Rule `TEAMS001` ([`TeamsTimestampNotUnique`]): teams target: two messages of one conversation have the same millisecond.

use crate::declare_rule;

declare_rule! {
    /// Teams target: two messages of one conversation have the same millisecond.
    ///
    /// ## What it does
    /// With `--target teams`, reports a record whose `intendedMessageTimestamp` (Teams' `createdDateTime`)
    /// equals, to the millisecond, that of an earlier record of the same conversation (`streamId`). Offers a
    /// fix nudging it forward to the next millisecond not yet taken in the batch (+1 ms, +2 ms, …).
    ///
    /// ## Why is this bad?
    /// Microsoft Graph's import requires `createdDateTime` to be "unique down to the millisecond within the
    /// target chat or channel"; a second message with the same value fails with `409 Conflict`. Sources with
    /// second precision (many exports) produce such collisions in every busy conversation.
    ///
    /// ## Example
    /// Two records of stream `S`, both at `1433045622000`.
    pub struct TeamsTimestampNotUnique;
}

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::humanize;
use crate::record::BatchState;
use crate::registry::Rule;
use crate::Options;

const MAX_NUDGE_MILLIS: i64 = 1_000;

/// Checks a record of stream index `stream` dated `timestamp` against the earlier records of the stream; run
/// in batch order.
pub(crate) fn check(batch: &mut BatchState, options: &Options, stream: u32, timestamp: i64) -> Option<Diagnostic> {
    if batch.teams_timestamps.insert((stream, timestamp)) {
        return None;
    }
    let mut diagnostic = Diagnostic::new(
        Rule::TeamsTimestampNotUnique,
        format!(
            "another message of this conversation already has timestamp {timestamp} ({}); Teams would answer 409 Conflict",
            humanize::utc_date_time(timestamp)
        ),
    )
    .with_help("createdDateTime must be unique to the millisecond within a chat or channel");
    let free = (1..=MAX_NUDGE_MILLIS)
        .filter_map(|nudge| timestamp.checked_add(nudge))
        .find(|candidate| !batch.teams_timestamps.contains(&(stream, *candidate)) && *candidate <= options.now_millis);
    if let Some(nudged) = free {
        diagnostic = diagnostic.with_fix(Fix {
            title: format!("Move the message {} ms later, to {nudged}", nudged - timestamp),
            edits: vec![Edit {
                pointer: "/intendedMessageTimestamp".to_owned(),
                value: serde_json::Value::from(nudged),
            }],
        });
    }
    Some(diagnostic)
}
