//! Rule `TEAMS006` ([`TeamsMentionNotMapped`]): Teams target: a mentioned user has no Entra user in the users
//! map.

use crate::declare_rule;

declare_rule! {
    /// Teams target: a mentioned user has no Entra user in the users map; the mention becomes plain text.
    ///
    /// ## What it does
    /// With `--target teams` and the maps given, reports each user mentioned in a record (a `<mention uid>`,
    /// a `<mention email>` or an EntityJSON mention) who is not in the users map, once per user and record.
    ///
    /// ## Why is this bad?
    /// A Teams mention is an `<at id="N">` tag with an entry of the `mentions` array naming the Entra user
    /// (`chatMessage` in the import examples of `apis-and-peers` §3). Without the user, Ferry writes the
    /// mention as plain text: the message is imported, but the mention no longer links to anyone or notifies.
    ///
    /// ## Example
    /// `<messageML>ask <mention uid="349026222344902"/></messageML>` when the users map lacks that user.
    pub struct TeamsMentionNotMapped;
}

use crate::diagnostic::Diagnostic;
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;
use crate::teams::{Loss, Post, UNMAPPED_MENTION_FATE};

/// Whether a loss of the post is an unmapped mention (this rule's, not `TEAMS007`'s).
pub(crate) fn is_unmapped_mention(loss: &Loss) -> bool {
    loss.fate == UNMAPPED_MENTION_FATE
}

/// Reports each user of the post's unmapped mentions, once.
pub(crate) fn check(checker: &mut RecordChecker<'_>, post: &Post, message: &JsonString<'_>) {
    let mut reported: Vec<&str> = Vec::new();
    for loss in post.losses.iter().filter(|loss| is_unmapped_mention(loss)) {
        if reported.contains(&loss.what.as_str()) {
            continue;
        }
        reported.push(&loss.what);
        checker.emit_at_string(
            Diagnostic::new(
                Rule::TeamsMentionNotMapped,
                format!("the {} cannot be linked in Teams: the user has no Entra user in the users map", loss.what),
            )
            .with_help(
                "add the user to the users map to keep the mention; without it, the mention is written as plain text",
            ),
            "/message",
            message,
        );
    }
}
