//! What a message's content conversion needs to know about people and conversations, and what it reports.

/// Names and ids the content conversion looks up; the conversion driver answers from the export's metadata and
/// the user and stream maps.
pub trait Directory {
    /// The Symphony user id a Slack user id (`U…`, `W…`, a bot's `B…`) is mapped to, if any.
    fn symphony_user_id(&self, slack_user_id: &str) -> Option<i64>;
    /// A readable name for a Slack user id (real name, else display name, else handle), if the export knows it.
    fn user_name(&self, slack_user_id: &str) -> Option<&str>;
    /// The name of a conversation (`C…`, `G…`, `D…`), if the export knows it.
    fn conversation_name(&self, conversation_id: &str) -> Option<&str>;
}

/// Something the conversion of one message could not carry over as it was, reported with its record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lossy {
    /// A block, element or part of a message the converter does not render as it was: its text, if any, was kept
    /// as plain text.
    UnknownElement {
        /// The block's or element's `type`; for other parts what they are (`attachment image`, `attachment
        /// actions`, `!name` for an unknown `<!name>` sequence, `blocks` or `attachments` when not an array).
        kind: String,
    },
    /// A mention of a Slack user with no Symphony id: written as the user's name in text.
    UnmappedMention {
        /// The Slack user id.
        slack_user_id: String,
    },
    /// An emoji MessageML does not know (a custom emoji): written as `:name:` text.
    EmojiAsText {
        /// The emoji's name.
        name: String,
    },
    /// A Slack construct Symphony has no equivalent for, written as readable text (a channel link, `@here`,
    /// `@channel`, `@everyone`, a user group, a date).
    AsText {
        /// What it was (`channel`, `here`, `channel-broadcast`, `everyone`, `usergroup`, `date`, …).
        what: &'static str,
    },
    /// A bound was reached: the rest of what it bounds was left out (`output` for the message's size, `nesting`
    /// for list levels deeper than Slack's eight, written at the deepest level, `reports` for the number of losses
    /// reported for one message).
    LimitReached {
        /// Which bound.
        what: &'static str,
    },
}
