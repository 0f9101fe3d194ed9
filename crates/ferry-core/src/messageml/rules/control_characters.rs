use crate::declare_rule;

declare_rule! {
    /// The message contains control characters.
    ///
    /// ## What it does
    /// Reports a character below U+0020 other than tab, line feed and carriage return: `Invalid control characters in message`.
    ///
    /// ## Why is this bad?
    /// The Agent rejects such messages before parsing them.
    ///
    /// ## Example
    /// ```text
    /// "<messageML>bell \u0007</messageML>"
    /// ```
    pub struct ControlCharacters;
}
