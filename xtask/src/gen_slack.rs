//! `cargo xtask gen-slack`: a seeded, realistic Slack workspace export, for the conversion benchmark and for
//! trying `ferry convert slack` at scale.
//!
//! `cargo xtask gen-slack [--seed S] --messages N [--maps DIR] DIR_OR_ZIP` writes an export of `N` messages
//! into a folder, or into a ZIP when the path ends in `.zip`, laid out as Slack writes one
//! (`../shared/spec/slack-export.md`): entries in name order, so metadata files sit between the conversation
//! folders and `users.json` comes near the end; one JSON array per conversation and UTC day, indented by four
//! spaces; directory entries in the ZIP. With `--maps DIR` it also writes `users.csv` and `streams.csv` with
//! every Symphony id filled in (made up), so the export converts as it is.
//!
//! Invariants:
//! - The same seed and count give the same bytes on every machine ([`crate::gen::Rng`], no clock).
//! - Streaming: the metadata (a few hundred people and conversations) and one day file are in memory at a
//!   time, never the export; the ZIP is written entry by entry.
//! - Every message has a `ts` unique in its conversation and increasing in file order; about one in two hundred
//!   shares its millisecond with the previous one. Every `ts` is between 2021 and 2024, whatever the count.
//!
//! What the export holds, in about the proportions of real exports: public channels (some archived), private
//! channels, DMs and group DMs; people with and without email, deleted people, Enterprise (`W…`) people, bot
//! users, and bots absent from `users.json` posting `bot_message`s with legacy attachments; threads (roots,
//! replies, a few broadcast replies); rich-text `blocks` on about half of the messages, with their escaped
//! mrkdwn twin in `text` (styles, links with `&` in the URL, user and channel mentions, broadcasts, emoji with
//! skin tones and custom emoji, lists, code, quotes); non-Latin words; edits, reactions, `me_message`s;
//! membership and topic events; files without bytes (a `url_private` carrying a `?t=xoxe-…` token); messages
//! with no `text` at all.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ferry_core::humanize::CivilDate;
use serde::Serialize as _;
use serde_json::{json, Map, Value};

use crate::gen::Rng;

/// People in `users.json` (bot users included).
const N_PEOPLE: usize = 400;
/// Of them, bot users (the last ones), each with its bot id.
const N_BOT_USERS: usize = 6;
/// Bots that post without being in `users.json` (`bot_message` with `bot_id` and `username`).
const N_OUTSIDE_BOTS: usize = 4;
const N_PUBLIC_CHANNELS: usize = 40;
const N_PRIVATE_CHANNELS: usize = 10;
const N_DIRECT_MESSAGES: usize = 30;
const N_GROUP_MESSAGES: usize = 8;
/// The workspace's team id.
const TEAM: &str = "T0GENERATE";
/// The first message of every conversation is within a month of this instant (2021-01-04T00:00:00Z).
const FIRST_SECOND: i64 = 1_609_718_400;
/// Each conversation's messages spread over about three years, whatever their number, so that an export of any
/// size stays in the past (the gaps between messages shrink as the count grows).
const SPAN_SECONDS: usize = 3 * 365 * 86_400;
/// The first Symphony user id of the generated map.
const FIRST_SYMPHONY_USER_ID: i64 = 7_215_545_100_000;

const WORDS: &[&str] = &[
    "deploy",
    "release",
    "the",
    "a",
    "review",
    "meeting",
    "tomorrow",
    "client",
    "please",
    "check",
    "numbers",
    "for",
    "Q3",
    "update",
    "ticket",
    "approved",
    "thanks",
    "and",
    "or",
    "we",
    "should",
    "ship",
    "today",
    "latency",
    "risk",
    "call",
    "at",
    "noon",
    "sounds",
    "good",
    "let's",
    "sync",
    "on",
    "the",
    "plan",
    "is",
    "done",
    "café",
    "naïve",
    "→",
    "größer",
    "日本語",
    "会议",
    "明天",
    "مرحبا",
    "اجتماع",
    "R&D",
    "<draft>",
    "a>b",
    "50%",
    "\"quoted\"",
];
const FIRST_NAMES: &[&str] = &[
    "Alice",
    "Bob",
    "Chen",
    "Dana",
    "Émile",
    "Farah",
    "Goran",
    "Hiro",
    "Ines",
    "Jonas",
    "Kofi",
    "Lea",
    "Мария",
    "李娜",
];
const LAST_NAMES: &[&str] = &["Martin", "Okafor", "Wei", "Schmidt", "García", "Haddad", "Ivanova", "Tanaka", "Nowak"];
/// Emoji names: standard ones, then custom ones (the workspace's own).
const EMOJI: &[&str] =
    &["thumbsup", "tada", "rocket", "eyes", "white_check_mark", "heart", "joy", "pray", "fire", "wave", "partyparrot"];
const FILE_KINDS: &[(&str, &str, &str)] = &[
    ("report.pdf", "application/pdf", "pdf"),
    ("screenshot.png", "image/png", "png"),
    ("notes.txt", "text/plain", "text"),
    ("trades.csv", "text/csv", "csv"),
    ("minutes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
];

/// What `gen-slack` wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeneratedExport {
    /// Messages written (every entry of every day file, events included).
    pub n_messages: usize,
    /// Of them, membership, topic and purpose events (not importable).
    pub n_events: usize,
    /// Day files written.
    pub n_day_files: usize,
    /// Bytes of JSON written, before compression.
    pub n_json_bytes: u64,
}

/// The kinds of conversation, each with its metadata file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ConversationKind {
    Public,
    Private,
    Direct,
    Group,
}

impl ConversationKind {
    /// The name `streams.csv` gives the kind.
    fn map_name(self) -> &'static str {
        match self {
            ConversationKind::Public => "public",
            ConversationKind::Private => "private",
            ConversationKind::Direct => "dm",
            ConversationKind::Group => "group-dm",
        }
    }
}

struct Person {
    id: String,
    handle: String,
    real_name: String,
    email: Option<String>,
    deleted: bool,
    bot_id: Option<String>,
}

struct Conversation {
    id: String,
    kind: ConversationKind,
    /// The channel's name (the folder's too, but for DMs, whose folder is their id).
    name: String,
    /// Indices into the people.
    members: Vec<usize>,
    archived: bool,
    n_messages: usize,
}

impl Conversation {
    fn folder(&self) -> &str {
        if self.kind == ConversationKind::Direct {
            &self.id
        } else {
            &self.name
        }
    }
}

/// The people and conversations of a generated workspace, decided before any message is written.
struct Workspace {
    people: Vec<Person>,
    /// `(bot id, username)` of the bots absent from `users.json`.
    outside_bots: Vec<(String, String)>,
    conversations: Vec<Conversation>,
}

impl Workspace {
    fn new(rng: &mut Rng, n_messages: usize) -> Workspace {
        let people: Vec<Person> = (0..N_PEOPLE)
            .map(|index| {
                if index >= N_PEOPLE - N_BOT_USERS {
                    let handle = format!("bot-{index}");
                    return Person {
                        id: format!("U{:08X}", 0x0B07_0000 + index),
                        real_name: format!("Bot {index}"),
                        handle,
                        email: None,
                        deleted: false,
                        bot_id: Some(format!("B{:08X}", 0x0B07_0000 + index)),
                    };
                }
                let first = rng.pick(FIRST_NAMES);
                let last = rng.pick(LAST_NAMES);
                // One in twenty is an Enterprise Grid user of another workspace of the organisation.
                let prefix = if index % 20 == 7 { 'W' } else { 'U' };
                Person {
                    id: format!("{prefix}{:08X}", 0x1A2B_0000 + index),
                    handle: format!("user{index}"),
                    real_name: format!("{first} {last}"),
                    // Emails are often missing from exports.
                    email: (!rng.chance(350)).then(|| format!("user{index}@example.com")),
                    deleted: index % 37 == 5,
                    bot_id: None,
                }
            })
            .collect();
        let outside_bots = (0..N_OUTSIDE_BOTS)
            .map(|index| (format!("B{:08X}", 0x0E0B_0000 + index), format!("ci-bot-{index}")))
            .collect();
        let humans: Vec<usize> = (0..N_PEOPLE - N_BOT_USERS).collect();
        let mut conversations = Vec::new();
        let mut weights = Vec::new();
        for index in 0..N_PUBLIC_CHANNELS {
            // The first channel is the workspace's general channel: everyone is in it.
            let mut members = if index == 0 { (0..N_PEOPLE).collect() } else { sample(rng, &humans, 5, 120) };
            if index % 5 == 1 {
                // Bot users are members of a few channels.
                members.push(N_PEOPLE - 1 - index % N_BOT_USERS);
            }
            conversations.push(Conversation {
                id: format!("C{:08X}", 0x0C00_0000 + index),
                kind: ConversationKind::Public,
                name: if index == 0 { "general".to_owned() } else { format!("channel-{index:02}") },
                members,
                archived: index % 8 == 7,
                n_messages: 0,
            });
            weights.push(20 + 1000 / (index + 1));
        }
        // The other conversations: kind, how many, id prefix and first number, members (least, spread), weight.
        for (kind, count, prefix, first, least, spread, weight) in [
            (ConversationKind::Private, N_PRIVATE_CHANNELS, 'G', 0x0600_0000, 3, 20, 30),
            (ConversationKind::Direct, N_DIRECT_MESSAGES, 'D', 0x0D00_0000, 2, 1, 10),
            (ConversationKind::Group, N_GROUP_MESSAGES, 'G', 0x0F00_0000, 3, 3, 15),
        ] {
            for index in 0..count {
                let members = sample(rng, &humans, least, spread);
                let name = match kind {
                    ConversationKind::Direct => String::new(),
                    ConversationKind::Group => {
                        let handles: Vec<&str> = members.iter().map(|&member| people[member].handle.as_str()).collect();
                        format!("mpdm-{}-1", handles.join("--"))
                    }
                    ConversationKind::Public | ConversationKind::Private => format!("private-{index:02}"),
                };
                let id = format!("{prefix}{:08X}", first + index);
                conversations.push(Conversation { id, kind, name, members, archived: false, n_messages: 0 });
                weights.push(weight);
            }
        }
        let total_weight: usize = weights.iter().sum();
        let mut assigned = 0;
        for (conversation, weight) in conversations.iter_mut().zip(&weights) {
            conversation.n_messages = n_messages * weight / total_weight;
            assigned += conversation.n_messages;
        }
        // INVARIANT: the workspace always has conversations (the counts above are constants > 0).
        conversations[0].n_messages += n_messages - assigned;
        Workspace { people, outside_bots, conversations }
    }

    fn users_json(&self) -> Value {
        let users: Vec<Value> = self
            .people
            .iter()
            .map(|person| {
                let mut profile = json!({
                    "real_name": person.real_name, "real_name_normalized": person.real_name,
                    "display_name": person.handle, "display_name_normalized": person.handle, "team": TEAM,
                });
                if let Some(email) = &person.email {
                    profile["email"] = json!(email);
                }
                if let Some(bot_id) = &person.bot_id {
                    profile["bot_id"] = json!(bot_id);
                }
                json!({"id": person.id, "team_id": TEAM, "name": person.handle, "deleted": person.deleted,
                       "real_name": person.real_name, "tz": "America/New_York", "profile": profile,
                       "is_bot": person.bot_id.is_some(), "is_app_user": false, "updated": FIRST_SECOND})
            })
            .collect();
        Value::Array(users)
    }

    fn conversations_json(&self, kind: ConversationKind) -> Value {
        let list = self.conversations.iter().filter(|conversation| conversation.kind == kind).map(|conversation| {
            let members: Vec<&str> = conversation.members.iter().map(|&member| self.people[member].id.as_str()).collect();
            if kind == ConversationKind::Direct {
                return json!({"id": conversation.id, "created": FIRST_SECOND, "members": members});
            }
            let creator = &self.people[conversation.members[0]].id;
            let mut entry = json!({
                "id": conversation.id, "name": conversation.name, "created": FIRST_SECOND, "creator": creator,
                "is_archived": conversation.archived, "is_general": conversation.name == "general",
                "members": members,
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": format!("About {}", conversation.name), "creator": creator, "last_set": FIRST_SECOND},
            });
            if kind == ConversationKind::Group {
                entry["is_mpim"] = json!(true);
            }
            entry
        });
        Value::Array(list.collect())
    }

    /// `users.csv` and `streams.csv` with every Symphony id filled in.
    fn write_maps(&self, rng: &mut Rng, directory: &Path) -> Result<()> {
        std::fs::create_dir_all(directory).with_context(|| format!("could not create {}", directory.display()))?;
        let mut users = csv::Writer::from_path(directory.join("users.csv"))?;
        users.write_record(["slackUserId", "handle", "realName", "email", "kind", "symphonyUserId"])?;
        let mut next_user_id = FIRST_SYMPHONY_USER_ID;
        for person in &self.people {
            let kind = match (person.bot_id.is_some(), person.deleted) {
                (true, _) => "bot",
                (false, true) => "deleted",
                (false, false) => "user",
            };
            let email = person.email.as_deref().unwrap_or("");
            let id = next_user_id.to_string();
            users.write_record([person.id.as_str(), &person.handle, &person.real_name, email, kind, &id])?;
            next_user_id += 1;
        }
        for (bot_id, username) in &self.outside_bots {
            users.write_record([bot_id.as_str(), username, username, "", "bot", &next_user_id.to_string()])?;
            next_user_id += 1;
        }
        users.flush()?;
        let mut streams = csv::Writer::from_path(directory.join("streams.csv"))?;
        streams.write_record(["conversationId", "name", "kind", "members", "archived", "symphonyStreamId"])?;
        for conversation in &self.conversations {
            let bytes: Vec<u8> = (0..25).map(|_| rng.next_u64() as u8).collect();
            streams.write_record([
                conversation.id.as_str(),
                &conversation.name,
                conversation.kind.map_name(),
                &conversation.members.len().to_string(),
                if conversation.archived { "true" } else { "false" },
                &URL_SAFE_NO_PAD.encode(bytes),
            ])?;
        }
        streams.flush()?;
        Ok(())
    }
}

/// `least + rng.below(spread)` distinct elements of `items` (all of them when there are fewer), by a partial
/// Fisher–Yates shuffle, in increasing order.
fn sample(rng: &mut Rng, items: &[usize], least: usize, spread: usize) -> Vec<usize> {
    let mut pool = items.to_vec();
    let count = (least + rng.below(spread)).min(pool.len());
    for index in 0..count {
        let other = index + rng.below(pool.len() - index);
        pool.swap(index, other);
    }
    pool.truncate(count);
    pool.sort_unstable();
    pool
}

/// One of `words` (a non-empty constant list).
fn any(rng: &mut Rng, words: &[&'static str]) -> &'static str {
    words[rng.below(words.len())]
}

/// Where the export goes: a folder, or a ZIP written entry by entry.
enum Sink {
    Folder(PathBuf),
    Zip(Box<zip::ZipWriter<BufWriter<File>>>),
}

impl Sink {
    fn create(path: &Path) -> Result<Sink> {
        if path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("zip")) {
            if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).with_context(|| format!("could not create {}", parent.display()))?;
            }
            let file = File::create(path).with_context(|| format!("could not create {}", path.display()))?;
            Ok(Sink::Zip(Box::new(zip::ZipWriter::new(BufWriter::new(file)))))
        } else {
            std::fs::create_dir_all(path).with_context(|| format!("could not create {}", path.display()))?;
            Ok(Sink::Folder(path.to_owned()))
        }
    }

    /// A folder entry, as Slack's ZIPs have them.
    fn folder(&mut self, name: &str) -> Result<()> {
        match self {
            Sink::Folder(root) => std::fs::create_dir_all(root.join(name))?,
            Sink::Zip(zip) => zip.add_directory(name, zip::write::SimpleFileOptions::default())?,
        }
        Ok(())
    }

    /// Writes `value` as the JSON file `name`, indented like Slack's; returns the bytes written.
    fn json_file(&mut self, name: &str, value: &Value) -> Result<u64> {
        let mut text = Vec::with_capacity(64 * 1024);
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        value.serialize(&mut serde_json::Serializer::with_formatter(&mut text, formatter))?;
        match self {
            Sink::Folder(root) => std::fs::write(root.join(name), &text)?,
            Sink::Zip(zip) => {
                // Level 1: the benchmark generates hundreds of megabytes; the reader inflates any level alike.
                let options = zip::write::SimpleFileOptions::default()
                    .compression_method(zip::CompressionMethod::Deflated)
                    .compression_level(Some(1));
                zip.start_file(name, options)?;
                zip.write_all(&text)?;
            }
        }
        Ok(text.len() as u64)
    }

    fn finish(self) -> Result<()> {
        if let Sink::Zip(zip) = self {
            zip.finish()?.flush()?;
        }
        Ok(())
    }
}

/// A piece of a message's content, rendered both as escaped mrkdwn (`text`) and as rich-text elements.
enum Piece {
    Word(&'static str),
    Styled(&'static str, &'static str),
    Link { url: String, label: Option<&'static str> },
    User(String),
    Channel(String, String),
    Broadcast(&'static str),
    Emoji(&'static str, Option<u64>),
}

/// Slack's escape of `text`: only `&`, `<` and `>`.
fn escape_mrkdwn(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Appends plain text to rich-text elements, merging with a plain text element before it as Slack does.
fn push_text(elements: &mut Vec<Value>, text: &str) {
    if let Some(last) = elements.last_mut() {
        if last["type"] == "text" && last.get("style").is_none() {
            if let Some(previous) = last["text"].as_str() {
                last["text"] = Value::String(format!("{previous}{text}"));
                return;
            }
        }
    }
    elements.push(json!({"type": "text", "text": text}));
}

/// The mrkdwn and rich-text forms of a sequence of pieces, separated by spaces.
fn render(pieces: &[Piece]) -> (String, Vec<Value>) {
    let mut text = String::new();
    let mut elements = Vec::new();
    for (index, piece) in pieces.iter().enumerate() {
        if index > 0 {
            text.push(' ');
            push_text(&mut elements, " ");
        }
        match piece {
            Piece::Word(word) => {
                text.push_str(&escape_mrkdwn(word));
                push_text(&mut elements, word);
            }
            Piece::Styled(word, style) => {
                let mark = match *style {
                    "bold" => "*",
                    "italic" => "_",
                    "strike" => "~",
                    _ => "`",
                };
                text.push_str(&format!("{mark}{}{mark}", escape_mrkdwn(word)));
                elements.push(json!({"type": "text", "text": word, "style": {*style: true}}));
            }
            Piece::Link { url, label } => {
                match label {
                    Some(label) => text.push_str(&format!("<{}|{}>", escape_mrkdwn(url), escape_mrkdwn(label))),
                    None => text.push_str(&format!("<{}>", escape_mrkdwn(url))),
                }
                let mut element = json!({"type": "link", "url": url});
                if let Some(label) = label {
                    element["text"] = json!(label);
                }
                elements.push(element);
            }
            Piece::User(id) => {
                text.push_str(&format!("<@{id}>"));
                elements.push(json!({"type": "user", "user_id": id}));
            }
            Piece::Channel(id, name) => {
                text.push_str(&format!("<#{id}|{name}>"));
                elements.push(json!({"type": "channel", "channel_id": id}));
            }
            Piece::Broadcast(range) => {
                text.push_str(&format!("<!{range}>"));
                elements.push(json!({"type": "broadcast", "range": range}));
            }
            Piece::Emoji(name, skin_tone) => {
                let mut element = json!({"type": "emoji", "name": name});
                match skin_tone {
                    Some(tone) => {
                        text.push_str(&format!(":{name}::skin-tone-{tone}:"));
                        element["skin_tone"] = json!(tone);
                    }
                    None => text.push_str(&format!(":{name}:")),
                }
                elements.push(element);
            }
        }
    }
    (text, elements)
}

/// Writes one conversation's day files, message by message.
struct ConversationWriter<'a> {
    workspace: &'a Workspace,
    conversation: &'a Conversation,
    second: i64,
    micro: u64,
    /// Open threads: root `ts`, root author's Slack id, replies still to come.
    threads: Vec<(String, String, usize)>,
    day: Option<i64>,
    day_messages: Vec<Value>,
}

impl<'a> ConversationWriter<'a> {
    fn next_ts(&mut self, rng: &mut Rng) -> String {
        if rng.chance(5) && self.micro % 1000 < 999 {
            // Another message in the same millisecond.
            self.micro += 1;
        } else {
            let mean_gap = (SPAN_SECONDS / self.conversation.n_messages.max(1)).clamp(2, 40_000);
            self.second += 1 + rng.below(2 * mean_gap) as i64;
            self.micro = rng.below(1_000_000) as u64;
        }
        format!("{}.{:06}", self.second, self.micro)
    }

    fn member(&self, rng: &mut Rng) -> &'a Person {
        &self.workspace.people[*rng.pick(&self.conversation.members)]
    }

    fn pieces(&self, rng: &mut Rng) -> Vec<Piece> {
        let mut pieces = Vec::new();
        for _ in 0..3 + rng.below(18) {
            let piece = match rng.below(1000) {
                0..=59 => Piece::Styled(any(rng, WORDS), any(rng, &["bold", "italic", "strike", "code"])),
                60..=99 => Piece::User(self.member(rng).id.clone()),
                100..=129 => Piece::Emoji(any(rng, EMOJI), rng.chance(200).then(|| 2 + rng.below(4) as u64)),
                130..=149 => Piece::Link {
                    url: format!("https://example.com/{}?id={}&ref=slack", rng.pick(WORDS).len(), rng.below(10_000)),
                    label: rng.chance(600).then(|| *rng.pick(&["the docs", "R&D plan", "ticket"])),
                },
                150..=159 => {
                    let channel = &self.workspace.conversations[rng.below(N_PUBLIC_CHANNELS)];
                    Piece::Channel(channel.id.clone(), channel.name.clone())
                }
                160..=162 => Piece::Broadcast(any(rng, &["here", "channel", "everyone"])),
                _ => Piece::Word(any(rng, WORDS)),
            };
            pieces.push(piece);
        }
        pieces
    }

    /// Text and blocks: about half the messages carry rich-text blocks, some with a list, code or a quote.
    fn content(&self, rng: &mut Rng, message: &mut Map<String, Value>) {
        let (mut text, section) = render(&self.pieces(rng));
        let mut blocks = vec![json!({"type": "rich_text_section", "elements": section})];
        match rng.below(100) {
            0..=4 => {
                let items: Vec<String> = (0..2 + rng.below(3)).map(|_| rng.pick(WORDS).to_string()).collect();
                for (index, item) in items.iter().enumerate() {
                    let indent = usize::from(index > 0 && rng.chance(300));
                    let bullet = if indent == 0 { "•" } else { "◦" };
                    text.push_str(&format!("\n{}{bullet} {}", "    ".repeat(indent), escape_mrkdwn(item)));
                    blocks.push(json!({"type": "rich_text_list", "style": "bullet", "indent": indent, "border": 0,
                        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": item}]}]}));
                }
            }
            5..=7 => {
                let code = format!("if a < b && c > d {{ {}(); }}", rng.pick(&["deploy", "rollback", "retry"]));
                text.push_str(&format!("\n```{}```", escape_mrkdwn(&code)));
                blocks.push(json!({"type": "rich_text_preformatted", "border": 0,
                    "elements": [{"type": "text", "text": code}]}));
            }
            8..=9 => {
                let quoted = rng.pick(WORDS);
                text.push_str(&format!("\n&gt; {}", escape_mrkdwn(quoted)));
                blocks.push(json!({"type": "rich_text_quote", "elements": [{"type": "text", "text": quoted}]}));
            }
            _ => {}
        }
        message.insert("text".into(), json!(text));
        if rng.chance(550) {
            let block_id = format!("{:05x}", rng.below(0x10_0000));
            message.insert("blocks".into(), json!([{"type": "rich_text", "block_id": block_id, "elements": blocks}]));
        }
    }

    fn file(&self, rng: &mut Rng, owner: &str) -> Value {
        let (name, mimetype, filetype) = *rng.pick(FILE_KINDS);
        let id = format!("F{:010X}", rng.next_u64() >> 24);
        let token = format!("xoxe-{}-{:012x}", rng.below(1_000_000_000), rng.next_u64() >> 16);
        json!({"id": id, "created": self.second, "timestamp": self.second, "name": name, "title": name,
               "mimetype": mimetype, "filetype": filetype, "user": owner, "size": 1_000 + rng.below(5_000_000),
               "mode": "hosted", "is_external": false,
               "url_private": format!("https://files.slack.com/files-pri/{TEAM}-{id}/{name}?t={token}"),
               "url_private_download": format!("https://files.slack.com/files-pri/{TEAM}-{id}/download/{name}?t={token}"),
               "permalink": format!("https://generated.slack.com/files/{owner}/{id}/{name}")})
    }

    /// The next message; the second value tells whether it is a membership, topic or purpose event.
    fn message(&mut self, rng: &mut Rng) -> (Value, bool) {
        let ts = self.next_ts(rng);
        let is_channel = matches!(self.conversation.kind, ConversationKind::Public | ConversationKind::Private);
        let roll = rng.below(1000);
        let mut message = Map::new();
        message.insert("type".into(), json!("message"));
        if is_channel && roll < 15 {
            let person = self.member(rng);
            let (subtype, text) = match roll % 4 {
                0 => ("channel_join", format!("<@{}> has joined the channel", person.id)),
                1 => ("channel_leave", format!("<@{}> has left the channel", person.id)),
                2 => ("channel_topic", format!("<@{}> set the channel topic: {}", person.id, rng.pick(WORDS))),
                _ => ("channel_purpose", format!("<@{}> set the channel purpose: {}", person.id, rng.pick(WORDS))),
            };
            message.insert("subtype".into(), json!(subtype));
            message.insert("ts".into(), json!(ts));
            message.insert("user".into(), json!(person.id));
            message.insert("text".into(), json!(text));
            return (Value::Object(message), true);
        }
        if is_channel && roll < 45 {
            let (bot_id, username) = rng.pick(&self.workspace.outside_bots);
            message.insert("subtype".into(), json!("bot_message"));
            message.insert(
                "text".into(),
                json!(format!("Build <https://ci.example.com/job/{}|#{}> finished", roll, roll)),
            );
            message.insert("ts".into(), json!(ts));
            message.insert("username".into(), json!(username));
            message.insert("bot_id".into(), json!(bot_id));
            let passed = rng.chance(800);
            message.insert(
                "attachments".into(),
                json!([{
                "fallback": format!("Build #{roll}: {}", if passed { "passed" } else { "failed" }),
                "color": if passed { "36a64f" } else { "d50200" },
                "title": format!("Build #{roll}"),
                "title_link": format!("https://ci.example.com/job/{roll}/?view=tests&tab={}", rng.below(4)),
                "text": format!("{} tests &amp; {} checks", rng.below(2000), rng.below(50)),
                "fields": [{"title": "Branch", "value": "main", "short": true}],
                "id": 1}]),
            );
            return (Value::Object(message), false);
        }
        let author = self.member(rng);
        if roll < 55 {
            // A file shared with no text at all.
            message.insert("user".into(), json!(author.id));
            message.insert("ts".into(), json!(ts));
            message.insert("files".into(), json!([self.file(rng, &author.id)]));
            message.insert("upload".into(), json!(true));
            return (Value::Object(message), false);
        }
        self.content(rng, &mut message);
        message.insert("user".into(), json!(author.id));
        message.insert("ts".into(), json!(ts));
        if let Some(bot_id) = &author.bot_id {
            message.insert("bot_id".into(), json!(bot_id));
        } else {
            message.insert("team".into(), json!(TEAM));
        }
        if rng.chance(5) {
            message.insert("subtype".into(), json!("me_message"));
        } else if !self.threads.is_empty() && rng.chance(250) {
            let thread = rng.below(self.threads.len());
            let (root_ts, root_author, remaining) = &mut self.threads[thread];
            message.insert("thread_ts".into(), json!(root_ts));
            message.insert("parent_user_id".into(), json!(root_author));
            if rng.chance(40) {
                message.insert("subtype".into(), json!("thread_broadcast"));
            }
            *remaining -= 1;
            if *remaining == 0 {
                self.threads.swap_remove(thread);
            }
        } else if rng.chance(80) {
            let replies = 1 + rng.below(6);
            message.insert("thread_ts".into(), json!(ts));
            message.insert("reply_count".into(), json!(replies));
            self.threads.push((ts.clone(), author.id.clone(), replies));
        }
        if rng.chance(30) {
            message.insert("edited".into(), json!({"user": author.id, "ts": format!("{}.000000", self.second + 60)}));
        }
        if rng.chance(40) {
            message.insert("files".into(), json!([self.file(rng, &author.id)]));
        }
        if rng.chance(80) {
            let reactor = self.member(rng);
            message.insert("reactions".into(), json!([{"name": rng.pick(EMOJI), "users": [reactor.id], "count": 1}]));
        }
        (Value::Object(message), false)
    }

    /// Writes the day file in hand, if any.
    fn flush_day(&mut self, sink: &mut Sink, generated: &mut GeneratedExport) -> Result<()> {
        if let Some(day) = self.day.take() {
            let name = format!("{}/{}.json", self.conversation.folder(), CivilDate::from_days(day));
            let messages = Value::Array(std::mem::take(&mut self.day_messages));
            generated.n_json_bytes += sink.json_file(&name, &messages)?;
            generated.n_day_files += 1;
        }
        Ok(())
    }

    fn write(mut self, rng: &mut Rng, sink: &mut Sink, generated: &mut GeneratedExport) -> Result<()> {
        sink.folder(&format!("{}/", self.conversation.folder()))?;
        for _ in 0..self.conversation.n_messages {
            let (message, is_event) = self.message(rng);
            let day = self.second.div_euclid(86_400);
            if self.day != Some(day) {
                self.flush_day(sink, generated)?;
                self.day = Some(day);
            }
            self.day_messages.push(message);
            generated.n_messages += 1;
            generated.n_events += usize::from(is_event);
        }
        self.flush_day(sink, generated)
    }
}

/// Writes a generated export of `n_messages` messages to `path` (a ZIP when it ends in `.zip`, else a folder),
/// and, with `maps`, its filled `users.csv` and `streams.csv` into that folder.
///
/// # Errors
/// When a file cannot be written.
pub fn write_export(path: &Path, seed: u64, n_messages: usize, maps: Option<&Path>) -> Result<GeneratedExport> {
    let mut rng = Rng::new(seed);
    let workspace = Workspace::new(&mut rng, n_messages);
    let mut sink = Sink::create(path)?;
    let mut generated = GeneratedExport::default();
    // Entries in name order, as Slack writes them: metadata files fall between the conversation folders.
    enum Entry<'a> {
        Metadata(&'static str, Value),
        Conversation(&'a Conversation),
    }
    let mut entries: Vec<(String, Entry)> = vec![
        (
            "channels.json".into(),
            Entry::Metadata("channels.json", workspace.conversations_json(ConversationKind::Public)),
        ),
        ("groups.json".into(), Entry::Metadata("groups.json", workspace.conversations_json(ConversationKind::Private))),
        ("dms.json".into(), Entry::Metadata("dms.json", workspace.conversations_json(ConversationKind::Direct))),
        ("mpims.json".into(), Entry::Metadata("mpims.json", workspace.conversations_json(ConversationKind::Group))),
        ("integration_logs.json".into(), Entry::Metadata("integration_logs.json", json!({"logs": []}))),
        ("users.json".into(), Entry::Metadata("users.json", workspace.users_json())),
    ];
    entries.extend(
        workspace
            .conversations
            .iter()
            .map(|conversation| (format!("{}/", conversation.folder()), Entry::Conversation(conversation))),
    );
    entries.sort_by(|left, right| left.0.cmp(&right.0));
    for (_, entry) in entries {
        match entry {
            Entry::Metadata(name, value) => generated.n_json_bytes += sink.json_file(name, &value)?,
            Entry::Conversation(conversation) => {
                let start = FIRST_SECOND + rng.below(30 * 86_400) as i64;
                let writer = ConversationWriter {
                    workspace: &workspace,
                    conversation,
                    second: start,
                    micro: 0,
                    threads: Vec::new(),
                    day: None,
                    day_messages: Vec::new(),
                };
                writer.write(&mut rng, &mut sink, &mut generated)?;
            }
        }
    }
    sink.finish()?;
    if let Some(directory) = maps {
        workspace.write_maps(&mut rng, directory)?;
    }
    Ok(generated)
}

/// `cargo xtask gen-slack [--seed N] --messages N [--maps DIR] DIR_OR_ZIP`.
///
/// # Errors
/// When the arguments are wrong or the export cannot be written.
pub fn run(args: &[String]) -> Result<()> {
    let usage = "usage: cargo xtask gen-slack [--seed N] --messages N [--maps DIR] DIR_OR_ZIP (.zip for a ZIP)";
    let (mut seed, mut messages, mut maps, mut path) = (42_u64, None, None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => seed = args.next().context(usage)?.parse().context("--seed")?,
            "--messages" => messages = Some(args.next().context(usage)?.parse::<usize>().context("--messages")?),
            "--maps" => maps = Some(PathBuf::from(args.next().context(usage)?)),
            other if !other.starts_with("--") && path.is_none() => path = Some(PathBuf::from(other)),
            _ => bail!(usage),
        }
    }
    let (Some(path), Some(messages)) = (path, messages) else { bail!(usage) };
    let generated = write_export(&path, seed, messages, maps.as_deref())?;
    println!(
        "wrote {} messages ({} events) in {} day files, {:.1} MB of JSON, to {}",
        generated.n_messages,
        generated.n_events,
        generated.n_day_files,
        generated.n_json_bytes as f64 / 1e6,
        path.display()
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let directory = std::env::temp_dir().join(format!("ferry-gen-slack-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&directory);
        directory
    }

    /// Every file under `root` with its bytes, by path relative to `root`.
    fn files_under(root: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut files = std::collections::BTreeMap::new();
        let mut pending = vec![root.to_owned()];
        while let Some(directory) = pending.pop() {
            for entry in std::fs::read_dir(&directory).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let name = path.strip_prefix(root).unwrap().to_string_lossy().into_owned();
                    files.insert(name, std::fs::read(&path).unwrap());
                }
            }
        }
        files
    }

    #[test]
    fn pieces_render_as_escaped_mrkdwn_and_as_rich_text() {
        let cases: Vec<(Piece, &str, Value)> = vec![
            (Piece::Word("R&D"), "R&amp;D", json!({"type": "text", "text": "R&D"})),
            (Piece::Word("a>b"), "a&gt;b", json!({"type": "text", "text": "a>b"})),
            (
                Piece::Styled("<draft>", "bold"),
                "*&lt;draft&gt;*",
                json!({"type": "text", "text": "<draft>", "style": {"bold": true}}),
            ),
            (Piece::Styled("x", "code"), "`x`", json!({"type": "text", "text": "x", "style": {"code": true}})),
            (
                Piece::Link { url: "https://e.com/?a=1&b=2".into(), label: Some("R&D plan") },
                "<https://e.com/?a=1&amp;b=2|R&amp;D plan>",
                json!({"type": "link", "url": "https://e.com/?a=1&b=2", "text": "R&D plan"}),
            ),
            (
                Piece::Link { url: "https://e.com/".into(), label: None },
                "<https://e.com/>",
                json!({"type": "link", "url": "https://e.com/"}),
            ),
            (Piece::User("U1".into()), "<@U1>", json!({"type": "user", "user_id": "U1"})),
            (
                Piece::Channel("C1".into(), "general".into()),
                "<#C1|general>",
                json!({"type": "channel", "channel_id": "C1"}),
            ),
            (Piece::Broadcast("here"), "<!here>", json!({"type": "broadcast", "range": "here"})),
            (
                Piece::Emoji("thumbsup", Some(3)),
                ":thumbsup::skin-tone-3:",
                json!({"type": "emoji", "name": "thumbsup", "skin_tone": 3}),
            ),
            (Piece::Emoji("tada", None), ":tada:", json!({"type": "emoji", "name": "tada"})),
        ];
        for (piece, text, element) in cases {
            let (rendered, elements) = render(&[piece]);
            assert_eq!(rendered, text);
            assert_eq!(elements, vec![element], "{text}");
        }
        // Plain text between pieces is merged into one element, as Slack writes it.
        let (text, elements) = render(&[Piece::Word("a"), Piece::Word("b"), Piece::User("U1".into())]);
        assert_eq!(text, "a b <@U1>");
        assert_eq!(elements, vec![json!({"type": "text", "text": "a b "}), json!({"type": "user", "user_id": "U1"})]);
    }

    #[test]
    fn same_seed_same_export_in_a_folder_and_in_a_zip() {
        let directory = scratch("same");
        let first = write_export(&directory.join("first"), 5, 3_000, Some(&directory.join("first-maps"))).unwrap();
        let second = write_export(&directory.join("second"), 5, 3_000, Some(&directory.join("second-maps"))).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.n_messages, 3_000);
        let files = files_under(&directory.join("first"));
        assert_eq!(files, files_under(&directory.join("second")));
        assert_eq!(files_under(&directory.join("first-maps")), files_under(&directory.join("second-maps")));
        let other = write_export(&directory.join("other"), 6, 3_000, None).unwrap();
        assert_ne!(files_under(&directory.join("other")), files, "{other:?}");

        // The ZIP holds the same files, in name order, each folder entry before its files.
        write_export(&directory.join("export.zip"), 5, 3_000, None).unwrap();
        let mut archive = zip::ZipArchive::new(File::open(directory.join("export.zip")).unwrap()).unwrap();
        let mut names = Vec::new();
        let mut zipped = std::collections::BTreeMap::new();
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).unwrap();
            names.push(entry.name().to_owned());
            if !entry.is_dir() {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
                zipped.insert(entry.name().to_owned(), bytes);
            }
        }
        assert_eq!(zipped, files);
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted);
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn every_conversation_is_described_and_its_messages_are_in_time_order_with_unique_ts() {
        let directory = scratch("order");
        let generated = write_export(&directory.join("export"), 9, 5_000, Some(&directory)).unwrap();
        let files = files_under(&directory.join("export"));
        let mut n_messages = 0;
        let mut n_same_millisecond = 0;
        let mut last_ts: std::collections::BTreeMap<String, (i64, u64)> = std::collections::BTreeMap::new();
        for (name, bytes) in &files {
            let Some((folder, _)) = name.split_once('/') else { continue };
            let messages: Vec<Value> = serde_json::from_slice(bytes).unwrap();
            for message in messages {
                let ts = message["ts"].as_str().unwrap();
                let (seconds, micros) = ts.split_once('.').unwrap();
                let key = (seconds.parse::<i64>().unwrap(), micros.parse::<u64>().unwrap());
                if let Some(previous) = last_ts.get(folder) {
                    assert!(*previous < key, "{folder}: {ts} after {previous:?}");
                    n_same_millisecond += usize::from(previous.0 == key.0 && previous.1 / 1000 == key.1 / 1000);
                }
                last_ts.insert(folder.to_owned(), key);
                n_messages += 1;
                let text = message.get("text").and_then(Value::as_str).unwrap_or("");
                assert!(!text.contains("xoxe"), "{text}");
            }
        }
        assert_eq!(n_messages, generated.n_messages);
        // From 2021-01-04 to about three years and a month later, whatever the count: never in the future.
        assert!(last_ts.values().all(|(seconds, _)| (FIRST_SECOND..1_717_200_000).contains(seconds)), "{last_ts:?}");
        assert!(n_same_millisecond > 0, "no two messages share a millisecond");
        let streams = std::fs::read_to_string(directory.join("streams.csv")).unwrap();
        let users = std::fs::read_to_string(directory.join("users.csv")).unwrap();
        assert_eq!(streams.lines().count() - 1, last_ts.len(), "every conversation has a folder and a stream id");
        assert_eq!(users.lines().count() - 1, N_PEOPLE + N_OUTSIDE_BOTS);
        assert!(users.lines().skip(1).all(|line| line.rsplit(',').next().unwrap().parse::<i64>().is_ok()), "{users}");
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
