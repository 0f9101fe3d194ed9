use crate::declare_rule;

declare_rule! {
    /// An attribute is not allowed on its element.
    ///
    /// ## What it does
    /// Reports `Attribute "x" is not allowed in "y"` and the related rules (attributes allowed only with a given class, on the root, inside a ui-action).
    ///
    /// ## Why is this bad?
    /// Each element accepts a fixed list of attributes; the Agent rejects any other.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><p title=\"t\">x</p></messageML>"
    /// ```
    pub struct AttributeNotAllowed;
}
