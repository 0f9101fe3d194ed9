//! Rule `LIM002` ([`TooManyEntities`]): a message has more than 40 entities (mentions, hashtags, cashtags).

use crate::declare_rule;

declare_rule! {
    /// A message has more than 40 entities (mentions, hashtags, cashtags).
    ///
    /// ## What it does
    /// Counts the `<mention>`, `<hash>` and `<cash>` tags of the MessageML and reports the 41st, pointing at
    /// it.
    ///
    /// ## Why is this bad?
    /// MessageML v2 allows at most 40 entities per message; the Agent rejects a message with more.
    ///
    /// ## Example
    /// A message with 41 `<mention uid="7215545057281"/>` tags.
    pub struct TooManyEntities;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// The documented maximum of entities in one message.
const MAX_ENTITIES: usize = 40;

/// Byte span of the `n`th (0-based) entity tag of `message`, if it has that many.
fn nth_entity_tag(message: &str, n: usize) -> Option<Span> {
    let bytes = message.as_bytes();
    let mut seen = 0;
    for at in memchr::memchr_iter(b'<', bytes) {
        let rest = &bytes[at + 1..];
        let Some(name_length) =
            ["mention", "hash", "cash"].iter().find(|name| rest.starts_with(name.as_bytes())).map(|name| name.len())
        else {
            continue;
        };
        let after = rest.get(name_length).copied();
        if !matches!(after, Some(b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'>')) {
            continue;
        }
        if seen == n {
            return Some(Span::new(at, at + 1 + name_length));
        }
        seen += 1;
    }
    None
}

/// Reports the first entity past the limit.
pub(crate) fn check(checker: &mut RecordChecker<'_>, message: &JsonString<'_>) {
    if let Some(span) = nth_entity_tag(message.as_str(), MAX_ENTITIES) {
        checker.emit_in_string(
            Diagnostic::new(Rule::TooManyEntities, format!("the message has more than {MAX_ENTITIES} entities (mentions, hashtags, cashtags); this is the first over the limit"))
                .with_help("split the message, or write the extra tags as plain text"),
            "/message",
            message,
            span,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_entity_tags_only() {
        let message = "<messageML><mention uid=\"1\"/><hash tag=\"a\"/><mentions/><cash tag=\"b\"/><hashx/></messageML>";
        assert_eq!(nth_entity_tag(message, 0), Some(Span::new(11, 19)));
        assert_eq!(nth_entity_tag(message, 2).map(|span| &message[span.start..span.end]), Some("<cash"));
        assert_eq!(nth_entity_tag(message, 3), None);
    }
}
