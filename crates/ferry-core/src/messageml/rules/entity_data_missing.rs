use crate::declare_rule;

declare_rule! {
    /// An entity reference has no object in the EntityJSON.
    ///
    /// ## What it does
    /// Reports a `data-entity-id` whose id is not found in `data` (searched at any depth, like the Agent), or is not an object, or is found more than once.
    ///
    /// ## Why is this bad?
    /// The Agent looks every entity up in `data` and rejects the message when one is missing.
    ///
    /// ## Example
    /// ```text
    /// {"message": "<messageML><div class=\"entity\" data-entity-id=\"obj1\">x</div></messageML>", "data": "{}"}
    /// ```
    pub struct EntityDataMissing;
}
