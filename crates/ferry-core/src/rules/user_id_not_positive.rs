//! Rule `SCH011` ([`UserIdNotPositive`]): `intendedMessageFromUserId` is zero or negative.

use crate::declare_rule;

declare_rule! {
    /// `intendedMessageFromUserId` is zero or negative.
    ///
    /// ## What it does
    /// Reports a sender id that is not a positive integer.
    ///
    /// ## Why is this bad?
    /// Symphony user ids are positive 64-bit integers; no user has id 0 or a negative id, so the Agent
    /// cannot attribute the message. A 0 often means the export's user mapping failed.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageFromUserId": 0, ...}
    /// ```
    pub struct UserIdNotPositive;
}

use crate::diagnostic::Diagnostic;
use crate::json::Spanned;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports a sender id that is not positive.
pub(crate) fn check(checker: &mut RecordChecker<'_>, user_id: i64, value: &Spanned<'_>) {
    if user_id <= 0 {
        checker.emit_at_value(
            Diagnostic::new(Rule::UserIdNotPositive, format!("`intendedMessageFromUserId` is {user_id}; a Symphony user id is positive"))
                .with_help("map the original sender to their Symphony user id; a 0 usually means the mapping found nobody"),
            "/intendedMessageFromUserId",
            value,
        );
    }
}
