use crate::declare_rule;

declare_rule! {
    /// The message exceeds Ferry's nesting or size bounds.
    ///
    /// ## What it does
    /// Reports elements nested deeper than 2,000 levels (where the Agent's parser, which builds its tree
    /// recursively, runs out of stack), attribute values over 1 MiB, or EntityJSON `data` with more than 262,144
    /// values; Ferry refuses to walk them.
    ///
    /// ## Why is this bad?
    /// Such messages are almost always hostile or broken, and bounding them keeps validation fast and safe.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><b><b><b>… (2,001 levels)</b></b></b></messageML>"
    /// ```
    pub struct NestingTooDeep;
}
