//! Rule `TEAMS001` ([`TeamsTimestampNotUnique`]): Teams target: two messages of one conversation have the same
//! millisecond.
//!
//! The nudges of one batch are planned together, so that applying every fix at once leaves each conversation
//! with unique timestamps in the batch's order: a nudged value is never one another record of the conversation
//! has (original or nudged), and stays before the conversation's next record in batch order. That next record
//! is not known when the collision is found, so the fix is offered at once and withdrawn (with a word saying
//! why) when the next record of the conversation leaves no room for it; [`TeamsTimes`] keeps the offers still
//! open, and the validator holds back their findings from progress reports until they are settled.

use crate::declare_rule;

declare_rule! {
    /// Teams target: two messages of one conversation have the same millisecond.
    ///
    /// ## What it does
    /// With `--target teams`, reports a record whose `intendedMessageTimestamp` (Teams' `createdDateTime`)
    /// equals, to the millisecond, that of an earlier record of the same conversation: the same `streamId`,
    /// or, with the maps given, streams mapped to the same channel or chat. Offers a fix nudging it forward to
    /// the next millisecond not yet taken (+1 ms, +2 ms, …), keeping the batch's order: the nudged value stays
    /// before the conversation's next record. When there is no such millisecond (the next record is 1 ms
    /// later), no fix is offered and the finding says so.
    ///
    /// ## Why is this bad?
    /// Microsoft Graph's import requires `createdDateTime` to be "unique down to the millisecond within the
    /// target chat or channel"; a second message with the same value fails with `409 Conflict`
    /// (`teams-import-messages`). Sources with second precision (many exports) produce such collisions in
    /// every busy conversation.
    ///
    /// ## Example
    /// Two records of stream `S`, both at `1433045622000`: the second is nudged to `1433045622001`.
    pub struct TeamsTimestampNotUnique;
}

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Edit, Fix};
use crate::humanize;
use crate::registry::Rule;
use crate::Options;

/// Furthest a timestamp is nudged; past it, no fix is offered.
const MAX_NUDGE_MILLIS: i64 = 1_000;

/// The Teams timestamps of a batch, per conversation.
#[derive(Debug, Default)]
pub(crate) struct TeamsTimes {
    /// Conversation keys (Graph path, or normalised stream id) by index of first appearance.
    conversations: HashMap<String, u32>,
    /// `(conversation, timestamp)` pairs taken: each record's timestamp, or its nudged one when offered.
    taken: HashSet<(u32, i64)>,
    /// Per conversation, the nudges offered to its latest run of equal timestamps, not yet settled.
    open: HashMap<u32, Vec<OpenNudge>>,
}

/// A nudge offered and not yet settled by the conversation's next record.
#[derive(Debug)]
struct OpenNudge {
    /// The finding's number among all the validator's findings (drained ones included).
    finding: usize,
    original: i64,
    nudged: i64,
}

/// A finding of this rule waiting to be numbered (see [`TeamsTimes::opened`]).
#[derive(Debug)]
pub(crate) struct Offer {
    conversation: u32,
    original: i64,
    nudged: i64,
}

impl TeamsTimes {
    /// The index of the conversation keyed `key`, assigned on first appearance.
    pub(crate) fn conversation(&mut self, key: &str) -> u32 {
        if let Some(&index) = self.conversations.get(key) {
            return index;
        }
        let index = u32::try_from(self.conversations.len()).unwrap_or(u32::MAX);
        self.conversations.insert(key.to_owned(), index);
        index
    }

    /// The number of the earliest finding whose fix may still be withdrawn, if any.
    pub(crate) fn earliest_open(&self) -> Option<usize> {
        self.open.values().flatten().map(|nudge| nudge.finding).min()
    }

    /// Records that the finding of `offer` is the validator's finding number `finding`.
    pub(crate) fn opened(&mut self, offer: Offer, finding: usize) {
        let nudge = OpenNudge { finding, original: offer.original, nudged: offer.nudged };
        self.open.entry(offer.conversation).or_default().push(nudge);
    }

    /// Settles the open nudges of `conversation` now that its next record, dated `timestamp`, has come:
    /// returns the numbers of the findings whose fix no longer fits, with that record's timestamp. A record
    /// with the run's own timestamp continues the run and settles nothing.
    pub(crate) fn settle(&mut self, conversation: u32, timestamp: i64) -> Vec<(usize, i64)> {
        let Some(open) = self.open.get(&conversation) else { return Vec::new() };
        if open.iter().all(|nudge| nudge.original == timestamp) {
            return Vec::new();
        }
        let open = self.open.remove(&conversation).unwrap_or_default();
        let mut withdrawn = Vec::new();
        for nudge in open {
            // A record dated before the run is out of order already; the nudge does not change that.
            if timestamp > nudge.original && nudge.nudged >= timestamp {
                self.taken.remove(&(conversation, nudge.nudged));
                withdrawn.push((nudge.finding, timestamp));
            }
        }
        withdrawn
    }
}

/// Checks a record of `conversation` dated `timestamp` against the earlier records of the conversation; run
/// in batch order, after [`TeamsTimes::settle`]. A finding with a fix comes with its [`Offer`], to be
/// numbered with [`TeamsTimes::opened`] once the finding has its place.
pub(crate) fn check(
    times: &mut TeamsTimes,
    options: &Options,
    conversation: u32,
    timestamp: i64,
) -> Option<(Diagnostic, Option<Offer>)> {
    if times.taken.insert((conversation, timestamp)) {
        return None;
    }
    let diagnostic = Diagnostic::new(
        Rule::TeamsTimestampNotUnique,
        format!(
            "another message of this conversation already has timestamp {timestamp} ({}); Teams would answer 409 Conflict",
            humanize::utc_date_time(timestamp)
        ),
    )
    .with_help("createdDateTime must be unique to the millisecond within a chat or channel");
    let free = (1..=MAX_NUDGE_MILLIS)
        .filter_map(|nudge| timestamp.checked_add(nudge))
        .take_while(|candidate| *candidate <= options.now_millis)
        .find(|candidate| !times.taken.contains(&(conversation, *candidate)));
    let Some(nudged) = free else {
        let diagnostic = diagnostic
            .with_help("no free millisecond within a second after it (or before now): move it by hand or drop it");
        return Some((diagnostic, None));
    };
    times.taken.insert((conversation, nudged));
    let diagnostic = diagnostic.with_fix(Fix {
        title: format!("Move the message {} ms later, to {nudged}", nudged - timestamp),
        edits: vec![Edit { pointer: "/intendedMessageTimestamp".to_owned(), value: serde_json::Value::from(nudged) }],
    });
    Some((diagnostic, Some(Offer { conversation, original: timestamp, nudged })))
}

/// Withdraws the fix of a finding whose nudge no longer fits before the conversation's next record, dated
/// `next`. Returns whether a fix was withdrawn.
pub(crate) fn withdraw_fix(diagnostic: &mut Diagnostic, next: i64) -> bool {
    if diagnostic.fix.take().is_none() {
        return false;
    }
    diagnostic.message.push_str(&format!(
        "; no fix: no free millisecond is left before the conversation's next message, at {next} ({})",
        humanize::utc_date_time(next)
    ));
    true
}
