use crate::declare_rule;

declare_rule! {
    /// The root element is not `<messageML>` or a PresentationML `<div>`.
    ///
    /// ## What it does
    /// Reports a root that is neither `<messageML>` nor `<div data-format="PresentationML">` (`data-version` may
    /// be left out: the check assumes the version "2.0", which the reference's callers pass).
    ///
    /// ## Why is this bad?
    /// The Agent picks the format from the root and rejects any other.
    ///
    /// ## Example
    /// ```text
    /// "<message>hi</message>"
    /// ```
    pub struct InvalidRoot;
}
