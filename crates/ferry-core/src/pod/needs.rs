//! Reading what a record needs from the pod: its sender, stream, ids and mentioned users.
//!
//! The record is read with serde_json into the few members that matter (every other member, attachments
//! included, is skipped without being copied), as the Agent reads it: a member given twice counts with its
//! last value. Members read before a syntax error are kept. `message` is scanned with quick-xml for
//! `<mention>` tags, stopping at the first XML error; `data` is parsed with serde_json for EntityJSON
//! mentions. Every step is linear in the input, and nesting is bounded by serde_json's recursion limit.

use std::collections::HashSet;
use std::fmt;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::{MentionPlace, MentionedUser, RecordNeeds};
use crate::diagnostic::Span;

/// The EntityJSON type of a user mention.
const MENTION_ENTITY_TYPE: &str = "com.symphony.user.mention";
/// The EntityJSON id type naming a user by id.
const USER_ID_TYPE: &str = "com.symphony.user.userId";

/// Reads what the record whose JSON text is `record_json` needs from the pod.
///
/// Never panics, whatever the bytes; a member it cannot read (absent, of another type, after a syntax
/// error, or the whole text not a JSON object) is `None`, a mention it cannot read is left out.
pub fn record_needs(record_json: &[u8]) -> RecordNeeds {
    let mut members = Members::default();
    let mut deserializer = serde_json::Deserializer::from_slice(record_json);
    // An error only ends the reading: what was read before it is kept, and trailing bytes are not looked at.
    let _ = MembersSeed(&mut members).deserialize(&mut deserializer);

    let mut needs = RecordNeeds {
        sender: members.sender.as_ref().and_then(read_user_id),
        timestamp: members.timestamp.as_ref().and_then(Value::as_i64),
        stream: members.stream.as_ref().and_then(Value::as_str).map(normalize_stream_id),
        originating_system_id: members.originating_system_id.as_ref().and_then(Value::as_str).map(str::to_owned),
        original_message_id: members.original_message_id.as_ref().and_then(Value::as_str).map(str::to_owned),
        mentions: Vec::new(),
        mention_places: Vec::new(),
    };
    let mut mentions = Mentions { needs: &mut needs, seen: HashSet::new() };
    if let Some(Value::String(message)) = &members.message {
        mentions.scan_messageml(message);
    }
    match &members.data {
        Some(Value::String(data)) => {
            if let Ok(entities) = serde_json::from_str::<Value>(data) {
                mentions.scan_entity_json(&entities);
            }
        }
        // `data` must be a string (SCH008), but an object still says whom it mentions.
        Some(entities @ Value::Object(_)) => mentions.scan_entity_json(entities),
        _ => {}
    }
    needs
}

/// A stream id as the pod writes it: URL-safe base64 without padding (`+` → `-`, `/` → `_`, every `=`
/// removed). Ids already in that form are returned unchanged.
pub fn normalize_stream_id(stream_id: &str) -> String {
    stream_id
        .chars()
        .filter(|&character| character != '=')
        .map(|character| match character {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect()
}

/// A user id: a JSON integer, or a string of decimal digits (with an optional sign).
fn read_user_id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.parse::<i64>().ok(),
        _ => None,
    }
}

/// The members of the record that the pod checks need, as JSON values (last occurrence wins).
#[derive(Default)]
struct Members {
    sender: Option<Value>,
    timestamp: Option<Value>,
    stream: Option<Value>,
    originating_system_id: Option<Value>,
    original_message_id: Option<Value>,
    message: Option<Value>,
    data: Option<Value>,
}

/// Reads a record object into [`Members`], writing each member as soon as it is read, so that members before
/// a syntax error survive it.
struct MembersSeed<'m>(&'m mut Members);

impl<'de> DeserializeSeed<'de> for MembersSeed<'_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MembersSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a V4ImportedMessage object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let slot = match key.as_str() {
                "intendedMessageFromUserId" => &mut self.0.sender,
                "intendedMessageTimestamp" => &mut self.0.timestamp,
                "streamId" => &mut self.0.stream,
                "originatingSystemId" => &mut self.0.originating_system_id,
                "originalMessageId" => &mut self.0.original_message_id,
                "message" => &mut self.0.message,
                "data" => &mut self.0.data,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value::<Value>()?);
        }
        Ok(())
    }
}

/// Collects mentions into the needs, once each, in order of first appearance.
struct Mentions<'n> {
    needs: &'n mut RecordNeeds,
    seen: HashSet<MentionedUser>,
}

impl Mentions<'_> {
    fn add(&mut self, user: MentionedUser, place: MentionPlace) {
        if self.seen.insert(user.clone()) {
            self.needs.mentions.push(user);
            self.needs.mention_places.push(place);
        }
    }

    /// Every `<mention uid=".."/>` or `<mention email=".."/>` in the MessageML `message`, up to the first XML
    /// error. A tag with both names the user by `uid`, as the reference does; a `uid` that is not an integer
    /// names nobody.
    fn scan_messageml(&mut self, message: &str) {
        let mut reader = Reader::from_str(message);
        {
            let config = reader.config_mut();
            config.allow_dangling_amp = true;
            config.allow_unmatched_ends = true;
            config.check_end_names = false;
            config.check_comments = false;
            config.expand_empty_elements = false;
            config.trim_text_start = false;
            config.trim_text_end = false;
        }
        loop {
            let start = reader.buffer_position();
            let tag = match reader.read_event() {
                Ok(Event::Start(tag) | Event::Empty(tag)) => tag,
                Ok(Event::Eof) | Err(_) => break,
                Ok(_) => continue,
            };
            if tag.name().as_ref() != b"mention" {
                continue;
            }
            // A mention with `strict` other than "true" is shown as text when the pod does not know the user
            // (the reference parser's lenient mention; MML022 skips it the same way): it needs nothing.
            let lenient = tag
                .try_get_attribute("strict")
                .ok()
                .flatten()
                .is_some_and(|strict| !strict.value.as_ref().eq_ignore_ascii_case(b"true"));
            if lenient {
                continue;
            }
            let span = match (usize::try_from(start), usize::try_from(reader.buffer_position())) {
                (Ok(start), Ok(end)) if start <= end && end <= message.len() => Some(Span::new(start, end)),
                _ => None,
            };
            if let Some(user) = mentioned_user(&tag) {
                self.add(user, MentionPlace { pointer: "/message", span });
            }
        }
    }

    /// Every entity of type `com.symphony.user.mention` among the members of the EntityJSON object, naming
    /// users by `com.symphony.user.userId` (an integer or a string of digits) in its `id` array.
    fn scan_entity_json(&mut self, entities: &Value) {
        let Some(entities) = entities.as_object() else { return };
        for entity in entities.values() {
            if entity.get("type").and_then(Value::as_str) != Some(MENTION_ENTITY_TYPE) {
                continue;
            }
            let Some(ids) = entity.get("id").and_then(Value::as_array) else { continue };
            for id in ids {
                if id.get("type").and_then(Value::as_str) != Some(USER_ID_TYPE) {
                    continue;
                }
                if let Some(user_id) = id.get("value").and_then(read_user_id) {
                    self.add(MentionedUser::Id(user_id), MentionPlace { pointer: "/data", span: None });
                }
            }
        }
    }
}

/// The user a `<mention>` tag names: its `uid` when present, else its `email` (trimmed, lowercased).
fn mentioned_user(tag: &BytesStart<'_>) -> Option<MentionedUser> {
    let mut uid = None;
    let mut email = None;
    for attribute in tag.attributes().with_checks(false) {
        let Ok(attribute) = attribute else { break };
        let slot = match attribute.key.as_ref() {
            b"uid" => &mut uid,
            b"email" => &mut email,
            _ => continue,
        };
        if slot.is_none() {
            let value = match attribute.unescape_value() {
                Ok(value) => value.into_owned(),
                Err(_) => String::from_utf8_lossy(&attribute.value).into_owned(),
            };
            *slot = Some(value);
        }
    }
    match (uid, email) {
        (Some(uid), _) => uid.trim().parse::<i64>().ok().map(MentionedUser::Id),
        (None, Some(email)) => {
            let email = email.trim();
            (!email.is_empty()).then(|| MentionedUser::Email(email.to_lowercase()))
        }
        (None, None) => None,
    }
}
