use crate::declare_rule;

declare_rule! {
    /// An element, comment or processing instruction the Agent does not know.
    ///
    /// ## What it does
    /// Reports an unknown tag (`Invalid MessageML content at element "…"`), a comment or processing instruction inside the root (`Invalid element "…"`), a MessageML shorthand tag in PresentationML, or an unknown PresentationML input type.
    ///
    /// ## Why is this bad?
    /// The Agent builds a typed tree and rejects any node it has no type for.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><script>x</script></messageML>"
    /// ```
    pub struct UnknownElement;
}
