//! Pass 1: every day file read once to find who and what the messages use, before anything is written: the
//! senders (users and bots, listed in `users.json` or not), mention targets, edit authors, and the messages per
//! conversation. `--init` writes the maps from it; the conversion checks the maps against it, so an unmapped
//! sender or stream is one error naming every missing one, not a failure halfway.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::export::{ExportSource, Limits};
use super::layout::{text_field, Layout};
use super::maps::{StreamRow, UserKind, UserRow};
use super::report::{UnmappedStream, UnmappedUser};

/// How a Slack id is used in the messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Messages it sent (events and notices not counted).
    pub sent: u64,
    /// Events it sent (joins, topics, …: written only with `--keep-events`).
    pub events: u64,
    /// Times it is mentioned.
    pub mentions: u64,
    /// Messages it edited.
    pub edits: u64,
    /// Conversations (ids) it sent messages in.
    pub conversations: BTreeSet<String>,
    /// A bot's name given by its messages (`username`, `bot_profile.name`), when it is not in `users.json`.
    pub bot_name: String,
}

/// What pass 1 found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Survey {
    /// Every Slack id used, by id.
    pub ids: BTreeMap<String, Usage>,
    /// Messages per conversation id (those with a sender, events and notices not counted).
    pub messages: HashMap<String, u64>,
    /// Events per conversation id.
    pub events: HashMap<String, u64>,
}

/// Subtypes that are events, not messages: skipped and counted, or rendered with `--keep-events`.
pub(crate) const EVENT_SUBTYPES: &[&str] = &[
    "channel_join",
    "channel_leave",
    "group_join",
    "group_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "group_topic",
    "group_purpose",
    "group_name",
    "channel_archive",
    "channel_unarchive",
    "group_archive",
    "group_unarchive",
    "pinned_item",
    "unpinned_item",
    "bot_add",
    "bot_remove",
    "channel_convert_to_private",
    "channel_convert_to_public",
];

/// Subtypes that are no message of their own: the export already holds the message they change or remove.
pub(crate) const NOTICE_SUBTYPES: &[&str] = &["tombstone", "message_deleted", "message_changed", "message_replied"];

/// Subtypes converted as messages, each deliberately: `me_message` in italics, `bot_message` from the bot's
/// map entry, `thread_broadcast`/`reply_broadcast` once as a reply, the rest by their text and files
/// (`file_comment`'s text is the comment, `huddle_thread`'s the huddle's summary line).
pub(crate) const MESSAGE_SUBTYPES: &[&str] = &[
    "me_message",
    "bot_message",
    "file_share",
    "file_comment",
    "file_mention",
    "thread_broadcast",
    "reply_broadcast",
    "huddle_thread",
    "slackbot_response",
    "reminder_add",
    "sh_room_created",
];

/// Deepest nesting of a message's `blocks` looked into for mentions (Slack nests a few levels).
const MAX_BLOCK_DEPTH: usize = 32;

/// The sender of a message: `user`, else a bot's `bot_id`, else the commenter of an old export's
/// `file_comment` (which has no `user` of its own, only `comment.user`).
pub(crate) fn sender_of(message: &Value) -> Option<&str> {
    let commenter = message.get("comment").map_or("", |comment| text_field(comment, "user"));
    ["user", "bot_id"].into_iter().map(|key| text_field(message, key)).chain([commenter]).find(|id| !id.is_empty())
}

/// Reads every day file once. Day files that cannot be read or parsed are passed over here; the conversion
/// reports them.
pub fn survey(source: &mut dyn ExportSource, layout: &Layout, limits: &Limits) -> Survey {
    let mut survey = Survey::default();
    for conversation in &layout.conversations {
        for day_file in &conversation.day_files {
            let Ok(bytes) = source.read_entry(day_file, limits.max_entry_bytes) else { continue };
            // Only the fields pass 1 needs, borrowed from the bytes: several times faster than a `Value` of
            // every message. A day file of another shape is read as values, so its senders still count.
            if let Ok(messages) = serde_json::from_slice::<Vec<SurveyedMessage<'_>>>(&bytes) {
                for message in &messages {
                    survey.note_message(&conversation.id, &message.seen());
                }
                continue;
            }
            let Ok(Value::Array(messages)) = serde_json::from_slice::<Value>(&bytes) else { continue };
            for message in &messages {
                survey.note_message(&conversation.id, &Seen::of_value(message));
            }
        }
    }
    survey
}

/// What pass 1 takes from a message, however it was read.
struct Seen<'m> {
    subtype: &'m str,
    /// As [`sender_of`] finds it.
    sender: Option<&'m str>,
    /// `edited.user`, or empty.
    editor: &'m str,
    /// A bot's name (`username`, else `bot_profile.name`), or empty.
    bot_name: &'m str,
    /// Users mentioned in `text` and in `blocks`.
    mentions: Vec<String>,
}

impl<'m> Seen<'m> {
    /// From a message read as a value (a day file [`SurveyedMessage`] could not read).
    fn of_value(message: &'m Value) -> Seen<'m> {
        let profile_name = message.get("bot_profile").map_or("", |profile| text_field(profile, "name"));
        let mut mentions = Vec::new();
        mentions_in_text(text_field(message, "text"), &mut mentions);
        if let Some(blocks) = message.get("blocks") {
            mentions_in_blocks(blocks, 0, &mut mentions);
        }
        Seen {
            subtype: text_field(message, "subtype"),
            sender: sender_of(message),
            editor: message.get("edited").map_or("", |edited| text_field(edited, "user")),
            bot_name: [text_field(message, "username"), profile_name]
                .into_iter()
                .find(|name| !name.is_empty())
                .unwrap_or(""),
            mentions,
        }
    }
}

/// A message as pass 1 deserialises it: only its fields of interest, borrowed where they hold no escape.
#[derive(Deserialize)]
struct SurveyedMessage<'a> {
    #[serde(default, borrow)]
    user: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    bot_id: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    subtype: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    username: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    bot_profile: Option<Named<'a>>,
    #[serde(default, borrow)]
    edited: Option<ByUser<'a>>,
    #[serde(default, borrow)]
    comment: Option<ByUser<'a>>,
    /// Left as JSON text: only its `"user_id"` values are looked for.
    #[serde(default, borrow)]
    blocks: Option<&'a RawValue>,
}

/// `{"name": …}`.
#[derive(Deserialize)]
struct Named<'a> {
    #[serde(default, borrow)]
    name: Option<Cow<'a, str>>,
}

/// `{"user": …}`.
#[derive(Deserialize)]
struct ByUser<'a> {
    #[serde(default, borrow)]
    user: Option<Cow<'a, str>>,
}

/// A field's text, empty when absent.
fn field<'m>(value: &'m Option<Cow<'_, str>>) -> &'m str {
    value.as_deref().unwrap_or("")
}

impl SurveyedMessage<'_> {
    fn seen(&self) -> Seen<'_> {
        let commenter = self.comment.as_ref().map_or("", |comment| field(&comment.user));
        let profile_name = self.bot_profile.as_ref().map_or("", |profile| field(&profile.name));
        let mut mentions = Vec::new();
        mentions_in_text(field(&self.text), &mut mentions);
        if let Some(blocks) = self.blocks {
            mentions_in_raw_blocks(blocks.get(), &mut mentions);
        }
        Seen {
            subtype: field(&self.subtype),
            sender: [field(&self.user), field(&self.bot_id), commenter].into_iter().find(|id| !id.is_empty()),
            editor: self.edited.as_ref().map_or("", |edited| field(&edited.user)),
            bot_name: [field(&self.username), profile_name].into_iter().find(|name| !name.is_empty()).unwrap_or(""),
            mentions,
        }
    }
}

/// The `"user_id"` values in rich-text blocks left as JSON text (user elements are the only ones with that key;
/// an escaped `\"user_id\"` inside a string is not followed by `":`, so it is not taken).
fn mentions_in_raw_blocks(json: &str, found: &mut Vec<String>) {
    const KEY: &str = "\"user_id\":";
    let mut rest = json;
    while let Some(at) = rest.find(KEY) {
        rest = rest[at + KEY.len()..].trim_start();
        let Some(value) = rest.strip_prefix('"') else { continue };
        let end = value.find('"').unwrap_or(value.len());
        let id = &value[..end];
        if !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            found.push(id.to_owned());
        }
        rest = &value[end..];
    }
}

impl Survey {
    fn usage(&mut self, id: &str) -> &mut Usage {
        if !self.ids.contains_key(id) {
            self.ids.insert(id.to_owned(), Usage::default());
        }
        // INVARIANT: inserted just above when absent.
        self.ids.get_mut(id).unwrap_or_else(|| unreachable!())
    }

    /// Messages of a conversation that need its stream: events too when they are kept.
    #[must_use]
    pub fn messages_in(&self, conversation_id: &str, keep_events: bool) -> u64 {
        let events = if keep_events { self.events.get(conversation_id).copied().unwrap_or(0) } else { 0 };
        self.messages.get(conversation_id).copied().unwrap_or(0) + events
    }

    fn note_message(&mut self, conversation_id: &str, message: &Seen<'_>) {
        let is_event = EVENT_SUBTYPES.contains(&message.subtype);
        if let Some(sender) = message.sender.filter(|_| !NOTICE_SUBTYPES.contains(&message.subtype)) {
            let counts = if is_event { &mut self.events } else { &mut self.messages };
            *counts.entry(conversation_id.to_owned()).or_insert(0) += 1;
            let usage = self.usage(sender);
            if is_event {
                usage.events += 1;
            } else {
                usage.sent += 1;
            }
            if !usage.conversations.contains(conversation_id) {
                usage.conversations.insert(conversation_id.to_owned());
            }
            if sender.starts_with('B') && usage.bot_name.is_empty() {
                message.bot_name.clone_into(&mut usage.bot_name);
            }
        }
        if !message.editor.is_empty() {
            self.usage(message.editor).edits += 1;
        }
        for id in &message.mentions {
            self.usage(id).mentions += 1;
        }
    }

    /// The senders with no Symphony id, and the conversations with messages and no stream, every one of them
    /// (counting events only when they are kept).
    #[must_use]
    pub fn unmapped(
        &self,
        layout: &Layout,
        users: &HashMap<String, UserRow>,
        streams: &HashMap<String, StreamRow>,
        keep_events: bool,
    ) -> (Vec<UnmappedUser>, Vec<UnmappedStream>) {
        let sent = |usage: &Usage| usage.sent + if keep_events { usage.events } else { 0 };
        let names: HashMap<&str, &str> =
            layout.users.iter().map(|user| (user.id.as_str(), user.display_name())).collect();
        let conversation_names: HashMap<&str, &str> = layout
            .conversations
            .iter()
            .map(|conversation| (conversation.id.as_str(), conversation.name.as_str()))
            .collect();
        let unmapped_users = self
            .ids
            .iter()
            .filter(|(id, usage)| sent(usage) > 0 && users.get(*id).and_then(|row| row.symphony_user_id).is_none())
            .map(|(id, usage)| UnmappedUser {
                slack_user_id: id.clone(),
                name: names.get(id.as_str()).map_or_else(|| usage.bot_name.clone(), |name| (*name).to_owned()),
                messages: sent(usage),
                conversations: usage
                    .conversations
                    .iter()
                    .take(5)
                    .map(|id| conversation_names.get(id.as_str()).copied().unwrap_or(id).to_owned())
                    .collect(),
            })
            .collect();
        let unmapped_streams = layout
            .conversations
            .iter()
            .filter(|conversation| {
                self.messages_in(&conversation.id, keep_events) > 0
                    && streams.get(&conversation.id).and_then(|row| row.symphony_stream_id.as_ref()).is_none()
            })
            .map(|conversation| UnmappedStream {
                conversation_id: conversation.id.clone(),
                name: conversation.name.clone(),
                kind: conversation.kind.as_str().to_owned(),
                messages: self.messages_in(&conversation.id, keep_events),
            })
            .collect();
        (unmapped_users, unmapped_streams)
    }
}

/// `<@U…>` and `<@U…|name>` targets in mrkdwn text.
fn mentions_in_text(text: &str, found: &mut Vec<String>) {
    let mut rest = text;
    while let Some(at) = rest.find("<@") {
        rest = &rest[at + 2..];
        let end = rest.find(['>', '|']).unwrap_or(rest.len());
        let id = &rest[..end];
        if !id.is_empty() && id.bytes().all(|byte| byte.is_ascii_alphanumeric()) {
            found.push(id.to_owned());
        }
    }
}

/// `{"type": "user", "user_id": …}` elements anywhere in rich-text blocks.
fn mentions_in_blocks(value: &Value, depth: usize, found: &mut Vec<String>) {
    if depth > MAX_BLOCK_DEPTH {
        return;
    }
    match value {
        Value::Array(items) => items.iter().for_each(|item| mentions_in_blocks(item, depth + 1, found)),
        Value::Object(object) => {
            if object.get("type").and_then(Value::as_str) == Some("user") {
                let id = text_field(value, "user_id");
                if !id.is_empty() {
                    found.push(id.to_owned());
                }
            }
            for key in ["elements", "blocks"] {
                if let Some(children) = object.get(key) {
                    mentions_in_blocks(children, depth + 1, found);
                }
            }
        }
        _ => {}
    }
}

/// `users.csv` as `--init` writes it: every user of `users.json`, then every other id the messages use
/// (bots by their `B…` id, the rest `unknown`), ids empty.
#[must_use]
pub fn initial_users(layout: &Layout, survey: &Survey) -> Vec<UserRow> {
    let mut rows: Vec<UserRow> = layout
        .users
        .iter()
        .map(|user| UserRow {
            slack_user_id: user.id.clone(),
            handle: user.handle.clone(),
            real_name: user.real_name.clone(),
            email: user.email.clone(),
            kind: if user.deleted {
                UserKind::Deleted
            } else if user.is_bot {
                UserKind::Bot
            } else {
                UserKind::User
            },
            symphony_user_id: None,
            matched_by: String::new(),
        })
        .collect();
    let listed: BTreeSet<&str> = layout.users.iter().map(|user| user.id.as_str()).collect();
    for (id, usage) in &survey.ids {
        if listed.contains(id.as_str()) {
            continue;
        }
        let is_bot = id.starts_with('B');
        rows.push(UserRow {
            slack_user_id: id.clone(),
            handle: usage.bot_name.clone(),
            real_name: String::new(),
            email: String::new(),
            kind: if is_bot { UserKind::Bot } else { UserKind::Unknown },
            symphony_user_id: None,
            matched_by: String::new(),
        });
    }
    rows
}

/// `streams.csv` as `--init` writes it: every conversation of the metadata, ids empty.
#[must_use]
pub fn initial_streams(layout: &Layout) -> Vec<StreamRow> {
    layout
        .conversations
        .iter()
        .map(|conversation| StreamRow {
            conversation_id: conversation.id.clone(),
            name: conversation.name.clone(),
            kind: conversation.kind,
            members: conversation.members.len(),
            archived: conversation.archived,
            symphony_stream_id: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// Surveys `messages` (conversation, message) both ways a day file may be read, which must agree.
    fn survey_both_ways(messages: &[(&str, Value)]) -> Survey {
        let (mut typed, mut valued) = (Survey::default(), Survey::default());
        for (conversation_id, message) in messages {
            let bytes = serde_json::to_vec(message).unwrap();
            let surveyed: SurveyedMessage<'_> = serde_json::from_slice(&bytes).unwrap();
            typed.note_message(conversation_id, &surveyed.seen());
            valued.note_message(conversation_id, &Seen::of_value(message));
        }
        assert_eq!(typed, valued);
        typed
    }

    #[test]
    fn senders_mentions_and_editors_are_all_found() {
        let survey = survey_both_ways(&[
            ("C1", json!({"user": "U1", "text": "hi <@U2> and <@W3|wanda> <@>", "edited": {"user": "U4"}})),
            ("C1", json!({"subtype": "bot_message", "bot_id": "B1", "username": "deploy", "text": ""})),
            ("C1", json!({"subtype": "file_comment", "comment": {"user": "U6", "comment": "nice"}})),
            ("C1", json!({"subtype": "channel_join", "user": "U7", "text": "<@U7> has joined"})),
            ("C1", json!({"subtype": "tombstone", "user": "USLACKBOT"})),
            (
                "C2",
                json!({"user": "U1", "blocks": [{"type": "rich_text", "elements": [{"type": "rich_text_section",
                "elements": [{"type": "user", "user_id": "U5"}, {"type": "text", "text": "\"user_id\":\"U9\""}]}]}]}),
            ),
            ("C2", json!({"bot_id": "B2", "bot_profile": {"name": "ci"}})),
        ]);
        let ids: Vec<&str> = survey.ids.keys().map(String::as_str).collect();
        assert_eq!(ids, ["B1", "B2", "U1", "U2", "U4", "U5", "U6", "U7", "W3"]);
        assert_eq!((survey.ids["U7"].sent, survey.ids["U7"].events, survey.ids["U7"].mentions), (0, 1, 1));
        assert_eq!(survey.ids["B2"].bot_name, "ci");
        assert_eq!(survey.ids["U1"].sent, 2);
        assert_eq!(survey.ids["U1"].conversations.len(), 2);
        assert_eq!(survey.ids["B1"].bot_name, "deploy");
        assert_eq!(survey.ids["U4"].edits, 1);
        assert_eq!(survey.ids["W3"].mentions, 1);
        assert_eq!(survey.ids["U6"].sent, 1);
        assert_eq!(survey.messages["C1"], 3);
        assert_eq!(survey.events["C1"], 1);
    }
}
