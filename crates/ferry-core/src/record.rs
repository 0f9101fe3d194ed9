//! Checks one record in two halves: [`RecordChecker`], the checks of one record alone, and [`BatchState`],
//! the checks that compare a record with the records before it.
//!
//! The first half is pure and `Send`: record text in, a [`CheckedRecord`] out (its diagnostics, located in
//! the file but not yet numbered, and the few facts the batch needs). Records can therefore be checked in any
//! order, on any thread. The second half, [`BatchState::absorb`], takes those outcomes in batch order: it
//! numbers the record, assigns its stream, runs the batch rules (duplicate ids, order in a stream, Teams'
//! unique timestamps), inserts their findings where the record's checks would have emitted them, and keeps
//! the bookkeeping: a few bytes per record (the planner's [`RecordFacts`], a 64-bit key per
//! `(originatingSystemId, originalMessageId)`, and for the Teams target one entry per timestamp), plus one
//! entry per distinct stream.
//!
//! Invariant: absorbing the outcomes in batch order gives the same findings, in the same order, whatever
//! order and thread produced them.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Location, Span};
use crate::hash::Fnv128;
use crate::humanize;
use crate::json::{self, JsonString, Member, ParsedRecord, Spanned, Value};
use crate::planner::RecordFacts;
use crate::registry::Rule;
use crate::pod::normalize_stream_id;
use crate::rules;
use crate::rules::teams_timestamp_not_unique::TeamsTimes;
use crate::{Options, Severity, Summary, Target};

/// What the checks remember across the records of a batch.
#[derive(Debug, Default)]
pub(crate) struct BatchState {
    facts: Vec<RecordFacts>,
    /// Stream ids by index of first appearance.
    stream_indices: HashMap<String, u32>,
    /// The latest `intendedMessageTimestamp` seen per stream index.
    pub(crate) latest_timestamp_by_stream: Vec<i64>,
    /// Hash of `(originatingSystemId, originalMessageId)` → record index of its first occurrence.
    pub(crate) first_record_by_message_id: MessageIdTable,
    /// Teams target: the timestamps per conversation and the nudges still open (`TEAMS001`).
    pub(crate) teams: TeamsTimes,
    /// How many findings the validator has handed out early ([`crate::Validator::drain_diagnostics`]): the
    /// number of a finding is this plus its index in the validator's list.
    pub(crate) drained_diagnostics: usize,
}

/// The outcome of checking one record on its own, waiting for [`BatchState::absorb`].
#[derive(Debug)]
pub(crate) struct CheckedRecord {
    /// The record's findings in the order found, located in the file (`location.record` is set on absorbing).
    diagnostics: Vec<Diagnostic>,
    has_error: bool,
    has_warning: bool,
    /// The record's `streamId`, when usable.
    stream_id: Option<StreamId>,
    /// `intendedMessageTimestamp`, or 0 when unusable.
    timestamp: i64,
    /// Size of the record's JSON text, in bytes.
    bytes: u32,
    /// The batch rules to run on absorbing, in the order the record's checks reached them.
    batch_checks: DeferredChecks,
}

/// A record's `streamId`, without an allocation when it has no escape (nearly always).
#[derive(Debug)]
enum StreamId {
    /// The id is the text at this span of the record's text.
    InText(Span),
    /// The id, decoded from a string with escapes.
    Decoded(String),
}

/// The batch rules a record reached, in order: each of the three at most once, so they fit without an
/// allocation per record.
type DeferredChecks = [Option<DeferredCheck>; 3];

/// A batch rule the record's checks reached: run on absorbing, its finding inserted at `position`.
#[derive(Debug)]
struct DeferredCheck {
    /// How many of the record's own findings came before this check.
    position: usize,
    /// JSON pointer of the finding.
    pointer: &'static str,
    /// The finding's span in the file.
    source: Span,
    check: BatchCheck,
}

/// The facts one batch rule needs from a record.
#[derive(Debug)]
pub(crate) enum BatchCheck {
    /// `TS004`: the record's timestamp against the latest of its stream.
    OrderInStream { timestamp: i64 },
    /// `BATCH001`: the record's message id key against the earlier records'. The two spans are the JSON
    /// string literals (quotes included) in the record's text, read again only to word a finding.
    MessageId { key: u64, originating_system_id: Span, original_message_id: Span },
    /// `TEAMS001`: the record's timestamp against its conversation's.
    TeamsTimestamp { timestamp: i64 },
}

impl CheckedRecord {
    /// The outcome of a record that could not be parsed (too large, not UTF-8, too deep): its one diagnostic.
    pub(crate) fn unreadable(file_index: usize, mut diagnostic: Diagnostic, source: Span, record_bytes: usize) -> Self {
        diagnostic.location =
            Location { file: file_index, record: None, pointer: String::new(), span: None, source: Some(source) };
        CheckedRecord {
            has_error: diagnostic.severity == Severity::Error,
            has_warning: diagnostic.severity == Severity::Warning,
            diagnostics: vec![diagnostic],
            stream_id: None,
            timestamp: 0,
            bytes: u32::try_from(record_bytes).unwrap_or(u32::MAX),
            batch_checks: DeferredChecks::default(),
        }
    }

    /// The outcome of a record longer than `max_record_bytes`, which was skipped unread.
    pub(crate) fn too_large(file_index: usize, source: Span, max_record_bytes: usize) -> Self {
        let diagnostic = Diagnostic::new(
            Rule::RecordTooLarge,
            format!(
                "the record is {} of JSON, more than the {} Ferry reads",
                humanize::size_with_bytes(source.len() as u64),
                humanize::size_with_bytes(max_record_bytes as u64)
            ),
        )
        .with_help("split large attachments across messages; no message can carry more than 30 MB of attachments");
        CheckedRecord::unreadable(file_index, diagnostic, Span::new(source.start, source.start + 1), source.len())
    }
}

impl BatchState {
    pub(crate) fn facts(&self) -> &[RecordFacts] {
        &self.facts
    }

    /// The index of `stream_id`, assigned on first appearance.
    fn stream_index(&mut self, stream_id: &str) -> u32 {
        if let Some(&index) = self.stream_indices.get(stream_id) {
            return index;
        }
        let index = u32::try_from(self.stream_indices.len()).unwrap_or(RecordFacts::NO_STREAM - 1);
        self.stream_indices.insert(stream_id.to_owned(), index);
        self.latest_timestamp_by_stream.push(i64::MIN);
        index
    }

    /// Takes the next record of the batch (records must come in batch order): numbers it and its findings,
    /// runs the batch rules, counts everything in `summary` and appends the findings to `diagnostics`.
    /// `record_text` is the record's text, where the stream id and the words of a finding are read.
    pub(crate) fn absorb(
        &mut self,
        checked: CheckedRecord,
        file_index: usize,
        options: &Options,
        record_text: &[u8],
        diagnostics: &mut Vec<Diagnostic>,
        summary: &mut Summary,
    ) {
        let CheckedRecord {
            diagnostics: mut found,
            mut has_error,
            mut has_warning,
            stream_id,
            timestamp,
            bytes,
            batch_checks,
        } = checked;
        let record_index = self.facts.len();
        let stream_text: Option<Cow<'_, str>> = stream_id.map(|stream_id| match stream_id {
            StreamId::InText(span) => Cow::Borrowed(
                record_text.get(span.start..span.end).and_then(|bytes| std::str::from_utf8(bytes).ok()).unwrap_or_default(),
            ),
            StreamId::Decoded(text) => Cow::Owned(text),
        });
        let stream = stream_text.as_deref().map(|text| self.stream_index(text));
        // A `TEAMS001` finding with a fix, numbered once it has its place among the findings.
        let mut teams_offer = None;
        let mut inserted = 0;
        for deferred in batch_checks.into_iter().flatten() {
            let finding = match deferred.check {
                BatchCheck::OrderInStream { timestamp } => {
                    stream.and_then(|stream| rules::timestamp_out_of_order::check(self, stream, timestamp))
                }
                BatchCheck::MessageId { key, originating_system_id, original_message_id } => {
                    let literal = |span: Span| decode_literal(record_text, span);
                    rules::duplicate_original_message_id::check(self, record_index, key, || {
                        (literal(originating_system_id), literal(original_message_id))
                    })
                }
                BatchCheck::TeamsTimestamp { timestamp } => stream_text.as_deref().and_then(|text| {
                    let conversation = self.teams.conversation(&teams_conversation_key(options, text));
                    for (finding, next) in self.teams.settle(conversation, timestamp) {
                        let index = finding.checked_sub(self.drained_diagnostics);
                        if let Some(earlier) = index.and_then(|index| diagnostics.get_mut(index)) {
                            if rules::teams_timestamp_not_unique::withdraw_fix(earlier, next) {
                                summary.fixable -= 1;
                            }
                        }
                    }
                    let (finding, offer) =
                        rules::teams_timestamp_not_unique::check(&mut self.teams, options, conversation, timestamp)?;
                    teams_offer = offer;
                    Some(finding)
                }),
            };
            let Some(mut finding) = finding else { continue };
            finding.location = Location {
                file: file_index,
                record: None,
                pointer: deferred.pointer.to_owned(),
                span: None,
                source: Some(deferred.source),
            };
            match finding.severity {
                Severity::Error => has_error = true,
                Severity::Warning => has_warning = true,
                Severity::Info => {}
            }
            found.insert((deferred.position + inserted).min(found.len()), finding);
            inserted += 1;
        }
        for mut diagnostic in found {
            diagnostic.location.record = Some(record_index);
            summary.count(&diagnostic);
            if diagnostic.rule == Rule::TeamsTimestampNotUnique {
                if let Some(offer) = teams_offer.take() {
                    self.teams.opened(offer, self.drained_diagnostics + diagnostics.len());
                }
            }
            diagnostics.push(diagnostic);
        }
        self.facts.push(RecordFacts { stream: stream.unwrap_or(RecordFacts::NO_STREAM), timestamp, bytes, has_error });
        summary.records += 1;
        if has_error {
            summary.records_with_errors += 1;
        } else if has_warning {
            summary.records_with_warnings_only += 1;
        }
    }
}

/// The key of a record's Teams conversation: its Graph path when the maps give one, else its stream id
/// normalised (a path starts with `/`, a stream id never does).
fn teams_conversation_key(options: &Options, stream_id: &str) -> String {
    let directory = options.teams_directory.as_ref();
    match directory.and_then(|directory| directory.conversation(stream_id)) {
        Some(conversation) => conversation.path(),
        None => normalize_stream_id(stream_id),
    }
}

/// The decoded text of the JSON string literal at `span` of `text` (quotes included); empty if it is not one.
fn decode_literal(text: &[u8], span: Span) -> String {
    let literal = text.get(span.start..span.end).and_then(|bytes| std::str::from_utf8(bytes).ok()).unwrap_or("\"\"");
    match json::parse(literal, 1) {
        Ok(ParsedRecord { value: Spanned { value: Value::String(string), .. }, .. }) => string.as_str().to_owned(),
        _ => String::new(),
    }
}

/// The keys of `(originatingSystemId, originalMessageId)` seen (64-bit hashes, used as their own hash), each
/// with the record it first appeared in: the keys and records in two vectors, and a table of indices into them.
/// About 21 bytes per distinct key, and a growing table briefly holds 15 more: a `HashMap<u64, u32>` holds 16
/// to 36 per key and up to 54 while it grows, which was most of the memory of checking a 1 GB batch.
#[derive(Debug, Default)]
pub(crate) struct MessageIdTable {
    /// Each distinct key, in order of first appearance.
    keys: Vec<u64>,
    /// The record each key first appeared in, by the key's place in `keys`.
    first_records: Vec<u32>,
    /// Places in `keys`, hashed by their key.
    places: hashbrown::HashTable<u32>,
}

impl MessageIdTable {
    /// The record where `key` first appeared: `record` when it is new, which is then remembered.
    pub(crate) fn first_record(&mut self, key: u64, record: u32) -> u32 {
        let keys = &self.keys;
        let has_key = |place: &u32| keys.get(*place as usize) == Some(&key);
        if let Some(&place) = self.places.find(key, has_key) {
            return self.first_records.get(place as usize).copied().unwrap_or(record);
        }
        let place = u32::try_from(self.keys.len()).unwrap_or(u32::MAX);
        let keys = &self.keys;
        self.places.insert_unique(key, place, |place| keys.get(*place as usize).copied().unwrap_or(0));
        self.keys.push(key);
        self.first_records.push(record);
        record
    }
}

/// The known members of a record, found by the schema pass.
#[derive(Default)]
pub(crate) struct RecordFields<'r, 'a> {
    pub message: Option<&'r JsonString<'a>>,
    pub data: Option<&'r JsonString<'a>>,
    pub timestamp: Option<(i64, &'r Spanned<'a>)>,
    pub from_user_id: Option<(i64, &'r Spanned<'a>)>,
    pub originating_system_id: Option<&'r JsonString<'a>>,
    pub original_message_id: Option<&'r JsonString<'a>>,
    pub stream_id: Option<&'r JsonString<'a>>,
    pub attachments: Option<(&'r [Spanned<'a>], Span)>,
    pub previews: Option<(&'r [Spanned<'a>], Span)>,
}

/// Checks one record on its own and locates its findings; what needs the batch is deferred (see
/// [`BatchCheck`]).
pub(crate) struct RecordChecker<'v> {
    pub(crate) options: &'v Options,
    diagnostics: Vec<Diagnostic>,
    batch_checks: DeferredChecks,
    file_index: usize,
    /// File offset of the record text's first byte.
    record_start: usize,
    /// The record's text.
    pub(crate) text: &'v str,
    has_error: bool,
    has_warning: bool,
}
/// The fields every record must have, as the OpenAPI lists them.
const REQUIRED_FIELDS: [&str; 5] =
    ["message", "intendedMessageTimestamp", "intendedMessageFromUserId", "originatingSystemId", "streamId"];

/// Every field of `V4ImportedMessage`.
const KNOWN_FIELDS: [&str; 9] = [
    "message",
    "data",
    "intendedMessageTimestamp",
    "intendedMessageFromUserId",
    "originatingSystemId",
    "originalMessageId",
    "streamId",
    "attachments",
    "previews",
];

impl<'v> RecordChecker<'v> {
    pub(crate) fn new(options: &'v Options, file_index: usize, record_start: usize, text: &'v str) -> Self {
        RecordChecker {
            options,
            diagnostics: Vec::new(),
            batch_checks: DeferredChecks::default(),
            file_index,
            record_start,
            text,
            has_error: false,
            has_warning: false,
        }
    }

    /// Emits `diagnostic` at `pointer`, with `source` a span in the record text and `span` inside the field.
    /// A finding whose rule does not apply to the run's target ([`Rule::targets`]) is dropped.
    pub(crate) fn emit(&mut self, mut diagnostic: Diagnostic, pointer: &str, source: Span, span: Option<Span>) {
        if !diagnostic.rule.applies_to(self.options.target) {
            return;
        }
        diagnostic.location = Location {
            file: self.file_index,
            record: None,
            pointer: pointer.to_owned(),
            span,
            source: Some(source.shifted(self.record_start)),
        };
        match diagnostic.severity {
            crate::Severity::Error => self.has_error = true,
            crate::Severity::Warning => self.has_warning = true,
            crate::Severity::Info => {}
        }
        self.diagnostics.push(diagnostic);
    }

    /// Defers a batch rule to [`BatchState::absorb`]; its finding, if any, will be about `source` (a span in
    /// the record text) at `pointer`.
    pub(crate) fn defer(&mut self, check: BatchCheck, pointer: &'static str, source: Span) {
        let deferred = DeferredCheck {
            position: self.diagnostics.len(),
            pointer,
            source: source.shifted(self.record_start),
            check,
        };
        // INVARIANT: each batch rule is reached at most once per record, so a slot is free.
        if let Some(slot) = self.batch_checks.iter_mut().find(|slot| slot.is_none()) {
            *slot = Some(deferred);
        }
    }

    /// Emits a finding about a whole value.
    pub(crate) fn emit_at_value(&mut self, diagnostic: Diagnostic, pointer: &str, value: &Spanned<'_>) {
        self.emit(diagnostic, pointer, value.span, None);
    }

    /// Emits a finding about `decoded` bytes inside a string field.
    pub(crate) fn emit_in_string(
        &mut self,
        diagnostic: Diagnostic,
        pointer: &str,
        string: &JsonString<'_>,
        decoded: Span,
    ) {
        let source = string.source_span(decoded);
        self.emit(diagnostic, pointer, source, Some(decoded));
    }

    /// Emits a finding about a whole string field (its text, without the quotes).
    pub(crate) fn emit_at_string(&mut self, diagnostic: Diagnostic, pointer: &str, string: &JsonString<'_>) {
        let source = Span::new(string.raw_start, string.raw_start + string.raw.len());
        self.emit(diagnostic, pointer, source, None);
    }

    /// Checks the record.
    pub(crate) fn check(mut self, parsed: &ParsedRecord<'_>) -> CheckedRecord {
        for &key_span in &parsed.duplicate_keys {
            let key = self.text.get(key_span.start..key_span.end).unwrap_or("");
            let pointer = pointer_to_key(&parsed.value, key_span).unwrap_or_default();
            self.emit(
                Diagnostic::new(Rule::DuplicateKey, format!("the key {key} appears more than once in the same object"))
                    .with_help("the Agent keeps only the last value; remove the other copies"),
                &pointer,
                key_span,
                None,
            );
        }
        let Value::Object(members) = &parsed.value.value else {
            self.emit_at_value(
                Diagnostic::new(
                    Rule::RecordNotObject,
                    format!("the record is {}, not an object", parsed.value.value.type_name()),
                )
                .with_help("every element of the batch must be a V4ImportedMessage object"),
                "",
                &parsed.value,
            );
            return self.into_outcome(None, 0);
        };
        let fields = self.check_schema(members, &parsed.value);
        rules::check_record(&mut self, &fields, parsed.value.span);
        let timestamp = fields.timestamp.map_or(0, |(timestamp, _)| timestamp);
        let stream_id = fields.stream_id.map(|stream_id| match &stream_id.decoded {
            Cow::Borrowed(_) => {
                StreamId::InText(Span::new(stream_id.raw_start, stream_id.raw_start + stream_id.raw.len()))
            }
            Cow::Owned(decoded) => StreamId::Decoded(decoded.clone()),
        });
        self.into_outcome(stream_id, timestamp)
    }

    fn into_outcome(self, stream_id: Option<StreamId>, timestamp: i64) -> CheckedRecord {
        CheckedRecord {
            diagnostics: self.diagnostics,
            has_error: self.has_error,
            has_warning: self.has_warning,
            stream_id,
            timestamp,
            bytes: u32::try_from(self.text.trim_ascii().len()).unwrap_or(u32::MAX),
            batch_checks: self.batch_checks,
        }
    }

    /// The schema pass: types, presence, emptiness, unknown members. Returns the usable fields.
    fn check_schema<'r, 'a>(&mut self, members: &'r [Member<'a>], record: &Spanned<'a>) -> RecordFields<'r, 'a> {
        let mut fields = RecordFields::default();
        let mut present = [false; REQUIRED_FIELDS.len()];
        for member in members {
            let key = member.key.as_str();
            let value = &member.value;
            if let Some(position) = REQUIRED_FIELDS.iter().position(|name| *name == key) {
                present[position] = !matches!(value.value, Value::Null);
            }
            // Known keys need no escaping, so their pointers are static: no allocation per field.
            match key {
                // An empty message is the MessageML checks' to report, in the Agent's words.
                "message" => fields.message = self.optional_string(key, "/message", value),
                "originatingSystemId" => {
                    fields.originating_system_id = self.required_string(key, "/originatingSystemId", value);
                }
                "streamId" => fields.stream_id = self.required_string(key, "/streamId", value),
                "originalMessageId" => {
                    fields.original_message_id = self.optional_string(key, "/originalMessageId", value);
                }
                "data" => fields.data = self.entity_data("/data", value),
                "intendedMessageTimestamp" => fields.timestamp = self.integer(key, "/intendedMessageTimestamp", value),
                "intendedMessageFromUserId" => {
                    fields.from_user_id = self.integer(key, "/intendedMessageFromUserId", value);
                }
                "attachments" => fields.attachments = self.attachment_list(key, "/attachments", value),
                "previews" => fields.previews = self.attachment_list(key, "/previews", value),
                _ => {
                    let pointer = format!("/{}", escape_pointer_token(key));
                    self.unknown_field(&member.key, &pointer, &KNOWN_FIELDS, "V4ImportedMessage");
                }
            }
        }
        for (name, found) in REQUIRED_FIELDS.iter().zip(present) {
            if !found {
                self.missing_field(name, "", record);
            }
        }
        fields
    }

    /// Reports field `name` missing from the object at `pointer`, pointing at the object (its opening brace):
    /// the message names the field.
    pub(crate) fn missing_field(&mut self, name: &str, pointer: &str, object: &Spanned<'_>) {
        let place = if pointer.is_empty() { String::new() } else { format!(" in `{pointer}`") };
        self.emit(
            Diagnostic::new(Rule::MissingRequiredField, format!("required field `{name}` is missing or null{place}"))
                .with_help(field_help(name)),
            pointer,
            Span::new(object.span.start, object.span.start + 1),
            None,
        );
    }

    pub(crate) fn unknown_field(&mut self, key: &JsonString<'_>, pointer: &str, known: &[&str], schema: &str) {
        let name = key.as_str();
        let mut diagnostic =
            Diagnostic::new(Rule::UnknownField, format!("`{name}` is not a field of {schema}; the Agent ignores it"));
        if let Some(intended) = known.iter().find(|known| known.eq_ignore_ascii_case(name)) {
            diagnostic = diagnostic.with_help(format!("did you mean `{intended}`? Field names are case-sensitive"));
        } else if name == "format" {
            diagnostic = diagnostic
                .with_help("Symphony's own examples send `format`, but the import reads MessageML only; remove it");
        } else {
            diagnostic = diagnostic.with_help(format!("remove it, or check the spelling against {schema}"));
        }
        let source = Span::new(key.raw_start.saturating_sub(1), key.raw_start + key.raw.len() + 1);
        self.emit(diagnostic, pointer, source, None);
    }

    fn wrong_type(&mut self, pointer: &str, name: &str, expected: &str, value: &Spanned<'_>) {
        self.emit_at_value(
            Diagnostic::new(
                Rule::WrongFieldType,
                format!("`{name}` must be {expected}, not {}", value.value.type_name()),
            ),
            pointer,
            value,
        );
    }

    /// A required string: present, a string, not blank.
    pub(crate) fn required_string<'r, 'a>(
        &mut self,
        name: &str,
        pointer: &str,
        value: &'r Spanned<'a>,
    ) -> Option<&'r JsonString<'a>> {
        match &value.value {
            Value::String(string) => {
                if string.as_str().trim().is_empty() {
                    self.emit_at_value(
                        Diagnostic::new(Rule::EmptyRequiredField, format!("`{name}` is empty"))
                            .with_help(field_help(name)),
                        pointer,
                        value,
                    );
                    return None;
                }
                Some(string)
            }
            // A null required field is reported as missing.
            Value::Null => None,
            _ => {
                self.wrong_type(pointer, name, "a string", value);
                None
            }
        }
    }

    fn optional_string<'r, 'a>(
        &mut self,
        name: &str,
        pointer: &str,
        value: &'r Spanned<'a>,
    ) -> Option<&'r JsonString<'a>> {
        match &value.value {
            Value::String(string) => Some(string),
            Value::Null => None,
            _ => {
                self.wrong_type(pointer, name, "a string", value);
                None
            }
        }
    }

    fn entity_data<'r, 'a>(&mut self, pointer: &str, value: &'r Spanned<'a>) -> Option<&'r JsonString<'a>> {
        match &value.value {
            Value::String(string) => Some(string),
            Value::Null => None,
            Value::Object(_) | Value::Array(_) => {
                rules::entity_data_not_string::check(self, pointer, value);
                None
            }
            _ => {
                self.wrong_type(pointer, "data", "a string holding a JSON object", value);
                None
            }
        }
    }

    /// An `int64` field: a JSON integer, read exactly. A string of digits, a float or an out-of-range
    /// number is reported; the value is still returned when it can be read, so later rules can check it.
    fn integer<'r, 'a>(&mut self, name: &str, pointer: &str, value: &'r Spanned<'a>) -> Option<(i64, &'r Spanned<'a>)> {
        match &value.value {
            Value::Number(text) => {
                rules::number_not_integer::read(self, name, pointer, value, text).map(|number| (number, value))
            }
            Value::String(string) => {
                rules::number_as_string::check(self, name, pointer, value, string).map(|number| (number, value))
            }
            Value::Null => None,
            _ => {
                self.wrong_type(pointer, name, "an integer (int64)", value);
                None
            }
        }
    }

    fn attachment_list<'r, 'a>(
        &mut self,
        name: &str,
        pointer: &str,
        value: &'r Spanned<'a>,
    ) -> Option<(&'r [Spanned<'a>], Span)> {
        match &value.value {
            Value::Array(items) => Some((items.as_slice(), value.span)),
            Value::Null => None,
            _ => {
                self.wrong_type(pointer, name, "an array of {filename, content} objects", value);
                None
            }
        }
    }
}

/// The JSON pointer of the member whose key is at `key_span` (the later copy of a duplicate key), found by
/// descending into the value that holds the span. Only called for duplicates, so its cost is off the hot path.
fn pointer_to_key(value: &Spanned<'_>, key_span: Span) -> Option<String> {
    let mut pointer = String::new();
    let mut current = value;
    loop {
        let contains =
            |candidate: &Spanned<'_>| candidate.span.start <= key_span.start && key_span.end <= candidate.span.end;
        match &current.value {
            Value::Object(members) => {
                for member in members {
                    // The key's span: its raw text plus the quotes.
                    if member.key.raw_start == key_span.start + 1 {
                        pointer.push('/');
                        pointer.push_str(&escape_pointer_token(member.key.as_str()));
                        return Some(pointer);
                    }
                }
                let member = members.iter().find(|member| contains(&member.value))?;
                pointer.push('/');
                pointer.push_str(&escape_pointer_token(member.key.as_str()));
                current = &member.value;
            }
            Value::Array(items) => {
                let (index, item) = items.iter().enumerate().find(|(_, item)| contains(item))?;
                pointer.push_str(&format!("/{index}"));
                current = item;
            }
            _ => return None,
        }
    }
}

/// Escapes a key as an RFC 6901 reference token (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape_pointer_token(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        std::borrow::Cow::Owned(key.replace('~', "~0").replace('/', "~1"))
    } else {
        std::borrow::Cow::Borrowed(key)
    }
}

pub(crate) fn field_help(name: &str) -> &'static str {
    match name {
        "message" => "give the message text as MessageML, e.g. \"<messageML>Hello</messageML>\"",
        "intendedMessageTimestamp" => "give when the message was sent, in milliseconds since 1970-01-01 UTC",
        "intendedMessageFromUserId" => "give the Symphony user id (int64) of the sender",
        "originatingSystemId" => "name the system the message comes from, e.g. \"slack\"",
        "streamId" => "give the id of the Symphony conversation (room or IM) to import into",
        "filename" => "give the attachment's file name with its extension, e.g. \"report.pdf\"",
        "content" => "give the attachment's bytes as standard base64",
        _ => "fill it in or remove the record",
    }
}

/// The 64-bit key of `(originatingSystemId, originalMessageId)` for duplicate detection.
pub(crate) fn message_id_key(originating_system_id: &str, original_message_id: &str) -> u64 {
    Fnv128::new().field(originating_system_id.as_bytes()).field(original_message_id.as_bytes()).finish_64()
}

impl RecordChecker<'_> {
    /// The run's target.
    pub(crate) fn target(&self) -> Target {
        self.options.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn the_message_id_table_remembers_each_key_s_first_record() {
        // (key, record) in batch order → the first record of the key.
        let table: &[(u64, u32, u32)] = &[(7, 0, 0), (9, 1, 1), (7, 2, 0), (0, 3, 3), (9, 4, 1), (0, 5, 3), (8, 6, 6)];
        let mut ids = MessageIdTable::default();
        for &(key, record, first) in table {
            assert_eq!(ids.first_record(key, record), first, "key {key} at record {record}");
        }
        // Enough keys to make the table grow several times.
        let mut ids = MessageIdTable::default();
        for record in 0..10_000_u32 {
            assert_eq!(ids.first_record(u64::from(record).wrapping_mul(0x9E37_79B9_7F4A_7C15), record), record);
        }
        for record in 0..10_000_u32 {
            assert_eq!(ids.first_record(u64::from(record).wrapping_mul(0x9E37_79B9_7F4A_7C15), 99_999), record);
        }
    }

    #[test]
    fn duplicate_keys_get_the_pointer_of_their_member() {
        let table: &[(&str, &str)] = &[
            (r#"{"a":1,"a":2}"#, "/a"),
            (r#"{"x":{"y":[0,{"a/b":1,"a/b":2}]}}"#, "/x/y/1/a~1b"),
            (r#"{"attachments":[{"filename":"a","filename":"b"}]}"#, "/attachments/0/filename"),
        ];
        for (text, expected) in table {
            let parsed = match json::parse(text, 16) {
                Ok(parsed) => parsed,
                Err(error) => panic!("{text}: {error}"),
            };
            let pointers: Vec<Option<String>> =
                parsed.duplicate_keys.iter().map(|&span| pointer_to_key(&parsed.value, span)).collect();
            assert_eq!(pointers, vec![Some((*expected).to_owned())], "{text}");
        }
    }
}
