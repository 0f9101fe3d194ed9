use crate::declare_rule;

declare_rule! {
    /// An element or text is not allowed where it is.
    ///
    /// ## What it does
    /// Reports content-model and parent violations: `Element "x" is not allowed in "y"`, `may not have text content`, `can only be a child of`, `must have at least one child`.
    ///
    /// ## Why is this bad?
    /// The Agent checks each element's children and parent and rejects the message at the first violation.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><ul><div>x</div></ul></messageML>"
    /// ```
    pub struct ElementNotAllowedHere;
}
