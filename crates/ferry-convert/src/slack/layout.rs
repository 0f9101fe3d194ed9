//! What an export holds: its users and conversations (from the metadata files) and each conversation's day
//! files, found from the entry names alone, so that nothing but the metadata is read to lay an export out.
//!
//! Invariants: a conversation's day files are in name order (`YYYY-MM-DD.json`: name order is date order);
//! metadata without a folder and folders without metadata are both kept for the report; an export with no
//! conversation list and no user list is refused with an error saying what is missing.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::export::{EntryError, EntryName, ExportSource, Limits};

/// The kind of a conversation, as `streams.csv` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConversationKind {
    /// A public channel (`channels.json`).
    Public,
    /// A private channel (`groups.json`).
    Private,
    /// A direct message (`dms.json`).
    Dm,
    /// A group direct message (`mpims.json`).
    GroupDm,
}

impl ConversationKind {
    /// The name used in `streams.csv` and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationKind::Public => "public",
            ConversationKind::Private => "private",
            ConversationKind::Dm => "dm",
            ConversationKind::GroupDm => "group-dm",
        }
    }

    /// The kind named `name` in `streams.csv`.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        [ConversationKind::Public, ConversationKind::Private, ConversationKind::Dm, ConversationKind::GroupDm]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// A conversation listed in the metadata.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    /// Slack's id (`C…`, `G…`, `D…`).
    pub id: String,
    /// Its name (a DM's is its id, or the other member's handle when the export names it).
    pub name: String,
    /// Which list it came from.
    pub kind: ConversationKind,
    /// Members listed.
    pub members: Vec<String>,
    /// Archived in Slack.
    pub archived: bool,
    /// Its folder's day files (entry names), in date order; empty when it has no folder.
    pub day_files: Vec<String>,
}

/// A user listed in `users.json` (or `org_users.json`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Slack's id (`U…`, `W…`).
    pub id: String,
    /// The handle (`name`).
    pub handle: String,
    /// The real name, else the display name, else empty.
    pub real_name: String,
    /// The email, when the export holds it.
    pub email: String,
    /// A bot user.
    pub is_bot: bool,
    /// A deactivated account.
    pub deleted: bool,
}

impl User {
    /// The name to show: the real name, else the handle, else the id.
    #[must_use]
    pub fn display_name(&self) -> &str {
        [&self.real_name, &self.handle].into_iter().find(|name| !name.is_empty()).unwrap_or(&self.id)
    }
}

/// An export laid out: users, conversations, files with bytes, and what did not fit.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// The folder inside the archive holding the export (`""` at the root, else `name/`).
    pub root: String,
    /// Users in metadata order.
    pub users: Vec<User>,
    /// Conversations: public, private, DMs, group DMs, each in metadata order.
    pub conversations: Vec<Conversation>,
    /// Entries holding a file's bytes, by Slack file id.
    pub file_entries: HashMap<String, String>,
    /// Conversations listed in the metadata with no folder (no messages exported).
    pub metadata_without_folder: Vec<String>,
    /// Folders with day files that no metadata lists (their messages are not converted), with their day files.
    pub folders_without_metadata: BTreeMap<String, usize>,
    /// Entries that are neither metadata, day files nor file bytes (not read).
    pub other_entries: Vec<String>,
    /// Entry names that were not UTF-8 and were read as CP437.
    pub names_read_as_cp437: Vec<String>,
    /// Metadata files that are not what they should be (not JSON, not an array), with why.
    pub metadata_problems: Vec<String>,
}

/// Why an export could not be laid out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// Not a Slack export.
    #[error("not a Slack export: it holds no {missing}")]
    NotAnExport {
        /// What is missing, in words.
        missing: String,
    },
    /// A metadata file could not be read.
    #[error(transparent)]
    Entry(#[from] EntryError),
}

/// The metadata files naming conversations, with the kind each lists.
const CONVERSATION_LISTS: [(&str, ConversationKind); 4] = [
    ("channels.json", ConversationKind::Public),
    ("groups.json", ConversationKind::Private),
    ("dms.json", ConversationKind::Dm),
    ("mpims.json", ConversationKind::GroupDm),
];

/// The metadata files naming users, the first present wins.
const USER_LISTS: [&str; 2] = ["users.json", "org_users.json"];

/// Other metadata Slack writes that the conversion does not need.
const KNOWN_UNUSED_METADATA: [&str; 3] = ["integration_logs.json", "canvases.json", "huddles.json"];

/// Lays out the export held by `source`, reading only its metadata files.
///
/// # Errors
/// [`LayoutError::NotAnExport`] when neither a user list nor a conversation list is found (the error says
/// which are missing), or a metadata file that cannot be read.
pub fn lay_out(source: &mut dyn ExportSource, limits: &Limits) -> Result<Layout, LayoutError> {
    let entries = source.entry_names();
    let root = find_root(&entries);
    let mut layout = Layout { root: root.clone(), ..Layout::default() };
    layout.names_read_as_cp437 =
        entries.iter().filter(|entry| entry.decoded_as_cp437).map(|entry| entry.name.clone()).collect();

    let present = |file: &str| entries.iter().any(|entry| entry.name == format!("{root}{file}"));
    let user_list = USER_LISTS.into_iter().find(|file| present(file));
    let has_conversation_list = CONVERSATION_LISTS.iter().any(|(file, _)| present(file));
    let mut missing = Vec::new();
    if user_list.is_none() {
        missing.push("users.json (or org_users.json)");
    }
    if !has_conversation_list {
        missing.push("channels.json, groups.json, dms.json or mpims.json");
    }
    if !missing.is_empty() {
        return Err(LayoutError::NotAnExport { missing: format!("{} at its top level", missing.join(" and no ")) });
    }

    if let Some(file) = user_list {
        if let Some(list) = read_list(source, &format!("{root}{file}"), limits, &mut layout.metadata_problems)? {
            layout.users = list.iter().filter_map(user_of).collect();
        }
    }
    for (file, kind) in CONVERSATION_LISTS {
        let name = format!("{root}{file}");
        if !present(file) {
            continue;
        }
        if let Some(list) = read_list(source, &name, limits, &mut layout.metadata_problems)? {
            layout.conversations.extend(list.iter().filter_map(|value| conversation_of(value, kind)));
        }
    }

    // Day files by folder; file bytes by file id; everything else set aside.
    let mut day_files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in &entries {
        let Some(relative) = entry.name.strip_prefix(root.as_str()) else {
            layout.other_entries.push(entry.name.clone());
            continue;
        };
        let parts: Vec<&str> = relative.split('/').collect();
        match parts.as_slice() {
            [file] if USER_LISTS.contains(file) || KNOWN_UNUSED_METADATA.contains(file) => {}
            [file] if CONVERSATION_LISTS.iter().any(|(list, _)| list == file) => {}
            [folder, day] if is_day_file_name(day) => {
                day_files.entry((*folder).to_owned()).or_default().push(entry.name.clone());
            }
            ["__uploads", file_id, _name] => {
                layout.file_entries.insert((*file_id).to_owned(), entry.name.clone());
            }
            [_folder, "attachments", file] if file.contains('-') => {
                let file_id = file.split('-').next().unwrap_or_default();
                layout.file_entries.insert(file_id.to_owned(), entry.name.clone());
            }
            _ => layout.other_entries.push(entry.name.clone()),
        }
    }
    for files in day_files.values_mut() {
        files.sort();
    }

    // A conversation's folder is its name (channels, group DMs), else its id (DMs).
    for conversation in &mut layout.conversations {
        let folder = [&conversation.name, &conversation.id].into_iter().find(|name| day_files.contains_key(*name));
        match folder.cloned() {
            Some(folder) => conversation.day_files = day_files.remove(&folder).unwrap_or_default(),
            None => layout.metadata_without_folder.push(conversation.id.clone()),
        }
    }
    layout.folders_without_metadata = day_files.into_iter().map(|(folder, files)| (folder, files.len())).collect();
    Ok(layout)
}

/// The folder holding the export: the root, or the one folder a re-zipped export was put in (`export/…`).
fn find_root(entries: &[EntryName]) -> String {
    let markers = USER_LISTS.iter().chain(CONVERSATION_LISTS.iter().map(|(file, _)| file));
    entries
        .iter()
        .filter_map(|entry| {
            markers.clone().find_map(|marker| {
                let prefix = entry.name.strip_suffix(marker)?;
                (prefix.is_empty() || (prefix.ends_with('/') && prefix.matches('/').count() == 1))
                    .then(|| prefix.to_owned())
            })
        })
        .min_by_key(String::len)
        .unwrap_or_default()
}

/// `YYYY-MM-DD.json`.
fn is_day_file_name(name: &str) -> bool {
    let Some(date) = name.strip_suffix(".json") else { return false };
    let bytes = date.as_bytes();
    bytes.len() == 10
        && bytes
            .iter()
            .enumerate()
            .all(|(at, byte)| if at == 4 || at == 7 { *byte == b'-' } else { byte.is_ascii_digit() })
}

/// A metadata file as a JSON array; `None` (and a problem noted) when it is not one.
fn read_list(
    source: &mut dyn ExportSource,
    name: &str,
    limits: &Limits,
    problems: &mut Vec<String>,
) -> Result<Option<Vec<Value>>, EntryError> {
    let bytes = source.read_entry(name, limits.max_entry_bytes)?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Array(list)) => Ok(Some(list)),
        Ok(_) => {
            problems.push(format!("`{name}` is not a JSON array; its entries were not read"));
            Ok(None)
        }
        Err(error) => {
            problems.push(format!("`{name}` is not JSON ({error}); its entries were not read"));
            Ok(None)
        }
    }
}

/// A string field, empty when absent.
pub(crate) fn text_field<'v>(value: &'v Value, key: &str) -> &'v str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn user_of(value: &Value) -> Option<User> {
    let id = text_field(value, "id");
    if id.is_empty() {
        return None;
    }
    let profile = value.get("profile").unwrap_or(&Value::Null);
    let real_name =
        [text_field(value, "real_name"), text_field(profile, "real_name"), text_field(profile, "display_name")]
            .into_iter()
            .find(|name| !name.is_empty())
            .unwrap_or_default();
    Some(User {
        id: id.to_owned(),
        handle: text_field(value, "name").to_owned(),
        real_name: real_name.to_owned(),
        email: text_field(profile, "email").to_owned(),
        is_bot: value.get("is_bot").and_then(Value::as_bool).unwrap_or(false) || id == "USLACKBOT",
        deleted: value.get("deleted").and_then(Value::as_bool).unwrap_or(false),
    })
}

fn conversation_of(value: &Value, kind: ConversationKind) -> Option<Conversation> {
    let id = text_field(value, "id");
    if id.is_empty() {
        return None;
    }
    let name = match text_field(value, "name") {
        "" => id,
        name => name,
    };
    let members = value
        .get("members")
        .and_then(Value::as_array)
        .map(|members| members.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default();
    Some(Conversation {
        id: id.to_owned(),
        name: name.to_owned(),
        kind,
        members,
        archived: value.get("is_archived").and_then(Value::as_bool).unwrap_or(false),
        day_files: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::Cursor;

    use super::*;
    use crate::slack::export::tests::zip_of;
    use crate::slack::export::ZipExport;

    fn layout_of(entries: &[(&str, &[u8])]) -> Result<Layout, LayoutError> {
        let mut export = ZipExport::new(Cursor::new(zip_of(entries)), &Limits::default()).unwrap();
        lay_out(&mut export, &Limits::default())
    }

    #[test]
    fn a_zip_that_is_not_an_export_says_what_is_missing() {
        let error = layout_of(&[("photo.jpg", b"\xff\xd8")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "not a Slack export: it holds no users.json (or org_users.json) and no channels.json, groups.json, \
             dms.json or mpims.json at its top level"
        );
        let error = layout_of(&[("users.json", b"[]")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "not a Slack export: it holds no channels.json, groups.json, dms.json or mpims.json at its top level"
        );
    }

    #[test]
    fn folders_files_and_leftovers_are_sorted_out() {
        let layout = layout_of(&[
            ("export/users.json", br#"[{"id":"U1","name":"ann","profile":{"real_name":"Ann","email":"a@x.test"}}]"#),
            ("export/channels.json", br#"[{"id":"C1","name":"general","members":["U1"]},{"id":"C2","name":"empty"}]"#),
            ("export/dms.json", br#"[{"id":"D1","members":["U1","U2"]}]"#),
            ("export/general/2020-01-02.json", b"[]"),
            ("export/general/2020-01-01.json", b"[]"),
            ("export/D1/2020-01-01.json", b"[]"),
            ("export/stray/2020-01-01.json", b"[]"),
            ("export/__uploads/F1/report.pdf", b"%PDF"),
            ("export/general/attachments/F2-photo.png", b"png"),
            ("export/notes.txt", b"hi"),
        ])
        .unwrap();
        assert_eq!(layout.root, "export/");
        assert_eq!(layout.users[0].display_name(), "Ann");
        assert_eq!(layout.users[0].email, "a@x.test");
        let general = &layout.conversations[0];
        assert_eq!(general.day_files, ["export/general/2020-01-01.json", "export/general/2020-01-02.json"]);
        assert_eq!(layout.conversations[2].day_files, ["export/D1/2020-01-01.json"]);
        assert_eq!(layout.metadata_without_folder, ["C2"]);
        assert_eq!(layout.folders_without_metadata, BTreeMap::from([("stray".to_owned(), 1)]));
        assert_eq!(layout.file_entries["F1"], "export/__uploads/F1/report.pdf");
        assert_eq!(layout.file_entries["F2"], "export/general/attachments/F2-photo.png");
        assert_eq!(layout.other_entries, ["export/notes.txt"]);
    }

    #[test]
    fn metadata_that_is_not_a_list_is_a_problem_not_a_crash() {
        let layout = layout_of(&[("users.json", b"{oops"), ("channels.json", b"{}")]).unwrap();
        assert_eq!(layout.metadata_problems.len(), 2);
        assert!(layout.users.is_empty() && layout.conversations.is_empty());
    }

    #[test]
    fn day_file_names() {
        for (name, expected) in
            [("2020-01-31.json", true), ("2020-1-31.json", false), ("canvas.json", false), ("2020-01-31.txt", false)]
        {
            assert_eq!(is_day_file_name(name), expected, "{name}");
        }
    }
}
