//! The MessageML writer: every piece of text goes through one escape, and tags are closed in the order they
//! were opened, so what the conversion writes is well-formed whatever the export holds.
//!
//! Invariant: text is escaped exactly once, here (`&`, `<`, `>`, `"`, `'`); callers hand in decoded text
//! (Slack's `&amp;`, `&lt;` and `&gt;` already turned back into characters). What the Agent would refuse in
//! text never reaches the document: control characters other than tab, line feed and carriage return, and the
//! non-characters U+FFFE and U+FFFF, are left out (XML 1.0 has no way to write them), and a `{` that follows
//! `$` or `#` is written as a character reference, so that no text ever opens a Freemarker template (the
//! Agent expands a message holding `${` or `#{` as one).

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

    /// Appends text, escaped for XML (see the module's invariant for what is left out or written as a reference).
    pub fn text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut run_start = 0;
        let mut index = 0;
        while index < bytes.len() {
            let (replacement, width) = match bytes[index] {
                b'&' => ("&amp;", 1),
                b'<' => ("&lt;", 1),
                b'>' => ("&gt;", 1),
                b'"' => ("&quot;", 1),
                b'\'' => ("&apos;", 1),
                b'{' if self.ends_with_template_sigil(&text[run_start..index]) => ("&#123;", 1),
                b'\t' | b'\n' | b'\r' => ("", 0),
                0..=0x1f => ("", 1),
                // U+FFFE and U+FFFF, in UTF-8 EF BF BE and EF BF BF.
                0xef if bytes.get(index + 1) == Some(&0xbf) && matches!(bytes.get(index + 2), Some(0xbe | 0xbf)) => {
                    ("", 3)
                }
                _ => ("", 0),
            };
            if width == 0 {
                index += 1;
                continue;
            }
            self.content.push_str(&text[run_start..index]);
            self.content.push_str(replacement);
            index += width;
            run_start = index;
        }
        self.content.push_str(&text[run_start..]);
    }

    /// Whether the document, with `pending` about to be appended, ends with `$` or `#`.
    fn ends_with_template_sigil(&self, pending: &str) -> bool {
        let last = pending.as_bytes().last().or_else(|| self.content.as_bytes().last());
        matches!(last, Some(b'$' | b'#'))
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

    /// The tags open now, outermost first.
    #[must_use]
    pub fn open_tags(&self) -> &[&'static str] {
        &self.open
    }

    /// The length in bytes of what has been written so far (the content, without the root).
    #[must_use]
    pub fn len(&self) -> usize {
        self.content.len()
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

    #[test]
    fn text_the_agent_would_refuse_is_left_out_or_written_as_a_reference() {
        let cases: &[(&str, &str)] = &[
            ("tab\tnew\nline\r", "tab\tnew\nline\r"),
            ("bell\u{7}null\u{0}escape\u{1b}", "bellnullescape"),
            ("non\u{fffe}characters\u{ffff}", "noncharacters"),
            ("\u{fffd}\u{fefe}\u{ffbf}", "\u{fffd}\u{fefe}\u{ffbf}"),
            ("price ${amount} and #{x} and {plain}", "price $&#123;amount} and #&#123;x} and {plain}"),
            ("it's", "it&apos;s"),
        ];
        for (text, expected) in cases {
            let mut document = MessageMl::new();
            document.text(text);
            assert_eq!(document.finish(), format!("<messageML>{expected}</messageML>"), "{text:?}");
        }
    }

    #[test]
    fn a_template_sigil_split_across_two_texts_is_still_broken() {
        let mut document = MessageMl::new();
        document.text("cost: $");
        document.text("{n}");
        assert_eq!(document.finish(), "<messageML>cost: $&#123;n}</messageML>");
    }
}
