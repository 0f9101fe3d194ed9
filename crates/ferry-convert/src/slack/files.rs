//! A message's `files[]`: bytes present in the export become `attachments` within the Agent's limits; every
//! other file becomes a line naming it, and a note for the report.
//!
//! Invariant: nothing a file entry holds beyond its name and title reaches the record: never `url_private`,
//! `permalink` or any other URL (Slack's carry access tokens, `?t=xoxe-…`).

use base64::Engine as _;
use serde::Serialize;
use serde_json::Value;

use super::export::{EntryError, ExportSource};
use super::layout::{text_field, Layout};
use super::markup::MessageMl;

/// Symphony's clients accept files up to 25 MB (ferry-core's `ATT008`).
pub const MAX_FILE_BYTES: u64 = 25 * 1024 * 1024;
/// A message's attachments may add up to 30 MB (ferry-core's `ATT004`).
pub const MAX_TOTAL_BYTES: u64 = 30 * 1024 * 1024;
/// At most 25 files per message are recommended (ferry-core's `ATT005`).
pub const MAX_FILES: usize = 25;

/// One attachment of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// The file's name, without any path.
    pub filename: String,
    /// Its bytes, base64.
    pub content: String,
}

/// A file that did not become an attachment, for the report: (file id, name, reason).
pub type Unattached = (String, String, &'static str);

/// Turns a message's files into attachments (bytes read from `source`) and lines in `out` for the others.
pub fn convert_files(
    files: &[Value],
    layout: &Layout,
    source: &mut dyn ExportSource,
    out: &mut MessageMl,
    attachments: &mut Vec<Attachment>,
    unattached: &mut Vec<Unattached>,
) {
    let mut total_bytes: u64 = 0;
    for file in files {
        let id = text_field(file, "id").to_owned();
        let name = file_name(file);
        let reason = match text_field(file, "mode") {
            "tombstone" => Some("deleted"),
            "hidden_by_limit" => Some("hidden-by-limit"),
            "external" => Some("external"),
            _ if file.get("is_external").and_then(Value::as_bool) == Some(true) => Some("external"),
            _ => None,
        };
        let reason = match (reason, layout.file_entries.get(&id)) {
            (Some(reason), _) => Some(reason),
            (None, None) => Some("not-in-export"),
            (None, Some(_)) if attachments.len() >= MAX_FILES => Some("too-many"),
            (None, Some(entry)) => {
                let room = MAX_FILE_BYTES.min(MAX_TOTAL_BYTES - total_bytes);
                match source.read_entry(entry, room) {
                    Ok(bytes) => {
                        total_bytes += u64::try_from(bytes.len()).unwrap_or(u64::MAX);
                        let content = base64::engine::general_purpose::STANDARD.encode(&bytes);
                        attachments.push(Attachment { filename: with_extension(&name, file, entry), content });
                        None
                    }
                    Err(EntryError::TooLarge { .. }) if room < MAX_FILE_BYTES => Some("over-total"),
                    Err(EntryError::TooLarge { .. }) => Some("too-large"),
                    Err(_) => Some("unreadable"),
                }
            }
        };
        if let Some(reason) = reason {
            write_file_line(out, &name, reason);
            unattached.push((id, name, reason));
        }
    }
}

/// Writes the line naming a file whose bytes are not attached.
fn write_file_line(out: &mut MessageMl, name: &str, reason: &str) {
    let why = match reason {
        "deleted" => "deleted in Slack",
        "hidden-by-limit" => "hidden by Slack's plan limit",
        "external" => "an external file",
        "too-large" => "over the 25 MB a file may have",
        "over-total" => "over the 30 MB a message's files may have",
        "too-many" => "over the 25 files a message may carry",
        "unreadable" => "unreadable in the export",
        _ => "not in the export",
    };
    if !out.is_empty() {
        out.empty("br", &[]);
    }
    out.text(&format!("\u{1f4ce} {name} ({why})"));
}

/// Whether `name` has an extension as ferry-core's `ATT002` reads one (a non-empty stem, a dot, no blank after).
fn has_extension(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, extension)| {
        !stem.is_empty() && !extension.is_empty() && !extension.contains(char::is_whitespace)
    })
}

/// An attachment's name with an extension, as the Agent requires (`ATT002`): the file's name, else with the
/// extension of its entry in the export, else Slack's `filetype`, else `bin`.
fn with_extension(name: &str, file: &Value, entry: &str) -> String {
    if has_extension(name) {
        return name.to_owned();
    }
    let entry_name = entry.rsplit('/').next().unwrap_or(entry);
    let filetype = text_field(file, "filetype");
    let extension = match entry_name.rsplit_once('.') {
        Some((_, extension)) if has_extension(entry_name) => extension,
        _ if !filetype.is_empty() && filetype.bytes().all(|byte| byte.is_ascii_alphanumeric()) => filetype,
        _ => "bin",
    };
    format!("{name}.{extension}")
}

/// The file's name without any path (its `name`, else `title`, else its id).
fn file_name(file: &Value) -> String {
    let name =
        ["name", "title", "id"].into_iter().map(|key| text_field(file, key)).find(|name| !name.trim().is_empty());
    let name = name.unwrap_or("file");
    name.rsplit(['/', '\\']).next().unwrap_or(name).trim().to_owned()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::with_extension;

    #[test]
    fn attachment_names_always_have_an_extension() {
        let cases: &[(&str, serde_json::Value, &str, &str)] = &[
            ("chart.png", json!({}), "__uploads/F1/chart.png", "chart.png"),
            ("Makefile", json!({"filetype": "makefile"}), "__uploads/F1/Makefile", "Makefile.makefile"),
            ("Untitled", json!({"filetype": "text"}), "general/attachments/F1-Untitled.txt", "Untitled.txt"),
            ("notes", json!({"filetype": "c++"}), "__uploads/F1/notes", "notes.bin"),
            (".bashrc", json!({}), "__uploads/F1/.bashrc", ".bashrc.bin"),
        ];
        for (name, file, entry, expected) in cases {
            assert_eq!(with_extension(name, file, entry), *expected, "{name}");
        }
    }
}
