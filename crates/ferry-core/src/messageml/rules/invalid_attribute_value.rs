use crate::declare_rule;

declare_rule! {
    /// An attribute value is not one the element accepts.
    ///
    /// ## What it does
    /// Reports enumerations, booleans, numbers, dates, times, patterns, JSON values and lengths the Agent refuses, in its wording.
    ///
    /// ## Why is this bad?
    /// The Agent validates attribute values and rejects the message at the first bad one.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><form id=\"f\"><select name=\"s\" required=\"maybe\"><option value=\"1\">1</option></select></form></messageML>"
    /// ```
    pub struct InvalidAttributeValue;
}
