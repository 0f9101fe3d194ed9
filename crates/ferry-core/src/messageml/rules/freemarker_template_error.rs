use crate::declare_rule;

declare_rule! {
    /// The Freemarker template is certain to fail expansion.
    ///
    /// ## What it does
    /// Reports template errors that need no expansion to see: an empty interpolation, an unknown directive, `?new`, a variable nothing defines, an EntityJSON key that is absent.
    ///
    /// ## Why is this bad?
    /// The Agent expands the template first and rejects the message when expansion fails.
    ///
    /// ## Example
    /// ```text
    /// "<messageML>${}</messageML>"
    /// ```
    pub struct FreemarkerTemplateError;
}
