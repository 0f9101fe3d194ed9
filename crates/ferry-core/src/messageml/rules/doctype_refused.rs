use crate::declare_rule;

declare_rule! {
    /// The message has a document type declaration.
    ///
    /// ## What it does
    /// Reports a `<!DOCTYPE …>`; Ferry never reads DTDs or external entities.
    ///
    /// ## Why is this bad?
    /// The Agent's parser disallows DOCTYPE (a protection against XML external entity attacks) and rejects the message.
    ///
    /// ## Example
    /// ```text
    /// "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><messageML>&e;</messageML>"
    /// ```
    pub struct DoctypeRefused;
}
