//! The plan of a Teams import: how many Graph requests each conversation takes and how long they take at the
//! documented throttling rate.
//!
//! Each conversation takes `startMigration`, one `POST .../messages` per message (Graph imports one message per
//! request) and `completeMigration`. Teams throttles at about
//! [`MESSAGES_PER_SECOND_PER_CONVERSATION`](ferry_core::teams::MESSAGES_PER_SECOND_PER_CONVERSATION) requests
//! per second per channel or chat (timed by ferry-convert's `duration_millis`, as `ferry convert` times it; seed
//! `teams-import-messages.txt`), and the limit is per conversation, so conversations are assumed to import in
//! parallel: the import lasts as long as its longest conversation. The one-at-a-time figure is given beside it,
//! for an importer that runs them in turn.
//!
//! The records planned are the core's plan's (records with errors, or left out, are not in it); a stream is
//! named by its Teams conversation when the maps place it, and by its Symphony id otherwise.

use std::collections::BTreeMap;

use ferry_convert::teams::schedule::duration_millis;
use ferry_core::teams::Directory;

use crate::model::{CheckedBatch, NONE};

/// Requests a conversation takes beside its messages: `startMigration` and `completeMigration`.
pub const MIGRATION_REQUESTS_PER_CONVERSATION: usize = 2;

/// One conversation's share of the import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationPlan {
    /// Its Graph path (`/teams/{t}/channels/{c}`, `/chats/{c}`) when the maps place it; otherwise the Symphony
    /// stream id.
    pub name: String,
    /// Whether the maps place it in Teams.
    pub mapped: bool,
    /// Messages imported into it.
    pub messages: usize,
    /// Graph requests: the messages, and the start and the completion of its migration.
    pub requests: usize,
    /// Milliseconds its requests take at the throttling rate.
    pub duration_millis: u64,
}

/// The plan of a Teams import.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TeamsPlan {
    /// The conversations, the longest first (then by name).
    pub conversations: Vec<ConversationPlan>,
    /// Messages over every conversation.
    pub messages: usize,
    /// Graph requests over every conversation.
    pub requests: usize,
    /// Milliseconds with conversations in parallel: the longest conversation's.
    pub parallel_millis: u64,
    /// Milliseconds with one conversation at a time: the sum.
    pub sequential_millis: u64,
}

/// The Teams plan of the records of `batch`'s plan, grouped by the conversation `directory` maps their stream to.
pub fn teams_plan(batch: &CheckedBatch, directory: Option<&Directory>) -> TeamsPlan {
    // Messages per stream index (the last slot for records without a stream), then per conversation: the
    // per-record work is one array increment.
    let mut per_stream = vec![0usize; batch.streams.len() + 1];
    for &record in batch.plan.requests.iter().flat_map(|request| &request.records) {
        let stream = batch.rows.get(record).map_or(NONE, |row| row.stream) as usize;
        per_stream[stream.min(batch.streams.len())] += 1;
    }
    let mut messages: BTreeMap<(String, bool), usize> = BTreeMap::new();
    for (stream, &count) in per_stream.iter().enumerate().filter(|(_, &count)| count > 0) {
        let stream = batch.streams.get(stream).map(String::as_str).unwrap_or("(no stream)");
        let key = match directory.and_then(|directory| directory.conversation(stream)) {
            Some(conversation) => (conversation.path(), true),
            None => (stream.to_owned(), false),
        };
        *messages.entry(key).or_default() += count;
    }
    let mut conversations: Vec<ConversationPlan> = messages
        .into_iter()
        .map(|((name, mapped), messages)| {
            let requests = messages + MIGRATION_REQUESTS_PER_CONVERSATION;
            ConversationPlan { name, mapped, messages, requests, duration_millis: duration_millis(requests) }
        })
        .collect();
    conversations.sort_by(|a, b| b.requests.cmp(&a.requests).then_with(|| a.name.cmp(&b.name)));
    TeamsPlan {
        messages: conversations.iter().map(|conversation| conversation.messages).sum(),
        requests: conversations.iter().map(|conversation| conversation.requests).sum(),
        parallel_millis: conversations.iter().map(|conversation| conversation.duration_millis).max().unwrap_or(0),
        sequential_millis: conversations.iter().map(|conversation| conversation.duration_millis).sum(),
        conversations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::teams::Conversation;
    use ferry_core::{Plan, PlannedRequest, Summary, Target};

    use crate::model::RecordRow;

    /// A batch whose records are in the streams `streams[stream of each record]`, all planned but `left_out`.
    fn batch(streams: &[&str], record_streams: &[u32], left_out: &[usize]) -> CheckedBatch {
        let rows = record_streams.iter().map(|&stream| RecordRow { stream, ..RecordRow::EMPTY }).collect();
        let records = (0..record_streams.len()).filter(|record| !left_out.contains(record)).collect();
        CheckedBatch {
            files: Vec::new(),
            file_names: Vec::new(),
            rows,
            streams: streams.iter().map(|stream| (*stream).to_owned()).collect(),
            senders: Vec::new(),
            findings: Vec::new(),
            positions: Vec::new(),
            summary: Summary::default(),
            plan: Plan { requests: vec![PlannedRequest { records, ..PlannedRequest::default() }], ..Plan::default() },
            target: Target::Teams,
            now_millis: 0,
            teams_directory: None,
        }
    }

    fn directory(streams: &[(&str, Conversation)]) -> Directory {
        Directory {
            users: BTreeMap::new(),
            streams: streams
                .iter()
                .map(|(stream, conversation)| ((*stream).to_owned(), conversation.clone()))
                .collect(),
        }
    }

    #[test]
    fn conversations_take_their_messages_and_two_migration_calls_at_five_a_second() {
        let chat = Conversation::Chat { chat_id: "19:c@thread.v2".to_owned() };
        let channel = Conversation::Channel { team_id: "T".to_owned(), channel_id: "C".to_owned() };
        // (case, record streams, left out, directory, expected (name, mapped, messages, requests, milliseconds),
        // (parallel, sequential milliseconds))
        type Case = (
            &'static str,
            Vec<u32>,
            Vec<usize>,
            Option<Directory>,
            Vec<(&'static str, bool, usize, usize, u64)>,
            (u64, u64),
        );
        let cases: Vec<Case> = vec![
            ("nothing planned", vec![], vec![], None, vec![], (0, 0)),
            ("one message: three requests, 600 ms", vec![0], vec![], None, vec![("a-1", false, 1, 3, 600)], (600, 600)),
            (
                "unmapped streams by their ids, the longest first",
                vec![0, 1, 1, 1, 1, 0, 1, 1, 1],
                vec![],
                None,
                vec![("b_2", false, 7, 9, 1_800), ("a-1", false, 2, 4, 800)],
                (1_800, 2_600),
            ),
            (
                "records left out are not planned",
                vec![0, 1, 1, 1, 1, 0, 1, 1, 1],
                vec![2, 3, 4],
                None,
                vec![("b_2", false, 4, 6, 1_200), ("a-1", false, 2, 4, 800)],
                (1_200, 2_000),
            ),
            (
                "mapped streams by their Graph paths; two streams into one chat are one conversation",
                vec![0, 1, 2, 2],
                vec![],
                Some(directory(&[("a-1", chat.clone()), ("b_2", chat), ("c", channel)])),
                vec![("/chats/19%3Ac%40thread.v2", true, 2, 4, 800), ("/teams/T/channels/C", true, 2, 4, 800)],
                (800, 1_600),
            ),
        ];
        for (name, record_streams, left_out, directory, expected, (parallel, sequential)) in cases {
            let plan = teams_plan(&batch(&["a-1", "b_2", "c"], &record_streams, &left_out), directory.as_ref());
            let found: Vec<(&str, bool, usize, usize, u64)> = plan
                .conversations
                .iter()
                .map(|c| (c.name.as_str(), c.mapped, c.messages, c.requests, c.duration_millis))
                .collect();
            assert_eq!(found, expected, "{name}");
            assert_eq!((plan.parallel_millis, plan.sequential_millis), (parallel, sequential), "{name}");
            assert_eq!(plan.messages, record_streams.len() - left_out.len(), "{name}");
        }
    }
}
