//! Stands in for the content conversion (`message_content`: rich-text blocks, mrkdwn, legacy attachments)
//! until it is part of this crate: the message's `text` with Slack's three entities decoded, escaped once.
//! Same signature, so the driver's call does not change when it is replaced.

use serde_json::Value;

use super::{Directory, Lossy, MessageMl};

/// Writes `message`'s `text` as plain text.
pub(crate) fn message_content(
    message: &Value,
    _directory: &dyn Directory,
    out: &mut MessageMl,
    _lossy: &mut Vec<Lossy>,
) {
    let text = message.get("text").and_then(Value::as_str).unwrap_or_default();
    out.text(&text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"));
}
