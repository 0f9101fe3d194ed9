//! The Agent's message import (`POST /agent/v4/message/import`): request parsing, per-message checks, storage.
//!
//! Request level (the whole request fails with `{"code", "message"}` and nothing is stored):
//! - the body is not JSON, not an array, an element is not an object, or a field has the wrong JSON type
//!   (a string where an integer belongs): 400, naming the record (0-based) and the field;
//! - more than [`crate::Config::max_messages_per_request`] messages: 400 (the documentation recommends at most
//!   5,000 per request; the default cap is twice that).
//!
//! Message level (one `V4ImportResponse` per message, in request order; a failing message never fails the
//! others). Checked in this order:
//! 1. A repeat: when `originalMessageId` is given and `(originatingSystemId, originalMessageId)` was already
//!    imported (earlier, or earlier in the same request), the message is ignored, as the documentation says,
//!    and answered with the first import's `messageId` and a `diagnostic` saying it is a repeat. The real
//!    Agent's wording is not public; this answer keeps a re-run idempotent and still tells the client which
//!    messages were skipped.
//! 2. Every error-severity finding of ferry-core for the record (MessageML with the Agent parser's wording,
//!    attachments, timestamps, required fields), except the core's batch-level duplicate findings, which the
//!    sandbox replaces with its own dedupe against what is stored.
//! 3. The sandbox's own checks against its state: the stream exists and is active; the sender exists, is
//!    active and is a member of the stream; the timestamp is not in the future; required fields are present;
//!    attachment content is base64. A check on a field the core already reported is not repeated.
//!
//! A message with any error gets `diagnostic` (all errors joined with `; `) and no `messageId`. The importing
//! service user need not be a member of the stream: the field table of the import documentation says so, and
//! admin IMs, which the documentation requires for IM imports, do not include it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ferry_core::{Options, Severity, Target};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::ids::{new_symphony_id, normalize_stream_id};
use crate::store::{Directory, NewMessage, Store};

/// One message of the request (`V4ImportedMessage`). Optional fields may be absent or `null` (BDK 2.x sends
/// `null`); required fields are optional here so that a missing one fails that message only.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImportedMessage {
    message: Option<String>,
    data: Option<String>,
    intended_message_timestamp: Option<i64>,
    intended_message_from_user_id: Option<i64>,
    originating_system_id: Option<String>,
    original_message_id: Option<String>,
    stream_id: Option<String>,
    attachments: Option<Vec<ImportedAttachment>>,
    previews: Option<Vec<ImportedAttachment>>,
}

/// `V4ImportedMessageAttachment`.
#[derive(Debug, Default, Deserialize)]
struct ImportedAttachment {
    filename: Option<String>,
    content: Option<String>,
}

/// One answer (`V4ImportResponse`); absent fields are left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResponse {
    /// The stored message's id (or, for a repeat, the first import's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Echoed from the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub originating_system_id: Option<String>,
    /// Echoed from the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_message_id: Option<String>,
    /// Why the message was not imported, or that it was a repeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnostic: Option<String>,
}

/// What one import request did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    /// One answer per message, in request order.
    pub responses: Vec<ImportResponse>,
    /// Messages stored by this request.
    pub stored: usize,
}

/// Parses, checks and stores one import request body for the service user `importer`.
///
/// # Errors
/// 400 for a body that is not a JSON array of message objects with the right field types, or with more than
/// `max_messages` messages; 500 when the state fails (then nothing of the request is stored).
pub fn import_batch(
    store: &std::sync::Mutex<Store>,
    importer: i64,
    body: &[u8],
    now_millis: i64,
    max_messages: usize,
) -> Result<ImportOutcome, AppError> {
    let messages = parse_request(body, max_messages)?;
    let core_errors = core_errors_by_record(body, messages.len(), now_millis);
    let decoded: Vec<DecodedFiles> = messages.iter().map(decode_files).collect();
    let mut store = crate::lock_fresh_store(store)?;
    let transaction = store.begin_import()?;
    let mut outcome = ImportOutcome { responses: Vec::with_capacity(messages.len()), stored: 0 };
    for (index, message) in messages.iter().enumerate() {
        let mut response = ImportResponse {
            message_id: None,
            originating_system_id: message.originating_system_id.clone(),
            original_message_id: message.original_message_id.clone(),
            diagnostic: None,
        };
        if let (Some(system), Some(original)) = (&message.originating_system_id, &message.original_message_id) {
            if let Some(first) = transaction.find_imported(system, original)? {
                response.diagnostic = Some(format!(
                    "Duplicate ignored: originalMessageId \"{original}\" from originatingSystemId \"{system}\" was \
                     already imported as messageId {first}; this message was not imported again"
                ));
                response.message_id = Some(first);
                outcome.responses.push(response);
                continue;
            }
        }
        let core = core_errors.get(index).map(Vec::as_slice).unwrap_or_default();
        let mut errors: Vec<String> = core.iter().map(|(_, text)| text.clone()).collect();
        let files = &decoded[index];
        for (pointer, text) in own_checks(transaction.directory(), message, files, now_millis) {
            let reported_by_core = core.iter().any(|(core_pointer, _)| {
                !core_pointer.is_empty() && (pointer.starts_with(core_pointer.as_str()) || core_pointer.starts_with(&pointer))
            });
            if !reported_by_core {
                errors.push(text);
            }
        }
        let complete = (
            &message.message,
            message.intended_message_timestamp,
            message.intended_message_from_user_id,
            &message.originating_system_id,
            &message.stream_id,
        );
        match (errors.is_empty(), complete) {
            (true, (Some(text), Some(timestamp), Some(sender), Some(system), Some(stream_id))) => {
                let message_id = new_symphony_id();
                transaction.insert(&NewMessage {
                    message_id: &message_id,
                    stream_id: &normalize_stream_id(stream_id),
                    user_id: sender,
                    timestamp,
                    message: text,
                    data: message.data.as_deref(),
                    originating_system_id: system,
                    original_message_id: message.original_message_id.as_deref(),
                    imported_by: importer,
                    imported_at: now_millis,
                    attachments: &files.attachments,
                    previews: &files.previews,
                })?;
                response.message_id = Some(message_id);
                outcome.stored += 1;
            }
            _ => {
                if errors.is_empty() {
                    // `own_checks` reports every missing required field, so `errors` is not empty here; should
                    // that ever change, answer with a diagnostic rather than store half a message.
                    errors.push("Message is incomplete".to_owned());
                }
                response.diagnostic = Some(errors.join("; "));
            }
        }
        outcome.responses.push(response);
    }
    transaction.commit()?;
    Ok(outcome)
}

fn parse_request(body: &[u8], max_messages: usize) -> Result<Vec<ImportedMessage>, AppError> {
    // Fast path: the whole body as typed messages. Only when that fails is it parsed again, loosely, to say
    // which record and field are wrong.
    let typed_error = match serde_json::from_slice::<Vec<ImportedMessage>>(body) {
        Ok(messages) => {
            check_count(messages.len(), max_messages)?;
            return Ok(messages);
        }
        Err(error) => error,
    };
    let records = match serde_json::from_slice::<serde_json::Value>(body) {
        Err(error) => return Err(AppError::bad_request(format!("Request body is not valid JSON: {error}"))),
        Ok(serde_json::Value::Array(records)) => records,
        Ok(other) => {
            return Err(AppError::bad_request(format!(
                "Request body must be a JSON array of messages (V4MessageImportList), not {}",
                json_kind(&other)
            )))
        }
    };
    check_count(records.len(), max_messages)?;
    for (index, record) in records.into_iter().enumerate() {
        let serde_json::Value::Object(fields) = &record else {
            return Err(AppError::bad_request(format!(
                "Record {index} must be a JSON object (V4ImportedMessage), not {}",
                json_kind(&record)
            )));
        };
        for (name, value) in fields {
            let probe = serde_json::Value::Object(std::iter::once((name.clone(), value.clone())).collect());
            if let Err(error) = serde_json::from_value::<ImportedMessage>(probe) {
                return Err(AppError::bad_request(format!("Record {index}, field `{name}`: {error}")));
            }
        }
    }
    Err(AppError::bad_request(format!("Request body is not a list of V4ImportedMessage: {typed_error}")))
}

fn check_count(count: usize, max_messages: usize) -> Result<(), AppError> {
    if count > max_messages {
        return Err(AppError::bad_request(format!(
            "Too many messages in one request: {count}; the sandbox accepts at most {max_messages} \
             (the import documentation recommends batches of at most 5,000)"
        )));
    }
    Ok(())
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Error-severity core findings per record: (JSON pointer, message).
fn core_errors_by_record(body: &[u8], records: usize, now_millis: i64) -> Vec<Vec<(String, String)>> {
    // Request planning (records and bytes per request) is the sandbox's own business: its limits apply.
    let options = Options {
        max_records_per_request: usize::MAX,
        max_request_bytes: u64::MAX,
        ..Options::new(Target::Symphony, now_millis)
    };
    let report = ferry_core::validate(body, &options);
    let mut by_record = vec![Vec::new(); records];
    for diagnostic in report.diagnostics {
        if diagnostic.severity != Severity::Error || is_batch_duplicate_finding(&diagnostic) {
            continue;
        }
        if let Some(errors) = diagnostic.location.record.and_then(|record| by_record.get_mut(record)) {
            errors.push((diagnostic.location.pointer, diagnostic.message));
        }
    }
    by_record
}

/// The core reports repeats within a batch; the sandbox answers repeats itself, against what it stored.
fn is_batch_duplicate_finding(diagnostic: &ferry_core::Diagnostic) -> bool {
    diagnostic.rule == ferry_core::Rule::DuplicateOriginalMessageId
}

#[derive(Default)]
struct DecodedFiles {
    attachments: Vec<(String, Vec<u8>)>,
    previews: Vec<(String, Vec<u8>)>,
    errors: Vec<(String, String)>,
}

fn decode_files(message: &ImportedMessage) -> DecodedFiles {
    let mut decoded = DecodedFiles::default();
    for (field, list) in [("attachments", &message.attachments), ("previews", &message.previews)] {
        for (position, file) in list.iter().flatten().enumerate() {
            let pointer = format!("/{field}/{position}");
            let Some(filename) = file.filename.as_deref().filter(|name| !name.is_empty()) else {
                decoded.errors.push((format!("{pointer}/filename"), format!("{field}[{position}] has no filename")));
                continue;
            };
            let content = file.content.as_deref().unwrap_or_default();
            match STANDARD.decode(content) {
                Ok(bytes) => {
                    let target = if field == "attachments" { &mut decoded.attachments } else { &mut decoded.previews };
                    target.push((filename.to_owned(), bytes));
                }
                Err(error) => decoded
                    .errors
                    .push((format!("{pointer}/content"), format!("{field}[{position}] ({filename}) content is not Base64: {error}"))),
            }
        }
    }
    decoded
}

/// The sandbox's checks against its own state: (JSON pointer, message).
fn own_checks(directory: &Directory, message: &ImportedMessage, files: &DecodedFiles, now_millis: i64) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let mut require = |present: bool, field: &str| {
        if !present {
            errors.push((format!("/{field}"), format!("Missing required field: {field}")));
        }
    };
    require(message.message.is_some(), "message");
    require(message.intended_message_timestamp.is_some(), "intendedMessageTimestamp");
    require(message.intended_message_from_user_id.is_some(), "intendedMessageFromUserId");
    require(message.originating_system_id.is_some(), "originatingSystemId");
    require(message.stream_id.is_some(), "streamId");
    if let Some(timestamp) = message.intended_message_timestamp {
        if timestamp > now_millis {
            errors.push((
                "/intendedMessageTimestamp".to_owned(),
                format!("intendedMessageTimestamp {timestamp} is in the future (now is {now_millis}); it must be a time in the past"),
            ));
        }
    }
    let stream = message.stream_id.as_deref().map(|id| (id, directory.stream(&normalize_stream_id(id))));
    match stream {
        Some((id, None)) => errors.push(("/streamId".to_owned(), format!("Stream {id} does not exist"))),
        Some((id, Some(stream))) if !stream.active => {
            errors.push(("/streamId".to_owned(), format!("Stream {id} is not active")));
        }
        _ => {}
    }
    if let Some(sender) = message.intended_message_from_user_id {
        match directory.user(sender) {
            None => errors.push(("/intendedMessageFromUserId".to_owned(), format!("User {sender} does not exist"))),
            Some(user) if !user.active => {
                errors.push(("/intendedMessageFromUserId".to_owned(), format!("User {sender} is not active")));
            }
            Some(_) => {
                if let Some((id, Some(stream))) = stream {
                    if !stream.members.contains(&sender) {
                        errors.push((
                            "/intendedMessageFromUserId".to_owned(),
                            format!("User {sender} is not a member of stream {id}"),
                        ));
                    }
                }
            }
        }
    }
    errors.extend(files.errors.iter().cloned());
    errors
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::store::{Storage, Stream, StreamKind, User};
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    const NOW: i64 = 1_700_000_000_000;
    const STREAM: &str = "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA";

    fn store() -> Mutex<Store> {
        let mut store = Store::open(&Storage::Memory).unwrap();
        for (id, active) in [(1, true), (2, true), (3, false)] {
            store
                .upsert_user(User::person(id, format!("u{id}"), format!("U {id}"), active))
                .unwrap();
        }
        for (id, active) in [(STREAM, true), ("closed", false)] {
            store
                .upsert_stream(Stream {
                    id: id.into(),
                    kind: StreamKind::Room,
                    name: None,
                    active,
                    members: BTreeSet::from([1, 3]),
                    created_by: None,
                    created_at: 0,
                })
                .unwrap();
        }
        Mutex::new(store)
    }

    fn message(overrides: serde_json::Value) -> serde_json::Value {
        let mut base = serde_json::json!({
            "message": "<messageML>hello</messageML>",
            "intendedMessageTimestamp": NOW - 1000,
            "intendedMessageFromUserId": 1,
            "originatingSystemId": "fooChat",
            "streamId": STREAM,
        });
        if let (Some(base), Some(overrides)) = (base.as_object_mut(), overrides.as_object()) {
            for (key, value) in overrides {
                if value.is_null() && key.starts_with('-') {
                    base.remove(&key[1..]);
                } else {
                    base.insert(key.clone(), value.clone());
                }
            }
        }
        base
    }

    fn import(store: &Mutex<Store>, records: &[serde_json::Value]) -> ImportOutcome {
        let body = serde_json::to_vec(records).unwrap();
        import_batch(store, 99, &body, NOW, 10).unwrap()
    }

    #[test]
    fn per_message_checks() {
        let table: Vec<(&str, serde_json::Value, Option<&str>)> = vec![
            ("valid", serde_json::json!({}), None),
            ("BDK 2.x nulls", serde_json::json!({"data": null, "originalMessageId": null, "attachments": null, "previews": null}), None),
            ("standard base64 stream id (the core's finding)", serde_json::json!({"streamId": "Z3oQRAZGTCNl5KjiUH2G1n///qr9lLT8dA"}), Some("URL-safe")),
            ("attachment", serde_json::json!({"attachments": [{"filename": "a.txt", "content": "aGVsbG8="}]}), None),
            ("unknown stream", serde_json::json!({"streamId": "nope"}), Some("Stream nope does not exist")),
            ("inactive stream", serde_json::json!({"streamId": "closed"}), Some("Stream closed is not active")),
            ("unknown sender", serde_json::json!({"intendedMessageFromUserId": 42}), Some("User 42 does not exist")),
            ("inactive sender", serde_json::json!({"intendedMessageFromUserId": 3}), Some("User 3 is not active")),
            ("sender not a member", serde_json::json!({"intendedMessageFromUserId": 2}), Some("User 2 is not a member of stream")),
            ("future (the core's wording wins)", serde_json::json!({"intendedMessageTimestamp": NOW + 60_000}), Some("1700000060000")),
            ("missing stream", serde_json::json!({"-streamId": null}), Some("Missing required field: streamId")),
            ("missing message", serde_json::json!({"-message": null}), Some("message")),
            ("bad base64", serde_json::json!({"attachments": [{"filename": "a", "content": "***"}]}), Some("base64")),
            ("no filename", serde_json::json!({"attachments": [{"content": "aGVsbG8="}]}), Some("filename")),
        ];
        for (name, overrides, expected) in table {
            let store = store();
            let outcome = import(&store, &[message(overrides)]);
            let response = &outcome.responses[0];
            match expected {
                None => {
                    assert!(response.diagnostic.is_none(), "{name}: {response:?}");
                    assert_eq!(response.message_id.as_ref().map(String::len), Some(34), "{name}");
                    assert_eq!(outcome.stored, 1, "{name}");
                }
                Some(fragment) => {
                    let diagnostic = response.diagnostic.clone().unwrap_or_default();
                    assert!(diagnostic.to_lowercase().contains(&fragment.to_lowercase()), "{name}: {diagnostic}");
                    assert!(response.message_id.is_none(), "{name}");
                    assert_eq!(outcome.stored, 0, "{name}");
                }
            }
        }
    }

    #[test]
    fn a_failing_message_does_not_fail_the_others_and_order_is_kept() {
        let store = store();
        let outcome = import(
            &store,
            &[
                message(serde_json::json!({"originalMessageId": "a"})),
                message(serde_json::json!({"originalMessageId": "b", "streamId": "nope"})),
                message(serde_json::json!({"originalMessageId": "c"})),
            ],
        );
        let originals: Vec<_> = outcome.responses.iter().map(|r| r.original_message_id.clone().unwrap()).collect();
        assert_eq!(originals, ["a", "b", "c"]);
        let imported: Vec<bool> = outcome.responses.iter().map(|r| r.message_id.is_some()).collect();
        assert_eq!(imported, [true, false, true]);
        assert_eq!(outcome.stored, 2);
    }

    #[test]
    fn repeats_are_answered_with_the_first_message_id() {
        let store = store();
        let first = import(&store, &[message(serde_json::json!({"originalMessageId": "x"}))]);
        let first_id = first.responses[0].message_id.clone().unwrap();
        let again = import(
            &store,
            &[
                message(serde_json::json!({"originalMessageId": "x", "message": "<messageML>changed</messageML>"})),
                message(serde_json::json!({"originalMessageId": "y"})),
                message(serde_json::json!({"originalMessageId": "y"})),
                message(serde_json::json!({"originalMessageId": "x", "originatingSystemId": "otherChat"})),
            ],
        );
        assert_eq!(again.responses[0].message_id.as_deref(), Some(first_id.as_str()));
        assert!(again.responses[0].diagnostic.as_deref().unwrap_or("").contains("already imported"));
        assert!(again.responses[1].message_id.is_some(), "the core's in-batch duplicate finding is not an error here");
        assert!(again.responses[1].diagnostic.is_none(), "{:?}", again.responses[1]);
        assert_eq!(again.responses[2].message_id, again.responses[1].message_id, "repeat inside one request");
        assert!(again.responses[3].diagnostic.is_none(), "another system's id is not a repeat");
        assert_eq!(again.stored, 2);
        assert_eq!(store.lock().unwrap().message_count().unwrap(), 3);
    }

    fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>().prop_map(serde_json::Value::from),
            "(<messageML>|</messageML>|<b>|Z3oQ|[a-z]{0,8}|\\PC{0,12})".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            let names = prop_oneof![
                Just("message".to_owned()),
                Just("intendedMessageTimestamp".to_owned()),
                Just("intendedMessageFromUserId".to_owned()),
                Just("originatingSystemId".to_owned()),
                Just("originalMessageId".to_owned()),
                Just("streamId".to_owned()),
                Just("attachments".to_owned()),
                Just("filename".to_owned()),
                Just("content".to_owned()),
                "[a-z]{1,6}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                proptest::collection::btree_map(names, inner, 0..8)
                    .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        /// Whatever the body, the import answers (a 400, or one response per message) and never panics.
        #[test]
        fn any_body_gets_an_answer(body in json_value(), bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let store = store();
            for input in [serde_json::to_vec(&body).unwrap(), bytes] {
                match import_batch(&store, 99, &input, NOW, 10) {
                    Ok(outcome) => {
                        let records = serde_json::from_slice::<Vec<serde_json::Value>>(&input).map(|records| records.len());
                        proptest::prop_assert_eq!(Ok(outcome.responses.len()), records.map_err(|_| ()));
                    }
                    Err(error) => proptest::prop_assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST),
                }
            }
        }
    }

    #[test]
    fn only_the_cores_batch_duplicate_finding_is_set_aside() {
        use ferry_core::{Diagnostic, Rule};
        let table = [
            (Rule::DuplicateOriginalMessageId, true),
            (Rule::DuplicateId, false),
            (Rule::DuplicateKey, false),
            (Rule::MalformedXml, false),
        ];
        for (rule, set_aside) in table {
            assert_eq!(is_batch_duplicate_finding(&Diagnostic::new(rule, "x")), set_aside, "{rule:?}");
        }
    }

    #[test]
    fn bad_requests_store_nothing() {
        let too_many: Vec<serde_json::Value> = (0..11).map(|_| message(serde_json::json!({}))).collect();
        let too_many = serde_json::to_string(&too_many).unwrap();
        let table = [
            ("not json", "[{", "not valid JSON"),
            ("object", "{\"message\": \"x\"}", "must be a JSON array"),
            ("array of numbers", "[1, 2]", "Record 0 must be a JSON object"),
            ("string timestamp", r#"[{"message": "x"}, {"intendedMessageTimestamp": "yesterday"}]"#, "Record 1, field `intendedMessageTimestamp`"),
            ("float user id", r#"[{"intendedMessageFromUserId": 1.5}]"#, "Record 0, field `intendedMessageFromUserId`"),
            ("attachments object", r#"[{"attachments": {"filename": "a"}}]"#, "field `attachments`"),
            ("too many", too_many.as_str(), "Too many messages in one request: 11"),
        ];
        for (name, body, fragment) in table {
            let store = store();
            let error = import_batch(&store, 99, body.as_bytes(), NOW, 10).unwrap_err();
            assert_eq!(error.status, axum::http::StatusCode::BAD_REQUEST, "{name}");
            assert!(error.message.contains(fragment), "{name}: {}", error.message);
            assert_eq!(store.lock().unwrap().message_count().unwrap(), 0, "{name}");
        }
    }
}
