//! The sandbox's state: users, streams and memberships (the pod's directory), and imported messages.
//!
//! Everything lives in one SQLite database, a file (so a rehearsal survives a restart) or memory (tests).
//! The directory is small and read on every imported message, so it is also held in memory and written
//! through: every change goes to SQLite first and to the in-memory copy only once SQLite accepted it, so the
//! two never disagree. Another process may change the same file (`ferry sandbox provision` while the sandbox
//! runs): [`Store::refresh_if_changed`] notices through SQLite's `data_version` and reloads the directory.
//! Messages are only in SQLite.
//!
//! Invariants:
//! - Stream ids are stored in their URL-safe unpadded form ([`crate::ids::normalize_stream_id`]).
//! - `(originating_system_id, original_message_id)` is unique among stored messages (a partial unique index),
//!   which is what makes a repeated import detectable.
//! - Writes that belong together (one import request) happen in one transaction: a request that fails midway
//!   stores nothing.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use jsonwebtoken::DecodingKey;
use rusqlite::{params, Connection, OptionalExtension as _};
use serde::{Deserialize, Serialize};

use crate::error::SandboxError;

/// The schema version written to `PRAGMA user_version`. 2 added Graph's tables ([`crate::graph::store`]); a
/// version 1 file gains them, empty, when opened.
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    email TEXT,
    active INTEGER NOT NULL,
    service INTEGER NOT NULL,
    roles TEXT NOT NULL,
    public_key_pem TEXT
);
CREATE TABLE IF NOT EXISTS streams (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    name TEXT,
    active INTEGER NOT NULL,
    created_by INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    stream_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (stream_id, user_id)
);
CREATE TABLE IF NOT EXISTS messages (
    sequence INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    stream_id TEXT NOT NULL,
    user_id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    message TEXT NOT NULL,
    data TEXT,
    originating_system_id TEXT NOT NULL,
    original_message_id TEXT,
    imported_by INTEGER NOT NULL,
    imported_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS messages_original
    ON messages (originating_system_id, original_message_id) WHERE original_message_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS messages_stream_time ON messages (stream_id, timestamp, sequence);
CREATE TABLE IF NOT EXISTS attachments (
    message_sequence INTEGER NOT NULL,
    kind TEXT NOT NULL,
    position INTEGER NOT NULL,
    filename TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (message_sequence, kind, position)
);
";

/// Where the state is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Storage {
    /// In memory; gone when the process ends. For tests.
    Memory,
    /// In this SQLite file, created when missing.
    File(std::path::PathBuf),
}

/// Roles the sandbox checks. Others may be held and are reported, but grant nothing here.
pub mod roles {
    /// Required to import messages (`POST /agent/v4/message/import`).
    pub const CONTENT_MANAGEMENT: &str = "CONTENT_MANAGEMENT";
    /// Required for the pod's admin calls: create users, admin IMs, change user status, deactivate streams.
    pub const USER_PROVISIONING: &str = "USER_PROVISIONING";
}

/// A pod user: a person, or a service user that authenticates with an RSA key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Symphony user id.
    pub id: i64,
    /// Unique username; a service user's JWT names it in `sub`.
    pub username: String,
    /// Shown in read-back.
    pub display_name: String,
    /// E-mail address, when known.
    pub email: Option<String>,
    /// Whether the user is active (may send imported messages).
    pub active: bool,
    /// Whether this is a service user.
    pub service: bool,
    /// Role names, e.g. `CONTENT_MANAGEMENT`.
    pub roles: Vec<String>,
    /// The registered RSA public key (SPKI or PKCS#1 PEM), for service users.
    pub public_key_pem: Option<String>,
}

impl User {
    /// A person (not a service user), with no e-mail address, roles or key.
    pub fn person(id: i64, username: String, display_name: String, active: bool) -> User {
        User { id, username, display_name, email: None, active, service: false, roles: Vec::new(), public_key_pem: None }
    }

    /// Whether the user holds `role`.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }
}

/// What kind of conversation a stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum StreamKind {
    /// A chat room.
    Room,
    /// An instant message between users (created with the admin IM call).
    Im,
}

impl StreamKind {
    /// The name Symphony uses (`ROOM`, `IM`).
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Room => "ROOM",
            StreamKind::Im => "IM",
        }
    }

    fn parse(text: &str) -> StreamKind {
        if text == "IM" {
            StreamKind::Im
        } else {
            StreamKind::Room
        }
    }
}

/// A stream (room or IM) and its members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stream {
    /// URL-safe stream id.
    pub id: String,
    /// Room or IM.
    pub kind: StreamKind,
    /// Room name, for rooms.
    pub name: Option<String>,
    /// Whether messages may be imported into it.
    pub active: bool,
    /// Member user ids.
    pub members: BTreeSet<i64>,
    /// Who created it, when created through the API.
    pub created_by: Option<i64>,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// The in-memory copy of users, streams and memberships.
#[derive(Default)]
pub struct Directory {
    users: HashMap<i64, User>,
    user_ids_by_name: HashMap<String, i64>,
    public_keys: HashMap<i64, DecodingKey>,
    streams: HashMap<String, Stream>,
}

impl Directory {
    /// The user with this id.
    pub fn user(&self, user_id: i64) -> Option<&User> {
        self.users.get(&user_id)
    }

    /// The user with this username.
    pub fn user_by_name(&self, username: &str) -> Option<&User> {
        self.user_ids_by_name.get(username).and_then(|id| self.users.get(id))
    }

    /// The user with this e-mail address, compared ignoring ASCII case (as e-mail domains are, and as the pod
    /// looks addresses up).
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users.values().find(|user| user.email.as_deref().is_some_and(|held| held.eq_ignore_ascii_case(email)))
    }

    /// The parsed public key registered for a user.
    pub fn public_key(&self, user_id: i64) -> Option<&DecodingKey> {
        self.public_keys.get(&user_id)
    }

    /// The stream with this (normalized) id.
    pub fn stream(&self, stream_id: &str) -> Option<&Stream> {
        self.streams.get(stream_id)
    }

    /// Whether an active room already has this name.
    pub fn streams_named(&self, name: &str) -> bool {
        self.streams.values().any(|stream| stream.active && stream.name.as_deref() == Some(name))
    }

    /// An IM with exactly these members, if one exists.
    pub fn im_with_members(&self, members: &BTreeSet<i64>) -> Option<&Stream> {
        self.streams.values().find(|stream| stream.kind == StreamKind::Im && &stream.members == members)
    }

    /// A free user id above every existing one (service users created from a manifest get one).
    pub fn next_user_id(&self) -> i64 {
        const FIRST_SANDBOX_USER_ID: i64 = 349_026_222_340_001;
        self.users.keys().copied().max().map_or(FIRST_SANDBOX_USER_ID, |max| max.saturating_add(1).max(FIRST_SANDBOX_USER_ID))
    }

    /// Number of users and streams.
    pub fn counts(&self) -> (usize, usize) {
        (self.users.len(), self.streams.len())
    }
}

/// Parses an RSA public key in PEM (SPKI `PUBLIC KEY` or PKCS#1 `RSA PUBLIC KEY`).
///
/// # Errors
/// [`SandboxError::Invalid`] when the text is not an RSA public key.
pub fn parse_public_key(username: &str, pem: &str) -> Result<DecodingKey, SandboxError> {
    DecodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|error| SandboxError::Invalid(format!("public key of `{username}` is not an RSA public key in PEM: {error}")))
}

/// A message as stored and read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// The id given at import.
    pub message_id: String,
    /// Stream it was imported into.
    pub stream_id: String,
    /// Intended sender.
    pub user_id: i64,
    /// Intended timestamp, milliseconds since the Unix epoch.
    pub timestamp: i64,
    /// The message text as imported.
    pub message: String,
    /// EntityJSON, as imported.
    pub data: Option<String>,
    /// Attachments: filename and size in bytes.
    pub attachments: Vec<(String, usize)>,
}

/// A message about to be stored.
pub struct NewMessage<'a> {
    /// The id to give it.
    pub message_id: &'a str,
    /// Normalized stream id.
    pub stream_id: &'a str,
    /// Intended sender.
    pub user_id: i64,
    /// Intended timestamp.
    pub timestamp: i64,
    /// Message text.
    pub message: &'a str,
    /// EntityJSON.
    pub data: Option<&'a str>,
    /// Originating system.
    pub originating_system_id: &'a str,
    /// Original id, the dedupe key with the originating system.
    pub original_message_id: Option<&'a str>,
    /// The service user importing it.
    pub imported_by: i64,
    /// When, milliseconds since the Unix epoch.
    pub imported_at: i64,
    /// Decoded attachments: filename, bytes.
    pub attachments: &'a [(String, Vec<u8>)],
    /// Decoded previews: filename, bytes.
    pub previews: &'a [(String, Vec<u8>)],
}

/// The state: a SQLite connection and the directory mirrored in memory.
pub struct Store {
    connection: Connection,
    directory: Directory,
    /// `PRAGMA data_version` when the directory was loaded; it changes when another connection commits.
    data_version: i64,
}

impl Store {
    /// Opens (creating when needed) the state.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when the database cannot be opened or its schema created.
    pub fn open(storage: &Storage) -> Result<Store, SandboxError> {
        let connection = match storage {
            Storage::Memory => Connection::open_in_memory()?,
            Storage::File(path) => open_file(path)?,
        };
        connection.execute_batch(SCHEMA)?;
        connection.execute_batch(crate::graph::store::SCHEMA)?;
        connection.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        let data_version = data_version(&connection)?;
        let directory = load_directory(&connection)?;
        Ok(Store { connection, directory, data_version })
    }

    /// Reloads the directory when another process committed to the same file since it was loaded.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite fails.
    pub fn refresh_if_changed(&mut self) -> Result<(), SandboxError> {
        let version = data_version(&self.connection)?;
        if version != self.data_version {
            self.directory = load_directory(&self.connection)?;
            self.data_version = version;
        }
        Ok(())
    }

    /// The in-memory directory.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The SQLite connection, for Graph's tables ([`crate::graph::store`]), which have no in-memory copy.
    pub(crate) fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The SQLite connection, to open a transaction over Graph's tables.
    pub(crate) fn connection_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }

    /// Creates or replaces a user.
    ///
    /// # Errors
    /// [`SandboxError::Invalid`] for a username held by another id or an unparsable key;
    /// [`SandboxError::Storage`] when SQLite fails.
    pub fn upsert_user(&mut self, user: User) -> Result<(), SandboxError> {
        if let Some(holder) = self.directory.user_ids_by_name.get(&user.username) {
            if *holder != user.id {
                return Err(SandboxError::Invalid(format!(
                    "username `{}` already belongs to user {holder}",
                    user.username
                )));
            }
        }
        let key = match &user.public_key_pem {
            Some(pem) => Some(parse_public_key(&user.username, pem)?),
            None => None,
        };
        self.connection.execute(
            "INSERT INTO users (id, username, display_name, email, active, service, roles, public_key_pem)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (id) DO UPDATE SET username = ?2, display_name = ?3, email = ?4, active = ?5,
                 service = ?6, roles = ?7, public_key_pem = ?8",
            params![
                user.id,
                user.username,
                user.display_name,
                user.email,
                user.active,
                user.service,
                user.roles.join(","),
                user.public_key_pem
            ],
        )?;
        if let Some(previous) = self.directory.users.get(&user.id) {
            self.directory.user_ids_by_name.remove(&previous.username);
        }
        match key {
            Some(key) => self.directory.public_keys.insert(user.id, key),
            None => self.directory.public_keys.remove(&user.id),
        };
        self.directory.user_ids_by_name.insert(user.username.clone(), user.id);
        self.directory.users.insert(user.id, user);
        Ok(())
    }

    /// Activates or deactivates a user.
    ///
    /// # Errors
    /// [`SandboxError::Invalid`] for an unknown user; [`SandboxError::Storage`] when SQLite fails.
    pub fn set_user_active(&mut self, user_id: i64, active: bool) -> Result<(), SandboxError> {
        if !self.directory.users.contains_key(&user_id) {
            return Err(SandboxError::Invalid(format!("user {user_id} does not exist")));
        }
        self.connection.execute("UPDATE users SET active = ?2 WHERE id = ?1", params![user_id, active])?;
        if let Some(user) = self.directory.users.get_mut(&user_id) {
            user.active = active;
        }
        Ok(())
    }

    /// Creates or replaces a stream, including its member list.
    ///
    /// # Errors
    /// [`SandboxError::Invalid`] when a member is not a known user; [`SandboxError::Storage`] when SQLite fails.
    pub fn upsert_stream(&mut self, stream: Stream) -> Result<(), SandboxError> {
        if let Some(unknown) = stream.members.iter().find(|member| !self.directory.users.contains_key(member)) {
            return Err(SandboxError::Invalid(format!("stream `{}` lists member {unknown}, who is not a user", stream.id)));
        }
        let transaction = self.connection.transaction()?;
        transaction.execute(
            "INSERT INTO streams (id, type, name, active, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET type = ?2, name = ?3, active = ?4",
            params![stream.id, stream.kind.as_str(), stream.name, stream.active, stream.created_by, stream.created_at],
        )?;
        transaction.execute("DELETE FROM members WHERE stream_id = ?1", params![stream.id])?;
        for member in &stream.members {
            transaction.execute("INSERT INTO members (stream_id, user_id) VALUES (?1, ?2)", params![stream.id, member])?;
        }
        transaction.commit()?;
        self.directory.streams.insert(stream.id.clone(), stream);
        Ok(())
    }

    /// Adds (`member = true`) or removes a member of a stream.
    ///
    /// # Errors
    /// [`SandboxError::Invalid`] for an unknown stream or user; [`SandboxError::Storage`] when SQLite fails.
    pub fn set_membership(&mut self, stream_id: &str, user_id: i64, member: bool) -> Result<(), SandboxError> {
        if !self.directory.users.contains_key(&user_id) {
            return Err(SandboxError::Invalid(format!("user {user_id} does not exist")));
        }
        if !self.directory.streams.contains_key(stream_id) {
            return Err(SandboxError::Invalid(format!("stream `{stream_id}` does not exist")));
        }
        if member {
            self.connection.execute(
                "INSERT OR IGNORE INTO members (stream_id, user_id) VALUES (?1, ?2)",
                params![stream_id, user_id],
            )?;
        } else {
            self.connection
                .execute("DELETE FROM members WHERE stream_id = ?1 AND user_id = ?2", params![stream_id, user_id])?;
        }
        if let Some(stream) = self.directory.streams.get_mut(stream_id) {
            if member {
                stream.members.insert(user_id);
            } else {
                stream.members.remove(&user_id);
            }
        }
        Ok(())
    }

    /// Activates or deactivates a stream.
    ///
    /// # Errors
    /// [`SandboxError::Invalid`] for an unknown stream; [`SandboxError::Storage`] when SQLite fails.
    pub fn set_stream_active(&mut self, stream_id: &str, active: bool) -> Result<(), SandboxError> {
        if !self.directory.streams.contains_key(stream_id) {
            return Err(SandboxError::Invalid(format!("stream `{stream_id}` does not exist")));
        }
        self.connection.execute("UPDATE streams SET active = ?2 WHERE id = ?1", params![stream_id, active])?;
        if let Some(stream) = self.directory.streams.get_mut(stream_id) {
            stream.active = active;
        }
        Ok(())
    }

    /// Starts a transaction for one import request. Nothing is stored unless it is committed.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite cannot begin a transaction.
    pub fn begin_import(&mut self) -> Result<ImportTransaction<'_>, SandboxError> {
        let transaction = self.connection.transaction()?;
        Ok(ImportTransaction { transaction, directory: &self.directory })
    }

    /// Messages of a stream with `since <= timestamp <= until`, oldest first (ties in import order), after
    /// skipping `skip`, at most `limit`.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite fails.
    pub fn list_messages(
        &self,
        stream_id: &str,
        since: i64,
        until: Option<i64>,
        skip: usize,
        limit: usize,
    ) -> Result<Vec<StoredMessage>, SandboxError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT sequence, message_id, stream_id, user_id, timestamp, message, data FROM messages
             WHERE stream_id = ?1 AND timestamp >= ?2 AND timestamp <= ?3
             ORDER BY timestamp, sequence LIMIT ?4 OFFSET ?5",
        )?;
        let rows = statement.query_map(
            params![
                stream_id,
                since,
                until.unwrap_or(i64::MAX),
                i64::try_from(limit).unwrap_or(i64::MAX),
                i64::try_from(skip).unwrap_or(i64::MAX)
            ],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    StoredMessage {
                        message_id: row.get(1)?,
                        stream_id: row.get(2)?,
                        user_id: row.get(3)?,
                        timestamp: row.get(4)?,
                        message: row.get(5)?,
                        data: row.get(6)?,
                        attachments: Vec::new(),
                    },
                ))
            },
        )?;
        let mut attachments = self.connection.prepare_cached(
            "SELECT filename, length(content) FROM attachments WHERE message_sequence = ?1 AND kind = 'attachment'
             ORDER BY position",
        )?;
        let mut messages = Vec::new();
        for row in rows {
            let (sequence, mut message) = row?;
            let files = attachments.query_map(params![sequence], |row| {
                Ok((row.get::<_, String>(0)?, usize::try_from(row.get::<_, i64>(1)?).unwrap_or(0)))
            })?;
            for file in files {
                message.attachments.push(file?);
            }
            messages.push(message);
        }
        Ok(messages)
    }

    /// The content of attachment `position` (0-based) of a stored message in a stream.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite fails.
    pub fn attachment(&self, stream_id: &str, message_id: &str, position: usize) -> Result<Option<Vec<u8>>, SandboxError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT attachments.content FROM attachments JOIN messages ON messages.sequence = attachments.message_sequence
             WHERE messages.stream_id = ?1 AND messages.message_id = ?2 AND attachments.kind = 'attachment'
                 AND attachments.position = ?3",
        )?;
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        Ok(statement.query_row(params![stream_id, message_id, position], |row| row.get(0)).optional()?)
    }

    /// Number of stored messages.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite fails.
    pub fn message_count(&self) -> Result<u64, SandboxError> {
        let count: i64 = self.connection.query_row("SELECT count(*) FROM messages", [], |row| row.get(0))?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The latest intended timestamp among the messages stored in a stream (`lastMessageDate` of the pod's
    /// stream info), or `None` when it holds none.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite fails.
    pub fn last_message_timestamp(&self, stream_id: &str) -> Result<Option<i64>, SandboxError> {
        let mut statement =
            self.connection.prepare_cached("SELECT max(timestamp) FROM messages WHERE stream_id = ?1")?;
        Ok(statement.query_row(params![stream_id], |row| row.get(0))?)
    }
}

/// One import request's transaction, with read access to the directory.
pub struct ImportTransaction<'store> {
    transaction: rusqlite::Transaction<'store>,
    directory: &'store Directory,
}

impl ImportTransaction<'_> {
    /// The directory, for sender and stream checks.
    pub fn directory(&self) -> &Directory {
        self.directory
    }

    /// The id of the message already imported with this originating system and original id, including one
    /// stored earlier in this transaction.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite fails.
    pub fn find_imported(&self, originating_system_id: &str, original_message_id: &str) -> Result<Option<String>, SandboxError> {
        let mut statement = self.transaction.prepare_cached(
            "SELECT message_id FROM messages WHERE originating_system_id = ?1 AND original_message_id = ?2",
        )?;
        Ok(statement
            .query_row(params![originating_system_id, original_message_id], |row| row.get(0))
            .optional()?)
    }

    /// Stores one message and its attachments.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite fails.
    pub fn insert(&self, message: &NewMessage<'_>) -> Result<(), SandboxError> {
        let mut statement = self.transaction.prepare_cached(
            "INSERT INTO messages (message_id, stream_id, user_id, timestamp, message, data, originating_system_id,
                 original_message_id, imported_by, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        statement.execute(params![
            message.message_id,
            message.stream_id,
            message.user_id,
            message.timestamp,
            message.message,
            message.data,
            message.originating_system_id,
            message.original_message_id,
            message.imported_by,
            message.imported_at
        ])?;
        if message.attachments.is_empty() && message.previews.is_empty() {
            return Ok(());
        }
        let sequence = self.transaction.last_insert_rowid();
        let mut files = self.transaction.prepare_cached(
            "INSERT INTO attachments (message_sequence, kind, position, filename, content) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (kind, list) in [("attachment", message.attachments), ("preview", message.previews)] {
            for (position, (filename, content)) in list.iter().enumerate() {
                files.execute(params![sequence, kind, i64::try_from(position).unwrap_or(i64::MAX), filename, content])?;
            }
        }
        Ok(())
    }

    /// Makes the request's messages permanent.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when SQLite fails; then nothing of the request is stored.
    pub fn commit(self) -> Result<(), SandboxError> {
        Ok(self.transaction.commit()?)
    }
}

fn data_version(connection: &Connection) -> Result<i64, SandboxError> {
    Ok(connection.query_row("PRAGMA data_version", [], |row| row.get(0))?)
}

fn open_file(path: &Path) -> Result<Connection, SandboxError> {
    let connection = Connection::open(path)?;
    // Another process (`ferry sandbox provision`) may hold the write lock for a moment: wait for it.
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    // WAL with NORMAL sync: a crash may lose the last commits but never corrupts the file, and a batch of
    // 5,000 messages costs one fsync at checkpoint time instead of one per transaction.
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "NORMAL")?;
    Ok(connection)
}

fn load_directory(connection: &Connection) -> Result<Directory, SandboxError> {
    let mut directory = Directory::default();
    let mut statement =
        connection.prepare("SELECT id, username, display_name, email, active, service, roles, public_key_pem FROM users")?;
    let users = statement.query_map([], |row| {
        let roles: String = row.get(6)?;
        Ok(User {
            id: row.get(0)?,
            username: row.get(1)?,
            display_name: row.get(2)?,
            email: row.get(3)?,
            active: row.get(4)?,
            service: row.get(5)?,
            roles: roles.split(',').filter(|role| !role.is_empty()).map(str::to_owned).collect(),
            public_key_pem: row.get(7)?,
        })
    })?;
    for user in users {
        let user = user?;
        if let Some(pem) = &user.public_key_pem {
            match parse_public_key(&user.username, pem) {
                Ok(key) => {
                    directory.public_keys.insert(user.id, key);
                }
                Err(error) => tracing::warn!(%error, "stored public key ignored"),
            }
        }
        directory.user_ids_by_name.insert(user.username.clone(), user.id);
        directory.users.insert(user.id, user);
    }
    let mut statement = connection.prepare("SELECT id, type, name, active, created_by, created_at FROM streams")?;
    let streams = statement.query_map([], |row| {
        let kind: String = row.get(1)?;
        Ok(Stream {
            id: row.get(0)?,
            kind: StreamKind::parse(&kind),
            name: row.get(2)?,
            active: row.get(3)?,
            members: BTreeSet::new(),
            created_by: row.get(4)?,
            created_at: row.get(5)?,
        })
    })?;
    for stream in streams {
        let stream = stream?;
        directory.streams.insert(stream.id.clone(), stream);
    }
    let mut statement = connection.prepare("SELECT stream_id, user_id FROM members")?;
    let members = statement.query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?;
    for member in members {
        let (stream_id, user_id) = member?;
        if let Some(stream) = directory.streams.get_mut(&stream_id) {
            stream.members.insert(user_id);
        }
    }
    Ok(directory)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn person(id: i64, name: &str) -> User {
        User::person(id, name.to_owned(), name.to_owned(), true)
    }

    #[test]
    fn file_state_survives_reopening() {
        let directory = std::env::temp_dir().join(format!("ferry-sandbox-store-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("state.sqlite3");
        let _ = std::fs::remove_file(&path);
        {
            let mut store = Store::open(&Storage::File(path.clone())).unwrap();
            store.upsert_user(person(1, "alice")).unwrap();
            store
                .upsert_stream(Stream {
                    id: "s1".into(),
                    kind: StreamKind::Room,
                    name: None,
                    active: true,
                    members: BTreeSet::from([1]),
                    created_by: None,
                    created_at: 0,
                })
                .unwrap();
            let transaction = store.begin_import().unwrap();
            transaction
                .insert(&NewMessage {
                    message_id: "m1",
                    stream_id: "s1",
                    user_id: 1,
                    timestamp: 5,
                    message: "<messageML>hi</messageML>",
                    data: None,
                    originating_system_id: "sys",
                    original_message_id: Some("o1"),
                    imported_by: 1,
                    imported_at: 6,
                    attachments: &[("a.txt".to_owned(), b"hello".to_vec())],
                    previews: &[],
                })
                .unwrap();
            transaction.commit().unwrap();
        }
        let store = Store::open(&Storage::File(path.clone())).unwrap();
        assert_eq!(store.directory().user_by_name("alice").map(|user| user.id), Some(1));
        assert_eq!(store.directory().stream("s1").map(|stream| stream.members.clone()), Some(BTreeSet::from([1])));
        let messages = store.list_messages("s1", 0, None, 0, 10).unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].attachments, vec![("a.txt".to_owned(), 5)]);
        let _ = std::fs::remove_dir_all(&directory);
    }

    #[test]
    fn changes_by_another_connection_are_seen() {
        let directory = std::env::temp_dir().join(format!("ferry-sandbox-store-refresh-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let storage = Storage::File(directory.join("state.sqlite3"));
        let mut serving = Store::open(&storage).unwrap();
        let mut provisioning = Store::open(&storage).unwrap();
        provisioning.upsert_user(person(7, "grace")).unwrap();
        assert!(serving.directory().user(7).is_none(), "not reloaded yet");
        serving.refresh_if_changed().unwrap();
        assert_eq!(serving.directory().user(7).map(|user| user.username.as_str()), Some("grace"));
        serving.upsert_user(person(8, "heidi")).unwrap();
        serving.refresh_if_changed().unwrap();
        assert!(serving.directory().user(8).is_some(), "its own write is kept");
        provisioning.refresh_if_changed().unwrap();
        assert!(provisioning.directory().user(8).is_some());
        drop((serving, provisioning));
        std::fs::remove_dir_all(&directory).unwrap();
    }

    #[test]
    fn uncommitted_import_stores_nothing() {
        let mut store = Store::open(&Storage::Memory).unwrap();
        {
            let transaction = store.begin_import().unwrap();
            transaction
                .insert(&NewMessage {
                    message_id: "m1",
                    stream_id: "s1",
                    user_id: 1,
                    timestamp: 5,
                    message: "x",
                    data: None,
                    originating_system_id: "sys",
                    original_message_id: None,
                    imported_by: 1,
                    imported_at: 6,
                    attachments: &[],
                    previews: &[],
                })
                .unwrap();
        }
        assert_eq!(store.message_count().unwrap(), 0);
    }

    #[test]
    fn a_username_cannot_move_to_another_id() {
        let mut store = Store::open(&Storage::Memory).unwrap();
        store.upsert_user(person(1, "alice")).unwrap();
        let error = store.upsert_user(person(2, "alice")).unwrap_err();
        assert!(error.to_string().contains("already belongs to user 1"), "{error}");
    }
}
