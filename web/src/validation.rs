//! The one place the app reads a file and runs the core on it.
//!
//! Today both happen on the page's thread: the read is asynchronous, the check is not, so a very large file
//! holds the page for as long as its check takes. The components only see [`check_file`]'s signature (a
//! `File` in, a [`Report`] or a [`CheckError`] out), so moving the check into a worker that streams progress
//! changes this module alone.
//!
//! Invariant: the whole file is held in memory, so its size is bounded by [`MAX_FILE_BYTES`] before any byte
//! is read; a larger file gets a clear message instead of exhausting the page's memory.

use std::fmt;

use ferry_core::{Options, Report, Target};

/// The largest file checked in the page; `ferry check` on the command line streams files of any size.
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

/// Why a file could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckError {
    /// The file is larger than [`MAX_FILE_BYTES`].
    TooLarge {
        /// The file's size in bytes.
        size_bytes: u64,
    },
    /// The browser could not read the file (removed, permission revoked, ...).
    Unreadable {
        /// The browser's reason.
        reason: String,
    },
}

impl fmt::Display for CheckError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckError::TooLarge { size_bytes } => write!(
                formatter,
                "The file has {size_bytes} bytes; the browser checks files up to {MAX_FILE_BYTES} bytes. \
                 Run `ferry check FILE` for larger files."
            ),
            CheckError::Unreadable { reason } => write!(formatter, "The browser could not read the file: {reason}"),
        }
    }
}

/// Reads `file` and checks it against the rules of `target`, taking "now" from the page's clock.
///
/// # Errors
/// When the file is too large to hold in memory or the browser cannot read it.
pub async fn check_file(file: web_sys::File, target: Target) -> Result<Report, CheckError> {
    let file = gloo_file::File::from(file);
    if file.size() > MAX_FILE_BYTES {
        return Err(CheckError::TooLarge { size_bytes: file.size() });
    }
    let bytes = gloo_file::futures::read_as_bytes(&file)
        .await
        .map_err(|error| CheckError::Unreadable { reason: error.to_string() })?;
    // `Date.now()` is an integral number of milliseconds well inside i64.
    let options = Options { target, now_millis: js_sys::Date::now() as i64 };
    Ok(ferry_core::validate(&bytes, &options))
}
