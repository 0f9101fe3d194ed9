//! A Slack message's content into MessageML: the entry point, [`message_content`], and the `Writer` that
//! the mrkdwn, block, emoji and legacy-attachment conversions share.
//!
//! Which source wins: rich-text `blocks` when the message has a `rich_text` block (they hold the exact
//! structure; `text` is then a plain-text echo of them), else the mrkdwn `text` followed by what the other
//! blocks add (a bot's layout blocks often repeat `text`: a block whose text `text` already holds is not
//! written twice); legacy `attachments` come last.
//!
//! Invariants, whatever the input:
//! - the output is MessageML the Agent accepts: tags balance (the writer closes what it opened, in order),
//!   block elements (`ul`, `ol`, `pre`, `div`, `hr`) are never opened inside phrasing-only ones (`b`, `i`,
//!   `pre`), a list always holds at least one `li`, links carry only `http`/`https` hrefs the core's validator
//!   accepts, and text goes through [`MessageMl::text`]'s single escape;
//! - nothing is dropped silently: what is not rendered as it was is pushed to `lossy`;
//! - the output is bounded: past [`MAX_OUTPUT_BYTES`] nothing more is written (one
//!   [`Lossy::LimitReached`]; text is written in slices of at most [`TEXT_SLICE_BYTES`], so the last one
//!   passes the bound by a few escaped slices at most), and at most [`MAX_REPORTS`] losses are reported per
//!   message.

use serde_json::Value;

use super::directory::{Directory, Lossy};
use super::markup::MessageMl;
use super::{blocks, legacy, mrkdwn};

/// Past this many bytes of MessageML content, the rest of a message is left out. Slack caps a message's text at
/// 40,000 characters; even fully escaped, with every mention and emoji expanded, a real message stays far below.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// Text is written in slices of at most this many bytes, the output's bound checked before each.
pub const TEXT_SLICE_BYTES: usize = 4096;

/// At most this many losses are reported for one message; one [`Lossy::LimitReached`] stands for the rest.
pub const MAX_REPORTS: usize = 1000;

/// The style of a block quote: MessageML has no `blockquote`, so a quote is a `div` with a bar on its left, as
/// Slack draws it.
pub(crate) const QUOTE_STYLE: &str = "border-left:4px solid #ddd;padding-left:8px";

/// The style standing in for `<code>` where MessageML allows only phrasing content (inside `b`, `i`, `pre`).
const MONOSPACE_STYLE: &str = "font-family:monospace";

/// Tags whose content MessageML restricts to phrasing content (and `pre`, for `code`): no block element and no
/// `code` inside them.
const PHRASING_ONLY: &[&str] = &["b", "i", "pre", "code"];

/// Appends a message's content (rich-text `blocks` when present, else mrkdwn `text`, then legacy
/// `attachments`: pretext, title (linked when `title_link`), text, fields, footer) to `out`; losses are pushed
/// to `lossy`. Tags this call opens are closed before it returns.
pub fn message_content(message: &Value, directory: &dyn Directory, out: &mut MessageMl, lossy: &mut Vec<Lossy>) {
    let mut writer = Writer::new(out, directory, lossy);
    let text = message.get("text").and_then(Value::as_str).unwrap_or_default();
    match message.get("blocks") {
        Some(Value::Array(all_blocks)) if all_blocks.iter().any(blocks::is_rich_text) => {
            blocks::write_blocks(all_blocks, None, &mut writer);
        }
        Some(Value::Array(all_blocks)) if !all_blocks.is_empty() => {
            mrkdwn::write_mrkdwn(text, true, &mut writer);
            writer.end_line();
            blocks::write_blocks(all_blocks, Some(text), &mut writer);
        }
        Some(Value::Array(_) | Value::Null) | None => mrkdwn::write_mrkdwn(text, true, &mut writer),
        Some(_) => {
            writer.report(Lossy::UnknownElement { kind: "blocks".to_owned() });
            mrkdwn::write_mrkdwn(text, true, &mut writer);
        }
    }
    match message.get("attachments") {
        Some(Value::Array(attachments)) => legacy::write_attachments(attachments, &mut writer),
        Some(Value::Null) | None => {}
        Some(_) => writer.report(Lossy::UnknownElement { kind: "attachments".to_owned() }),
    }
    writer.finish();
}

/// The state of one message's conversion: the document, the look-ups, the losses, the line breaks not yet
/// written and the bounds.
///
/// Line breaks are held back until more inline content comes: a block element starts on a line of its own, so
/// the break before it is not written, and breaks at the very end are dropped.
pub(crate) struct Writer<'a> {
    out: &'a mut MessageMl,
    directory: &'a dyn Directory,
    lossy: &'a mut Vec<Lossy>,
    /// For each tag opened through the writer, whether it was really written (nothing is opened once the
    /// output is full, and the matching close must then write nothing either).
    opened: Vec<bool>,
    pending_breaks: usize,
    /// Whether the last thing written was the end of a block element (a line of its own is then already ended).
    after_block: bool,
    /// How many `pre` are open: inside one, line feeds are text.
    preformatted_depth: usize,
    wrote_content: bool,
    reports: usize,
    output_full: bool,
}

impl<'a> Writer<'a> {
    /// A writer appending to `out`.
    pub fn new(out: &'a mut MessageMl, directory: &'a dyn Directory, lossy: &'a mut Vec<Lossy>) -> Self {
        Writer {
            out,
            directory,
            lossy,
            opened: Vec::new(),
            pending_breaks: 0,
            after_block: false,
            preformatted_depth: 0,
            wrote_content: false,
            reports: 0,
            output_full: false,
        }
    }

    /// Reports a loss, up to [`MAX_REPORTS`] per message.
    pub fn report(&mut self, loss: Lossy) {
        self.reports += 1;
        if self.reports < MAX_REPORTS {
            self.lossy.push(loss);
        } else if self.reports == MAX_REPORTS {
            self.lossy.push(Lossy::LimitReached { what: "reports" });
        }
    }

    /// Whether the output is full; the first time it is, the loss is reported.
    pub fn is_full(&mut self) -> bool {
        if !self.output_full && self.out.len() >= MAX_OUTPUT_BYTES {
            self.output_full = true;
            // Reported even past the bound on reports: a message cut short must say so.
            self.lossy.push(Lossy::LimitReached { what: "output" });
        }
        self.output_full
    }

    /// Whether a `pre` is open (line feeds are then written as they are).
    pub fn in_preformatted(&self) -> bool {
        self.preformatted_depth > 0
    }

    /// Appends decoded text: a line feed (or CR LF) becomes a line break (text itself inside a `pre`).
    pub fn text(&mut self, text: &str) {
        if self.in_preformatted() {
            self.inline_text(text);
            return;
        }
        // A carriage return before a line feed is part of the line's end, which the break stands for.
        let mut lines = text.split('\n').map(|line| line.strip_suffix('\r').unwrap_or(line));
        if let Some(first) = lines.next() {
            self.inline_text(first);
        }
        for line in lines {
            self.pending_breaks += 1;
            self.inline_text(line);
        }
    }

    /// Appends text that holds no line feed to handle (or that is inside a `pre`), slice by slice while the
    /// output is not full.
    fn inline_text(&mut self, mut text: &str) {
        while !text.is_empty() && !self.is_full() {
            let mut slice_end = text.len().min(TEXT_SLICE_BYTES);
            while !text.is_char_boundary(slice_end) {
                slice_end -= 1;
            }
            self.flush_breaks();
            self.out.text(&text[..slice_end]);
            text = &text[slice_end..];
        }
    }

    /// Ends the current line: the next inline content starts on a new one (one break at most is added).
    pub fn end_line(&mut self) {
        if !self.after_block {
            self.pending_breaks = self.pending_breaks.max(1);
        }
    }

    /// Adds one line break before the next inline content.
    pub fn line_break(&mut self) {
        if self.in_preformatted() {
            self.inline_text("\n");
        } else {
            self.pending_breaks += 1;
        }
    }

    fn flush_breaks(&mut self) {
        if !self.wrote_content {
            // Breaks before anything was written would only push the message down.
            self.pending_breaks = 0;
            self.wrote_content = true;
        }
        self.after_block = false;
        for _ in 0..std::mem::take(&mut self.pending_breaks) {
            self.out.empty("br", &[]);
        }
    }

    /// Opens an inline element (`b`, `i`, `span`, `a`), after the pending line breaks.
    pub fn open_inline(&mut self, tag: &'static str, attributes: &[(&str, &str)]) {
        if self.is_full() {
            self.opened.push(false);
            return;
        }
        self.flush_breaks();
        self.out.open(tag, attributes);
        self.opened.push(true);
    }

    /// Opens a block element (`pre`, a quote `div`, `h3`): it starts a line of its own, so the one pending break
    /// that would have started that line is dropped.
    pub fn open_block(&mut self, tag: &'static str, attributes: &[(&str, &str)]) {
        self.pending_breaks = self.pending_breaks.saturating_sub(1);
        self.open_inline(tag, attributes);
        if tag == "pre" && self.opened.last() == Some(&true) {
            self.preformatted_depth += 1;
        }
    }

    /// Opens a list with its first item (a list never stands without an item): `tag` is `ul` or `ol`. Close
    /// both with [`Writer::close_list`].
    pub fn open_list(&mut self, tag: &'static str, attributes: &[(&str, &str)]) {
        self.pending_breaks = 0;
        if self.is_full() {
            self.opened.extend([false, false]);
            return;
        }
        self.flush_breaks();
        self.out.open(tag, attributes);
        self.out.open("li", &[]);
        self.opened.extend([true, true]);
    }

    /// Closes the current list item and opens the next one (nothing once the output is full: what follows is
    /// left out anyway).
    pub fn next_list_item(&mut self) {
        self.pending_breaks = 0;
        if self.is_full() {
            return;
        }
        if self.opened.last() == Some(&true) {
            self.out.close();
            self.out.open("li", &[]);
        }
    }

    /// Closes the list opened by [`Writer::open_list`] and its open item.
    pub fn close_list(&mut self) {
        self.close_block();
        self.close_block();
    }

    /// Closes the innermost element opened through the writer.
    pub fn close(&mut self) {
        if self.opened.pop() == Some(true) {
            if self.out.open_tags().last() == Some(&"pre") {
                self.preformatted_depth = self.preformatted_depth.saturating_sub(1);
            }
            self.out.close();
        }
    }

    /// Closes a block element: the breaks pending at its end are dropped (what follows starts a new line).
    pub fn close_block(&mut self) {
        self.pending_breaks = 0;
        self.close();
        self.after_block = true;
    }

    /// Writes an element without content (`br`, `hr`, `mention`, `emoji`) inline; `hr` is a block and drops the
    /// pending break before it.
    pub fn empty(&mut self, tag: &'static str, attributes: &[(&str, &str)]) {
        if self.is_full() {
            return;
        }
        if tag == "hr" {
            self.pending_breaks = self.pending_breaks.saturating_sub(1);
        }
        self.flush_breaks();
        self.out.empty(tag, attributes);
        if tag == "hr" {
            self.pending_breaks = 0;
            self.after_block = true;
        }
    }

    /// Opens inline code: `<code>` where MessageML allows it, else a monospace `span` (inside `b`, `i`, `pre`
    /// only phrasing content is allowed, and `code` is not phrasing content).
    pub fn open_code(&mut self) {
        if self.out.open_tags().iter().any(|tag| PHRASING_ONLY.contains(tag)) {
            self.open_inline("span", &[("style", MONOSPACE_STYLE)]);
        } else {
            self.open_inline("code", &[]);
        }
    }

    /// Closes everything opened through the writer.
    fn finish(&mut self) {
        while !self.opened.is_empty() {
            self.close();
        }
    }

    /// A user: `<mention uid>` when the directory maps the user, else "@name" (the `label` Slack gave, else
    /// the directory's name, else the id) and [`Lossy::UnmappedMention`].
    pub fn user(&mut self, slack_user_id: &str, label: Option<&str>) {
        if let Some(symphony_user_id) = self.directory.symphony_user_id(slack_user_id) {
            let uid = symphony_user_id.to_string();
            self.empty("mention", &[("uid", &uid)]);
            return;
        }
        let name = label
            .filter(|label| !label.is_empty())
            .or_else(|| self.directory.user_name(slack_user_id))
            .unwrap_or(slack_user_id);
        self.at_name('@', name);
        self.report(Lossy::UnmappedMention { slack_user_id: slack_user_id.to_owned() });
    }

    /// A conversation link: "#name" (the directory's name, else the `label`, else the id).
    pub fn channel(&mut self, conversation_id: &str, label: Option<&str>) {
        let name = self
            .directory
            .conversation_name(conversation_id)
            .or(label.filter(|label| !label.is_empty()))
            .unwrap_or(conversation_id);
        self.at_name('#', name);
        self.report(Lossy::AsText { what: "channel" });
    }

    /// A broadcast (`here`, `channel`, `everyone`): "@here" and so on, as text.
    pub fn broadcast(&mut self, range: &str) {
        let what = match range {
            "here" => "here",
            "channel" => "channel-broadcast",
            "everyone" => "everyone",
            _ => "broadcast",
        };
        self.at_name('@', range);
        self.report(Lossy::AsText { what });
    }

    /// A user group: its handle ("@group", from the `label` when Slack gave one, else the id), as text.
    pub fn usergroup(&mut self, usergroup_id: &str, label: Option<&str>) {
        match label.filter(|label| !label.is_empty()) {
            Some(label) => self.text(label),
            None => self.at_name('@', usergroup_id),
        }
        self.report(Lossy::AsText { what: "usergroup" });
    }

    /// A date: Slack's fallback text when there is one, else the moment in UTC.
    pub fn date(&mut self, timestamp_seconds: Option<i64>, fallback: Option<&str>) {
        match (fallback.filter(|fallback| !fallback.is_empty()), timestamp_seconds) {
            (Some(fallback), _) => self.text(fallback),
            (None, Some(seconds)) => {
                let text = ferry_core::humanize::utc_date_time(seconds.saturating_mul(1000));
                self.text(&text);
            }
            (None, None) => {}
        }
        self.report(Lossy::AsText { what: "date" });
    }

    fn at_name(&mut self, sigil: char, name: &str) {
        // Names from Slack often already carry the sigil (`<!subteam^S1|@team>`, labels of broadcasts).
        if !name.starts_with(sigil) {
            let mut buffer = [0; 4];
            self.text(sigil.encode_utf8(&mut buffer));
        }
        self.text(name);
    }

    /// A link: `<a href>` with `label` (else the URL) as its text when the URL is http or https and the core's
    /// validator accepts it as an href; otherwise the label and the address as text (a pod with default settings
    /// refuses other schemes such as `mailto`, so those are written as text).
    pub fn link(&mut self, url: &str, label: Option<&str>) {
        let label = label.filter(|label| !label.trim().is_empty());
        // An href longer than what is left of the output's bound is written as text, which is cut to the bound.
        let fits = url.len() < MAX_OUTPUT_BYTES.saturating_sub(self.out.len()) / 3;
        if let Some(href) = fits.then(|| acceptable_href(url)).flatten() {
            self.open_inline("a", &[("href", &href)]);
            self.text(label.unwrap_or(url));
            self.close();
            return;
        }
        let address = url.strip_prefix("mailto:").unwrap_or(url);
        match label {
            Some(label) if label != address && label != url => {
                self.text(label);
                self.text(" (");
                self.text(address);
                self.text(")");
            }
            _ => self.text(address),
        }
    }
}

/// The href to write for `url`, or `None` when it is not an http or https URL the Agent would accept.
///
/// Characters `java.net.URI` refuses (spaces, `|`, `{`, non-ASCII, …) are percent-encoded as a browser would
/// send them; the result is then judged by the core's own check of an `<a href>` (with the default options:
/// http and https only), so a link this function lets through never turns into an error.
fn acceptable_href(url: &str) -> Option<String> {
    let href = percent_encode_for_java_uri(url);
    ferry_core::messageml::elements::href_is_accepted(&href, &ferry_core::messageml::MessageMlOptions::default())
        .then_some(href)
}

/// `url` with every byte outside RFC 2396's URI characters percent-encoded (`%` kept when two hex digits
/// follow, one `#` kept for the fragment).
fn percent_encode_for_java_uri(url: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = url.as_bytes();
    let mut encoded = String::with_capacity(url.len());
    let mut seen_fragment = false;
    for (index, &byte) in bytes.iter().enumerate() {
        let keep = match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => true,
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => true,
            b';' | b'/' | b'?' | b':' | b'@' | b'&' | b'=' | b'+' | b'$' | b',' => true,
            b'%' => bytes.get(index + 1..index + 3).is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit)),
            b'#' if !seen_fragment => {
                seen_fragment = true;
                true
            }
            _ => false,
        };
        if keep {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            encoded.push(char::from(HEX[usize::from(byte >> 4)]));
            encoded.push(char::from(HEX[usize::from(byte & 0xf)]));
        }
    }
    encoded
}

#[cfg(test)]
mod tests;
