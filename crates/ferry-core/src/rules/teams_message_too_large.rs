//! Rule `TEAMS003` ([`TeamsMessageTooLarge`]): Teams target: a message, converted, is larger than a Teams post
//! may be.

use crate::declare_rule;

declare_rule! {
    /// Teams target: a message, converted to Teams HTML, is larger than a Teams post may be (about 28 KB).
    ///
    /// ## What it does
    /// With `--target teams`, converts the message as `ferry convert --to teams` does (MessageML to the HTML
    /// of the post, mentions as `<at>` tags, inline images as `<img>` links) and reports a record whose post
    /// body is over 28 KB (28 × 1024 bytes of UTF-8), saying the converted size.
    ///
    /// ## Why is this bad?
    /// Teams limits a post to "approximately 28 KB", text, image links, mentions and reactions included; a
    /// larger post is refused (`413 Request Entity too large`; `apis-and-peers` §3). What counts is the post
    /// as sent, so the HTML is measured, not the MessageML. The limit is approximate, so a post near it may
    /// fail too.
    ///
    /// ## Example
    /// A record whose message pastes a 40 KB log.
    pub struct TeamsMessageTooLarge;
}

use crate::diagnostic::Diagnostic;
use crate::humanize;
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;
use crate::teams::{Post, MAX_POST_BYTES, MAX_RENDERED_BYTES};

/// Reports a post over the limit.
pub(crate) fn check(checker: &mut RecordChecker<'_>, post: &Post, message: &JsonString<'_>) {
    let bytes = post.html.len();
    if bytes <= MAX_POST_BYTES {
        return;
    }
    // The rendering stops a little past its bound; the size is then a lower bound.
    let size = match bytes > MAX_RENDERED_BYTES {
        true => format!("over {}", humanize::size(MAX_RENDERED_BYTES as u64)),
        false => humanize::size_with_bytes(bytes as u64),
    };
    checker.emit_at_string(
        Diagnostic::new(
            Rule::TeamsMessageTooLarge,
            format!(
                "converted to Teams HTML, the post is {size}; a Teams post may hold about {}",
                humanize::size_with_bytes(MAX_POST_BYTES as u64)
            ),
        )
        .with_help("split the message into several posts, or attach the long text as a file"),
        "/message",
        message,
    );
}
