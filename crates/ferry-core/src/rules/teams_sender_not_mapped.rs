//! Rule `TEAMS004` ([`TeamsSenderNotMapped`]): Teams target: the sender has no Entra user in the users map.

use crate::declare_rule;

declare_rule! {
    /// Teams target: the sender has no Entra user in the users map.
    ///
    /// ## What it does
    /// With `--target teams` and the maps given (`--users`, `--streams`), reports a record whose
    /// `intendedMessageFromUserId` is not a `symphonyUserId` of the users map.
    ///
    /// ## Why is this bad?
    /// Graph's import needs the author of every message: "Set the from property to attribute the imported
    /// message to a user who belongs to the same tenant as the authenticated application"
    /// (`teams-import-messages`). Without an Entra user there is no `from.user.id` to send, so the message
    /// cannot be imported.
    ///
    /// ## Example
    /// A record from user `7215545057281` when `users.csv` has no row for it.
    pub struct TeamsSenderNotMapped;
}

use crate::diagnostic::Diagnostic;
use crate::json::Spanned;
use crate::record::RecordChecker;
use crate::registry::Rule;
use crate::teams::Directory;

/// Reports a sender absent from the directory's users.
pub(crate) fn check(checker: &mut RecordChecker<'_>, directory: &Directory, user_id: i64, value: &Spanned<'_>) {
    if directory.users.contains_key(&user_id) {
        return;
    }
    checker.emit_at_value(
        Diagnostic::new(
            Rule::TeamsSenderNotMapped,
            format!("the sender, Symphony user {user_id}, has no Entra user in the users map"),
        )
        .with_help("add a row `symphonyUserId,entraUserId,displayName` for this user to the users map"),
        "/intendedMessageFromUserId",
        value,
    );
}
