//! The import rules, one file per problem found. Codes are assigned in [`crate::registry`].
//!
//! `check_record` runs every record rule, in the order of the fields of `V4ImportedMessage`, after the
//! schema pass (the crate's private `record` module) found the usable fields.

pub mod attachment_filename_with_path;
pub mod attachment_filename_without_extension;
pub mod attachment_not_base64;
pub mod attachment_over_client_limit;
pub mod attachments_too_large;
pub mod duplicate_key;
pub mod duplicate_original_message_id;
pub mod empty_input;
pub mod empty_required_field;
pub mod entity_data_not_string;
pub mod invalid_utf8;
pub mod malformed_json;
pub mod message_too_long;
pub mod missing_original_message_id;
pub mod missing_required_field;
pub mod json_nesting_too_deep;
pub mod number_as_string;
pub mod number_not_integer;
pub mod number_out_of_range;
pub mod preview_count_mismatch;
pub mod preview_not_image;
pub mod record_not_object;
pub mod record_too_large;
pub mod stream_id_invalid_character;
pub mod stream_id_standard_base64;
pub mod teams_timestamp_before_conversation;
pub mod teams_message_too_large;
pub mod teams_timestamp_not_unique;
pub mod teams_content_not_imported;
pub mod teams_mention_not_mapped;
pub mod teams_sender_not_mapped;
pub mod teams_stream_not_mapped;
pub mod timestamp_in_future;
pub mod timestamp_in_seconds;
pub mod timestamp_not_positive;
pub mod timestamp_out_of_order;
pub mod top_level_not_batch;
pub mod too_many_attachments;
pub mod too_many_entities;
pub mod too_many_unique_tokens;
pub mod unknown_field;
pub mod user_id_not_positive;
pub mod wrong_field_type;

use std::collections::BTreeMap;

use crate::diagnostic::{Diagnostic, Span};
use crate::fix::wrap_message_fix;
use crate::json::{JsonString, Spanned, Value};
use crate::messageml::{self, MessageMlOptions};
use crate::record::{escape_pointer_token, message_id_key, BatchCheck, RecordChecker, RecordFields};
use crate::registry::Rule;
use crate::teams::{self, AttachmentSource};
use crate::Target;

/// Runs every record and batch rule on a record whose schema pass gave `fields`.
pub(crate) fn check_record(
    checker: &mut RecordChecker<'_>,
    fields: &RecordFields<'_, '_>,
    record_span: Span,
) {
    // The content of `data` (a JSON object in a string) is checked with the MessageML, which reads it as the
    // Agent does and reports it in the Agent's words.
    if let Some(message) = fields.message {
        check_messageml(checker, message, fields.data);
        too_many_entities::check(checker, message);
        message_too_long::check(checker, message);
        too_many_unique_tokens::check(checker, message);
    }
    if let Some((timestamp, value)) = fields.timestamp {
        let implausible = timestamp_not_positive::check(checker, timestamp, value)
            || timestamp_in_seconds::check(checker, timestamp, value);
        let in_future = timestamp_in_future::check(checker, timestamp, value);
        // Order is only worth noting between timestamps that are themselves plausible: one wrong value must
        // not make every later record of its stream look out of order.
        if fields.stream_id.is_some() && !(implausible || in_future) {
            checker.defer(BatchCheck::OrderInStream { timestamp }, "/intendedMessageTimestamp", value.span);
        }
    }
    if let Some((user_id, value)) = fields.from_user_id {
        user_id_not_positive::check(checker, user_id, value);
    }
    if let Some(stream_id) = fields.stream_id {
        if checker.target() == Target::Symphony {
            stream_id_standard_base64::check(checker, stream_id);
        }
    }
    check_attachments(checker, fields);
    match (fields.originating_system_id, fields.original_message_id) {
        (Some(system), Some(id)) if !id.as_str().trim().is_empty() => {
            let source = Span::new(id.raw_start, id.raw_start + id.raw.len());
            let check = BatchCheck::MessageId {
                key: message_id_key(system.as_str(), id.as_str()),
                originating_system_id: string_literal_span(system),
                original_message_id: string_literal_span(id),
            };
            checker.defer(check, "/originalMessageId", source);
        }
        (_, Some(id)) if !id.as_str().trim().is_empty() => {}
        (_, Some(blank)) => {
            let source = Span::new(blank.raw_start, blank.raw_start + blank.raw.len());
            missing_original_message_id::check(checker, fields, "/originalMessageId", source);
        }
        (_, None) => {
            let source = Span::new(record_span.start, record_span.start + 1);
            missing_original_message_id::check(checker, fields, "", source);
        }
    }
    if checker.target() == Target::Teams {
        check_teams(checker, fields);
        if let (Some(stream_id), Some((timestamp, value))) = (fields.stream_id, fields.timestamp) {
            checker.defer(BatchCheck::TeamsTimestamp { timestamp }, "/intendedMessageTimestamp", value.span);
            teams_timestamp_before_conversation::check(checker, stream_id.as_str(), timestamp, value);
        }
    }
}

/// The Teams rules of one record: the maps (when given), then the post as converted.
fn check_teams(checker: &mut RecordChecker<'_>, fields: &RecordFields<'_, '_>) {
    let no_users = BTreeMap::new();
    let directory = checker.options.teams_directory.as_ref();
    if let Some(directory) = directory {
        if let Some((user_id, value)) = fields.from_user_id {
            teams_sender_not_mapped::check(checker, directory, user_id, value);
        }
        if let Some(stream_id) = fields.stream_id {
            teams_stream_not_mapped::check(checker, directory, stream_id);
        }
    }
    let Some(message) = fields.message else { return };
    let attachments = attachment_sources(fields);
    let users = directory.map_or(&no_users, |directory| &directory.users);
    let post = teams::render_post(message.as_str(), fields.data.map(JsonString::as_str), &attachments, users);
    teams_message_too_large::check(checker, &post, message);
    // Without the maps every mention is unmapped: the rule would only say that the maps were not given.
    if directory.is_some() {
        teams_mention_not_mapped::check(checker, &post, message);
    }
    teams_content_not_imported::check(checker, &post, message);
}

/// The record's attachments that have a string `filename` and `content`, as the Teams conversion reads them.
fn attachment_sources<'r>(fields: &RecordFields<'r, '_>) -> Vec<AttachmentSource<'r>> {
    let Some((items, _)) = fields.attachments else { return Vec::new() };
    items
        .iter()
        .filter_map(|item| {
            let Value::Object(members) = &item.value else { return None };
            let text = |name: &str| {
                members.iter().find(|member| member.key.as_str() == name).and_then(|member| match &member.value.value {
                    Value::String(string) => Some(string.as_str()),
                    _ => None,
                })
            };
            Some(AttachmentSource { filename: text("filename")?, content_base64: text("content")? })
        })
        .collect()
}

/// Runs the MessageML checks on `message` and locates their findings. The rejection of a plain-text message
/// (MML002) gets the fix wrapping the text in `<messageML>` with XML escaping. Findings about the EntityJSON
/// point at `data`.
/// The span of `string`'s literal in the record text, quotes included.
fn string_literal_span(string: &JsonString<'_>) -> Span {
    Span::new(string.raw_start.saturating_sub(1), string.raw_start + string.raw.len() + 1)
}

fn check_messageml(checker: &mut RecordChecker<'_>, message: &JsonString<'_>, data: Option<&JsonString<'_>>) {
    let findings = messageml::check_message(message.as_str(), data.map(JsonString::as_str), &MessageMlOptions::default());
    for mut finding in findings {
        if finding.rule == Rule::PlainTextMessage && finding.fix.is_none() && !message.as_str().trim().is_empty() {
            finding.fix = Some(wrap_message_fix(message.as_str()));
        }
        let about_data = finding.location.pointer == "/data" || finding.message.contains("EntityJSON");
        match (about_data, data) {
            (true, Some(data)) => {
                let span = finding.location.span.filter(|_| finding.location.pointer == "/data");
                match span {
                    Some(span) => checker.emit_in_string(finding, "/data", data, clamp_span(span, data.as_str())),
                    None => checker.emit_at_string(finding, "/data", data),
                }
            }
            _ => match finding.location.span {
                Some(span) => checker.emit_in_string(finding, "/message", message, clamp_span(span, message.as_str())),
                None => checker.emit_at_string(finding, "/message", message),
            },
        }
    }
}

/// Clamps a span to the text and to character boundaries, so every span stays inside its field.
fn clamp_span(span: Span, text: &str) -> Span {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    Span::new(start, end)
}

/// Checks `attachments` and `previews`: each entry's fields, then counts and totals.
fn check_attachments(checker: &mut RecordChecker<'_>, fields: &RecordFields<'_, '_>) {
    let mut attachment_count = 0;
    if let Some((items, list_span)) = fields.attachments {
        let mut total_bytes: u64 = 0;
        for (index, item) in items.iter().enumerate() {
            let pointer = format!("/attachments/{index}");
            if let Some(size) = check_attachment(checker, &pointer, item, false) {
                total_bytes += size as u64;
            }
        }
        attachment_count = items.len();
        attachments_too_large::check(checker, total_bytes, list_span);
        too_many_attachments::check(checker, items.len(), list_span);
    }
    if let Some((items, list_span)) = fields.previews {
        for (index, item) in items.iter().enumerate() {
            check_attachment(checker, &format!("/previews/{index}"), item, true);
        }
        preview_count_mismatch::check(checker, attachment_count, items.len(), list_span);
    }
}

/// The members of `V4ImportedMessageAttachment`.
const ATTACHMENT_FIELDS: [&str; 2] = ["filename", "content"];

/// Checks one attachment or preview; returns its decoded size when its content is valid base64.
fn check_attachment(checker: &mut RecordChecker<'_>, pointer: &str, item: &Spanned<'_>, is_preview: bool) -> Option<usize> {
    let Value::Object(members) = &item.value else {
        checker.emit_at_value(
            Diagnostic::new(
                Rule::WrongFieldType,
                format!("`{pointer}` must be a {{filename, content}} object, not {}", item.value.type_name()),
            ),
            pointer,
            item,
        );
        return None;
    };
    let mut filename = None;
    let mut content = None;
    let mut present = [false; ATTACHMENT_FIELDS.len()];
    for member in members {
        let key = member.key.as_str();
        let member_pointer = format!("{pointer}/{}", escape_pointer_token(key));
        match key {
            "filename" => {
                present[0] = !matches!(member.value.value, Value::Null);
                filename = checker.required_string(key, &member_pointer, &member.value);
            }
            "content" => {
                present[1] = !matches!(member.value.value, Value::Null);
                content = checker.required_string(key, &member_pointer, &member.value);
            }
            _ => checker.unknown_field(&member.key, &member_pointer, &ATTACHMENT_FIELDS, "V4ImportedMessageAttachment"),
        }
    }
    for (name, found) in ATTACHMENT_FIELDS.iter().zip(present) {
        if !found {
            checker.missing_field(name, pointer, item);
        }
    }
    if let Some(filename) = filename {
        attachment_filename_with_path::check(checker, pointer, filename);
        attachment_filename_without_extension::check(checker, pointer, filename);
    }
    let size = attachment_not_base64::check(checker, pointer, content?)?;
    if !is_preview {
        attachment_over_client_limit::check(checker, pointer, content?, size);
    }
    if is_preview {
        preview_not_image::check(checker, pointer, filename, content?);
    }
    Some(size)
}
