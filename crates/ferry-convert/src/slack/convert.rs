//! Pass 2: conversation by conversation, day files in name order, each sorted by `ts`, every message into one
//! `V4ImportedMessage` record handed to a sink, and the report of everything else.
//!
//! Invariants:
//! - Every message read is written or counted under exactly one skip reason; nothing is dropped without a word.
//! - `originalMessageId` is `<conversation id>:<ts>`, so a re-run writes the same ids (the Agent's dedupe and
//!   the journal make it safe); a `ts` seen twice in a conversation is written once.
//! - Memory holds the metadata, the maps, one day file and the current conversation's thread roots.
//! - Time comes only from `ts` (day files are named by a local date).

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use super::export::{EntryError, ExportSource, Limits};
use super::files::{convert_files, Attachment};
use super::layout::{text_field, Conversation, Layout};
use super::maps::{StreamRow, UserRow};
use super::report::{ConversationReport, ConversionReport, Counts, FileNote, Finding, Listing};
use super::survey::{sender_of, Survey, EVENT_SUBTYPES, MESSAGE_SUBTYPES, NOTICE_SUBTYPES};
use super::threads::{plain_excerpt, Root, RootFound, Roots};
use super::time::SlackTs;
use super::{message_content, Directory, Lossy, MessageMl};

/// How to convert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvertOptions {
    /// `originatingSystemId` of every record (`--system-id`, default `slack`).
    pub system_id: String,
    /// Render join/leave/topic/purpose/rename/pin events as plain messages instead of skipping them.
    pub keep_events: bool,
    /// Skip the messages of unmapped senders and conversations (and report them) instead of failing.
    pub skip_unmapped: bool,
    /// Bounds on the export.
    pub limits: Limits,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        ConvertOptions {
            system_id: "slack".to_owned(),
            keep_events: false,
            skip_unmapped: false,
            limits: Limits::default(),
        }
    }
}

/// Why a conversion did not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// Senders or conversations have no Symphony id (and `--skip-unmapped` was not given); every one is listed.
    #[error("{}", unmapped_message(.users, .streams))]
    Unmapped {
        /// Every unmapped sender.
        users: Vec<super::report::UnmappedUser>,
        /// Every conversation with messages and no stream.
        streams: Vec<super::report::UnmappedStream>,
    },
    /// The sink refused a record (the output could not be written).
    #[error("could not write a record: {0}")]
    Sink(String),
    /// More decompressed bytes than [`Limits::max_total_bytes`] were read.
    #[error("the export holds more than {limit} bytes once decompressed")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
}

fn unmapped_message(users: &[super::report::UnmappedUser], streams: &[super::report::UnmappedStream]) -> String {
    let mut lines = vec![format!(
        "{} sender(s) and {} conversation(s) have no Symphony id; fill them in (or pass --skip-unmapped to leave \
         their messages out):",
        users.len(),
        streams.len()
    )];
    for user in users {
        let name = if user.name.is_empty() { String::new() } else { format!(" ({})", user.name) };
        lines.push(format!(
            "  user {}{name}: {} message(s) in {}",
            user.slack_user_id,
            user.messages,
            user.conversations.join(", ")
        ));
    }
    for stream in streams {
        lines.push(format!(
            "  {} conversation {} ({}): {} message(s)",
            stream.kind, stream.name, stream.conversation_id, stream.messages
        ));
    }
    lines.join("\n")
}

/// One record, as handed to the sink.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedMessage<'a> {
    /// The MessageML.
    pub message: &'a str,
    /// Milliseconds since the Unix epoch, from `ts`.
    pub intended_message_timestamp: i64,
    /// The sender's Symphony id.
    pub intended_message_from_user_id: i64,
    /// `--system-id`.
    pub originating_system_id: &'a str,
    /// `<conversation id>:<ts>`.
    pub original_message_id: &'a str,
    /// The stream's id.
    pub stream_id: &'a str,
    /// Files whose bytes are in the export.
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub attachments: &'a [Attachment],
}

/// The directory the content conversion reads: names from the export, ids from the maps.
struct ExportDirectory {
    users: HashMap<String, (String, Option<i64>)>,
    conversations: HashMap<String, String>,
}

impl ExportDirectory {
    fn new(layout: &Layout, survey: &Survey, users: &HashMap<String, UserRow>) -> Self {
        let mut entries: HashMap<String, (String, Option<i64>)> = HashMap::new();
        for (id, usage) in &survey.ids {
            entries.insert(id.clone(), (usage.bot_name.clone(), None));
        }
        for user in &layout.users {
            entries.insert(user.id.clone(), (user.display_name().to_owned(), None));
        }
        for (id, row) in users {
            let entry = entries.entry(id.clone()).or_insert_with(|| (String::new(), None));
            if entry.0.is_empty() {
                entry.0 = [&row.real_name, &row.handle]
                    .into_iter()
                    .find(|name| !name.is_empty())
                    .cloned()
                    .unwrap_or_default();
            }
            entry.1 = row.symphony_user_id;
        }
        let conversations = layout
            .conversations
            .iter()
            .map(|conversation| (conversation.id.clone(), conversation.name.clone()))
            .collect();
        ExportDirectory { users: entries, conversations }
    }
}

impl Directory for ExportDirectory {
    fn symphony_user_id(&self, slack_user_id: &str) -> Option<i64> {
        self.users.get(slack_user_id).and_then(|entry| entry.1)
    }

    fn user_name(&self, slack_user_id: &str) -> Option<&str> {
        self.users.get(slack_user_id).map(|entry| entry.0.as_str()).filter(|name| !name.is_empty())
    }

    fn conversation_name(&self, conversation_id: &str) -> Option<&str> {
        self.conversations.get(conversation_id).map(String::as_str)
    }
}

/// Converts the export: checks the maps against the survey (every unmapped sender and stream in one error,
/// unless `skip_unmapped`), then hands each record's JSON to `sink` in conversation and time order.
///
/// # Errors
/// [`ConvertError::Unmapped`] before any record is written; [`ConvertError::Sink`] when the sink fails;
/// [`ConvertError::TooLarge`] past the total limit. A day file that cannot be read or parsed is not an error:
/// it is reported and the rest converts.
pub fn convert(
    source: &mut dyn ExportSource,
    layout: &Layout,
    survey: &Survey,
    users: &[UserRow],
    streams: &[StreamRow],
    options: &ConvertOptions,
    sink: &mut dyn FnMut(&[u8]) -> Result<(), String>,
) -> Result<ConversionReport, ConvertError> {
    let users: HashMap<String, UserRow> = users.iter().map(|row| (row.slack_user_id.clone(), row.clone())).collect();
    let streams: HashMap<String, StreamRow> =
        streams.iter().map(|row| (row.conversation_id.clone(), row.clone())).collect();
    let (unmapped_users, unmapped_streams) = survey.unmapped(layout, &users, &streams, options.keep_events);
    let all_mapped = unmapped_users.is_empty() && unmapped_streams.is_empty();
    if !options.skip_unmapped && !all_mapped {
        return Err(ConvertError::Unmapped { users: unmapped_users, streams: unmapped_streams });
    }
    let mut run = Run {
        source,
        layout,
        options,
        directory: ExportDirectory::new(layout, survey, &users),
        report: ConversionReport::default(),
        bytes_read: 0,
        line: Vec::new(),
        sink,
    };
    run.report.layout = layout_report(layout);
    run.report.unmapped_users = unmapped_users;
    run.report.unmapped_streams = unmapped_streams;
    for conversation in &layout.conversations {
        let stream_id = streams.get(&conversation.id).and_then(|row| row.symphony_stream_id.as_deref());
        let counts = match stream_id {
            Some(stream_id) => run.conversation(conversation, stream_id)?,
            None => {
                let mut counts = Counts::default();
                let messages = survey.messages_in(&conversation.id, options.keep_events);
                counts.read = messages;
                if messages > 0 {
                    counts.skipped.insert("unmapped-stream".to_owned(), messages);
                }
                counts
            }
        };
        run.report.totals.add(&counts);
        run.report.conversations.push(ConversationReport {
            id: conversation.id.clone(),
            name: conversation.name.clone(),
            kind: conversation.kind.as_str().to_owned(),
            day_files: conversation.day_files.len(),
            counts,
        });
    }
    run.report.layout.day_files = layout.conversations.iter().map(|conversation| conversation.day_files.len()).sum();
    Ok(run.report)
}

fn layout_report(layout: &Layout) -> super::report::LayoutReport {
    let listing = |names: &[String]| {
        let mut listing = Listing::default();
        names.iter().for_each(|name| listing.push(name.clone()));
        listing
    };
    super::report::LayoutReport {
        users: layout.users.len(),
        conversations: layout.conversations.len(),
        day_files: 0,
        metadata_without_folder: layout.metadata_without_folder.clone(),
        folders_without_metadata: layout.folders_without_metadata.clone(),
        other_entries: listing(&layout.other_entries),
        names_read_as_cp437: listing(&layout.names_read_as_cp437),
        metadata_problems: layout.metadata_problems.clone(),
    }
}

/// What MessageML allows inside `<i>` (its phrasing elements; ferry-core's `PHRASING`).
const PHRASING_TAGS: [&str; 13] =
    ["a", "chime", "b", "i", "img", "br", "span", "emoji", "hash", "cash", "mention", "sub", "sup"];

/// Whether a message's content is only text and phrasing elements, so that it may be wrapped in `<i>` (a
/// `me_message`, which Slack shows in italics). The content is converted once more to see; `me_message`s are few.
fn content_is_inline(message: &Value, directory: &dyn Directory) -> bool {
    let mut scratch = MessageMl::new();
    message_content(message, directory, &mut scratch, &mut Vec::new());
    let document = scratch.finish();
    let inner = document.strip_prefix("<messageML>").and_then(|rest| rest.strip_suffix("</messageML>")).unwrap_or("");
    // Text is escaped, so `<` only opens a tag.
    inner.split('<').skip(1).all(|tag| {
        let name = tag.trim_start_matches('/');
        let end = name.find(|character: char| !character.is_ascii_alphanumeric()).unwrap_or(name.len());
        PHRASING_TAGS.contains(&&name[..end])
    })
}

/// One conversion run's state.
struct Run<'r> {
    source: &'r mut dyn ExportSource,
    layout: &'r Layout,
    options: &'r ConvertOptions,
    directory: ExportDirectory,
    report: ConversionReport,
    /// Decompressed bytes read so far (day files), against [`Limits::max_total_bytes`].
    bytes_read: u64,
    /// The record being serialised, reused.
    line: Vec<u8>,
    sink: &'r mut dyn FnMut(&[u8]) -> Result<(), String>,
}

/// Where a message sits, for its findings.
struct Place<'p> {
    conversation: &'p Conversation,
    stream_id: &'p str,
    entry: &'p str,
    index: usize,
}

impl Run<'_> {
    fn finding(
        &mut self,
        entry: &str,
        index: Option<usize>,
        original_message_id: Option<&str>,
        kind: &str,
        message: String,
    ) {
        self.report.findings.push(Finding {
            entry: entry.to_owned(),
            index,
            original_message_id: original_message_id.map(str::to_owned),
            kind: kind.to_owned(),
            message,
        });
    }

    fn conversation(&mut self, conversation: &Conversation, stream_id: &str) -> Result<Counts, ConvertError> {
        let mut counts = Counts::default();
        let mut roots = Roots::default();
        let mut seen: HashSet<String> = HashSet::new();
        for entry in &conversation.day_files {
            let bytes = match self.source.read_entry(entry, self.options.limits.max_entry_bytes) {
                Ok(bytes) => bytes,
                Err(
                    error @ (EntryError::TooLarge { .. } | EntryError::Unreadable { .. } | EntryError::NotFound { .. }),
                ) => {
                    self.finding(
                        entry,
                        None,
                        None,
                        "day-file-unreadable",
                        format!("{error}; its messages are not converted"),
                    );
                    continue;
                }
            };
            self.bytes_read = self.bytes_read.saturating_add(u64::try_from(bytes.len()).unwrap_or(u64::MAX));
            if self.bytes_read > self.options.limits.max_total_bytes {
                return Err(ConvertError::TooLarge { limit: self.options.limits.max_total_bytes });
            }
            let messages = match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Array(messages)) => messages,
                Ok(_) => {
                    let message = "is not a JSON array of messages; its messages are not converted".to_owned();
                    self.finding(entry, None, None, "day-file-not-json", message);
                    continue;
                }
                Err(error) => {
                    let message = format!("is not JSON ({error}); its messages are not converted");
                    self.finding(entry, None, None, "day-file-not-json", message);
                    continue;
                }
            };
            drop(bytes);
            // Time order inside the day; the file's own order breaks ties, so the sort is stable.
            let mut ordered: Vec<(SlackTs, usize)> = Vec::with_capacity(messages.len());
            for (index, message) in messages.iter().enumerate() {
                let ts = text_field(message, "ts");
                match SlackTs::parse(ts) {
                    Some(parsed) => ordered.push((parsed, index)),
                    None => {
                        counts.read += 1;
                        counts.skip("missing-ts");
                        let what = if ts.is_empty() {
                            "has no `ts`".to_owned()
                        } else {
                            format!("has a `ts` that is not a time: `{ts}`")
                        };
                        self.finding(entry, Some(index), None, "missing-ts", format!("message {what}; not converted"));
                    }
                }
            }
            ordered.sort_unstable();
            for (ts, index) in ordered {
                let place = Place { conversation, stream_id, entry, index };
                self.message(&place, &messages[index], ts, &mut roots, &mut seen, &mut counts)?;
            }
        }
        Ok(counts)
    }

    #[allow(clippy::too_many_lines)] // One message's fate, read top to bottom: each skip reason next to its check.
    fn message(
        &mut self,
        place: &Place<'_>,
        message: &Value,
        ts: SlackTs,
        roots: &mut Roots,
        seen: &mut HashSet<String>,
        counts: &mut Counts,
    ) -> Result<(), ConvertError> {
        counts.read += 1;
        let ts_text = text_field(message, "ts");
        let original_message_id = format!("{}:{ts_text}", place.conversation.id);
        let id = Some(original_message_id.as_str());
        if !message.is_object() || !matches!(message.get("type").and_then(Value::as_str), None | Some("message")) {
            counts.skip("not-a-message");
            return Ok(());
        }
        let subtype = text_field(message, "subtype");
        let is_event = EVENT_SUBTYPES.contains(&subtype);
        if subtype == "tombstone" {
            roots.remember(ts_text, Root::Deleted);
        }
        if NOTICE_SUBTYPES.contains(&subtype) {
            counts.skip(subtype);
            return Ok(());
        }
        if is_event && !self.options.keep_events {
            counts.skip(&format!("event:{subtype}"));
            return Ok(());
        }
        if !seen.insert(ts_text.to_owned()) {
            counts.skip("duplicate-ts");
            return Ok(());
        }
        let Some(sender) = sender_of(message) else {
            counts.skip("no-sender");
            let text = "message has neither `user` nor `bot_id`; not converted".to_owned();
            self.finding(place.entry, Some(place.index), id, "no-sender", text);
            return Ok(());
        };
        let Some(sender_id) = self.directory.symphony_user_id(sender) else {
            counts.skip("unmapped-sender");
            return Ok(());
        };
        if !subtype.is_empty() && !is_event && !MESSAGE_SUBTYPES.contains(&subtype) {
            let text = format!("subtype `{subtype}` is not one the converter knows; converted from its text and files");
            self.finding(place.entry, Some(place.index), id, "unknown-subtype", text);
        }

        let mut out = MessageMl::new();
        let thread_ts = text_field(message, "thread_ts");
        let is_reply = !thread_ts.is_empty() && thread_ts != ts_text;
        if is_reply {
            counts.replies += 1;
            let broadcast = matches!(subtype, "thread_broadcast" | "reply_broadcast");
            match roots.write_marker(thread_ts, broadcast, &mut out) {
                RootFound::Converted => {}
                RootFound::Deleted => {
                    let text = format!("a reply to {thread_ts}, deleted in Slack; kept with a marker");
                    self.finding(place.entry, Some(place.index), id, "reply-to-deleted", text);
                }
                RootFound::Missing => {
                    let text = format!("a reply to {thread_ts}, which is not in the export; kept with a marker");
                    self.finding(place.entry, Some(place.index), id, "reply-without-root", text);
                }
            }
        }
        let mut lossy = Vec::new();
        if subtype == "me_message" && content_is_inline(message, &self.directory) {
            out.open("i", &[]);
            message_content(message, &self.directory, &mut out, &mut lossy);
            out.close();
        } else {
            message_content(message, &self.directory, &mut out, &mut lossy);
        }
        self.note_lossy(place, id, &lossy, counts);

        let mut attachments = Vec::new();
        let mut unattached = Vec::new();
        if let Some(files) = message.get("files").and_then(Value::as_array) {
            convert_files(files, self.layout, &mut *self.source, &mut out, &mut attachments, &mut unattached);
        }
        for (file_id, name, reason) in unattached {
            let original_message_id = original_message_id.clone();
            self.report.files_without_bytes.push(FileNote {
                original_message_id,
                file_id,
                name,
                reason: reason.to_owned(),
            });
        }
        if out.is_empty() && !attachments.is_empty() {
            // A message of files only: its text names them, as a blank message is refused (MML001).
            for (position, attachment) in attachments.iter().enumerate() {
                if position > 0 {
                    out.empty("br", &[]);
                }
                out.text(&format!("\u{1f4ce} {}", attachment.filename));
            }
        }
        if out.is_empty() {
            self.finding(
                place.entry,
                Some(place.index),
                id,
                "empty-message",
                "message has no text and no file; written as \u{201c}(empty message)\u{201d}".to_owned(),
            );
            out.open("i", &[]);
            out.text("(empty message)");
            out.close();
        }
        if !is_reply && (thread_ts == ts_text || message.get("reply_count").is_some()) {
            let author = self.directory.user_name(sender).unwrap_or(sender).to_owned();
            let excerpt = plain_excerpt(text_field(message, "text"), &self.directory);
            roots.remember(ts_text, Root::Message { author, excerpt });
        }

        let document = out.finish();
        let record = ImportedMessage {
            message: &document,
            intended_message_timestamp: ts.millis(),
            intended_message_from_user_id: sender_id,
            originating_system_id: &self.options.system_id,
            original_message_id: &original_message_id,
            stream_id: place.stream_id,
            attachments: &attachments,
        };
        self.line.clear();
        serde_json::to_writer(&mut self.line, &record).map_err(|error| ConvertError::Sink(error.to_string()))?;
        (self.sink)(&self.line).map_err(ConvertError::Sink)?;
        counts.written += 1;
        if !attachments.is_empty() {
            counts.with_attachments += 1;
        }
        Ok(())
    }

    fn note_lossy(&mut self, place: &Place<'_>, id: Option<&str>, lossy: &[Lossy], counts: &mut Counts) {
        for loss in lossy {
            let kind = match loss {
                Lossy::UnknownElement { kind } => {
                    let text = format!("rich-text element `{kind}` is not one the converter knows; its text was kept");
                    self.finding(place.entry, Some(place.index), id, "unknown-element", text);
                    format!("unknown-element:{kind}")
                }
                Lossy::UnmappedMention { .. } => "unmapped-mention".to_owned(),
                Lossy::EmojiAsText { .. } => "emoji-as-text".to_owned(),
                Lossy::AsText { what } => format!("as-text:{what}"),
                Lossy::LimitReached { what } => format!("limit-reached:{what}"),
            };
            counts.lose(&kind);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::Cursor;

    use proptest::strategy::Strategy as _;
    use serde_json::json;

    use super::*;
    use crate::slack::export::tests::zip_of;
    use crate::slack::export::ZipExport;
    use crate::slack::maps::UserKind;
    use crate::slack::{initial_streams, initial_users, lay_out, survey};

    const USERS: &str = r#"[{"id":"U1","name":"ann","real_name":"Ann Lee"},{"id":"U2","name":"bo","deleted":true}]"#;
    const CHANNELS: &str = r#"[{"id":"C1","name":"general","members":["U1","U2"]}]"#;

    /// The records written and the report, from an export of `entries` with every id mapped (users to 100 +
    /// their position, streams to `S_<id>`), or the error.
    fn run(
        entries: &[(&str, &[u8])],
        options: &ConvertOptions,
    ) -> Result<(Vec<Value>, ConversionReport), ConvertError> {
        run_with(entries, options, |_| true)
    }

    fn run_with(
        entries: &[(&str, &[u8])],
        options: &ConvertOptions,
        mapped: impl Fn(&str) -> bool,
    ) -> Result<(Vec<Value>, ConversionReport), ConvertError> {
        let mut export = ZipExport::new(Cursor::new(zip_of(entries)), &Limits::default()).unwrap();
        let layout = lay_out(&mut export, &Limits::default()).unwrap();
        let survey = survey(&mut export, &layout, &Limits::default());
        let mut users = initial_users(&layout, &survey);
        for (position, row) in users.iter_mut().enumerate() {
            if mapped(&row.slack_user_id) {
                row.symphony_user_id = Some(100 + i64::try_from(position).unwrap());
            }
        }
        let mut streams = initial_streams(&layout);
        for row in &mut streams {
            if mapped(&row.conversation_id) {
                row.symphony_stream_id = Some(format!("S_{}", row.conversation_id));
            }
        }
        let mut records = Vec::new();
        let report = convert(&mut export, &layout, &survey, &users, &streams, options, &mut |line| {
            records.push(serde_json::from_slice(line).map_err(|error| error.to_string())?);
            Ok(())
        })?;
        Ok((records, report))
    }

    /// An export of one public channel, `general`, with one day file.
    fn one_day<'a>(day_file: &'a str, messages: &'a [u8]) -> [(&'a str, &'a [u8]); 3] {
        [("users.json", USERS.as_bytes()), ("channels.json", CHANNELS.as_bytes()), (day_file, messages)]
    }

    fn day(messages: &Value) -> Vec<u8> {
        serde_json::to_vec(messages).unwrap()
    }

    #[test]
    fn messages_become_records_in_time_order_with_stable_ids() {
        let messages = day(&json!([
            {"type": "message", "user": "U1", "text": "second", "ts": "1700000000.000200"},
            {"type": "message", "user": "U2", "text": "first &amp; &lt;b&gt;", "ts": "1700000000.0001"},
            {"type": "message", "subtype": "channel_join", "user": "U2", "text": "<@U2> has joined", "ts": "1699999999.000001"},
        ]));
        let entries = &one_day("general/2023-11-14.json", &messages);
        let (records, report) = run(entries, &ConvertOptions::default()).unwrap();
        assert_eq!(
            records,
            [
                json!({"message": "<messageML>first &amp; &lt;b&gt;</messageML>", "intendedMessageTimestamp": 1_700_000_000_000_i64,
                    "intendedMessageFromUserId": 101, "originatingSystemId": "slack",
                    "originalMessageId": "C1:1700000000.0001", "streamId": "S_C1"}),
                json!({"message": "<messageML>second</messageML>", "intendedMessageTimestamp": 1_700_000_000_000_i64,
                    "intendedMessageFromUserId": 100, "originatingSystemId": "slack",
                    "originalMessageId": "C1:1700000000.000200", "streamId": "S_C1"}),
            ]
        );
        assert_eq!(report.totals.read, 3);
        assert_eq!(report.totals.written, 2);
        assert_eq!(report.totals.skipped, [("event:channel_join".to_owned(), 1)].into());

        let options = ConvertOptions { keep_events: true, system_id: "acme-slack".into(), ..ConvertOptions::default() };
        let (records, _) = run(entries, &options).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0]["originatingSystemId"], "acme-slack");
    }

    #[test]
    fn unmapped_senders_and_streams_are_listed_all_at_once_before_anything_is_written() {
        let general = day(&json!([
            {"user": "U1", "text": "a", "ts": "1.1"},
            {"user": "U9", "text": "b", "ts": "1.2"},
            {"subtype": "bot_message", "bot_id": "B7", "username": "deploy", "text": "c", "ts": "1.3"},
        ]));
        let channels = r#"[{"id":"C1","name":"general"},{"id":"C2","name":"ops"}]"#;
        let ops = day(&json!([{"user": "U1", "text": "x", "ts": "2.1"}]));
        let entries: &[(&str, &[u8])] = &[
            ("users.json", USERS.as_bytes()),
            ("channels.json", channels.as_bytes()),
            ("general/2020-01-01.json", &general),
            ("ops/2020-01-01.json", &ops),
        ];
        let mapped = |id: &str| !matches!(id, "U9" | "B7" | "C2");
        let error = run_with(entries, &ConvertOptions::default(), mapped).unwrap_err();
        assert_eq!(
            error.to_string(),
            "2 sender(s) and 1 conversation(s) have no Symphony id; fill them in (or pass --skip-unmapped to leave \
             their messages out):\n  user B7 (deploy): 1 message(s) in general\n  user U9: 1 message(s) in general\n  \
             public conversation ops (C2): 1 message(s)"
        );
        let options = ConvertOptions { skip_unmapped: true, ..ConvertOptions::default() };
        let (records, report) = run_with(entries, &options, mapped).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(
            report.totals.skipped,
            [("unmapped-sender".to_owned(), 2), ("unmapped-stream".to_owned(), 1)].into()
        );
        assert_eq!(report.unmapped_users.len(), 2);
        assert_eq!(report.unmapped_streams.len(), 1);
    }

    #[test]
    fn threads_keep_replies_marked_and_report_missing_or_deleted_roots() {
        let messages = day(&json!([
            {"user": "U1", "text": "root <@U2> question", "ts": "10.000001", "thread_ts": "10.000001", "reply_count": 2},
            {"user": "U2", "text": "answer", "ts": "11.000001", "thread_ts": "10.000001"},
            {"user": "U2", "subtype": "thread_broadcast", "text": "also here", "ts": "12.000001", "thread_ts": "10.000001"},
            {"user": "U1", "text": "orphan", "ts": "13.000001", "thread_ts": "5.000001"},
            {"user": "USLACKBOT", "subtype": "tombstone", "text": "This message was deleted.", "ts": "14.000001",
             "thread_ts": "14.000001"},
            {"user": "U2", "text": "after deletion", "ts": "15.000001", "thread_ts": "14.000001"},
            {"user": "U2", "subtype": "thread_broadcast", "text": "also here", "ts": "12.000001", "thread_ts": "10.000001"},
        ]));
        let entries = &one_day("general/1970-01-01.json", &messages);
        let (records, report) = run(entries, &ConvertOptions::default()).unwrap();
        let texts: Vec<&str> = records.iter().map(|record| record["message"].as_str().unwrap()).collect();
        assert_eq!(
            texts,
            [
                "<messageML>root <mention uid=\"101\"/> question</messageML>",
                "<messageML><i>Reply to <b>Ann Lee</b>: \u{201c}root @bo question\u{201d}</i><br/>answer</messageML>",
                "<messageML><i>Reply (also sent to the conversation) to <b>Ann Lee</b>: \u{201c}root @bo question\u{201d}</i><br/>also here</messageML>",
                "<messageML><i>Reply to a message that is not in the export</i><br/>orphan</messageML>",
                "<messageML><i>Reply to a message deleted in Slack</i><br/>after deletion</messageML>",
            ]
        );
        assert_eq!(report.totals.replies, 4);
        assert_eq!(report.totals.skipped, [("duplicate-ts".to_owned(), 1), ("tombstone".to_owned(), 1)].into());
        let kinds: Vec<&str> = report.findings.shown.iter().map(|finding| finding.kind.as_str()).collect();
        assert_eq!(kinds, ["reply-without-root", "reply-to-deleted"]);
    }

    #[test]
    fn files_with_bytes_are_attached_and_the_others_named_without_their_url() {
        let messages = day(&json!([
            {"user": "U1", "subtype": "file_share", "text": "see", "ts": "10.1", "files": [
                {"id": "F1", "name": "chart.png", "url_private": "https://files.slack.com/F1?t=xoxe-secret"},
                {"id": "F2", "name": "plan.pdf", "url_private": "https://files.slack.com/F2?t=xoxe-secret"},
                {"id": "F3", "mode": "tombstone"},
                {"id": "F4", "name": "big.bin"}]},
            {"user": "U1", "ts": "11.1", "files": [{"id": "F5", "name": "../../etc/notes.txt"}]},
        ]));
        let big = vec![7_u8; 26 * 1024 * 1024];
        let entries: &[(&str, &[u8])] = &[
            ("users.json", USERS.as_bytes()),
            ("channels.json", CHANNELS.as_bytes()),
            ("general/1970-01-01.json", &messages),
            ("__uploads/F1/chart.png", b"\x89PNG"),
            ("__uploads/F4/big.bin", &big),
            ("general/attachments/F5-notes.txt", b"hello"),
        ];
        let (records, report) = run(entries, &ConvertOptions::default()).unwrap();
        assert_eq!(records[0]["attachments"], json!([{"filename": "chart.png", "content": "iVBORw=="}]));
        assert_eq!(
            records[0]["message"],
            "<messageML>see<br/>\u{1f4ce} plan.pdf (not in the export)<br/>\u{1f4ce} F3 (deleted in Slack)<br/>\
             \u{1f4ce} big.bin (over the 25 MB a file may have)</messageML>"
        );
        assert_eq!(records[1]["attachments"], json!([{"filename": "notes.txt", "content": "aGVsbG8="}]));
        assert_eq!(records[1]["message"], "<messageML>\u{1f4ce} notes.txt</messageML>");
        let everything = serde_json::to_string(&records).unwrap();
        assert!(!everything.contains("xoxe") && !everything.contains("files.slack.com"));
        let reasons: Vec<&str> = report.files_without_bytes.shown.iter().map(|file| file.reason.as_str()).collect();
        assert_eq!(reasons, ["not-in-export", "deleted", "too-large"]);
        assert_eq!(report.totals.with_attachments, 2);
    }

    #[test]
    fn bad_day_files_and_bad_messages_are_findings_and_the_rest_converts() {
        let good = day(&json!([
            {"user": "U1", "text": "kept", "ts": "10.1"},
            {"user": "U1", "text": "no ts"},
            {"user": "U1", "text": "bad ts", "ts": "ten"},
            {"text": "nobody", "ts": "11.1"},
            {"user": "U1", "subtype": "poll_created", "text": "a poll", "ts": "12.1"},
            {"user": "U1", "subtype": "me_message", "text": "waves", "ts": "13.1"},
            {"user": "U1", "subtype": "me_message", "text": "lists", "ts": "13.2", "blocks": [{"type": "rich_text",
                "elements": [{"type": "rich_text_list", "style": "bullet", "elements": [{"type": "rich_text_section",
                "elements": [{"type": "text", "text": "one"}]}]}]}]},
            "not an object",
        ]));
        let entries: &[(&str, &[u8])] = &[
            ("users.json", USERS.as_bytes()),
            ("channels.json", CHANNELS.as_bytes()),
            ("general/2020-01-01.json", b"[{\"user\": \"U1\", \"ts\": "),
            ("general/2020-01-02.json", b"{\"not\": \"a list\"}"),
            ("general/2020-01-03.json", &good),
        ];
        let (records, report) = run(entries, &ConvertOptions::default()).unwrap();
        let texts: Vec<&str> = records.iter().map(|record| record["message"].as_str().unwrap()).collect();
        assert_eq!(
            texts,
            [
                "<messageML>kept</messageML>",
                "<messageML>a poll</messageML>",
                "<messageML><i>waves</i></messageML>",
                "<messageML><ul><li>one</li></ul></messageML>"
            ]
        );
        let kinds: Vec<&str> = report.findings.shown.iter().map(|finding| finding.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "day-file-not-json",
                "day-file-not-json",
                "missing-ts",
                "missing-ts",
                "missing-ts",
                "no-sender",
                "unknown-subtype"
            ]
        );
        insta::assert_snapshot!(report.to_text());
        let counts = &report.totals;
        assert_eq!(counts.read, counts.written + counts.skipped.values().sum::<u64>());
    }

    #[test]
    fn a_day_file_inflating_past_the_limit_is_a_finding_naming_it_and_the_rest_converts() {
        let bomb = vec![b' '; 4 * 1024 * 1024];
        let good = day(&json!([{"user": "U1", "text": "kept", "ts": "10.1"}]));
        let entries: &[(&str, &[u8])] = &[
            ("users.json", USERS.as_bytes()),
            ("channels.json", CHANNELS.as_bytes()),
            ("general/2020-01-01.json", &bomb),
            ("general/2020-01-02.json", &good),
        ];
        let limits = Limits { max_entry_bytes: 1024 * 1024, ..Limits::default() };
        let (records, report) = run(entries, &ConvertOptions { limits, ..ConvertOptions::default() }).unwrap();
        assert_eq!(records.len(), 1);
        let finding = &report.findings.shown[0];
        assert_eq!(finding.kind, "day-file-unreadable");
        assert_eq!(
            finding.message,
            "`general/2020-01-01.json` is larger than 1048576 bytes once decompressed; its messages are not converted"
        );
        let limits = Limits { max_total_bytes: 10, ..Limits::default() };
        let error = run(entries, &ConvertOptions { limits, ..ConvertOptions::default() }).unwrap_err();
        assert_eq!(error, ConvertError::TooLarge { limit: 10 });
    }

    #[test]
    fn unflagged_utf8_names_find_their_conversation() {
        let channels = r#"[{"id":"C1","name":"général"}]"#;
        let messages = day(&json!([{"user": "U1", "text": "salut", "ts": "10.1"}]));
        let mut bytes = zip_of(&[
            ("users.json", USERS.as_bytes()),
            ("channels.json", channels.as_bytes()),
            ("général/2020-01-01.json", &messages),
        ]);
        crate::slack::export::tests::clear_utf8_flags(&mut bytes);
        let mut export = ZipExport::new(Cursor::new(bytes), &Limits::default()).unwrap();
        let layout = lay_out(&mut export, &Limits::default()).unwrap();
        assert_eq!(layout.conversations[0].day_files, ["général/2020-01-01.json"]);
        let survey = survey(&mut export, &layout, &Limits::default());
        let users = initial_users(&layout, &survey);
        assert_eq!(users.iter().map(|row| row.kind).collect::<Vec<_>>(), [UserKind::User, UserKind::Deleted]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Whatever a message's text, `ts` fraction and thread say, the record written is one the core accepts.
        #[test]
        fn any_message_becomes_a_record_the_core_accepts(
            text in "\\PC{0,200}",
            fraction in "[0-9]{0,12}",
            reply in proptest::bool::ANY,
        ) {
            let ts = if fraction.is_empty() { "1600000000".to_owned() } else { format!("1600000000.{fraction}") };
            let mut messages = vec![json!({"user": "U1", "text": text, "ts": "1500000000.000001"})];
            let thread = if reply { "1500000000.000001" } else { "" };
            messages.push(json!({"user": "U2", "text": text, "ts": ts, "thread_ts": thread}));
            let messages = day(&Value::Array(messages));
            let entries = &one_day("general/2020-01-01.json", &messages);
            let (records, _) = run(entries, &ConvertOptions::default()).unwrap();
            let batch: Vec<u8> = records.iter().flat_map(|record| format!("{record}\n").into_bytes()).collect();
            let report = ferry_core::validate(&batch, &ferry_core::Options::default());
            let errors: Vec<_> = report.diagnostics.iter().filter(|finding| finding.severity == ferry_core::Severity::Error).collect();
            proptest::prop_assert!(errors.is_empty(), "{errors:?}\n{}", String::from_utf8_lossy(&batch));
            proptest::prop_assert_eq!(report.records, 2);
        }
    }
    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Whatever a day file holds, the conversion does not panic, and every message read is written or
        /// counted under a skip reason.
        #[test]
        fn any_day_file_converts_and_every_message_is_accounted_for(
            day_file in proptest::prop_oneof![
                "\\[(\\{(\"(user|bot_id|ts|text|thread_ts|subtype|type|files|blocks|reply_count)\": ?(\"[0-9.UB]{0,12}\"|\\[\\]|\\{\\}|null|1|\"tombstone\"|\"me_message\"|\"channel_join\"),? ?){0,6}\\},?){0,8}\\]",
                proptest::collection::vec(proptest::num::u8::ANY, 0..300).prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
            ],
        ) {
            let (records, report) = run(&one_day("general/2020-01-01.json", day_file.as_bytes()), &ConvertOptions::default()).unwrap();
            let totals = &report.totals;
            proptest::prop_assert_eq!(totals.written, u64::try_from(records.len()).unwrap());
            proptest::prop_assert_eq!(totals.read, totals.written + totals.skipped.values().sum::<u64>());
        }

        /// Whatever bytes claim to be a ZIP, opening and laying them out never panics.
        #[test]
        fn any_bytes_open_as_a_zip_or_fail_cleanly(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(tail);
            if let Ok(mut export) = ZipExport::new(Cursor::new(bytes), &Limits::default()) {
                let _ = lay_out(&mut export, &Limits::default());
            }
        }
    }
}
