//! The MessageML writer: every piece of text goes through one escape, and tags are closed in the order they
//! were opened, so what the conversion writes is well-formed whatever the export holds.
//!
//! Invariant: text is escaped exactly once, here (`&`, `<`, `>`, `"`, `'`); callers hand in decoded text
//! (Slack's `&amp;`, `&lt;` and `&gt;` already turned back into characters).

/// A MessageML document being written: the content of a `<messageML>` root.
#[derive(Debug, Default, Clone)]
pub struct MessageMl {
    content: String,
    open: Vec<&'static str>,
}

impl MessageMl {
    /// An empty document.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends text, escaped for XML.
    pub fn text(&mut self, text: &str) {
        for character in text.chars() {
            match character {
                '&' => self.content.push_str("&amp;"),
                '<' => self.content.push_str("&lt;"),
                '>' => self.content.push_str("&gt;"),
                '"' => self.content.push_str("&quot;"),
                '\'' => self.content.push_str("&apos;"),
                other => self.content.push(other),
            }
        }
    }

    /// Opens `tag` with its attributes (values escaped); close it with [`MessageMl::close`].
    pub fn open(&mut self, tag: &'static str, attributes: &[(&str, &str)]) {
        self.start_tag(tag, attributes);
        self.content.push('>');
        self.open.push(tag);
    }

    /// Closes the innermost open tag; does nothing when none is open.
    pub fn close(&mut self) {
        if let Some(tag) = self.open.pop() {
            self.content.push_str("</");
            self.content.push_str(tag);
            self.content.push('>');
        }
    }

    /// Writes an element without content, such as `<br/>` or `<mention uid="…"/>`.
    pub fn empty(&mut self, tag: &'static str, attributes: &[(&str, &str)]) {
        self.start_tag(tag, attributes);
        self.content.push_str("/>");
    }

    /// Whether nothing has been written.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.content.is_empty()
    }

    /// The document under its `<messageML>` root, every open tag closed.
    #[must_use]
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        let mut document = String::with_capacity(self.content.len() + 25);
        document.push_str("<messageML>");
        document.push_str(&self.content);
        document.push_str("</messageML>");
        document
    }

    fn start_tag(&mut self, tag: &str, attributes: &[(&str, &str)]) {
        self.content.push('<');
        self.content.push_str(tag);
        for (name, value) in attributes {
            self.content.push(' ');
            self.content.push_str(name);
            self.content.push_str("=\"");
            self.text(value);
            self.content.push('"');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::MessageMl;

    #[test]
    fn text_is_escaped_once_and_tags_are_balanced() {
        let mut document = MessageMl::new();
        document.text("a & b < c");
        document.open("b", &[]);
        document.open("a", &[("href", "https://x.test/?a=1&b=\"2\"")]);
        document.text("link");
        document.close();
        document.empty("br", &[]);
        assert_eq!(
            document.finish(),
            "<messageML>a &amp; b &lt; c<b><a href=\"https://x.test/?a=1&amp;b=&quot;2&quot;\">link</a><br/></b></messageML>"
        );
    }
}
