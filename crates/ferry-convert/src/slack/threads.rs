//! Threads flattened: Symphony's import has no thread field, so a reply stays in its conversation in time
//! order and opens with a short quote of its root and the root's author.
//!
//! Invariant: only roots are remembered (a name and at most [`EXCERPT_CHARS`] characters each), per
//! conversation, and dropped when the conversation ends.

use std::collections::HashMap;

use super::markup::MessageMl;
use super::mrkdwn::decode_entities;
use super::Directory;

/// Characters of a root's text quoted in its replies.
pub const EXCERPT_CHARS: usize = 100;

/// What a reply quotes of its root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Root {
    /// A root converted earlier: its author's name and the start of its text.
    Message {
        /// The author's name.
        author: String,
        /// The start of its text, plain.
        excerpt: String,
    },
    /// A root deleted in Slack (a `tombstone`).
    Deleted,
}

/// The roots of one conversation's threads, by their `ts`.
#[derive(Debug, Default)]
pub struct Roots {
    by_ts: HashMap<String, Root>,
}

/// How a reply relates to its root, for the marker and the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootFound {
    /// The root was converted.
    Converted,
    /// The root was deleted in Slack.
    Deleted,
    /// The root is not in the export.
    Missing,
}

impl Roots {
    /// Remembers a root.
    pub fn remember(&mut self, ts: &str, root: Root) {
        self.by_ts.insert(ts.to_owned(), root);
    }

    /// Writes a reply's marker (a line before its content) and says whether the root was found.
    pub fn write_marker(&self, thread_ts: &str, broadcast: bool, out: &mut MessageMl) -> RootFound {
        let reply = if broadcast { "Reply (also sent to the conversation) to " } else { "Reply to " };
        out.open("i", &[]);
        let found = match self.by_ts.get(thread_ts) {
            Some(Root::Message { author, excerpt }) => {
                out.text(reply);
                out.open("b", &[]);
                out.text(author);
                out.close();
                out.text(&format!(": \u{201c}{excerpt}\u{201d}"));
                RootFound::Converted
            }
            Some(Root::Deleted) => {
                out.text(reply);
                out.text("a message deleted in Slack");
                RootFound::Deleted
            }
            None => {
                out.text(reply);
                out.text("a message that is not in the export");
                RootFound::Missing
            }
        };
        out.close();
        out.empty("br", &[]);
        found
    }
}

/// The start of a message's mrkdwn `text` as plain text: control sequences as their labels (`<@U1>` as
/// `@name`, `<url|label>` as `label`), entities decoded, white space collapsed, at most [`EXCERPT_CHARS`]
/// characters (with `…` when cut).
#[must_use]
pub fn plain_excerpt(text: &str, directory: &dyn Directory) -> String {
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() && plain.chars().count() <= EXCERPT_CHARS {
        match (rest.find('<'), rest.find('>')) {
            (Some(open), Some(close)) if open < close => {
                push_decoded(&mut plain, &rest[..open]);
                push_sequence(&mut plain, &rest[open + 1..close], directory);
                rest = &rest[close + 1..];
            }
            _ => {
                push_decoded(&mut plain, rest);
                rest = "";
            }
        }
    }
    let collapsed: Vec<&str> = plain.split_whitespace().collect();
    let collapsed = collapsed.join(" ");
    if collapsed.chars().count() > EXCERPT_CHARS {
        let mut cut: String = collapsed.chars().take(EXCERPT_CHARS).collect();
        cut.push('\u{2026}');
        cut
    } else {
        collapsed
    }
}

fn push_decoded(plain: &mut String, literal: &str) {
    plain.push_str(&decode_entities(literal));
}

fn push_sequence(plain: &mut String, sequence: &str, directory: &dyn Directory) {
    let (target, label) = sequence.split_once('|').unwrap_or((sequence, ""));
    if let Some(user) = target.strip_prefix('@') {
        plain.push('@');
        plain.push_str(directory.user_name(user).unwrap_or(if label.is_empty() { user } else { label }));
    } else if let Some(channel) = target.strip_prefix('#') {
        plain.push('#');
        plain.push_str(if label.is_empty() { directory.conversation_name(channel).unwrap_or(channel) } else { label });
    } else if let Some(special) = target.strip_prefix('!') {
        match label {
            "" => {
                plain.push('@');
                plain.push_str(special.split('^').next().unwrap_or(special));
            }
            label => plain.push_str(label),
        }
    } else if label.is_empty() {
        // A bare link: its address without any query, which could carry a token.
        push_decoded(plain, target.split('?').next().unwrap_or(target));
    } else {
        push_decoded(plain, label);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Names;

    impl Directory for Names {
        fn symphony_user_id(&self, _: &str) -> Option<i64> {
            None
        }
        fn user_name(&self, slack_user_id: &str) -> Option<&str> {
            (slack_user_id == "U1").then_some("Ann Lee")
        }
        fn conversation_name(&self, conversation_id: &str) -> Option<&str> {
            (conversation_id == "C1").then_some("general")
        }
    }

    #[test]
    fn excerpts_read_like_the_message() {
        let long = "word ".repeat(40);
        let cases: &[(&str, &str)] = &[
            ("hi <@U1>, see <#C1> &amp; <https://x.test/a?t=xoxe-1|the doc>", "hi @Ann Lee, see #general & the doc"),
            ("<!here> ship it\n\n  now", "@here ship it now"),
            ("<https://files.slack.com/x?t=xoxe-secret>", "https://files.slack.com/x"),
            ("a &lt;b&gt; <@U9|zed> <!subteam^S1|@ops>", "a <b> @zed @ops"),
            ("unclosed < bracket", "unclosed < bracket"),
        ];
        for (text, expected) in cases {
            assert_eq!(plain_excerpt(text, &Names), *expected, "{text}");
        }
        let cut = plain_excerpt(&long, &Names);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('\u{2026}'));
    }

    #[test]
    fn markers_name_the_root_or_say_it_is_missing() {
        let mut roots = Roots::default();
        roots.remember("1.000001", Root::Message { author: "Ann".into(), excerpt: "a & b".into() });
        roots.remember("2.000001", Root::Deleted);
        let cases = [
            ("1.000001", false, RootFound::Converted, "<i>Reply to <b>Ann</b>: \u{201c}a &amp; b\u{201d}</i><br/>"),
            (
                "1.000001",
                true,
                RootFound::Converted,
                "<i>Reply (also sent to the conversation) to <b>Ann</b>: \u{201c}a &amp; b\u{201d}</i><br/>",
            ),
            ("2.000001", false, RootFound::Deleted, "<i>Reply to a message deleted in Slack</i><br/>"),
            ("3.000001", false, RootFound::Missing, "<i>Reply to a message that is not in the export</i><br/>"),
        ];
        for (thread_ts, broadcast, found, expected) in cases {
            let mut out = MessageMl::new();
            assert_eq!(roots.write_marker(thread_ts, broadcast, &mut out), found);
            assert_eq!(out.finish(), format!("<messageML>{expected}</messageML>"));
        }
    }
}
