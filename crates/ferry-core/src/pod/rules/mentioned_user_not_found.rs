//! Rule `POD007` ([`MentionedUserNotFound`]): a mentioned user does not exist in the pod.

use crate::declare_rule;

declare_rule! {
    /// A user mentioned in the message does not exist in the pod.
    ///
    /// ## What it does
    /// Reports each user that a record mentions, by `<mention uid>` or `<mention email>` in `message` or by an
    /// EntityJSON `com.symphony.user.mention` in `data`, that was looked up in the target pod and not found.
    /// A mentioned user who exists but is deactivated is fine, and so is a `strict="false"` mention, which the
    /// Agent shows as text when the user is unknown. Checked only in a pre-flight against a pod.
    ///
    /// ## Why is this bad?
    /// The Agent resolves every mention in the pod's directory; a mention of an unknown user fails the
    /// message. `MML022` notes that mentions are resolved by the pod; this rule is the answer of the pod.
    ///
    /// ## Example
    /// ```text
    /// "<messageML>ping <mention email=\"left.long.ago@example.com\"/></messageML>"
    /// ```
    /// when the pod has no user with that email.
    pub struct MentionedUserNotFound;
}

use super::super::{MentionedUser, PROVISION_HINT};
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// The finding for `user`, unlocated.
pub(crate) fn diagnostic(user: &MentionedUser) -> Diagnostic {
    let who = match user {
        MentionedUser::Id(id) => format!("user {id}"),
        MentionedUser::Email(email) => format!("user with email `{email}`"),
    };
    Diagnostic::new(Rule::MentionedUserNotFound, format!("the mentioned {who} does not exist in the pod")).with_help(
        format!("create the user, map the mention to an existing user, or remove the mention; {PROVISION_HINT}"),
    )
}
