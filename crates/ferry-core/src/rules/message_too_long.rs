//! Rule `LIM003` ([`MessageTooLong`]): a message's text is longer than Symphony's limits.

use crate::declare_rule;

declare_rule! {
    /// A message's text is longer than Symphony's limits.
    ///
    /// ## What it does
    /// Counts the characters of the message's text (the MessageML with its tags left out) and reports an
    /// error above 81,130 characters and a warning above 30,000.
    ///
    /// ## Why is this bad?
    /// The Agent limits the message's encrypted markdown to 81,130 characters; the markdown holds at least the
    /// text, so a longer text is rejected for sure. Symphony's clients limit what a user may type to 30,000
    /// characters: a longer imported message is accepted but displays unlike anything users can write.
    ///
    /// ## Example
    /// A message whose text is a 90,000-character log file: attach the log instead.
    pub struct MessageTooLong;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::humanize;
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;
use crate::Severity;

/// The Agent's limit on the encrypted markdown of a message, in characters.
const MAX_MARKDOWN_CHARACTERS: usize = 81_130;
/// The clients' limit on a typed message, in characters.
const CLIENT_MAX_CHARACTERS: usize = 30_000;

/// Characters of `message` outside `<…>` tags, and the byte offset where the text passes `limit` characters.
pub(crate) fn text_characters(message: &str, limit: usize) -> (usize, Option<usize>) {
    let mut in_tag = false;
    let mut count = 0;
    let mut passed_at = None;
    for (offset, character) in message.char_indices() {
        match character {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if !in_tag => {
                count += 1;
                if count == limit + 1 {
                    passed_at = Some(offset);
                }
            }
            _ => {}
        }
    }
    (count, passed_at)
}

/// Reports a text over either limit.
pub(crate) fn check(checker: &mut RecordChecker<'_>, message: &JsonString<'_>) {
    let text = message.as_str();
    // Each character is at least one byte: a short message cannot pass the lower limit.
    if text.len() <= CLIENT_MAX_CHARACTERS {
        return;
    }
    let (characters, _) = text_characters(text, CLIENT_MAX_CHARACTERS);
    if characters <= CLIENT_MAX_CHARACTERS {
        return;
    }
    let (limit, severity, help) = if characters > MAX_MARKDOWN_CHARACTERS {
        (MAX_MARKDOWN_CHARACTERS, Severity::Error, "split the message, or send the text as an attachment")
    } else {
        (CLIENT_MAX_CHARACTERS, Severity::Warning, "the Agent accepts it, but users can type at most 30,000 characters")
    };
    let passed_at = text_characters(text, limit).1.unwrap_or(0);
    checker.emit_in_string(
        Diagnostic::new(
            Rule::MessageTooLong,
            format!(
                "the message's text is {} characters, over the limit of {}",
                humanize::grouped(characters as u64),
                humanize::grouped(limit as u64)
            ),
        )
        .with_help(help)
        .with_severity(severity),
        "/message",
        message,
        Span::new(passed_at, text.len()),
    );
}

#[cfg(test)]
mod tests {
    use super::text_characters;

    /// A message, a limit in characters, and the expected count of text characters with the byte offset where
    /// the text passes the limit.
    type CountCase<'a> = (&'a str, usize, (usize, Option<usize>));

    #[test]
    fn counts_text_outside_tags() {
        let table: &[CountCase<'_>] = &[
            ("<messageML>abc</messageML>", 2, (3, Some(13))),
            ("<messageML>abc</messageML>", 3, (3, None)),
            ("<messageML>é<b>é</b></messageML>", 1, (2, Some(16))),
            ("plain > text", 100, (12, None)),
        ];
        for (message, limit, expected) in table {
            assert_eq!(text_characters(message, *limit), *expected, "{message}");
        }
    }
}
