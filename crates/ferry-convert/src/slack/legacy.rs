//! Slack's legacy `attachments` (what bots and link unfurls posted before blocks) into MessageML, after the
//! message's own content: each attachment's `pretext`, then, in a quote `div` as Slack draws it with a bar,
//! its author, its `title` (a link when `title_link` is an acceptable one), `text`, `fields` (title in bold,
//! value below), its blocks, and `footer`; `fallback` only when none of those has text.
//!
//! Slack formats attachment text as mrkdwn only for the fields named in `mrkdwn_in`; control sequences and
//! entities are understood everywhere. Images, thumbnails and buttons cannot be carried over: they are
//! reported as [`Lossy::UnknownElement`] (`attachment image`, `attachment actions`).

use serde_json::Value;

use super::content::{Writer, QUOTE_STYLE};
use super::directory::Lossy;
use super::{blocks, mrkdwn};

/// Writes the legacy attachments of a message.
pub(crate) fn write_attachments(attachments: &[Value], writer: &mut Writer) {
    for attachment in attachments {
        if writer.is_full() {
            return;
        }
        if !attachment.is_object() {
            writer.report(Lossy::UnknownElement { kind: "attachment".to_owned() });
            continue;
        }
        writer.end_line();
        write_attachment(attachment, writer);
    }
}

fn write_attachment(attachment: &Value, writer: &mut Writer) {
    let string = |key: &str| attachment.get(key).and_then(Value::as_str).filter(|text| !text.trim().is_empty());
    let mrkdwn_in: Vec<&str> = attachment
        .get("mrkdwn_in")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let formatted = |field: &str| mrkdwn_in.contains(&field);
    let fields = attachment.get("fields").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let attachment_blocks = attachment.get("blocks").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);

    if let Some(pretext) = string("pretext") {
        mrkdwn::write_mrkdwn(pretext, formatted("pretext"), writer);
        writer.end_line();
    }
    let has_body = ["author_name", "title", "text", "footer"].iter().any(|key| string(key).is_some())
        || !fields.is_empty()
        || !attachment_blocks.is_empty();
    let fallback = string("fallback").filter(|_| !has_body && string("pretext").is_none());
    if has_body || fallback.is_some() {
        writer.open_block("div", &[("style", QUOTE_STYLE)]);
        if let Some(author) = string("author_name") {
            writer.text(&mrkdwn::decode_entities(author));
            writer.end_line();
        }
        if let Some(title) = string("title") {
            writer.open_inline("b", &[]);
            match string("title_link") {
                Some(link) => writer.link(&mrkdwn::decode_entities(link), Some(&mrkdwn::decode_entities(title))),
                None => mrkdwn::write_mrkdwn(title, false, writer),
            }
            writer.close();
            writer.end_line();
        }
        if let Some(text) = string("text") {
            mrkdwn::write_mrkdwn(text, formatted("text"), writer);
            writer.end_line();
        }
        for field in fields {
            write_field(field, formatted("fields"), writer);
        }
        if !attachment_blocks.is_empty() {
            blocks::write_blocks(attachment_blocks, string("text"), writer);
        }
        if let Some(footer) = string("footer") {
            mrkdwn::write_mrkdwn(footer, formatted("footer"), writer);
        }
        if let Some(fallback) = fallback {
            mrkdwn::write_mrkdwn(fallback, false, writer);
        }
        writer.close_block();
    }
    if ["image_url", "thumb_url"].iter().any(|key| string(key).is_some()) {
        writer.report(Lossy::UnknownElement { kind: "attachment image".to_owned() });
    }
    if attachment.get("actions").and_then(Value::as_array).is_some_and(|actions| !actions.is_empty()) {
        writer.report(Lossy::UnknownElement { kind: "attachment actions".to_owned() });
    }
}

/// Writes one of an attachment's `fields`: its title in bold, its value on the next line.
fn write_field(field: &Value, formatted: bool, writer: &mut Writer) {
    let title = field.get("title").and_then(Value::as_str).filter(|title| !title.is_empty());
    let value = field.get("value").and_then(Value::as_str).filter(|value| !value.is_empty());
    if let Some(title) = title {
        writer.open_inline("b", &[]);
        mrkdwn::write_mrkdwn(title, false, writer);
        writer.close();
        writer.end_line();
    }
    if let Some(value) = value {
        mrkdwn::write_mrkdwn(value, formatted, writer);
        writer.end_line();
    }
}
