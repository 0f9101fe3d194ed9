//! Rule `LIM004` ([`TooManyUniqueTokens`]): a message has more than 2,500 distinct words.

use crate::declare_rule;

declare_rule! {
    /// A message has more than 2,500 distinct words.
    ///
    /// ## What it does
    /// Counts the distinct words (runs of letters and digits, compared case-insensitively) of the message's
    /// text and warns above 2,500. Symphony's own tokenizer is not published; this count approximates it.
    ///
    /// ## Why is this bad?
    /// MessageML v2 documents a limit of 2,500 unique tokens per message; a message over it may be rejected.
    ///
    /// ## Example
    /// A message pasting a long document or a table of thousands of distinct ids.
    pub struct TooManyUniqueTokens;
}

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Span};
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// The documented limit of unique tokens in one message.
const MAX_UNIQUE_TOKENS: usize = 2_500;

/// Distinct words of the text outside tags; stops counting past `MAX_UNIQUE_TOKENS`.
fn unique_words(message: &str) -> usize {
    let mut words: HashSet<String> = HashSet::new();
    let mut in_tag = false;
    let mut word = String::new();
    for character in message.chars().chain(std::iter::once(' ')) {
        match character {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            _ if character.is_alphanumeric() => word.extend(character.to_lowercase()),
            _ => {
                if !word.is_empty() {
                    words.insert(std::mem::take(&mut word));
                    if words.len() > MAX_UNIQUE_TOKENS {
                        break;
                    }
                }
            }
        }
    }
    words.len()
}

/// Warns about a text with too many distinct words.
pub(crate) fn check(checker: &mut RecordChecker<'_>, message: &JsonString<'_>) {
    let text = message.as_str();
    // 2,501 distinct words need at least 2,501 characters plus separators.
    if text.len() <= MAX_UNIQUE_TOKENS * 2 {
        return;
    }
    let count = unique_words(text);
    if count > MAX_UNIQUE_TOKENS {
        checker.emit_in_string(
            Diagnostic::new(Rule::TooManyUniqueTokens, format!("the message has more than {MAX_UNIQUE_TOKENS} distinct words"))
                .with_help("split the message, or send the text as an attachment"),
            "/message",
            message,
            Span::new(0, text.len()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::unique_words;

    #[test]
    fn counts_distinct_words_case_insensitively() {
        let table: &[(&str, usize)] = &[
            ("<messageML>a b a</messageML>", 2),
            ("<messageML>Word word WORD</messageML>", 1),
            ("<messageML><mention uid=\"12\"/> hi-there 42</messageML>", 3),
            ("", 0),
        ];
        for (message, expected) in table {
            assert_eq!(unique_words(message), *expected, "{message}");
        }
    }
}
