//! Reading a Slack export entry by entry: the [`ExportSource`] trait, its ZIP implementation over any
//! `Read + Seek`, and the bounds every read obeys.
//!
//! Invariants:
//! - An entry's bytes are never trusted by what a header claims: reads stop one byte past the limit, so an entry
//!   that inflates beyond it (a ZIP bomb) is an error naming it, whatever its header says.
//! - Names are what Slack meant: Slack writes UTF-8 names without the ZIP's UTF-8 flag, so the raw bytes are
//!   decoded as UTF-8 first and as CP437 (the ZIP default) only when they are not UTF-8.
//! - Directory entries and macOS's `__MACOSX/` resource forks are not entries of the export.
//!
//! The folder implementation lives with the command line (it needs the file system); this crate stays pure.

use std::collections::HashMap;
use std::io::{Read, Seek};

/// Bounds on what an export may hold, so a hostile or broken archive cannot exhaust memory or time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most entries (files) in the export.
    pub max_entries: usize,
    /// Most bytes of one metadata file or day file, counted as decompressed.
    pub max_entry_bytes: u64,
    /// Most bytes of one file's content taken into an attachment (Symphony's clients accept 25 MB per file).
    pub max_attachment_bytes: u64,
    /// Most decompressed bytes of day files converted over the whole run.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 5_000_000,
            max_entry_bytes: 512 * 1024 * 1024,
            max_attachment_bytes: 25 * 1024 * 1024,
            max_total_bytes: 1 << 40,
        }
    }
}

/// One file of the export, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryName {
    /// The path inside the export, `/`-separated, relative to its root.
    pub name: String,
    /// The name's bytes were not UTF-8 and were read as CP437.
    pub decoded_as_cp437: bool,
}

/// Why one entry could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EntryError {
    /// The entry decompresses to more than the limit.
    #[error("`{name}` is larger than {limit} bytes once decompressed")]
    TooLarge {
        /// The entry.
        name: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The export has no such entry.
    #[error("`{name}` is not in the export")]
    NotFound {
        /// The entry.
        name: String,
    },
    /// The entry's bytes could not be read (a corrupt or truncated archive, an unsupported compression, …).
    #[error("`{name}` could not be read: {reason}")]
    Unreadable {
        /// The entry.
        name: String,
        /// What the reader said.
        reason: String,
    },
}

/// An export's entries, read one at a time.
pub trait ExportSource {
    /// Every file entry's name, in the order the source holds them (directories and `__MACOSX/` left out).
    fn entry_names(&self) -> Vec<EntryName>;

    /// The bytes of entry `name`, at most `max_bytes` of them once decompressed.
    ///
    /// # Errors
    /// [`EntryError::TooLarge`] when the entry holds more than `max_bytes` (counted as read, not as claimed),
    /// [`EntryError::NotFound`], or [`EntryError::Unreadable`].
    fn read_entry(&mut self, name: &str, max_bytes: u64) -> Result<Vec<u8>, EntryError>;
}

/// Why an archive could not be opened as an export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// Not a readable ZIP (truncated, or another format).
    #[error("not a readable ZIP archive ({reason}); a truncated download looks like this")]
    NotZip {
        /// What the ZIP reader said.
        reason: String,
    },
    /// More entries than [`Limits::max_entries`].
    #[error("the archive holds {entries} entries, more than the limit of {limit}")]
    TooManyEntries {
        /// Entries in the archive.
        entries: usize,
        /// The limit.
        limit: usize,
    },
}

/// A ZIP export over any `Read + Seek` (a file, or bytes in memory).
pub struct ZipExport<R: Read + Seek> {
    archive: zip::ZipArchive<R>,
    names: Vec<EntryName>,
    index_by_name: HashMap<String, usize>,
}

impl<R: Read + Seek> ZipExport<R> {
    /// Reads the archive's directory.
    ///
    /// # Errors
    /// [`OpenError::NotZip`] for a truncated or foreign file, [`OpenError::TooManyEntries`].
    pub fn new(reader: R, limits: &Limits) -> Result<Self, OpenError> {
        let mut archive =
            zip::ZipArchive::new(reader).map_err(|error| OpenError::NotZip { reason: error.to_string() })?;
        if archive.len() > limits.max_entries {
            return Err(OpenError::TooManyEntries { entries: archive.len(), limit: limits.max_entries });
        }
        let mut names = Vec::new();
        let mut index_by_name = HashMap::new();
        for index in 0..archive.len() {
            // Raw access reads the local header only: nothing is decompressed while listing.
            let Ok(file) = archive.by_index_raw(index) else { continue };
            if file.is_dir() {
                continue;
            }
            let (name, decoded_as_cp437) = match std::str::from_utf8(file.name_raw()) {
                Ok(name) => (name.to_owned(), false),
                // zip decodes names without the UTF-8 flag as CP437.
                Err(_) => (file.name().to_owned(), true),
            };
            let name = name.replace('\\', "/");
            if name.starts_with("__MACOSX/") || name.ends_with('/') {
                continue;
            }
            index_by_name.insert(name.clone(), index);
            names.push(EntryName { name, decoded_as_cp437 });
        }
        Ok(ZipExport { archive, names, index_by_name })
    }
}

impl<R: Read + Seek> ExportSource for ZipExport<R> {
    fn entry_names(&self) -> Vec<EntryName> {
        self.names.clone()
    }

    fn read_entry(&mut self, name: &str, max_bytes: u64) -> Result<Vec<u8>, EntryError> {
        let &index = self.index_by_name.get(name).ok_or_else(|| EntryError::NotFound { name: name.to_owned() })?;
        let unreadable =
            |error: &dyn std::fmt::Display| EntryError::Unreadable { name: name.to_owned(), reason: error.to_string() };
        let file = self.archive.by_index(index).map_err(|error| unreadable(&error))?;
        read_bounded(file, max_bytes).map_err(|error| match error {
            BoundedReadError::TooLarge => EntryError::TooLarge { name: name.to_owned(), limit: max_bytes },
            BoundedReadError::Io(error) => unreadable(&error),
        })
    }
}

/// Why [`read_bounded`] failed.
#[derive(Debug)]
pub enum BoundedReadError {
    /// More bytes than allowed.
    TooLarge,
    /// The reader failed.
    Io(std::io::Error),
}

/// Reads everything from `reader`, failing as soon as more than `max_bytes` arrive (the actual bytes, whatever a
/// header claimed). Shared with the folder source of the command line.
///
/// # Errors
/// [`BoundedReadError::TooLarge`] or the reader's error.
pub fn read_bounded(reader: impl Read, max_bytes: u64) -> Result<Vec<u8>, BoundedReadError> {
    let mut bytes = Vec::new();
    reader.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(BoundedReadError::Io)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > max_bytes {
        return Err(BoundedReadError::TooLarge);
    }
    Ok(bytes)
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::{Cursor, Write};

    use zip::write::SimpleFileOptions;

    use super::*;

    /// A ZIP in memory holding `entries` (name, content), deflated.
    pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in entries {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// Replaces every occurrence of `from` by `to` (same length) in a ZIP's bytes: how tests write name bytes
    /// that are not UTF-8, which `ZipWriter` cannot.
    pub(crate) fn patch(bytes: &mut [u8], from: &[u8], to: &[u8]) {
        assert_eq!(from.len(), to.len());
        let mut at = 0;
        while at + from.len() <= bytes.len() {
            if &bytes[at..at + from.len()] == from {
                bytes[at..at + from.len()].copy_from_slice(to);
            }
            at += 1;
        }
    }

    #[test]
    fn lists_files_without_directories_or_macos_forks_and_reads_them() {
        let bytes = zip_of(&[
            ("channels.json", b"[]"),
            ("__MACOSX/._channels.json", b"junk"),
            ("general/", b""),
            ("general/2020-01-01.json", b"[{}]"),
        ]);
        let mut export = ZipExport::new(Cursor::new(bytes), &Limits::default()).unwrap();
        let names: Vec<String> = export.entry_names().into_iter().map(|entry| entry.name).collect();
        assert_eq!(names, ["channels.json", "general/2020-01-01.json"]);
        assert_eq!(export.read_entry("general/2020-01-01.json", 100).unwrap(), b"[{}]");
        assert!(matches!(export.read_entry("nope.json", 100), Err(EntryError::NotFound { .. })));
    }

    #[test]
    fn an_entry_inflating_past_the_limit_is_an_error_naming_it() {
        // 8 MiB of zeros deflate to a few KiB: the header's size is honest here, the read bound is what counts.
        let zeros = vec![0_u8; 8 * 1024 * 1024];
        let bytes = zip_of(&[("general/2020-01-01.json", &zeros)]);
        assert!(bytes.len() < 100_000);
        let mut export = ZipExport::new(Cursor::new(bytes), &Limits::default()).unwrap();
        let error = export.read_entry("general/2020-01-01.json", 1024 * 1024).unwrap_err();
        assert_eq!(error, EntryError::TooLarge { name: "general/2020-01-01.json".into(), limit: 1024 * 1024 });
        assert!(error.to_string().contains("general/2020-01-01.json"));
    }

    #[test]
    fn truncated_and_foreign_files_are_not_zips() {
        let bytes = zip_of(&[("channels.json", b"[]")]);
        for broken in [&bytes[..bytes.len() / 2], b"PK\x03\x04 not really", b"{\"json\": true}"] {
            let error = ZipExport::new(Cursor::new(broken.to_vec()), &Limits::default()).err().unwrap();
            assert!(matches!(error, OpenError::NotZip { .. }), "{error}");
        }
    }

    #[test]
    fn too_many_entries_are_refused_before_listing() {
        let bytes = zip_of(&[("a.json", b"[]"), ("b.json", b"[]")]);
        let limits = Limits { max_entries: 1, ..Limits::default() };
        let error = ZipExport::new(Cursor::new(bytes), &limits).err().unwrap();
        assert_eq!(error, OpenError::TooManyEntries { entries: 2, limit: 1 });
    }

    /// Clears the UTF-8 flag (general purpose bit 11) of every header, as Slack's own exports leave it.
    pub(crate) fn clear_utf8_flags(bytes: &mut [u8]) {
        let mut at = 0;
        while at + 4 <= bytes.len() {
            match &bytes[at..at + 4] {
                b"PK\x03\x04" => bytes[at + 7] &= !0x08,
                b"PK\x01\x02" => bytes[at + 9] &= !0x08,
                _ => {}
            }
            at += 1;
        }
    }

    #[test]
    fn unflagged_names_are_read_as_utf8_first_then_cp437() {
        let mut bytes = zip_of(&[("général/2020-01-01.json", b"[]"), ("cafX/x.json", b"[]")]);
        patch(&mut bytes, b"cafX/", b"caf\x82/");
        clear_utf8_flags(&mut bytes);
        let export = ZipExport::new(Cursor::new(bytes), &Limits::default()).unwrap();
        let names = export.entry_names();
        assert_eq!(names[0], EntryName { name: "général/2020-01-01.json".into(), decoded_as_cp437: false });
        assert_eq!(names[1], EntryName { name: "café/x.json".into(), decoded_as_cp437: true });
    }
}
