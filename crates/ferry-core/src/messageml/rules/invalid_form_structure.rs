use crate::declare_rule;

declare_rule! {
    /// A form, dialog or ui-action is not put together as the Agent requires.
    ///
    /// ## What it does
    /// Reports nested forms, forms without an action button, too many checkboxes or radios, dialog shapes and ui-action targets.
    ///
    /// ## Why is this bad?
    /// The Agent rejects interactive elements that cannot work.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><form id=\"f\"><text-field name=\"t\"/></form></messageML>"
    /// ```
    pub struct InvalidFormStructure;
}
