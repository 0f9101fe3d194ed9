//! Rule `POD004` ([`SenderNotMember`]): the sender is not a member of the stream.

use crate::declare_rule;

declare_rule! {
    /// The sender is not a member of the stream the message goes to.
    ///
    /// ## What it does
    /// Reports a record whose stream exists in the target pod, whose members are known, and whose sender is
    /// not among them. Checked only in a pre-flight against a pod.
    ///
    /// ## Why is this bad?
    /// A message is imported into a stream as sent by its sender; the Agent rejects a message from a user who
    /// is not a member of the stream.
    ///
    /// ## Example
    /// ```json
    /// {"intendedMessageFromUserId": 7215545057281, "streamId": "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA", ...}
    /// ```
    /// when the room's members are users 1 and 2 only.
    pub struct SenderNotMember;
}

use super::super::PROVISION_HINT;
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// The finding for sender `user_id` in stream `stream_id`, unlocated.
pub(crate) fn diagnostic(user_id: i64, stream_id: &str) -> Diagnostic {
    Diagnostic::new(Rule::SenderNotMember, format!("the sender {user_id} is not a member of stream `{stream_id}`"))
        .with_help(format!("add the user to the stream, or map the sender to a member; {PROVISION_HINT}"))
}
