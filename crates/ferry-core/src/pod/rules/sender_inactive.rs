//! Rule `POD003` ([`SenderInactive`]): the sender's account is deactivated.

use crate::declare_rule;

declare_rule! {
    /// The sender (`intendedMessageFromUserId`) is a deactivated user.
    ///
    /// ## What it does
    /// Reports a record whose sender exists in the target pod but is not active. Checked only in a
    /// pre-flight against a pod.
    ///
    /// ## Why is this bad?
    /// A deactivated user cannot send messages, imported ones included: the Agent rejects the message.
    /// History of people who left is common in exports, so this is worth settling before the import starts.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageFromUserId": 7215545057281, ...}
    /// ```
    /// when user 7215545057281 was deactivated.
    pub struct SenderInactive;
}

use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// The finding for sender `user_id`, unlocated.
pub(crate) fn diagnostic(user_id: i64) -> Diagnostic {
    Diagnostic::new(Rule::SenderInactive, format!("the sender {user_id} is deactivated in the pod"))
        .with_help("reactivate the user for the time of the import, or map the sender to an active user")
}
