//! The one place the app reads a file and runs the core on it.
//!
//! The files of a batch are read one after the other, in slices of [`CHUNK_BYTES`] and fed to ferry-core's streaming [`Validator`], so memory
//! holds one slice and the record in hand, never a whole file, and the page stays responsive between
//! slices (each read yields to the browser). The files form one batch: record indices run across them and a
//! duplicate in a later file is found. The components only see [`check_files`]'s signature (`File`s in,
//! progress callbacks, a [`Report`] or a [`CheckError`] out), so moving the check into a worker that posts the
//! same progress changes this module alone.
//!
//! Invariant: the report keeps at most [`MAX_KEPT_DIAGNOSTICS`] findings (the first ones, in input order);
//! its summary counts every finding. A file with millions of findings cannot exhaust the page's memory.
//!
//! Lines and columns are computed on demand, after the check, for the kept findings only: the files are read
//! a second time and scanned up to the last offset wanted ([`PositionScanner`]), so no line table of a large
//! file is ever held.

use std::fmt;

use std::collections::BTreeMap;
use std::iter::Peekable;

use ferry_core::{Diagnostic, Options, Report, Target, Validator};

/// Size of the slices a file is read in.
pub const CHUNK_BYTES: u64 = 1024 * 1024;

/// Most findings kept for the list; the summary still counts all of them.
pub const MAX_KEPT_DIAGNOSTICS: usize = 10_000;

/// Why a file could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// The browser could not read the file (removed, permission revoked, ...).
    Unreadable {
        /// The file's name.
        file_name: String,
        /// The browser's reason.
        reason: String,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::Unreadable { file_name, reason } => {
                write!(formatter, "The browser could not read {file_name}: {reason}")
            }
        }
    }
}

/// Where a byte offset is in its file, as an editor shows it: line and column both count from 1, and the column
/// counts UTF-16 code units (what JavaScript and most editors count), not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: u64,
    /// Column in UTF-16 code units, from 1.
    pub column: u64,
}

/// A report and where each of its findings starts.
#[derive(Debug, PartialEq)]
pub struct CheckedBatch {
    /// The core's report, its list bounded by [`MAX_KEPT_DIAGNOSTICS`].
    pub report: Report,
    /// `positions[i]` is where `report.diagnostics[i]` starts in its file; `None` when it has no source span.
    pub positions: Vec<Option<Position>>,
}

/// Walks a file's bytes in order, chunk after chunk, and notes the position of each wanted byte offset.
struct PositionScanner {
    /// Offset of the next byte to scan, 0-based.
    offset: u64,
    /// Position of that byte.
    position: Position,
}

impl PositionScanner {
    fn new() -> Self {
        PositionScanner { offset: 0, position: Position { line: 1, column: 1 } }
    }

    /// Scans `bytes`, the next bytes of the file; for every offset of `wanted` (ascending) it passes, records
    /// its position in `found`.
    fn scan(&mut self, bytes: &[u8], wanted: &mut Peekable<impl Iterator<Item = u64>>, found: &mut BTreeMap<u64, Position>) {
        for &byte in bytes {
            while wanted.next_if(|&offset| offset <= self.offset).is_some_and(|offset| offset == self.offset) {
                found.insert(self.offset, self.position);
            }
            if byte == b'\n' {
                self.position = Position { line: self.position.line + 1, column: 1 };
            } else if byte & 0b1100_0000 != 0b1000_0000 {
                // A byte that starts a character: four-byte UTF-8 sequences are two UTF-16 code units.
                self.position.column += if byte >= 0b1111_0000 { 2 } else { 1 };
            }
            self.offset += 1;
        }
    }

    /// Records the offsets at the very end of the file (a truncation is reported there).
    fn finish(&self, wanted: &mut Peekable<impl Iterator<Item = u64>>, found: &mut BTreeMap<u64, Position>) {
        for offset in wanted {
            if offset == self.offset {
                found.insert(offset, self.position);
            }
        }
    }
}

/// Reads `file` again up to the last wanted offset and returns the position of each wanted offset.
///
/// # Errors
/// When the browser cannot read the file.
async fn positions_in_file(file: &gloo_file::File, wanted: &[u64]) -> Result<BTreeMap<u64, Position>, CheckError> {
    let mut found = BTreeMap::new();
    let Some(&last) = wanted.last() else { return Ok(found) };
    let mut wanted = wanted.iter().copied().peekable();
    let mut scanner = PositionScanner::new();
    let end_of_scan = last.saturating_add(1).min(file.size());
    while scanner.offset < end_of_scan {
        let end = scanner.offset.saturating_add(CHUNK_BYTES).min(end_of_scan);
        let chunk = read_slice(file, scanner.offset, end).await?;
        if chunk.is_empty() {
            break;
        }
        scanner.scan(&chunk, &mut wanted, &mut found);
    }
    scanner.finish(&mut wanted, &mut found);
    Ok(found)
}

/// Reads bytes `start..end` of `file`.
///
/// # Errors
/// When the browser cannot read the file.
async fn read_slice(file: &gloo_file::File, start: u64, end: u64) -> Result<Vec<u8>, CheckError> {
    gloo_file::futures::read_as_bytes(&file.slice(start, end))
        .await
        .map_err(|error| CheckError::Unreadable { file_name: file.name(), reason: error.to_string() })
}

/// Appends `found` to `kept` up to [`MAX_KEPT_DIAGNOSTICS`].
fn keep(kept: &mut Vec<Diagnostic>, found: Vec<Diagnostic>) {
    let room = MAX_KEPT_DIAGNOSTICS.saturating_sub(kept.len());
    kept.extend(found.into_iter().take(room));
}

/// Reads `files` slice by slice, in order, and checks them as one batch against the rules of `target`, taking
/// "now" from the page's clock; calls `on_progress` with the bytes checked so far (over all files) after each
/// slice. Then finds the line and column of each kept finding.
///
/// # Errors
/// When the browser cannot read a file.
pub async fn check_files(
    files: Vec<web_sys::File>,
    target: Target,
    on_progress: impl Fn(u64),
) -> Result<CheckedBatch, CheckError> {
    let files: Vec<gloo_file::File> = files.into_iter().map(gloo_file::File::from).collect();
    // `Date.now()` is an integral number of milliseconds well inside i64.
    let mut validator = Validator::new(Options::new(target, js_sys::Date::now() as i64));
    let mut kept = Vec::new();
    let mut bytes_before_file = 0;
    for file in &files {
        validator.begin_file(&file.name());
        let size = file.size();
        let mut offset = 0;
        while offset < size {
            let end = offset.saturating_add(CHUNK_BYTES).min(size);
            let chunk = read_slice(file, offset, end).await?;
            validator.push(&chunk);
            keep(&mut kept, validator.drain_diagnostics());
            offset = end;
            on_progress(bytes_before_file + offset);
        }
        validator.end_file();
        bytes_before_file += size;
    }
    let mut report = validator.finish();
    keep(&mut kept, std::mem::take(&mut report.diagnostics));
    report.diagnostics = kept;
    let positions = positions_of(&files, &report.diagnostics).await?;
    Ok(CheckedBatch { report, positions })
}

/// The line and column where each finding's source span starts.
///
/// # Errors
/// When the browser cannot read a file.
async fn positions_of(files: &[gloo_file::File], diagnostics: &[Diagnostic]) -> Result<Vec<Option<Position>>, CheckError> {
    let source_start = |diagnostic: &Diagnostic| {
        let span = diagnostic.location.source?;
        Some((diagnostic.location.file, span.start as u64))
    };
    let mut found_by_file = Vec::with_capacity(files.len());
    for (file_index, file) in files.iter().enumerate() {
        let mut wanted: Vec<u64> = diagnostics
            .iter()
            .filter_map(source_start)
            .filter_map(|(file, offset)| (file == file_index).then_some(offset))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        found_by_file.push(positions_in_file(file, &wanted).await?);
    }
    Ok(diagnostics
        .iter()
        .map(|diagnostic| {
            let (file, offset) = source_start(diagnostic)?;
            found_by_file.get(file)?.get(&offset).copied()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::Rule;

    /// Positions of `wanted` in `text` scanned in chunks of `chunk_size`.
    fn scanned(text: &str, wanted: &[u64], chunk_size: usize) -> Vec<(u64, u64, u64)> {
        let mut found = BTreeMap::new();
        let mut wanted = wanted.iter().copied().peekable();
        let mut scanner = PositionScanner::new();
        for chunk in text.as_bytes().chunks(chunk_size) {
            scanner.scan(chunk, &mut wanted, &mut found);
        }
        scanner.finish(&mut wanted, &mut found);
        found.into_iter().map(|(offset, position)| (offset, position.line, position.column)).collect()
    }

    #[test]
    fn positions_count_lines_and_utf16_columns_from_one() {
        // (text, wanted offsets, expected (offset, line, column))
        let cases: &[(&str, &[u64], &[(u64, u64, u64)])] = &[
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
    fn keeps_the_first_findings_up_to_the_bound() {
        let findings = |count: usize| vec![Diagnostic::new(Rule::MalformedJson, "finding"); count];
        let cases = [(0, 0, 0), (0, 5, 5), (MAX_KEPT_DIAGNOSTICS - 1, 5, MAX_KEPT_DIAGNOSTICS), (MAX_KEPT_DIAGNOSTICS, 1, MAX_KEPT_DIAGNOSTICS)];
        for (already, found, expected) in cases {
            let mut kept = findings(already);
            keep(&mut kept, findings(found));
            assert_eq!(kept.len(), expected, "{already} kept, {found} found");
        }
    }
}
