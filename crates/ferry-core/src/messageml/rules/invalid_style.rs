use crate::declare_rule;

declare_rule! {
    /// A `style` attribute is unparseable or uses a property that is not allowed.
    ///
    /// ## What it does
    /// Reports `Unparseable "style" attribute: …` and `Invalid property(s): […] in the "style" attribute`.
    ///
    /// ## Why is this bad?
    /// The Agent only accepts a fixed list of CSS properties.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><p style=\"position:absolute\">x</p></messageML>"
    /// ```
    pub struct InvalidStyle;
}
