use crate::declare_rule;

declare_rule! {
    /// The message is a Freemarker template whose expansion cannot be checked offline.
    ///
    /// ## What it does
    /// Says that the message is a template (it contains `<#`, `<@`, `${` or `#{`): the Agent validates the expanded text, which Ferry does not compute. The markup outside the template constructs is still checked.
    ///
    /// ## Why is this bad?
    /// A template may expand to invalid MessageML; Ferry cannot tell without expanding it, and does not guess.
    ///
    /// ## Example
    /// ```text
    /// "<messageML>${data['obj'].value}</messageML>"
    /// ```
    pub struct FreemarkerNotExpanded;
}
