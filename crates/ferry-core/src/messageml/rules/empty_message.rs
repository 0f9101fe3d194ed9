use crate::declare_rule;

declare_rule! {
    /// The message is empty or only whitespace.
    ///
    /// ## What it does
    /// Reports a `message` that is empty or blank, with the Agent's wording `Error parsing message: the message cannot be null or empty`.
    ///
    /// ## Why is this bad?
    /// The Agent rejects the message before parsing it.
    ///
    /// ## Example
    /// ```text
    /// ""
    /// ```
    pub struct EmptyMessage;
}
