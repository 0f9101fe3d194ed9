//! Byte offset → line and column, computed on demand.
//!
//! Diagnostics store byte offsets; lines and columns are derived here. Lines and columns are 1-based.
//! [`LineIndex::line_column`] counts columns in Unicode scalar values; [`LineIndex::utf16_column`] counts
//! UTF-16 code units, as a browser's text APIs do.
//!
//! Invariant: an offset past the end of the text, or inside a multi-byte character, is clamped to the
//! nearest character boundary at or before it; no lookup panics.

use serde::{Deserialize, Serialize};

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LineColumn {
    /// Line number, 1-based.
    pub line: usize,
    /// Column, 1-based, counted in Unicode scalar values (characters) unless a method says otherwise.
    pub column: usize,
}

/// The start offset of every line of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    /// Byte offset of the first byte of each line; the first entry is 0.
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the lines of `text` (bytes; need not be valid UTF-8). A line ends after `\n`.
    pub fn from_source_bytes(text: &[u8]) -> Self {
        let mut line_starts = Vec::with_capacity(text.len() / 64 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text).map(|newline| newline + 1));
        LineIndex { line_starts }
    }

    /// Number of lines (a text without a newline has one).
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The 0-based index of the line holding `offset`.
    // INVARIANT: `line_starts` starts with 0, so the result is a valid index into it.
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next_line) => next_line.saturating_sub(1),
        }
    }

    /// Byte offset of the start of 1-based `line`, if the text has that line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// The 1-based line and character column of `offset` in `text` (the text this index was built from).
    pub fn line_column(&self, offset: usize, text: &[u8]) -> LineColumn {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let line_start = self.line_starts[line].min(offset);
        let characters = count_characters(&text[line_start..offset]);
        LineColumn { line: line + 1, column: characters + 1 }
    }

    /// The 1-based column of `offset` counted in UTF-16 code units, for browser editors.
    pub fn utf16_column(&self, offset: usize, text: &[u8]) -> usize {
        let offset = offset.min(text.len());
        let line = self.line_of(offset);
        let line_start = self.line_starts[line].min(offset);
        count_utf16_units(&text[line_start..offset]) + 1
    }
}

/// Characters in UTF-8 bytes: every byte that is not a continuation byte starts one. Invalid UTF-8 counts
/// one character per stray byte, which is what a lossy decoder shows.
pub(crate) fn count_characters(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| (byte & 0xC0) != 0x80).count()
}

/// UTF-16 code units in UTF-8 bytes: one per character, two for characters outside the BMP (4-byte forms).
fn count_utf16_units(bytes: &[u8]) -> usize {
    bytes.iter().map(|&byte| usize::from((byte & 0xC0) != 0x80) + usize::from(byte >= 0xF0)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_are_one_based() {
        let text = "ab\ncé😀d\n\nx".as_bytes();
        let index = LineIndex::from_source_bytes(text);
        assert_eq!(index.line_count(), 4);
        let d_offset = "ab\ncé😀".len();
        let table: &[(usize, usize, usize, usize)] = &[
            (0, 1, 1, 1),
            (2, 1, 3, 3),
            (3, 2, 1, 1),
            (d_offset, 2, 4, 5),
            (d_offset + 2, 3, 1, 1),
            (text.len(), 4, 2, 2),
            (text.len() + 10, 4, 2, 2),
        ];
        for &(offset, line, column, utf16_column) in table {
            assert_eq!(index.line_column(offset, text), LineColumn { line, column }, "offset {offset}");
            assert_eq!(index.utf16_column(offset, text), utf16_column, "offset {offset}");
        }
        assert_eq!(index.line_start(2), Some(3));
        assert_eq!(index.line_start(0), None);
        assert_eq!(index.line_start(9), None);
    }
}
