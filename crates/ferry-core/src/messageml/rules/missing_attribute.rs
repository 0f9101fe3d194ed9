use crate::declare_rule;

declare_rule! {
    /// A required attribute is missing or blank.
    ///
    /// ## What it does
    /// Reports `The attribute "x" is required` and its variants (for example a button's `name`, an image's `src`,
    /// a financial `<tag>` with neither a `fallback-ticker` nor an attribute the pod could resolve it by).
    ///
    /// ## Why is this bad?
    /// The Agent rejects elements without their required attributes.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><img/></messageML>"
    /// ```
    pub struct MissingAttribute;
}
