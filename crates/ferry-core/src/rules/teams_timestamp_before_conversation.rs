//! Rule `TEAMS002` ([`TeamsTimestampBeforeConversation`]): teams target: a message is dated before its conversation was created.

use crate::declare_rule;

declare_rule! {
    /// Teams target: a message is dated before its conversation was created.
    ///
    /// ## What it does
    /// With `--target teams` and the conversations' creation times given (`conversationCreatedMillis`,
    /// keyed by `streamId`, or by the conversation's Graph path when the maps are given), reports a record whose timestamp is not later than its conversation's creation.
    ///
    /// ## Why is this bad?
    /// Microsoft Graph's import requires `createdDateTime` to be "later than the createdDateTime of the target
    /// chat or channel"; the message is rejected. Back-date the conversation when starting the migration
    /// (`conversationCreationDateTime` of `startMigration`) instead.
    ///
    /// ## Example
    /// Conversation `S` created at `1433045622000`, a record of `S` at `1433045621000`.
    pub struct TeamsTimestampBeforeConversation;
}

use crate::diagnostic::Diagnostic;
use crate::humanize;
use crate::json::Spanned;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports a timestamp not after the conversation's creation, when that is known.
pub(crate) fn check(checker: &mut RecordChecker<'_>, stream_id: &str, timestamp: i64, value: &Spanned<'_>) {
    let options = checker.options;
    let path =
        options.teams_directory.as_ref().and_then(|directory| directory.conversation(stream_id)).map(|c| c.path());
    let by_path = path.and_then(|path| options.conversation_created_millis.get(&path));
    let Some(&created) = options.conversation_created_millis.get(stream_id).or(by_path) else { return };
    if timestamp <= created {
        checker.emit_at_value(
            Diagnostic::new(
                Rule::TeamsTimestampBeforeConversation,
                format!(
                    "the message, dated {timestamp} ({}), is not later than its conversation's creation at {created} ({})",
                    humanize::utc_date_time(timestamp),
                    humanize::utc_date_time(created)
                ),
            )
            .with_help("start the migration with an earlier conversationCreationDateTime"),
            "/intendedMessageTimestamp",
            value,
        );
    }
}
