use crate::declare_rule;

declare_rule! {
    /// A link's `href` is not an absolute URI.
    ///
    /// ## What it does
    /// Reports an `a href` that `java.net.URI` cannot parse, or that has no scheme.
    ///
    /// ## Why is this bad?
    /// The Agent only accepts absolute URIs in links.
    ///
    /// ## Example
    /// ```text
    /// "<messageML><a href=\"example.com\">x</a></messageML>"
    /// ```
    pub struct HrefNotAbsoluteUri;
}
