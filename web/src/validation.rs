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

use std::fmt;

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

/// Appends `found` to `kept` up to [`MAX_KEPT_DIAGNOSTICS`].
fn keep(kept: &mut Vec<Diagnostic>, found: Vec<Diagnostic>) {
    let room = MAX_KEPT_DIAGNOSTICS.saturating_sub(kept.len());
    kept.extend(found.into_iter().take(room));
}

/// Reads `files` slice by slice, in order, and checks them as one batch against the rules of `target`, taking
/// "now" from the page's clock; calls `on_progress` with the bytes checked so far (over all files) after each
/// slice.
///
/// # Errors
/// When the browser cannot read a file.
pub async fn check_files(
    files: Vec<web_sys::File>,
    target: Target,
    on_progress: impl Fn(u64),
) -> Result<Report, CheckError> {
    // `Date.now()` is an integral number of milliseconds well inside i64.
    let mut validator = Validator::new(Options::new(target, js_sys::Date::now() as i64));
    let mut kept = Vec::new();
    let mut bytes_before_file = 0;
    for file in files {
        let file = gloo_file::File::from(file);
        validator.begin_file(&file.name());
        let size = file.size();
        let mut offset = 0;
        while offset < size {
            let end = offset.saturating_add(CHUNK_BYTES).min(size);
            let chunk = gloo_file::futures::read_as_bytes(&file.slice(offset, end)).await.map_err(|error| {
                CheckError::Unreadable { file_name: file.name(), reason: error.to_string() }
            })?;
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
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::Rule;

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
