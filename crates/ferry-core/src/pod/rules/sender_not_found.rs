//! Rule `POD002` ([`SenderNotFound`]): the sender does not exist in the pod.

use crate::declare_rule;

declare_rule! {
    /// The sender (`intendedMessageFromUserId`) does not exist in the pod.
    ///
    /// ## What it does
    /// Reports a record whose sender id was looked up in the target pod and not found. Checked only in a
    /// pre-flight against a pod.
    ///
    /// ## Why is this bad?
    /// The Agent attributes each imported message to an existing user; a message from an unknown user is
    /// rejected, and with it the rest of its request.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageFromUserId": 7215545057281, ...}
    /// ```
    /// when the pod has no user 7215545057281.
    pub struct SenderNotFound;
}

use super::super::PROVISION_HINT;
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// The finding for sender `user_id`, unlocated.
pub(crate) fn diagnostic(user_id: i64) -> Diagnostic {
    Diagnostic::new(Rule::SenderNotFound, format!("the sender {user_id} does not exist in the pod"))
        .with_help(format!("create the user, or map the sender to an existing one; {PROVISION_HINT}"))
}
