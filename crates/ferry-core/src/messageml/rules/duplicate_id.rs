use crate::declare_rule;

declare_rule! {
    /// Two forms or dialogs share an id.
    ///
    /// ## What it does
    /// Reports `Elements must have unique ids. The following value is not unique: [id].`
    ///
    /// ## Why is this bad?
    /// The Agent requires unique form and dialog ids in a message.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><form id=\"a\">…</form><form id=\"a\">…</form></messageML>"
    /// ```
    pub struct DuplicateId;
}
