use crate::declare_rule;

declare_rule! {
    /// A construct on which the Agent's parser fails instead of answering.
    ///
    /// ## What it does
    /// Reports the constructs on which the reference parser throws something other than a validation error,
    /// each where it would throw, so that an earlier error wins over it as it does in the Agent:
    /// - a MessageML `<hash>` without `tag`, when its own check is the first to fail;
    /// - an entity `span`/`div` whose data has a `type` that is not a string and an `id[0].value`;
    /// - once every other check passed, while the EntityJSON is assembled: an entity `span`/`div` whose
    ///   `data-entity-id` is not a member of the data of its nearest enclosing entity (the top-level data when
    ///   there is none), or a shorthand whose generated id (`keyword1`, `mention2`, …) is a member of that data
    ///   that is not an object.
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
