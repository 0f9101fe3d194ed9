use crate::declare_rule;

declare_rule! {
    /// A link's URI scheme is not allowed by the pod.
    ///
    /// ## What it does
    /// Reports an `a href` whose scheme is not in the allowed list (by default http and https, like a pod with default settings).
    ///
    /// ## Why is this bad?
    /// The Agent checks the scheme against the pod's allow-list and rejects the message.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><a href=\"ftp://example.com\">x</a></messageML>"
    /// ```
    pub struct UriSchemeNotAllowed;
}
