use crate::declare_rule;

declare_rule! {
    /// A construct on which the Agent's parser fails instead of answering.
    ///
    /// ## What it does
    /// Reports constructs observed to crash the reference parser (an entity found only nested in the EntityJSON, `<hash/>` without `tag`).
    ///
    /// ## Why is this bad?
    /// The Agent's answer to these is an internal failure: the message will not import.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><hash/></messageML>"
    /// ```
    pub struct ReferenceParserCrash;
}
