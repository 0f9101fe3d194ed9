//! The user and stream maps: CSV files the user fills in with Symphony ids.
//!
//! `users.csv`: `slackUserId,handle,realName,email,kind,symphonyUserId` (kind `user`, `bot`, `deleted` or
//! `unknown`: seen in messages but not in `users.json`), and optionally `matchedBy` (how `--init --config` found
//! the id, for the user to confirm). `streams.csv`: `conversationId,name,kind,members,archived,symphonyStreamId`
//! (kind `public`, `private`, `dm`, `group-dm`).
//!
//! Invariants: an empty id column means unmapped; reading fails with the file's line number (1-based, the
//! header is line 1) for a missing column, a malformed id or a Slack id listed twice; columns are found by
//! their header's name, so extra columns and another order are accepted.

use std::collections::HashMap;

use serde::Serialize;

use super::layout::ConversationKind;

/// What a Slack user id stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UserKind {
    /// A person listed in `users.json`.
    User,
    /// A bot user or an integration (`B…` ids).
    Bot,
    /// A deactivated account.
    Deleted,
    /// Seen in messages (a sender, a mention, an edit) but not in `users.json`.
    Unknown,
}

impl UserKind {
    /// The name used in `users.csv`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::User => "user",
            UserKind::Bot => "bot",
            UserKind::Deleted => "deleted",
            UserKind::Unknown => "unknown",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        [UserKind::User, UserKind::Bot, UserKind::Deleted, UserKind::Unknown]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

/// One row of `users.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserRow {
    /// Slack's id (`U…`, `W…`, a bot's `B…`).
    pub slack_user_id: String,
    /// The handle.
    pub handle: String,
    /// The real name.
    pub real_name: String,
    /// The email, when known.
    pub email: String,
    /// What the id stands for.
    pub kind: UserKind,
    /// The Symphony user id; `None` = unmapped.
    pub symphony_user_id: Option<i64>,
    /// How the id was found by `--init --config` (`email`), empty otherwise.
    pub matched_by: String,
}

/// One row of `streams.csv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRow {
    /// Slack's conversation id.
    pub conversation_id: String,
    /// The conversation's name.
    pub name: String,
    /// Its kind.
    pub kind: ConversationKind,
    /// Members listed in the export.
    pub members: usize,
    /// Archived in Slack.
    pub archived: bool,
    /// The Symphony stream id; `None` = unmapped.
    pub symphony_stream_id: Option<String>,
}

/// Why a map could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    /// A problem at a line of the file.
    #[error("line {line}: {message}")]
    AtLine {
        /// 1-based line (the header is line 1).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// The CSV itself is unreadable.
    #[error("{0}")]
    Csv(String),
}

const USER_COLUMNS: [&str; 6] = ["slackUserId", "handle", "realName", "email", "kind", "symphonyUserId"];
const MATCHED_BY: &str = "matchedBy";
const STREAM_COLUMNS: [&str; 6] = ["conversationId", "name", "kind", "members", "archived", "symphonyStreamId"];

/// A CSV read by header names, each record handed over with its line (also how the Teams maps are read).
pub(crate) struct Table {
    columns: HashMap<String, usize>,
    records: Vec<(u64, csv::StringRecord)>,
}

impl Table {
    /// Reads `bytes`, whose header must name every column of `required`.
    pub(crate) fn read(bytes: &[u8], required: &[&str]) -> Result<Table, MapError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
        let header = reader.headers().map_err(|error| MapError::Csv(error.to_string()))?;
        let columns: HashMap<String, usize> =
            header.iter().enumerate().map(|(index, name)| (name.trim().to_owned(), index)).collect();
        let missing: Vec<&str> = required.iter().copied().filter(|name| !columns.contains_key(*name)).collect();
        if !missing.is_empty() {
            return Err(MapError::AtLine {
                line: 1,
                message: format!(
                    "the header lacks the column(s) {} (expected {})",
                    missing.join(", "),
                    required.join(",")
                ),
            });
        }
        let mut records = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|error| {
                let line = error.position().map_or(0, csv::Position::line);
                MapError::AtLine { line, message: error.to_string() }
            })?;
            let line = record.position().map_or(0, csv::Position::line);
            records.push((line, record));
        }
        Ok(Table { columns, records })
    }

    /// The trimmed value of `column` in `record`, empty when the column or the value is absent.
    pub(crate) fn field<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns.get(column).and_then(|&index| record.get(index)).unwrap_or_default().trim()
    }

    /// Every record with its line and its key (column `key`), which must be present and listed once.
    pub(crate) fn keyed_records(&self, key: &str) -> Result<Vec<(u64, &csv::StringRecord, String)>, MapError> {
        let mut first_line: HashMap<&str, u64> = HashMap::new();
        let mut keyed = Vec::with_capacity(self.records.len());
        for (line, record) in &self.records {
            let at = |message: String| MapError::AtLine { line: *line, message };
            let value = self.field(record, key);
            if value.is_empty() {
                return Err(at(format!("{key} is empty")));
            }
            if let Some(first) = first_line.insert(value, *line) {
                return Err(at(format!("{value} is listed again (first on line {first})")));
            }
            keyed.push((*line, record, value.to_owned()));
        }
        Ok(keyed)
    }
}

/// Reads `users.csv`.
///
/// # Errors
/// A missing column, a kind or id that cannot be read, a Slack id listed twice: with the line.
pub fn read_users(bytes: &[u8]) -> Result<Vec<UserRow>, MapError> {
    let table = Table::read(bytes, &USER_COLUMNS)?;
    let mut rows = Vec::with_capacity(table.records.len());
    for (line, record, slack_user_id) in table.keyed_records("slackUserId")? {
        let at = |message: String| MapError::AtLine { line, message };
        let kind_name = table.field(record, "kind");
        let kind = UserKind::parse(kind_name)
            .ok_or_else(|| at(format!("kind `{kind_name}` is none of user, bot, deleted, unknown")))?;
        let id_text = table.field(record, "symphonyUserId");
        let symphony_user_id = if id_text.is_empty() {
            None
        } else {
            match id_text.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => return Err(at(format!("symphonyUserId `{id_text}` is not a positive whole number"))),
            }
        };
        rows.push(UserRow {
            slack_user_id,
            handle: table.field(record, "handle").to_owned(),
            real_name: table.field(record, "realName").to_owned(),
            email: table.field(record, "email").to_owned(),
            kind,
            symphony_user_id,
            matched_by: table.field(record, MATCHED_BY).to_owned(),
        });
    }
    Ok(rows)
}

/// Reads `streams.csv`.
///
/// # Errors
/// A missing column, a kind, count or flag that cannot be read, a conversation listed twice: with the line.
pub fn read_streams(bytes: &[u8]) -> Result<Vec<StreamRow>, MapError> {
    let table = Table::read(bytes, &STREAM_COLUMNS)?;
    let mut rows = Vec::with_capacity(table.records.len());
    for (line, record, conversation_id) in table.keyed_records("conversationId")? {
        let at = |message: String| MapError::AtLine { line, message };
        let kind_name = table.field(record, "kind");
        let kind = ConversationKind::parse(kind_name)
            .ok_or_else(|| at(format!("kind `{kind_name}` is none of public, private, dm, group-dm")))?;
        let members_text = table.field(record, "members");
        let members = if members_text.is_empty() {
            0
        } else {
            members_text.parse().map_err(|_| at(format!("members `{members_text}` is not a count")))?
        };
        let archived = match table.field(record, "archived") {
            "true" => true,
            "false" | "" => false,
            other => return Err(at(format!("archived `{other}` is neither true nor false"))),
        };
        let stream_id = table.field(record, "symphonyStreamId");
        rows.push(StreamRow {
            conversation_id,
            name: table.field(record, "name").to_owned(),
            kind,
            members,
            archived,
            symphony_stream_id: (!stream_id.is_empty()).then(|| stream_id.to_owned()),
        });
    }
    Ok(rows)
}

/// Writes `users.csv`; the `matchedBy` column is written when any row has one.
///
/// # Errors
/// Only if the CSV writer fails (it writes to memory).
pub fn write_users(rows: &[UserRow]) -> Result<Vec<u8>, MapError> {
    let with_matches = rows.iter().any(|row| !row.matched_by.is_empty());
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |error: csv::Error| MapError::Csv(error.to_string());
    let mut header = USER_COLUMNS.to_vec();
    if with_matches {
        header.push(MATCHED_BY);
    }
    writer.write_record(&header).map_err(csv_error)?;
    for row in rows {
        let id = row.symphony_user_id.map(|id| id.to_string()).unwrap_or_default();
        let mut fields =
            vec![row.slack_user_id.as_str(), &row.handle, &row.real_name, &row.email, row.kind.as_str(), &id];
        if with_matches {
            fields.push(&row.matched_by);
        }
        writer.write_record(&fields).map_err(csv_error)?;
    }
    writer.into_inner().map_err(|error| MapError::Csv(error.to_string()))
}

/// Writes `streams.csv`.
///
/// # Errors
/// Only if the CSV writer fails (it writes to memory).
pub fn write_streams(rows: &[StreamRow]) -> Result<Vec<u8>, MapError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |error: csv::Error| MapError::Csv(error.to_string());
    writer.write_record(STREAM_COLUMNS).map_err(csv_error)?;
    for row in rows {
        let members = row.members.to_string();
        let archived = if row.archived { "true" } else { "false" };
        let stream_id = row.symphony_stream_id.as_deref().unwrap_or_default();
        writer
            .write_record([row.conversation_id.as_str(), &row.name, row.kind.as_str(), &members, archived, stream_id])
            .map_err(csv_error)?;
    }
    writer.into_inner().map_err(|error| MapError::Csv(error.to_string()))
}

/// Whether a map file's bytes hold any filled-in id (the last header column named like `symphony…Id`): such a
/// file is never overwritten by `--init` without `--force`. Unreadable bytes count as filled in (kept).
#[must_use]
pub fn has_filled_in_ids(bytes: &[u8]) -> bool {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let Ok(header) = reader.headers() else { return true };
    let Some(column) = header.iter().position(|name| matches!(name.trim(), "symphonyUserId" | "symphonyStreamId"))
    else {
        return !bytes.iter().all(u8::is_ascii_whitespace);
    };
    reader
        .records()
        .any(|record| record.map_or(true, |record| !record.get(column).unwrap_or_default().trim().is_empty()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn user(id: &str, kind: UserKind, symphony_user_id: Option<i64>) -> UserRow {
        UserRow {
            slack_user_id: id.into(),
            handle: "ann".into(),
            real_name: "Ann, \"the\" first".into(),
            email: String::new(),
            kind,
            symphony_user_id,
            matched_by: String::new(),
        }
    }

    #[test]
    fn users_round_trip_through_csv() {
        let rows = vec![user("U1", UserKind::User, Some(7)), user("B1", UserKind::Bot, None)];
        let bytes = write_users(&rows).unwrap();
        assert!(bytes.starts_with(b"slackUserId,handle,realName,email,kind,symphonyUserId\n"));
        assert_eq!(read_users(&bytes).unwrap(), rows);
        let mut matched = rows.clone();
        matched[0].matched_by = "email".into();
        assert_eq!(read_users(&write_users(&matched).unwrap()).unwrap(), matched);
    }

    #[test]
    fn streams_round_trip_through_csv() {
        let rows = vec![StreamRow {
            conversation_id: "C1".into(),
            name: "général".into(),
            kind: ConversationKind::GroupDm,
            members: 3,
            archived: true,
            symphony_stream_id: Some("abc_-".into()),
        }];
        assert_eq!(read_streams(&write_streams(&rows).unwrap()).unwrap(), rows);
    }

    #[test]
    fn bad_maps_are_errors_with_their_line() {
        let header = "slackUserId,handle,realName,email,kind,symphonyUserId\n";
        let cases: &[(&str, &str)] = &[
            ("U1,a,A,,user,12x\n", "line 2: symphonyUserId `12x` is not a positive whole number"),
            ("U1,a,A,,user,0\n", "line 2: symphonyUserId `0` is not a positive whole number"),
            ("U1,a,A,,person,\n", "line 2: kind `person` is none of user, bot, deleted, unknown"),
            ("U1,a,A,,user,1\nU2,b,B,,bot,\nU1,a,A,,user,\n", "line 4: U1 is listed again (first on line 2)"),
            (",a,A,,user,1\n", "line 2: slackUserId is empty"),
        ];
        for (body, expected) in cases {
            let error = read_users(format!("{header}{body}").as_bytes()).unwrap_err().to_string();
            assert!(error.starts_with(expected), "{body}: {error}");
        }
        assert_eq!(
            read_users(b"slackUserId,kind\nU1,user\n").unwrap_err().to_string(),
            "line 1: the header lacks the column(s) handle, realName, email, symphonyUserId (expected \
             slackUserId,handle,realName,email,kind,symphonyUserId)"
        );
        let streams = "conversationId,name,kind,members,archived,symphonyStreamId\nC1,x,room,1,false,\n";
        assert_eq!(
            read_streams(streams.as_bytes()).unwrap_err().to_string(),
            "line 2: kind `room` is none of public, private, dm, group-dm"
        );
    }

    #[test]
    fn filled_in_ids_are_detected() {
        let cases: &[(&str, bool)] = &[
            ("slackUserId,handle,realName,email,kind,symphonyUserId\nU1,a,,,user,\n", false),
            ("slackUserId,handle,realName,email,kind,symphonyUserId\nU1,a,,,user,5\n", true),
            ("conversationId,name,kind,members,archived,symphonyStreamId\nC1,g,public,2,false,\n", false),
            ("conversationId,name,kind,members,archived,symphonyStreamId\nC1,g,public,2,false,xyz\n", true),
            ("", false),
            ("my own notes\n", true),
        ];
        for (bytes, expected) in cases {
            assert_eq!(has_filled_in_ids(bytes.as_bytes()), *expected, "{bytes}");
        }
    }
}
