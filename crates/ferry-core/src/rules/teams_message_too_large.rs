//! Rule `TEAMS003` ([`TeamsMessageTooLarge`]): Teams target: a message is larger than a Teams post may be.

use crate::declare_rule;

declare_rule! {
    /// Teams target: a message is larger than a Teams post may be (about 28 KB).
    ///
    /// ## What it does
    /// With `--target teams`, reports a record whose `message` is over 28 KB (28 × 1024 bytes of UTF-8).
    ///
    /// ## Why is this bad?
    /// Teams limits a post to "approximately 28 KB", text, image links, mentions and reactions included; a
    /// larger post is refused (`413 Request Entity too large`). The limit is approximate, so a message near it
    /// may fail too.
    ///
    /// ## Example
    /// A record whose message pastes a 40 KB log.
    pub struct TeamsMessageTooLarge;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::humanize;
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Teams' documented approximate limit on one post, in bytes.
const MAX_POST_BYTES: usize = 28 * 1024;

/// Reports a message over the limit, pointing at where the limit is passed.
pub(crate) fn check(checker: &mut RecordChecker<'_>, message: &JsonString<'_>) {
    let text = message.as_str();
    if text.len() <= MAX_POST_BYTES {
        return;
    }
    let mut passed_at = MAX_POST_BYTES;
    while !text.is_char_boundary(passed_at) {
        passed_at -= 1;
    }
    checker.emit_in_string(
        Diagnostic::new(
            Rule::TeamsMessageTooLarge,
            format!(
                "the message is {}; a Teams post may hold about {}",
                humanize::size_with_bytes(text.len() as u64),
                humanize::size_with_bytes(MAX_POST_BYTES as u64)
            ),
        )
        .with_help("split the message into several posts, or attach the long text as a file"),
        "/message",
        message,
        Span::new(passed_at, text.len()),
    );
}
