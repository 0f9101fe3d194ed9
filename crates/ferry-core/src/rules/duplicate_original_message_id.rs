//! Rule `BATCH001` ([`DuplicateOriginalMessageId`]): the same `(originatingSystemId, originalMessageId)` appears twice in the batch.

use crate::declare_rule;

declare_rule! {
    /// The same `(originatingSystemId, originalMessageId)` appears twice in the batch.
    ///
    /// ## What it does
    /// Reports every later record that repeats the pair of an earlier record, in the same file or across the
    /// files of the batch, naming the first record.
    ///
    /// ## Why is this bad?
    /// Symphony "ignores any message with the same `originalMessageId` value as an existing message": the
    /// later copy is silently dropped. If the two records are different messages, one of them is lost; if
    /// they are the same message, the batch holds a duplicate.
    ///
    /// ## Example
    /// Two records with `"originatingSystemId": "slack"` and `"originalMessageId": "C024BE91L:1355517523.000005"`.
    pub struct DuplicateOriginalMessageId;
}

use crate::diagnostic::Diagnostic;
use crate::json::JsonString;
use crate::record::{message_id_key, RecordChecker};
use crate::registry::Rule;

/// Reports a pair seen before, or remembers it.
///
/// Pairs are remembered as 64-bit FNV-1a keys (8 bytes per record): two different pairs would be confused
/// only on a hash collision, about one chance in 10^7 for a batch of a million records.
pub(crate) fn check(checker: &mut RecordChecker<'_>, originating_system_id: &JsonString<'_>, original_message_id: &JsonString<'_>) {
    let key = message_id_key(originating_system_id.as_str(), original_message_id.as_str());
    let record_index = u32::try_from(checker.record_index).unwrap_or(u32::MAX);
    let first = *checker.batch.first_record_by_message_id.entry(key).or_insert(record_index);
    if first != record_index {
        checker.emit_at_string(
            Diagnostic::new(
                Rule::DuplicateOriginalMessageId,
                format!(
                    "record {first} already has originalMessageId \"{}\" from \"{}\"; the Agent would silently ignore this copy",
                    original_message_id.as_str().escape_debug(),
                    originating_system_id.as_str().escape_debug()
                ),
            )
            .with_help("give each message its own id from the source system; remove true duplicates"),
            "/originalMessageId",
            original_message_id,
        );
    }
}
