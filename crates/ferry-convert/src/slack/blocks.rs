//! Slack's `blocks` into MessageML: `rich_text` (the exact structure of what a person typed) and the layout
//! blocks apps post (`section`, `header`, `context`, `divider`, …).
//!
//! Rich text: `rich_text_section` is a run of inline elements; `rich_text_list` (`bullet` or `ordered`) items
//! are sections, and consecutive lists with a growing `indent` nest inside the previous item (Slack writes a
//! nested list as sibling lists with `indent` 0, 1, 0, …; at most eight levels, deeper ones are written at the
//! eighth and reported); `rich_text_preformatted` is a `<pre>`; `rich_text_quote` a quote `div` (MessageML has
//! no `blockquote`). Inline elements: `text` (with `style` bold, italic, strike, underline, code), `link`,
//! `user`, `channel`, `usergroup`, `broadcast`, `emoji`, `date`. Text in blocks is not entity-escaped. An
//! ordered list's `offset` is kept where it starts a new list.
//!
//! Anything else is reported as [`Lossy::UnknownElement`] with its `type`, and its text, where it has one, is
//! written as plain text: nothing is dropped without a word.

use serde_json::Value;

use super::content::{Writer, QUOTE_STYLE};
use super::directory::Lossy;
use super::{emoji, mrkdwn};

/// Slack's deepest list level (indent 0 to 7).
pub const MAX_LIST_DEPTH: usize = 8;

/// Whether `block` is a `rich_text` block.
pub(crate) fn is_rich_text(block: &Value) -> bool {
    kind(block) == "rich_text"
}

fn kind(value: &Value) -> &str {
    value.get("type").and_then(Value::as_str).unwrap_or_default()
}

fn string<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

fn array<'v>(value: &'v Value, key: &str) -> &'v [Value] {
    value.get(key).and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Writes `blocks`, one after another on lines of their own. With `text` (the message's mrkdwn, already
/// written), a block's main text that `text` holds is left out as a repetition of it (the rest of the block,
/// such as a section's fields, is still written).
pub(crate) fn write_blocks(blocks: &[Value], text: Option<&str>, writer: &mut Writer) {
    for block in blocks {
        if writer.is_full() {
            return;
        }
        let repeated = text
            .filter(|text| !text.is_empty())
            .is_some_and(|text| block_text(block).is_some_and(|block_text| text.contains(block_text)));
        write_block(block, repeated, writer);
        writer.end_line();
    }
}

/// The main text of a layout block, as the check for repetitions compares it.
fn block_text(block: &Value) -> Option<&str> {
    // Only a text object of a known type: an unknown one is reported, never skipped as a repetition.
    let text_object = block.get("text").filter(|text| matches!(kind(text), "mrkdwn" | "plain_text"))?;
    string(text_object, "text").filter(|text| !text.is_empty())
}

/// Writes one block; with `text_repeated`, its main text (see [`block_text`]) is not written.
fn write_block(block: &Value, text_repeated: bool, writer: &mut Writer) {
    match kind(block) {
        "rich_text" => write_rich_text(array(block, "elements"), writer),
        "section" => {
            if let Some(text) = block.get("text").filter(|_| !text_repeated) {
                write_text_object(text, writer);
            }
            for field in array(block, "fields") {
                writer.end_line();
                write_text_object(field, writer);
            }
            if let Some(accessory) = block.get("accessory") {
                writer.end_line();
                report_unknown(accessory, writer);
            }
        }
        "header" => match block.get("text").filter(|_| !text_repeated) {
            // A header's text is plain text, written in bold; anything else could hold blocks, which `b` may not.
            Some(text) if kind(text) == "plain_text" => {
                writer.open_inline("b", &[]);
                write_text_object(text, writer);
                writer.close();
            }
            Some(text) => write_text_object(text, writer),
            None => {}
        },
        "context" => {
            let mut wrote_text = false;
            for element in array(block, "elements") {
                match kind(element) {
                    "mrkdwn" | "plain_text" => {
                        if wrote_text {
                            writer.text(" ");
                        }
                        write_text_object(element, writer);
                        wrote_text = true;
                    }
                    _ => report_unknown(element, writer),
                }
            }
        }
        "divider" => writer.empty("hr", &[]),
        _ => report_unknown(block, writer),
    }
}

/// Writes a text object (`{"type": "mrkdwn" | "plain_text", "text": …}`).
fn write_text_object(text_object: &Value, writer: &mut Writer) {
    let text = string(text_object, "text").unwrap_or_default();
    match kind(text_object) {
        "mrkdwn" => mrkdwn::write_mrkdwn(text, !text_object.get("verbatim").is_some_and(|v| v == true), writer),
        "plain_text" => writer.text(text),
        _ => report_unknown(text_object, writer),
    }
}

/// Reports an element not rendered as it was and writes its text, if it has one, as plain text.
fn report_unknown(element: &Value, writer: &mut Writer) {
    let kind = match element.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        _ => "(no type)".to_owned(),
    };
    writer.report(Lossy::UnknownElement { kind });
    let text = match element.get("text") {
        Some(Value::String(text)) => Some(text.as_str()),
        Some(text_object) => string(text_object, "text"),
        None => None,
    };
    if let Some(text) = text {
        writer.text(text);
    }
}

/// A list level open in the document: its style, so that an item of another style at that level starts a new
/// list.
struct OpenList {
    ordered: bool,
}

/// Writes a `rich_text` block's elements.
fn write_rich_text(elements: &[Value], writer: &mut Writer) {
    let mut lists: Vec<OpenList> = Vec::new();
    for element in elements {
        if writer.is_full() {
            break;
        }
        if kind(element) == "rich_text_list" {
            write_list(element, &mut lists, writer);
            continue;
        }
        close_lists(&mut lists, 0, writer);
        match kind(element) {
            "rich_text_section" => {
                write_inline_elements(array(element, "elements"), writer);
                writer.end_line();
            }
            "rich_text_preformatted" => {
                writer.open_block("pre", &[]);
                write_inline_elements(array(element, "elements"), writer);
                writer.close_block();
            }
            "rich_text_quote" => {
                writer.open_block("div", &[("style", QUOTE_STYLE)]);
                write_inline_elements(array(element, "elements"), writer);
                writer.close_block();
            }
            _ => {
                report_unknown(element, writer);
                write_inline_elements(array(element, "elements"), writer);
                writer.end_line();
            }
        }
    }
    close_lists(&mut lists, 0, writer);
}

/// Closes open list levels until `depth` remain.
fn close_lists(lists: &mut Vec<OpenList>, depth: usize, writer: &mut Writer) {
    while lists.len() > depth {
        lists.pop();
        writer.close_list();
    }
}

/// Writes one `rich_text_list`: its items at its `indent`, nested in the open item of the level above.
fn write_list(list: &Value, lists: &mut Vec<OpenList>, writer: &mut Writer) {
    let ordered = string(list, "style") == Some("ordered");
    let indent =
        list.get("indent").and_then(Value::as_u64).map_or(0, |indent| usize::try_from(indent).unwrap_or(usize::MAX));
    let depth = if indent >= MAX_LIST_DEPTH {
        writer.report(Lossy::LimitReached { what: "nesting" });
        MAX_LIST_DEPTH
    } else {
        indent + 1
    };
    close_lists(lists, depth, writer);
    if lists.len() == depth && lists.last().is_some_and(|open| open.ordered != ordered) {
        close_lists(lists, depth - 1, writer);
    }
    // An ordered list that Slack numbers on from an earlier one (`offset`) counts on from there when it starts a
    // new `ol` (MessageML's `ol` has no `start`; its `style` may reset the list-item counter).
    let offset = list.get("offset").and_then(Value::as_u64).filter(|offset| *offset > 0 && ordered);
    let counter_reset = offset.map(|offset| format!("counter-reset:list-item {offset}"));
    let mut first_item_open = false;
    while lists.len() < depth {
        // Missing levels between the open ones and this list's are bullet lists whose one item holds the next.
        let level_ordered = lists.len() + 1 == depth && ordered;
        match (&counter_reset, level_ordered) {
            (Some(style), true) => writer.open_list("ol", &[("style", style)]),
            (None, true) => writer.open_list("ol", &[]),
            (_, false) => writer.open_list("ul", &[]),
        }
        lists.push(OpenList { ordered: level_ordered });
        first_item_open = lists.len() == depth;
    }
    for (index, item) in array(list, "elements").iter().enumerate() {
        if index > 0 || !first_item_open {
            writer.next_list_item();
        }
        match kind(item) {
            "rich_text_section" => write_inline_elements(array(item, "elements"), writer),
            _ => {
                report_unknown(item, writer);
                write_inline_elements(array(item, "elements"), writer);
            }
        }
    }
}

/// Writes a run of rich-text inline elements.
fn write_inline_elements(elements: &[Value], writer: &mut Writer) {
    for element in elements {
        if writer.is_full() {
            return;
        }
        write_inline_element(element, writer);
    }
}

fn write_inline_element(element: &Value, writer: &mut Writer) {
    match kind(element) {
        "text" => {
            let opened = open_style(element.get("style"), writer);
            writer.text(string(element, "text").unwrap_or_default());
            close_style(opened, writer);
        }
        "link" => {
            let opened = open_style(element.get("style"), writer);
            writer.link(string(element, "url").unwrap_or_default(), string(element, "text"));
            close_style(opened, writer);
        }
        "user" => writer.user(string(element, "user_id").unwrap_or_default(), None),
        "channel" => writer.channel(string(element, "channel_id").unwrap_or_default(), None),
        "usergroup" => writer.usergroup(string(element, "usergroup_id").unwrap_or_default(), None),
        "broadcast" => writer.broadcast(string(element, "range").unwrap_or_default()),
        "emoji" => emoji::write_emoji(
            string(element, "name").unwrap_or_default(),
            element.get("skin_tone").and_then(Value::as_u64),
            string(element, "unicode"),
            writer,
        ),
        "date" => writer.date(element.get("timestamp").and_then(Value::as_i64), string(element, "fallback")),
        _ => report_unknown(element, writer),
    }
}

/// Opens the elements for a rich-text `style` (code outermost, as `b` and `i` allow no `code` inside);
/// returns how many were opened. Code inside a `pre` is left as it is.
fn open_style(style: Option<&Value>, writer: &mut Writer) -> usize {
    let Some(style) = style else { return 0 };
    let is_on = |name: &str| style.get(name).is_some_and(|value| value == true);
    let mut opened = 0;
    if is_on("code") && !writer.in_preformatted() {
        writer.open_code();
        opened += 1;
    }
    for (name, tag, attributes) in [
        ("bold", "b", &[][..]),
        ("italic", "i", &[][..]),
        ("strike", "span", &[("style", "text-decoration:line-through")][..]),
        ("underline", "span", &[("style", "text-decoration:underline")][..]),
    ] {
        if is_on(name) {
            writer.open_inline(tag, attributes);
            opened += 1;
        }
    }
    opened
}

fn close_style(opened: usize, writer: &mut Writer) {
    for _ in 0..opened {
        writer.close();
    }
}
