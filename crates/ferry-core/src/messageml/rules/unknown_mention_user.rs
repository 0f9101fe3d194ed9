use crate::declare_rule;

declare_rule! {
    /// A mentioned user is resolved by the pod; whether it exists is not knowable offline.
    ///
    /// ## What it does
    /// Notes each strict mention (by `uid` or `email`, or an EntityJSON mention): the Agent looks the user up and rejects the message when the user is unknown.
    ///
    /// ## Why is this bad?
    /// A mention of a user that does not exist in the target pod fails the import.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><mention email=\"someone@example.com\"/></messageML>"
    /// ```
    pub struct UnknownMentionUser;
}
