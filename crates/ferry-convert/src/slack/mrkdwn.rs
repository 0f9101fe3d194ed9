//! Slack mrkdwn (a message's `text`, a section's or an attachment's text) into MessageML.
//!
//! Order matters (the peers that get it wrong write `&amp;amp;` or turn typed `&lt;https://x&gt;` into a live
//! link): the `<…>` control sequences are split out of the raw text first, Slack's three entities (`&amp;`,
//! `&lt;`, `&gt;`) are decoded only in the literal runs and inside URLs and labels, and the decoded text is
//! escaped once, by the writer.
//!
//! Formatting follows Slack's rules, conservatively (when in doubt, text): ```` ``` ```` pairs delimit
//! preformatted blocks; a line starting with `>` is quoted (`>>>` quotes the rest of the text); `*bold*`,
//! `_italic_`, `~strike~` and `` `code` `` need their markers at word boundaries (an opening marker after the
//! start of the line, a space or punctuation and before a non-space; a closing one after a non-space and before
//! the end, a space or punctuation) and do not span lines; `:name:` is an emoji.
//!
//! Cost: linear in the text apart from a binary search per marker; no regex, no allocation per character
//! (a few vectors per message that holds control sequences or markers).

use std::borrow::Cow;
use std::ops::Range;

use super::content::{Writer, QUOTE_STYLE};
use super::directory::Lossy;
use super::emoji;

/// The formatting markers, in the order of [`Markers::closers`].
const MARKERS: [u8; 4] = [b'*', b'_', b'~', b'`'];

/// Writes the mrkdwn `raw` (as Slack stored it, entities escaped). Without `formatting`, only control
/// sequences, entities and emoji are understood (legacy attachment fields not listed in `mrkdwn_in`).
pub(crate) fn write_mrkdwn(raw: &str, formatting: bool, writer: &mut Writer) {
    let source = Source::new(raw);
    if !formatting {
        write_lines(&source, 0..raw.len(), false, writer);
        return;
    }
    let mut segment_start = 0;
    let mut fences = source.fences();
    while let Some(open) = fences.next() {
        let Some(close) = fences.next() else { break };
        write_lines(&source, segment_start..open, true, writer);
        write_preformatted(&source, open + 3..close, writer);
        segment_start = close + 3;
        // The line feed right after a closing fence ends the `pre`'s line, which the `pre` ends already.
        if raw.as_bytes().get(segment_start) == Some(&b'\n') {
            segment_start += 1;
        }
    }
    write_lines(&source, segment_start..raw.len(), true, writer);
}

/// The raw text and where its control sequences are.
struct Source<'t> {
    raw: &'t str,
    /// The spans of the control sequences, `<` and `>` included, in order.
    controls: Vec<Range<usize>>,
}

impl<'t> Source<'t> {
    fn new(raw: &'t str) -> Self {
        let bytes = raw.as_bytes();
        let mut controls = Vec::new();
        let mut position = 0;
        while let Some(offset) = memchr::memchr(b'<', &bytes[position..]) {
            let start = position + offset;
            // Slack escapes every `<` and `>` of literal text, so a `<` opens a control sequence that ends at the
            // next `>`; one with another `<` before its end (not Slack's output) is taken as text.
            match memchr::memchr2(b'>', b'<', &bytes[start + 1..]) {
                Some(length) if bytes[start + 1 + length] == b'>' => {
                    controls.push(start..start + length + 2);
                    position = start + length + 2;
                }
                _ => position = start + 1,
            }
        }
        Source { raw, controls }
    }

    /// The control sequence starting at `position`, if one does.
    fn control_at(&self, position: usize) -> Option<Range<usize>> {
        if self.raw.as_bytes().get(position) != Some(&b'<') {
            return None;
        }
        let index = self.controls.binary_search_by_key(&position, |control| control.start).ok()?;
        Some(self.controls[index].clone())
    }

    /// The first control sequence ending after `position`, if any.
    fn control_after(&self, position: usize) -> Option<&Range<usize>> {
        let index = self.controls.partition_point(|control| control.end <= position);
        self.controls.get(index)
    }

    /// The positions of ```` ``` ```` outside control sequences, each one after the end of the previous.
    fn fences(&self) -> impl Iterator<Item = usize> + '_ {
        let finder = memchr::memmem::Finder::new("```");
        let mut position = 0;
        std::iter::from_fn(move || loop {
            let found = position + finder.find(&self.raw.as_bytes()[position..])?;
            match self.control_after(found) {
                Some(control) if control.start <= found => position = control.end,
                _ => {
                    position = found + 3;
                    return Some(found);
                }
            }
        })
    }

    /// The positions of the line feeds in `range` outside control sequences, then `range.end`.
    fn line_ends(&self, range: Range<usize>) -> impl Iterator<Item = usize> + '_ {
        let mut position = range.start;
        let mut done = false;
        std::iter::from_fn(move || loop {
            if done {
                return None;
            }
            let Some(offset) = memchr::memchr(b'\n', &self.raw.as_bytes()[position..range.end]) else {
                done = true;
                return Some(range.end);
            };
            let found = position + offset;
            match self.control_after(found) {
                Some(control) if control.start <= found => position = control.end.min(range.end),
                _ => {
                    position = found + 1;
                    return Some(found);
                }
            }
        })
    }
}

/// Writes the lines of `range` (outside preformatted blocks): quoted lines grouped in quote `div`s, each line's
/// inline content, line feeds as breaks.
fn write_lines(source: &Source, range: Range<usize>, formatting: bool, writer: &mut Writer) {
    let raw = source.raw;
    let mut in_quote = false;
    let mut quote_rest = false;
    let mut line_start = range.start;
    for (index, line_end) in source.line_ends(range).enumerate() {
        if index > 0 {
            writer.line_break();
        }
        let mut content_start = line_start;
        let mut quoted = quote_rest;
        if formatting && !quote_rest {
            if let Some(rest) = raw[line_start..line_end].strip_prefix("&gt;&gt;&gt;") {
                quote_rest = true;
                quoted = true;
                content_start = line_end - rest.len();
            } else if let Some(rest) = raw[line_start..line_end].strip_prefix("&gt;") {
                quoted = true;
                content_start = line_end - rest.len();
            }
            if quoted && raw.as_bytes().get(content_start) == Some(&b' ') {
                content_start += 1;
            }
        }
        if quoted && !in_quote {
            writer.open_block("div", &[("style", QUOTE_STYLE)]);
            in_quote = true;
        } else if !quoted && in_quote {
            writer.close_block();
            in_quote = false;
        }
        write_inline(source, content_start..line_end, formatting, writer);
        line_start = line_end + 1;
        if writer.is_full() {
            break;
        }
    }
    if in_quote {
        writer.close_block();
    }
}

/// Writes a ```` ``` ```` block's content as `<pre>`: no formatting, no emoji; control sequences and entities
/// are still understood.
fn write_preformatted(source: &Source, mut range: Range<usize>, writer: &mut Writer) {
    let bytes = source.raw.as_bytes();
    // Slack drops the line feed right after the opening fence and the one right before the closing fence.
    if range.start < range.end && bytes[range.start] == b'\n' {
        range.start += 1;
    }
    if range.start < range.end && bytes[range.end - 1] == b'\n' {
        range.end -= 1;
    }
    writer.open_block("pre", &[]);
    write_plain(source, range, false, writer);
    writer.close_block();
}

/// Where valid closing markers are in one line, per marker, in order.
struct Markers {
    closers: [Vec<usize>; 4],
}

impl Markers {
    fn find(source: &Source, range: Range<usize>) -> Self {
        let bytes = source.raw.as_bytes();
        let mut closers: [Vec<usize>; 4] = Default::default();
        let mut position = range.start;
        while position < range.end {
            if let Some(control) = source.control_at(position) {
                position = control.end;
                continue;
            }
            if let Some(marker_index) = MARKERS.iter().position(|marker| *marker == bytes[position]) {
                if can_delimit(bytes, range.clone(), position, false) {
                    closers[marker_index].push(position);
                }
            }
            position += 1;
        }
        Markers { closers }
    }

    /// The first valid closer of `marker_index` at or after `from` and before `end`.
    fn closer(&self, marker_index: usize, from: usize, end: usize) -> Option<usize> {
        let closers = &self.closers[marker_index];
        let found = closers[closers.partition_point(|position| *position < from)..].first().copied()?;
        (found < end).then_some(found)
    }
}

/// Whether a byte may stand next to a marker on the outside: the line's edge (`None`), a space or punctuation.
/// Letters, digits and any non-ASCII byte count as a word: a marker beside them is text.
fn is_boundary(byte: Option<u8>) -> bool {
    match byte {
        None => true,
        Some(byte) => byte.is_ascii_whitespace() || byte.is_ascii_punctuation(),
    }
}

/// Whether the marker at `position` may open a span (`opening`) or close one: on its outside (before an
/// opening marker, after a closing one) the line's edge, a space or punctuation, on its inside a non-space; a
/// marker doubled on either side is text. Code needs no word boundary, but a run of backticks (an unclosed
/// fence) is text.
fn can_delimit(bytes: &[u8], line: Range<usize>, position: usize, opening: bool) -> bool {
    let marker = bytes[position];
    let before = (position > line.start).then(|| bytes[position - 1]);
    let after = (position + 1 < line.end).then(|| bytes[position + 1]);
    let (outside, inside) = if opening { (before, after) } else { (after, before) };
    if marker == b'`' {
        return outside != Some(b'`') && inside.is_some_and(|inside| inside != b'`');
    }
    is_boundary(outside)
        && outside != Some(marker)
        && inside.is_some_and(|inside| !inside.is_ascii_whitespace() && inside != marker)
}

/// Writes one line's inline content, formatted when `formatting` says so.
fn write_inline(source: &Source, line: Range<usize>, formatting: bool, writer: &mut Writer) {
    let bytes = source.raw.as_bytes();
    let has_marker = formatting && bytes[line.clone()].iter().any(|byte| MARKERS.contains(byte));
    if !has_marker {
        write_plain(source, line, true, writer);
        return;
    }
    let markers = Markers::find(source, line.clone());
    write_formatted(source, &markers, line.clone(), line, writer);
}

/// Writes `range` of a line, opening formatting where an opening marker has a closing one in the range. The
/// depth is bounded: a marker cannot open again inside its own span (its first closer ends the span), so at
/// most the four markers nest.
fn write_formatted(source: &Source, markers: &Markers, line: Range<usize>, range: Range<usize>, writer: &mut Writer) {
    let bytes = source.raw.as_bytes();
    let mut literal_start = range.start;
    let mut position = range.start;
    while position < range.end {
        if let Some(control) = source.control_at(position) {
            position = control.end;
            continue;
        }
        let marker_index = MARKERS.iter().position(|marker| *marker == bytes[position]);
        let span = marker_index.filter(|_| can_delimit(bytes, line.clone(), position, true)).and_then(|marker_index| {
            let close = markers.closer(marker_index, position + 2, range.end)?;
            Some((marker_index, close))
        });
        let Some((marker_index, close)) = span else {
            position += 1;
            continue;
        };
        write_plain(source, literal_start..position, true, writer);
        let inner = position + 1..close;
        match MARKERS[marker_index] {
            b'`' => {
                writer.open_code();
                write_plain(source, inner, false, writer);
            }
            b'*' => {
                writer.open_inline("b", &[]);
                write_formatted(source, markers, line.clone(), inner, writer);
            }
            b'_' => {
                writer.open_inline("i", &[]);
                write_formatted(source, markers, line.clone(), inner, writer);
            }
            _ => {
                writer.open_inline("span", &[("style", "text-decoration:line-through")]);
                write_formatted(source, markers, line.clone(), inner, writer);
            }
        }
        writer.close();
        position = close + 1;
        literal_start = position;
    }
    write_plain(source, literal_start..range.end, true, writer);
}

/// Writes `range` with no formatting: literal runs (entities decoded, emoji when `with_emoji`) and control
/// sequences.
fn write_plain(source: &Source, range: Range<usize>, with_emoji: bool, writer: &mut Writer) {
    let mut literal_start = range.start;
    let first_control = source.controls.partition_point(|control| control.start < range.start);
    for control in &source.controls[first_control..] {
        if control.end > range.end {
            break;
        }
        write_literal(&source.raw[literal_start..control.start], with_emoji, writer);
        write_control(&source.raw[control.start + 1..control.end - 1], writer);
        literal_start = control.end;
    }
    write_literal(&source.raw[literal_start..range.end], with_emoji, writer);
}

/// Writes literal text: Slack's entities decoded, `:emoji:` converted when `with_emoji`.
fn write_literal(raw: &str, with_emoji: bool, writer: &mut Writer) {
    if !with_emoji {
        writer.text(&decode_entities(raw));
        return;
    }
    let bytes = raw.as_bytes();
    let mut run_start = 0;
    let mut search_from = 0;
    while let Some(offset) = memchr::memchr(b':', &bytes[search_from..]) {
        let colon = search_from + offset;
        // An emoji starts at a word boundary or right after another one (`:fire::fire:`): `a:b:` and `::x:`
        // are not emoji.
        let boundary = colon == 0
            || (run_start == colon && run_start > 0)
            || !(bytes[colon - 1].is_ascii_alphanumeric() || bytes[colon - 1] == b':');
        match emoji::emoji_at(&raw[colon..]).filter(|_| boundary) {
            Some(found) => {
                writer.text(&decode_entities(&raw[run_start..colon]));
                emoji::write_emoji(found.name, found.skin_tone, None, writer);
                run_start = colon + found.length;
                search_from = run_start;
            }
            None => search_from = colon + 1,
        }
    }
    writer.text(&decode_entities(&raw[run_start..]));
}

/// Writes a control sequence, given what stands between its `<` and `>`.
fn write_control(inner: &str, writer: &mut Writer) {
    let (target, label) = match inner.split_once('|') {
        Some((target, label)) => (target, Some(decode_entities(label))),
        None => (inner, None),
    };
    let label = label.as_deref();
    if let Some(user) = target.strip_prefix('@') {
        writer.user(user, label);
    } else if let Some(channel) = target.strip_prefix('#') {
        writer.channel(channel, label);
    } else if let Some(command) = target.strip_prefix('!') {
        write_special(command, label, writer);
    } else {
        writer.link(&decode_entities(target), label);
    }
}

/// Writes a `<!…>` sequence: a broadcast, a user group, a date; anything else is its label (else the
/// sequence) as text, reported.
fn write_special(command: &str, label: Option<&str>, writer: &mut Writer) {
    let mut parts = command.split('^');
    let name = parts.next().unwrap_or_default();
    match name {
        "here" | "channel" | "everyone" => writer.broadcast(name),
        "subteam" => writer.usergroup(parts.next().unwrap_or_default(), label),
        "date" => writer.date(parts.next().and_then(|seconds| seconds.parse().ok()), label),
        _ => {
            match label {
                Some(label) => writer.text(label),
                None => {
                    writer.text("<!");
                    writer.text(&decode_entities(command));
                    writer.text(">");
                }
            }
            writer.report(Lossy::UnknownElement { kind: format!("!{name}") });
        }
    }
}

/// `raw` with Slack's three entities decoded (any other `&` stays as it is).
pub(crate) fn decode_entities(raw: &str) -> Cow<'_, str> {
    let Some(first) = memchr::memchr(b'&', raw.as_bytes()) else { return Cow::Borrowed(raw) };
    let mut decoded = String::with_capacity(raw.len());
    decoded.push_str(&raw[..first]);
    let mut rest = &raw[first..];
    while let Some(ampersand) = rest.find('&') {
        decoded.push_str(&rest[..ampersand]);
        rest = &rest[ampersand..];
        let (character, length) = if rest.starts_with("&amp;") {
            ('&', 5)
        } else if rest.starts_with("&lt;") {
            ('<', 4)
        } else if rest.starts_with("&gt;") {
            ('>', 4)
        } else {
            ('&', 1)
        };
        decoded.push(character);
        rest = &rest[length..];
    }
    decoded.push_str(rest);
    Cow::Owned(decoded)
}

#[cfg(test)]
mod tests {
    use super::decode_entities;

    #[test]
    fn only_slacks_three_entities_are_decoded_and_only_once() {
        let cases: &[(&str, &str)] = &[
            ("a &amp; b", "a & b"),
            ("&lt;b&gt;", "<b>"),
            ("&amp;amp;", "&amp;"),
            ("&quot; &nbsp; & &", "&quot; &nbsp; & &"),
            ("no entity", "no entity"),
            ("trailing &", "trailing &"),
        ];
        for (raw, expected) in cases {
            assert_eq!(decode_entities(raw), *expected, "{raw:?}");
        }
    }
}
