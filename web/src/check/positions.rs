//! Line and column of byte offsets, found by scanning a file once, chunk after chunk.
//!
//! No line table of a large file is ever held: the file is read again up to the last offset wanted and each
//! wanted offset's position noted as the scan passes it. Only kept findings ask, so this is a second read of
//! at most the part of the files before the last kept finding.

use std::collections::BTreeMap;
use std::iter::Peekable;

use ferry_core::Diagnostic;

use crate::model::Position;

/// Walks a file's bytes in order, chunk after chunk, and notes the position of each wanted byte offset.
#[derive(Debug)]
pub struct PositionScanner {
    /// Offset of the next byte to scan, 0-based.
    offset: u64,
    /// Position of that byte.
    position: Position,
}

impl Default for PositionScanner {
    fn default() -> Self {
        PositionScanner { offset: 0, position: Position { line: 1, column: 1 } }
    }
}

impl PositionScanner {
    /// Scans `bytes`, the next bytes of the file; for every offset of `wanted` (ascending) it passes, records
    /// its position in `found`. Offsets already passed are skipped.
    pub fn scan(
        &mut self,
        bytes: &[u8],
        wanted: &mut Peekable<impl Iterator<Item = u64>>,
        found: &mut BTreeMap<u64, Position>,
    ) {
        let mut at = 0;
        while let Some(&offset) = wanted.peek() {
            if offset < self.offset {
                wanted.next();
                continue;
            }
            let Ok(index) = usize::try_from(offset - self.offset) else { break };
            let Some(until) = index.checked_add(at).filter(|&until| until < bytes.len()) else { break };
            self.advance(&bytes[at..until]);
            at = until;
            found.insert(offset, self.position);
            wanted.next();
        }
        self.advance(&bytes[at..]);
    }

    /// Moves past `bytes`. Counts over whole slices (which the compiler turns into SIMD) rather than a branch
    /// per byte: a file of a hundred megabytes is scanned in a fraction of a second.
    fn advance(&mut self, bytes: &[u8]) {
        let newlines = bytes.iter().filter(|&&byte| byte == b'\n').count() as u64;
        let last_line = match newlines {
            0 => bytes,
            _ => {
                self.position = Position { line: self.position.line + newlines, column: 1 };
                let after_newline = bytes.iter().rposition(|&byte| byte == b'\n').map_or(0, |index| index + 1);
                &bytes[after_newline..]
            }
        };
        self.position.column += utf16_units(last_line);
        self.offset += bytes.len() as u64;
    }

    /// Records the offsets at the very end of the file (a truncation is reported there).
    pub fn finish(&self, wanted: &mut Peekable<impl Iterator<Item = u64>>, found: &mut BTreeMap<u64, Position>) {
        for offset in wanted {
            if offset == self.offset {
                found.insert(offset, self.position);
            }
        }
    }
}

/// How many UTF-16 code units the UTF-8 `bytes` make: one per byte that starts a character, two for a four-byte
/// sequence. A character cut at the slice's end counts where it starts.
fn utf16_units(bytes: &[u8]) -> u64 {
    let starts = bytes.iter().filter(|&&byte| byte & 0b1100_0000 != 0b1000_0000).count() as u64;
    let four_byte = bytes.iter().filter(|&&byte| byte >= 0b1111_0000).count() as u64;
    starts + four_byte
}

/// Where a finding's source span starts: its file and byte offset; `None` without a span.
fn source_start(finding: &Diagnostic) -> Option<(usize, u64)> {
    let span = finding.location.source?;
    Some((finding.location.file, span.start as u64))
}

/// The position where each of `findings` starts, finding for finding (`None` without a source span).
/// `read(file, start, end)` reads bytes `start..end` of file `file` (fewer at the end of the file);
/// `sizes[file]` is each file's size; files are read in slices of `chunk_bytes`.
///
/// # Errors
/// The first error `read` returns.
pub fn positions_of<Error>(
    findings: &[Diagnostic],
    sizes: &[u64],
    chunk_bytes: u64,
    mut read: impl FnMut(usize, u64, u64) -> Result<Vec<u8>, Error>,
) -> Result<Vec<Option<Position>>, Error> {
    let mut found_by_file = Vec::with_capacity(sizes.len());
    for (file_index, &size) in sizes.iter().enumerate() {
        let mut wanted: Vec<u64> = findings
            .iter()
            .filter_map(source_start)
            .filter(|&(file, _)| file == file_index)
            .map(|(_, offset)| offset)
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut found = BTreeMap::new();
        if let Some(&last) = wanted.last() {
            let mut wanted = wanted.iter().copied().peekable();
            let mut scanner = PositionScanner::default();
            let end_of_scan = last.saturating_add(1).min(size);
            let mut offset = 0;
            while offset < end_of_scan {
                let end = offset.saturating_add(chunk_bytes.max(1)).min(end_of_scan);
                let bytes = read(file_index, offset, end)?;
                if bytes.is_empty() {
                    break;
                }
                scanner.scan(&bytes, &mut wanted, &mut found);
                offset += bytes.len() as u64;
            }
            scanner.finish(&mut wanted, &mut found);
        }
        found_by_file.push(found);
    }
    Ok(findings
        .iter()
        .map(|finding| {
            let (file, offset) = source_start(finding)?;
            found_by_file.get(file)?.get(&offset).copied()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::{Rule, Span};

    /// Positions of `wanted` in `text` scanned in chunks of `chunk_size`.
    fn scanned(text: &str, wanted: &[u64], chunk_size: usize) -> Vec<(u64, u64, u64)> {
        let mut found = BTreeMap::new();
        let mut wanted = wanted.iter().copied().peekable();
        let mut scanner = PositionScanner::default();
        for chunk in text.as_bytes().chunks(chunk_size) {
            scanner.scan(chunk, &mut wanted, &mut found);
        }
        scanner.finish(&mut wanted, &mut found);
        found.into_iter().map(|(offset, position)| (offset, position.line, position.column)).collect()
    }

    /// A text, the offsets wanted in it, and the expected (offset, line, column) of each found.
    type PositionCase<'a> = (&'a str, &'a [u64], &'a [(u64, u64, u64)]);

    #[test]
    fn positions_count_lines_and_utf16_columns_from_one() {
        let cases: &[PositionCase] = &[
            ("abc", &[0, 2], &[(0, 1, 1), (2, 1, 3)]),
            ("ab\ncd", &[2, 3, 4], &[(2, 1, 3), (3, 2, 1), (4, 2, 2)]),
            // é is two bytes and one UTF-16 unit; 😀 four bytes and two units.
            ("é😀x", &[0, 2, 6], &[(0, 1, 1), (2, 1, 2), (6, 1, 4)]),
            ("a\n\nb", &[3], &[(3, 3, 1)]),
            // The end of the file, where a truncation is reported.
            ("[1,", &[3], &[(3, 1, 4)]),
            // Offsets past the end are not positions.
            ("ab", &[9], &[]),
            ("", &[], &[]),
        ];
        for (text, wanted, expected) in cases {
            for chunk_size in [1, 2, 1024] {
                assert_eq!(scanned(text, wanted, chunk_size), expected.to_vec(), "{text:?} in chunks of {chunk_size}");
            }
        }
    }

    #[test]
    fn findings_get_the_position_of_their_source_in_their_own_file() {
        let files: [&[u8]; 2] = [b"[\n {\"a\": 1}\n]", b"{}\n{\"b\"\n"];
        let finding = |file: usize, start: Option<usize>| {
            let mut finding = Diagnostic::new(Rule::MalformedJson, "finding");
            finding.location.file = file;
            finding.location.source = start.map(|start| Span { start, end: start });
            finding
        };
        let findings =
            [finding(0, Some(3)), finding(1, Some(7)), finding(0, None), finding(1, Some(8)), finding(1, Some(99))];
        let sizes: Vec<u64> = files.iter().map(|file| file.len() as u64).collect();
        for chunk_bytes in [1, 3, 1024] {
            let positions = positions_of::<()>(&findings, &sizes, chunk_bytes, |file, start, end| {
                Ok(files[file][start as usize..end as usize].to_vec())
            })
            .unwrap();
            let expected = vec![
                Some(Position { line: 2, column: 2 }),
                Some(Position { line: 2, column: 5 }),
                None,
                Some(Position { line: 3, column: 1 }),
                None,
            ];
            assert_eq!(positions, expected, "chunks of {chunk_bytes}");
        }
    }

    #[test]
    fn a_read_error_ends_the_scan() {
        let mut finding = Diagnostic::new(Rule::MalformedJson, "finding");
        finding.location.source = Some(Span { start: 1, end: 2 });
        let result = positions_of(&[finding], &[10], 4, |_, _, _| Err("gone"));
        assert_eq!(result, Err("gone"));
    }
}
