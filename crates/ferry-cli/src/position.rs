//! Lines, columns and source excerpts for byte offsets in an input file, computed on demand.
//!
//! The core reports byte offsets only; the command turns them into positions. Most are found while the file
//! is read for the check: a [`Tracker`] keeps the chunks the validator has not finished with (a few MiB) and
//! locates each drained group of findings in them, moving forward only, so the file is scanned for lines
//! once. What it cannot place (a finding about bytes it already let go) is found afterwards by [`locate`], one
//! streaming pass over the file that stops at the last offset asked for; excerpts are one short seek each.
//! So a 1 GB batch never has to be held in memory; standard input is kept in memory and read the same way.
//!
//! Conventions: offsets are 0-based byte offsets in the file; lines and columns are 1-based; a column counts
//! Unicode scalar values (`char`s) from the start of the line, so a tab or an `é` is one column each.

use std::collections::VecDeque;
use std::io::{self, Read, Seek, SeekFrom};

/// Bytes read per step of the streaming pass.
const CHUNK_SIZE: usize = 64 * 1024;

/// An excerpt starts at its line's start when the offset is at most this many bytes into the line;
/// otherwise it starts shortly before the offset (NDJSON lines can be megabytes long).
const MAX_LEAD_BYTES: u64 = 120;

/// Bytes of context kept before the offset when the excerpt does not start at the line's start.
const CONTEXT_BEFORE_BYTES: u64 = 48;

/// Marks where an excerpt was cut out of a longer line.
const ELLIPSIS: &str = "…";

/// Upper bound on an excerpt's length in bytes.
const MAX_EXCERPT_BYTES: usize = 240;

/// Where a byte offset is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Line, 1-based.
    pub line: usize,
    /// Column, 1-based, in `char`s from the start of the line.
    pub column: usize,
    /// Byte offset of the first byte of the line, 0-based.
    pub line_start: u64,
}

/// Finds the position of every offset in one pass over `reader`.
///
/// The result has one entry per offset, in the order given; an offset past the end of the input gets the
/// position of the end.
///
/// # Errors
/// When reading fails.
pub fn locate(mut reader: impl Read, offsets: &[u64]) -> io::Result<Vec<Position>> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&index| offsets[index]);
    let mut positions = vec![Position { line: 1, column: 1, line_start: 0 }; offsets.len()];

    let mut current = Position { line: 1, column: 1, line_start: 0 };
    let mut absolute: u64 = 0;
    let mut next = 0;
    let mut buffer = vec![0_u8; CHUNK_SIZE];
    while next < order.len() {
        let filled = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(filled) => filled,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        // The chunk is taken in segments, each ending at the next offset asked for (or the chunk's end):
        // line breaks are found with a vectorised search and characters counted in bulk.
        let mut chunk = &buffer[..filled];
        while next < order.len() {
            while next < order.len() && offsets[order[next]] <= absolute {
                positions[order[next]] = current;
                next += 1;
            }
            let Some(&index) = order.get(next) else { break };
            if chunk.is_empty() {
                break;
            }
            let length = usize::try_from(offsets[index] - absolute).map_or(chunk.len(), |gap| gap.min(chunk.len()));
            let (segment, rest) = chunk.split_at(length);
            advance(&mut current, absolute, segment);
            absolute += segment.len() as u64;
            chunk = rest;
        }
    }
    for &index in &order[next..] {
        positions[index] = current;
    }
    Ok(positions)
}

/// Finds positions in a file while it is read, from the chunks read so far.
///
/// The file's chunks are handed to it as they are read ([`Tracker::append`]); each group of findings the
/// validator drains is located at once ([`Tracker::locate`]). A cursor moves forward over the chunks, counting
/// lines and characters, and chunks behind it are let go: offsets behind the cursor are not found (`None`).
/// That suits the validator's findings: a drained group is about records after every record of the previous
/// groups, so its offsets all lie after theirs. The chunks ahead of the cursor are kept up to a bound; past
/// it the oldest are let go, the cursor passing over them.
pub struct Tracker {
    /// The file being read, by input index.
    file: usize,
    /// Chunks not yet passed by the cursor, in file order; the first starts at `window_start`.
    chunks: VecDeque<Vec<u8>>,
    window_start: u64,
    /// Bytes in `chunks`.
    window_bytes: usize,
    /// Most bytes kept in `chunks`.
    max_window_bytes: usize,
    /// The position of the byte at `cursor_offset`, which is in the first chunk or at the end of the window.
    cursor: Position,
    cursor_offset: u64,
    /// Buffers of chunks let go, for reading the next ones.
    spare: Vec<Vec<u8>>,
}

impl Tracker {
    /// A tracker keeping at most `max_window_bytes` of read chunks ahead of its cursor (beyond a chunk).
    pub fn new(max_window_bytes: usize) -> Tracker {
        Tracker {
            file: 0,
            chunks: VecDeque::new(),
            window_start: 0,
            window_bytes: 0,
            max_window_bytes,
            cursor: Position { line: 1, column: 1, line_start: 0 },
            cursor_offset: 0,
            spare: Vec::new(),
        }
    }

    /// Starts on input `file`, at its first byte.
    pub fn begin_file(&mut self, file: usize) {
        while let Some(chunk) = self.chunks.pop_front() {
            self.recycle(chunk);
        }
        *self = Tracker { file, spare: std::mem::take(&mut self.spare), ..Tracker::new(self.max_window_bytes) };
    }

    /// An empty buffer to read the next chunk into (one let go, when there is one).
    pub fn buffer(&mut self) -> Vec<u8> {
        self.spare.pop().unwrap_or_default()
    }

    /// Takes the next chunk of the file (empty chunks are ignored); lets the oldest chunks go past the bound.
    pub fn append(&mut self, chunk: Vec<u8>) {
        if chunk.is_empty() {
            self.recycle(chunk);
            return;
        }
        self.window_bytes += chunk.len();
        self.chunks.push_back(chunk);
        while self.window_bytes > self.max_window_bytes && self.chunks.len() > 1 {
            let end_of_first = self.window_start + self.chunks.front().map_or(0, |chunk| chunk.len() as u64);
            self.advance_to(end_of_first);
        }
    }

    /// The positions of `offsets` (0-based byte offsets in the current file, in any order), or `None` for one
    /// behind the cursor or past the bytes read. The cursor moves to the last one found.
    pub fn locate(&mut self, offsets: &[u64]) -> Vec<Option<Position>> {
        let mut order: Vec<usize> = (0..offsets.len()).collect();
        order.sort_unstable_by_key(|&index| offsets[index]);
        let mut positions = vec![None; offsets.len()];
        for index in order {
            if offsets[index] >= self.cursor_offset && self.advance_to(offsets[index]) {
                positions[index] = Some(self.cursor);
            }
        }
        positions
    }

    /// The current file, by input index.
    pub fn file(&self) -> usize {
        self.file
    }

    /// Moves the cursor forward to `offset`, letting go of the chunks it passes; returns whether it got there
    /// (it stops at the end of the bytes read).
    fn advance_to(&mut self, offset: u64) -> bool {
        while self.cursor_offset < offset {
            let Some(first) = self.chunks.front() else { return false };
            let from = usize::try_from(self.cursor_offset - self.window_start).unwrap_or(usize::MAX).min(first.len());
            let to = usize::try_from(offset - self.window_start).map_or(first.len(), |to| to.min(first.len()));
            advance(&mut self.cursor, self.cursor_offset, &first[from..to]);
            self.cursor_offset += (to - from) as u64;
            if to == first.len() {
                if let Some(chunk) = self.chunks.pop_front() {
                    self.window_start += chunk.len() as u64;
                    self.window_bytes -= chunk.len();
                    self.recycle(chunk);
                }
            }
        }
        true
    }

    fn recycle(&mut self, mut chunk: Vec<u8>) {
        // A few buffers are enough: one being read, the rest waiting in the window.
        if self.spare.len() < 4 {
            chunk.clear();
            self.spare.push(chunk);
        }
    }
}

/// Moves `current` (the position of byte `start`) over `segment`, the bytes from `start` on.
fn advance(current: &mut Position, start: u64, segment: &[u8]) {
    let after_last_line_break = match memchr::memrchr(b'\n', segment) {
        Some(last) => {
            current.line += memchr::memchr_iter(b'\n', segment).count();
            current.column = 1;
            current.line_start = start + last as u64 + 1;
            &segment[last + 1..]
        }
        None => segment,
    };
    current.column += after_last_line_break.iter().filter(|&&byte| !is_utf8_continuation(byte)).count();
}

/// A short piece of one source line around a span, ready to be printed with the span underlined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Excerpt {
    /// The text, without line break; invalid UTF-8 replaced.
    pub text: String,
    /// Whether `text` starts at the start of its line (then columns inside it are the line's columns).
    pub starts_line: bool,
    /// The span inside `text`, in bytes, on `char` boundaries, at least one `char` wide when `text` is not
    /// empty.
    pub underline: std::ops::Range<usize>,
}

/// Reads the excerpt of the line starting at `line_start` around the span `start..end` (file offsets).
///
/// # Errors
/// When seeking or reading fails.
pub fn excerpt(source: &mut (impl Read + Seek), line_start: u64, start: u64, end: u64) -> io::Result<Excerpt> {
    let start = start.max(line_start);
    let starts_line = start - line_start <= MAX_LEAD_BYTES;
    let window_start = if starts_line { line_start } else { start - CONTEXT_BEFORE_BYTES };
    source.seek(SeekFrom::Start(window_start))?;
    let mut bytes = Vec::with_capacity(MAX_EXCERPT_BYTES);
    source.take(MAX_EXCERPT_BYTES as u64).read_to_end(&mut bytes)?;
    let line_goes_on = match bytes.iter().position(|&byte| byte == b'\n' || byte == b'\r') {
        Some(line_break) => {
            bytes.truncate(line_break);
            false
        }
        None => bytes.len() == MAX_EXCERPT_BYTES,
    };

    // A window that starts inside the line may start inside a character: skip to the next one.
    let skipped = if starts_line { 0 } else { bytes.iter().take_while(|&&byte| is_utf8_continuation(byte)).count() };
    let window = &bytes[skipped..];
    let text_start = window_start + skipped as u64;
    let underline_start = usize::try_from(start.saturating_sub(text_start)).unwrap_or(usize::MAX);
    let underline_end = usize::try_from(end.saturating_sub(text_start)).unwrap_or(usize::MAX);

    // Decode the part before the span and the span separately so that replaced bytes do not shift it. An
    // excerpt cut out of a longer line says so with `…` at the cut ends.
    let mut before = if starts_line { String::new() } else { String::from(ELLIPSIS) };
    before.push_str(&String::from_utf8_lossy(&window[..underline_start.min(window.len())]));
    let rest = &window[underline_start.min(window.len())..];
    let mut rest = String::from_utf8_lossy(rest).into_owned();
    let inside = floor_char_boundary(&rest, underline_end.saturating_sub(underline_start));
    if line_goes_on {
        rest.push_str(ELLIPSIS);
    }
    let text = format!("{before}{rest}");
    let mut underline = before.len()..before.len() + inside;
    if underline.is_empty() {
        // An empty span (an insertion point, or a span cut off by the window) still gets one mark.
        underline.end = rest.chars().next().map_or(underline.start, |first| underline.start + first.len_utf8());
    }
    if underline.is_empty() && underline.start > 0 {
        // At the end of the line: mark the last character.
        let last = text[..underline.start].chars().next_back().map_or(0, char::len_utf8);
        underline.start -= last;
    }
    Ok(Excerpt { text, starts_line, underline })
}

fn is_utf8_continuation(byte: u8) -> bool {
    byte & 0b1100_0000 == 0b1000_0000
}

/// The largest `char` boundary of `text` at or below `index`.
fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn locate_counts_lines_and_chars_from_one() {
        let text = "ab\nçd\n\nx";
        // (offset, line, column, line_start)
        let cases: &[(u64, usize, usize, u64)] = &[
            (0, 1, 1, 0),
            (1, 1, 2, 0),
            (2, 1, 3, 0),
            (3, 2, 1, 3),
            (5, 2, 2, 3), // after the two bytes of `ç`
            (7, 3, 1, 7),
            (8, 4, 1, 8),
            (99, 4, 2, 8), // past the end: the end
        ];
        let offsets: Vec<u64> = cases.iter().rev().map(|case| case.0).collect();
        let positions = locate(Cursor::new(text), &offsets).unwrap();
        for (case, position) in cases.iter().rev().zip(positions) {
            assert_eq!((position.line, position.column, position.line_start), (case.1, case.2, case.3), "{case:?}");
        }
    }

    #[test]
    fn locate_crosses_chunk_boundaries() {
        let mut text = "a".repeat(CHUNK_SIZE - 1);
        text.push('\n');
        text.push_str("bc");
        let positions = locate(Cursor::new(&text), &[CHUNK_SIZE as u64 + 1]).unwrap();
        assert_eq!(positions[0], Position { line: 2, column: 2, line_start: CHUNK_SIZE as u64 });
    }

    #[test]
    fn locate_agrees_with_a_byte_by_byte_count() {
        // Several chunks of mixed lines (empty ones, multi-byte characters), offsets everywhere and repeated.
        let line = "{\"message\":\"caf\u{e9} \u{2192} \u{65e5}\"}\n\n";
        let text = line.repeat(2 * CHUNK_SIZE / line.len() + 3);
        let offsets: Vec<u64> = (0..text.len() as u64 + 2).step_by(997).chain([5, 5, 0]).collect();
        let positions = locate(Cursor::new(&text), &offsets).unwrap();
        for (offset, position) in offsets.iter().zip(positions) {
            let before = &text.as_bytes()[..(*offset as usize).min(text.len())];
            let line_start = before.iter().rposition(|&byte| byte == b'\n').map_or(0, |index| index + 1);
            let line = 1 + before.iter().filter(|&&byte| byte == b'\n').count();
            let column = 1 + before[line_start..].iter().filter(|&&byte| !is_utf8_continuation(byte)).count();
            assert_eq!(position, Position { line, column, line_start: line_start as u64 }, "offset {offset}");
        }
    }

    #[test]
    fn the_tracker_agrees_with_locate_and_lets_go_of_what_it_passed() {
        let line = "{\"message\":\"caf\u{e9} \u{2192}\"}\n\n";
        let text = line.repeat(300);
        // (chunk size, window bound, groups of offsets located one after another)
        let cases: &[(usize, usize, &[&[u64]])] = &[
            (64, 1 << 20, &[&[5, 0, 3], &[100, 99], &[2000, 1500, 7000]]),
            (7, 1 << 20, &[&[0], &[1], &[text.len() as u64]]),
            // A small window: the second group's first offset was let go.
            (100, 300, &[&[10], &[20, 5000]]),
        ];
        for &(chunk_size, bound, groups) in cases {
            let mut tracker = Tracker::new(bound);
            tracker.begin_file(3);
            let mut chunks = text.as_bytes().chunks(chunk_size);
            let mut read = 0_u64;
            for group in groups {
                // Read just past the group's last offset, as the validator would have.
                let wanted = group.iter().max().copied().unwrap_or(0);
                while read <= wanted {
                    let Some(chunk) = chunks.next() else { break };
                    let mut buffer = tracker.buffer();
                    buffer.extend_from_slice(chunk);
                    read += chunk.len() as u64;
                    tracker.append(buffer);
                }
                let found = tracker.locate(group);
                let expected = locate(Cursor::new(&text), group).unwrap();
                for ((offset, found), expected) in group.iter().zip(found).zip(expected) {
                    if let Some(found) = found {
                        assert_eq!(found, expected, "offset {offset}, chunks of {chunk_size}");
                    } else {
                        assert!(bound < text.len(), "offset {offset} not found with the whole file in the window");
                    }
                }
            }
            assert_eq!(tracker.file(), 3);
            assert!(tracker.window_bytes <= bound.max(chunk_size), "{} kept", tracker.window_bytes);
        }
        // Past the bound, the oldest chunks are let go.
        let mut tracker = Tracker::new(300);
        for chunk in text.as_bytes().chunks(100) {
            tracker.append(chunk.to_vec());
        }
        assert_eq!(tracker.locate(&[20]), vec![None]);
        assert!(tracker.locate(&[text.len() as u64 - 1])[0].is_some());
        // Offsets behind the cursor are not found.
        let mut tracker = Tracker::new(1 << 20);
        tracker.append(text.as_bytes().to_vec());
        assert!(tracker.locate(&[50])[0].is_some());
        assert_eq!(tracker.locate(&[10]), vec![None]);
    }

    #[test]
    fn excerpts_underline_the_span() {
        // (source, line_start, start, end, expected text, starts line, expected underlined text)
        let long_prefix = format!("{{\"a\": \"{}\", \"b\": 1}}", "x".repeat(300));
        let long_start = long_prefix.find("\"b\"").unwrap() as u64;
        // 48 bytes of context before the span: 45 `x`, the closing quote, a comma and a space.
        let long_excerpt = format!("…{}\", \"b\": 1}}", "x".repeat(45));
        let long_line = "y".repeat(1000);
        let long_line_excerpt = format!("…{}…", "y".repeat(MAX_EXCERPT_BYTES));
        let cases: Vec<(&str, u64, u64, u64, &str, bool, &str)> = vec![
            (&long_line, 0, 500, 501, &long_line_excerpt, false, "y"),
            ("{\"a\": 12}\n", 0, 6, 8, "{\"a\": 12}", true, "12"),
            ("x\n{\"a\": 12}\r\n", 2, 8, 10, "{\"a\": 12}", true, "12"),
            ("{\"a\": 12}", 0, 2, 2, "{\"a\": 12}", true, "a"),
            ("{\"a\": 12}", 0, 9, 9, "{\"a\": 12}", true, "}"),
            ("{\"é\": 1}", 0, 2, 3, "{\"é\": 1}", true, "é"),
            (&long_prefix, 0, long_start, long_start + 3, &long_excerpt, false, "\"b\""),
        ];
        for (source, line_start, start, end, text, starts_line, underlined) in cases {
            let excerpt = excerpt(&mut Cursor::new(source), line_start, start, end).unwrap();
            assert_eq!(excerpt.text, text);
            assert_eq!(excerpt.starts_line, starts_line, "{source}");
            assert_eq!(&excerpt.text[excerpt.underline.clone()], underlined, "{source}");
        }
    }

    #[test]
    fn excerpt_never_splits_a_character() {
        let source = format!("{}{}", "é".repeat(200), "z");
        for start in 0..source.len() as u64 {
            let excerpt = excerpt(&mut Cursor::new(&source), 0, start, start + 1).unwrap();
            assert!(excerpt.text.is_char_boundary(excerpt.underline.start));
            assert!(excerpt.text.is_char_boundary(excerpt.underline.end));
        }
    }
}
