//! The conversion report: what was read, written and skipped per conversation, and why; what was left out
//! (unmapped users and streams, files without bytes) and what was converted with a loss. Serialised as the
//! `--report FILE.json` contract (`docs/convert.md`) and printed as text.
//!
//! Invariant: every message read is either written or counted under one skip reason, so
//! `read == written + sum(skipped)` per conversation and overall; detailed lists are capped at
//! [`MAX_LISTED`] entries, their `total` still counts every one.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

/// Most entries kept in each detailed list of the report.
pub const MAX_LISTED: usize = 1_000;

/// A list kept to its first [`MAX_LISTED`] entries, with the count of all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Listing<T> {
    /// Entries in all.
    pub total: u64,
    /// The first [`MAX_LISTED`] of them.
    pub shown: Vec<T>,
}

impl<T> Default for Listing<T> {
    fn default() -> Self {
        Listing { total: 0, shown: Vec::new() }
    }
}

impl<T> Listing<T> {
    /// Counts `entry`, keeping it while fewer than [`MAX_LISTED`] are kept.
    pub fn push(&mut self, entry: T) {
        self.total += 1;
        if self.shown.len() < MAX_LISTED {
            self.shown.push(entry);
        }
    }
}

/// The whole report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversionReport {
    /// How the export was laid out.
    pub layout: LayoutReport,
    /// Counts over every conversation.
    pub totals: Counts,
    /// Per conversation, in the metadata's order (public, private, DMs, group DMs).
    pub conversations: Vec<ConversationReport>,
    /// Senders with no Symphony id (their messages were skipped; only with `--skip-unmapped`).
    pub unmapped_users: Vec<UnmappedUser>,
    /// Conversations with messages and no Symphony stream (skipped; only with `--skip-unmapped`).
    pub unmapped_streams: Vec<UnmappedStream>,
    /// Files named in messages whose bytes did not become an attachment.
    pub files_without_bytes: Listing<FileNote>,
    /// Per-record and per-file findings (a day file that is not JSON, a message without `ts`, a reply without
    /// its root, a subtype not understood, …).
    pub findings: Listing<Finding>,
}

/// How the export was laid out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayoutReport {
    /// Users listed in `users.json`.
    pub users: usize,
    /// Conversations listed in the metadata.
    pub conversations: usize,
    /// Day files read.
    pub day_files: usize,
    /// Conversations listed with no folder (no messages exported), by id.
    pub metadata_without_folder: Vec<String>,
    /// Folders of day files no metadata lists (not converted), with their day files.
    pub folders_without_metadata: BTreeMap<String, usize>,
    /// Entries neither metadata, day files nor file bytes (not read).
    pub other_entries: Listing<String>,
    /// Entry names that were not UTF-8, read as CP437.
    pub names_read_as_cp437: Listing<String>,
    /// Metadata files that could not be used, and why.
    pub metadata_problems: Vec<String>,
}

/// Messages read, written and skipped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Messages read from day files.
    pub read: u64,
    /// Records written.
    pub written: u64,
    /// Messages not written, by reason (`event:channel_join`, `tombstone`, `unmapped-sender`, `missing-ts`, …).
    pub skipped: BTreeMap<String, u64>,
    /// Records written with an attachment.
    pub with_attachments: u64,
    /// Thread replies written (each marked with its root).
    pub replies: u64,
    /// Conversions with a loss, by kind (`unmapped-mention`, `emoji-as-text`, `as-text:channel`,
    /// `unknown-element:…`, `limit-reached:…`).
    pub lossy: BTreeMap<String, u64>,
}

impl Counts {
    /// Counts one message skipped for `reason`.
    pub fn skip(&mut self, reason: &str) {
        count_one(&mut self.skipped, reason);
    }

    /// Counts one loss of kind `kind`.
    pub fn lose(&mut self, kind: &str) {
        count_one(&mut self.lossy, kind);
    }

    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Counts) {
        self.read += other.read;
        self.written += other.written;
        self.with_attachments += other.with_attachments;
        self.replies += other.replies;
        for (into, from) in [(&mut self.skipped, &other.skipped), (&mut self.lossy, &other.lossy)] {
            for (key, count) in from {
                *into.entry(key.clone()).or_insert(0) += count;
            }
        }
    }
}

/// Adds one to `key`'s count, allocating the key only when it is new.
fn count_one(counts: &mut BTreeMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(count) => *count += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}

/// One conversation's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationReport {
    /// Slack's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `public`, `private`, `dm`, `group-dm`.
    pub kind: String,
    /// Day files read.
    pub day_files: usize,
    /// Messages read, written, skipped.
    #[serde(flatten)]
    pub counts: Counts,
}

/// A sender with no Symphony id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmappedUser {
    /// Slack's id.
    pub slack_user_id: String,
    /// A name for it, when the export has one.
    pub name: String,
    /// Messages it sent.
    pub messages: u64,
    /// Names of the conversations it sent them in (the first few).
    pub conversations: Vec<String>,
}

/// A conversation with messages and no Symphony stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnmappedStream {
    /// Slack's id.
    pub conversation_id: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: String,
    /// Messages in it.
    pub messages: u64,
}

/// A file named in a message whose bytes did not become an attachment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileNote {
    /// The record it is named in (`<conversation id>:<ts>`).
    pub original_message_id: String,
    /// Slack's file id.
    pub file_id: String,
    /// The file's name (never its URL).
    pub name: String,
    /// Why: `not-in-export`, `deleted`, `hidden-by-limit`, `external`, `too-large`, `over-total`, `too-many`,
    /// `unreadable`.
    pub reason: String,
}

/// A finding about one message or one day file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// The day file (entry name).
    pub entry: String,
    /// The message's 0-based position in its day file's array, for per-message findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// The record concerned (`<conversation id>:<ts>`), when it has a `ts`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_message_id: Option<String>,
    /// What kind of finding (`day-file-not-json`, `day-file-unreadable`, `missing-ts`, `no-sender`,
    /// `unknown-subtype`, `reply-without-root`, `reply-to-deleted`, `unknown-element`, `empty-message`).
    pub kind: String,
    /// In words.
    pub message: String,
}

impl ConversionReport {
    /// The report as text: totals, per conversation, then what was left out or converted with a loss.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let totals = &self.totals;
        let _ = writeln!(
            text,
            "converted {} of {} message(s) in {} conversation(s) ({} thread replies, {} with attachments)",
            totals.written,
            totals.read,
            self.conversations.len(),
            totals.replies,
            totals.with_attachments
        );
        write_counts(&mut text, "  skipped: ", &totals.skipped);
        write_counts(&mut text, "  converted with a loss: ", &totals.lossy);
        for conversation in &self.conversations {
            let counts = &conversation.counts;
            let _ = writeln!(
                text,
                "  {} {} ({}): {} read, {} written",
                conversation.kind, conversation.name, conversation.id, counts.read, counts.written
            );
            write_counts(&mut text, "      skipped: ", &counts.skipped);
            write_counts(&mut text, "      converted with a loss: ", &counts.lossy);
        }
        let export = &self.layout;
        for id in &export.metadata_without_folder {
            let _ = writeln!(text, "conversation {id} is listed in the metadata but has no folder (no messages)");
        }
        for (folder, files) in &export.folders_without_metadata {
            let _ = writeln!(text, "folder `{folder}/` ({files} day file(s)) is in no metadata list: not converted");
        }
        for problem in &export.metadata_problems {
            let _ = writeln!(text, "{problem}");
        }
        write_listing(
            &mut text,
            "entries not read (neither metadata, day files nor file bytes)",
            &export.other_entries,
            |name| format!("`{name}`"),
        );
        write_listing(&mut text, "entry names not in UTF-8, read as CP437", &export.names_read_as_cp437, |name| {
            format!("`{name}`")
        });
        for user in &self.unmapped_users {
            let _ = writeln!(
                text,
                "unmapped user {} ({}): {} message(s) skipped in {}",
                user.slack_user_id,
                user.name,
                user.messages,
                user.conversations.join(", ")
            );
        }
        for stream in &self.unmapped_streams {
            let _ = writeln!(
                text,
                "unmapped {} conversation {} ({}): {} message(s) skipped",
                stream.kind, stream.name, stream.conversation_id, stream.messages
            );
        }
        write_listing(&mut text, "files without their bytes", &self.files_without_bytes, |file| {
            format!("{} `{}` ({}) in {}", file.file_id, file.name, file.reason, file.original_message_id)
        });
        write_listing(&mut text, "findings", &self.findings, |finding| {
            let place = match (&finding.original_message_id, finding.index) {
                (Some(id), _) => format!("{} ({id})", finding.entry),
                (None, Some(index)) => format!("{}[{index}]", finding.entry),
                (None, None) => finding.entry.clone(),
            };
            format!("{}: {} [{}]", place, finding.message, finding.kind)
        });
        text
    }
}

/// How many entries of a listing the text shows (the JSON report keeps [`MAX_LISTED`]).
const TEXT_LISTED: usize = 20;

fn write_counts(text: &mut String, prefix: &str, counts: &BTreeMap<String, u64>) {
    if !counts.is_empty() {
        let reasons: Vec<String> = counts.iter().map(|(key, count)| format!("{key} {count}")).collect();
        let _ = writeln!(text, "{prefix}{}", reasons.join(", "));
    }
}

fn write_listing<T>(text: &mut String, title: &str, listing: &Listing<T>, line: impl Fn(&T) -> String) {
    if listing.total == 0 {
        return;
    }
    let _ = writeln!(text, "{title}: {}", listing.total);
    for entry in listing.shown.iter().take(TEXT_LISTED) {
        let _ = writeln!(text, "  {}", line(entry));
    }
    let shown = u64::try_from(listing.shown.len().min(TEXT_LISTED)).unwrap_or(u64::MAX);
    if listing.total > shown {
        let _ = writeln!(text, "  … and {} more (--report lists up to 1,000)", listing.total - shown);
    }
}
