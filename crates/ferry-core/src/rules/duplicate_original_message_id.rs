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
use crate::record::BatchState;
use crate::registry::Rule;

/// Checks record `record_index`, whose `(originatingSystemId, originalMessageId)` hashes to `key`, against
/// the earlier records; run in batch order. `ids` gives the two ids, decoded, to word a finding.
pub(crate) fn check(
    batch: &mut BatchState,
    record_index: usize,
    key: u64,
    ids: impl FnOnce() -> (String, String),
) -> Option<Diagnostic> {
    let record_index = u32::try_from(record_index).unwrap_or(u32::MAX);
    let first = batch.first_record_by_message_id.first_record(key, record_index);
    if first == record_index {
        return None;
    }
    let (originating_system_id, original_message_id) = ids();
    Some(
        Diagnostic::new(
            Rule::DuplicateOriginalMessageId,
            format!(
                "record {first} already has originalMessageId \"{}\" from \"{}\"; the Agent would silently ignore this copy",
                original_message_id.escape_debug(),
                originating_system_id.escape_debug()
            ),
        )
        .with_help("give each message its own id from the source system; remove true duplicates"),
    )
}
