//! Rule `BATCH002` ([`MissingOriginalMessageId`]): a record has no `originalMessageId`.

use crate::declare_rule;

declare_rule! {
    /// A record has no `originalMessageId`.
    ///
    /// ## What it does
    /// Warns about a record without `originalMessageId` (absent, `null` or blank), and offers a fix that sets
    /// a stable id derived from the record's content (`ferry-` + a 128-bit FNV-1a hash of `streamId`,
    /// `intendedMessageTimestamp`, `intendedMessageFromUserId` and `message`; see `ferry explain BATCH002`).
    ///
    /// ## Why is this bad?
    /// The Agent accepts the message, but the id is what makes a repeat import safe: Symphony ignores a
    /// message whose `originalMessageId` it already has. Without it, re-running a batch after a failure or a
    /// retried request imports every message a second time.
    ///
    /// ## Example
    /// ```json
    /// {"message": "<messageML>hi</messageML>", "intendedMessageTimestamp": 1433045622000,
    ///  "intendedMessageFromUserId": 7215545057281, "originatingSystemId": "fooChat",
    ///  "streamId": "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA"}
    /// ```
    pub struct MissingOriginalMessageId;
}

use crate::diagnostic::{Diagnostic, Edit, Fix, Span};
use crate::fix::derive_original_message_id;
use crate::record::{RecordChecker, RecordFields};
use crate::registry::Rule;

/// Warns about a missing id, with the derived-id fix when the content needed for it is there.
pub(crate) fn check(checker: &mut RecordChecker<'_>, fields: &RecordFields<'_, '_>, pointer: &str, source: Span) {
    let mut diagnostic = Diagnostic::new(
        Rule::MissingOriginalMessageId,
        "no `originalMessageId`: a re-run would import this message a second time",
    )
    .with_help("give the message's id in the source system; or apply the fix to derive a stable one from the content");
    if let (Some(stream_id), Some((timestamp, _)), Some((user_id, _)), Some(message)) =
        (fields.stream_id, fields.timestamp, fields.from_user_id, fields.message)
    {
        let id = derive_original_message_id(stream_id.as_str(), timestamp, user_id, message.as_str());
        diagnostic = diagnostic.with_fix(Fix {
            title: format!("Set originalMessageId to \"{id}\", derived from the content"),
            edits: vec![Edit { pointer: "/originalMessageId".to_owned(), value: serde_json::Value::String(id) }],
        });
    }
    checker.emit(diagnostic, pointer, source, None);
}
