use crate::declare_rule;

declare_rule! {
    /// The message is plain text, not wrapped in `<messageML>`.
    ///
    /// ## What it does
    /// Reports text with no root element (`Invalid messageML: Content is not allowed in prolog.`) and offers a fix that wraps it in `<messageML>` and escapes `<`, `>` and `&`.
    ///
    /// ## Why is this bad?
    /// The Agent only accepts MessageML or PresentationML; plain text fails its XML parser.
    ///
    /// ## Example
    /// ```text
    /// "Hello world!"
    /// ```
    pub struct PlainTextMessage;
}
