use crate::declare_rule;

declare_rule! {
    /// The message is not well-formed XML.
    ///
    /// ## What it does
    /// Reports the first well-formedness error with the XML parser's own wording after `Invalid messageML: `, and where it is.
    ///
    /// ## Why is this bad?
    /// The Agent parses the message as XML and rejects it at the first error.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><div>Test</span></messageML>"
    /// ```
    pub struct MalformedXml;
}
