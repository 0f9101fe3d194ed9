//! Graph's state, in the sandbox's SQLite database beside the Symphony tables ([`crate::store`]), so a restarted
//! sandbox keeps its tenant, its conversations' migration states and every imported message.
//!
//! Invariants:
//! - A conversation is keyed by its Graph path with percent-encoded segments
//!   (`ferry_core::teams::Conversation::path`), the identity every part of Ferry names it by.
//! - `(conversation, created_millis)` is the primary key of messages: Teams keys an imported message by its
//!   conversation and `createdDateTime` to the millisecond, and the message's `id` is that millisecond.
//! - At most one tenant (`singleton = 1`); without it, Graph is not configured.
//! - Access tokens are kept until they expire (and are removed when the next one is issued), so a restarted
//!   sandbox honours the tokens it gave, as the real service's tokens outlive any one server.

use ferry_core::teams::Conversation;
use rusqlite::{params, Connection, OptionalExtension as _};

use crate::error::SandboxError;

/// Graph's tables, created with the Symphony ones by [`crate::store::Store::open`].
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS graph_tenant (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    tenant_id TEXT NOT NULL,
    token_lifetime_seconds INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS graph_apps (
    client_id TEXT PRIMARY KEY,
    client_secret TEXT,
    certificate_pem TEXT
);
CREATE TABLE IF NOT EXISTS graph_users (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS graph_conversations (
    path TEXT PRIMARY KEY,
    team_id TEXT,
    channel_id TEXT,
    chat_id TEXT,
    display_name TEXT,
    created_millis INTEGER NOT NULL,
    migration_mode TEXT,
    migration_app TEXT
);
CREATE TABLE IF NOT EXISTS graph_chat_members (
    path TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (path, user_id)
);
CREATE TABLE IF NOT EXISTS graph_messages (
    conversation TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    message TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (conversation, created_millis)
);
CREATE TABLE IF NOT EXISTS graph_hosted_contents (
    conversation TEXT NOT NULL,
    created_millis INTEGER NOT NULL,
    temporary_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (conversation, created_millis, temporary_id)
);
CREATE TABLE IF NOT EXISTS graph_tokens (
    token TEXT PRIMARY KEY,
    client_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
";

/// The tenant the simulated Graph serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Tenant {
    /// The tenant's id (a GUID), the `{tenantId}` of the token endpoint.
    pub(crate) tenant_id: String,
    /// `expires_in` of the tokens it issues.
    pub(crate) token_lifetime_seconds: i64,
}

/// An app registration that may ask for tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct App {
    /// The application (client) id.
    pub(crate) client_id: String,
    /// Its client secret, when it has one.
    pub(crate) client_secret: Option<String>,
    /// The public key (PEM) of its certificate, when it has one: client assertions are checked with it.
    pub(crate) certificate_pem: Option<String>,
}

/// Where a conversation is in the migration flow (`migrationMode` of a channel or chat).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MigrationMode {
    /// Started and not completed: imports allowed, for the starting app only.
    InProgress,
    /// Completed; may be started again.
    Completed,
}

impl MigrationMode {
    /// The value Graph gives in `migrationMode`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MigrationMode::InProgress => "inProgress",
            MigrationMode::Completed => "completed",
        }
    }

    fn parse(text: &str) -> Option<MigrationMode> {
        match text {
            "inProgress" => Some(MigrationMode::InProgress),
            "completed" => Some(MigrationMode::Completed),
            _ => None,
        }
    }
}

/// A channel or chat as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StoredConversation {
    /// Which channel or chat.
    pub(crate) conversation: Conversation,
    /// Its name, when the manifest gave one.
    pub(crate) display_name: Option<String>,
    /// Its `createdDateTime`, milliseconds since the Unix epoch; imported messages must be later.
    pub(crate) created_millis: i64,
    /// Its migration state; `None` when never started.
    pub(crate) migration_mode: Option<MigrationMode>,
    /// The client id of the app that started the migration in progress.
    pub(crate) migration_app: Option<String>,
    /// Member user ids (chats only).
    pub(crate) members: Vec<String>,
}

/// The tenant, or `None` when the manifest had no `graph` section.
pub(crate) fn tenant(connection: &Connection) -> Result<Option<Tenant>, SandboxError> {
    let mut statement =
        connection.prepare_cached("SELECT tenant_id, token_lifetime_seconds FROM graph_tenant WHERE singleton = 1")?;
    Ok(statement
        .query_row([], |row| Ok(Tenant { tenant_id: row.get(0)?, token_lifetime_seconds: row.get(1)? }))
        .optional()?)
}

/// Creates or replaces the tenant.
pub(crate) fn set_tenant(connection: &Connection, tenant: &Tenant) -> Result<(), SandboxError> {
    connection.execute(
        "INSERT INTO graph_tenant (singleton, tenant_id, token_lifetime_seconds) VALUES (1, ?1, ?2)
         ON CONFLICT (singleton) DO UPDATE SET tenant_id = ?1, token_lifetime_seconds = ?2",
        params![tenant.tenant_id, tenant.token_lifetime_seconds],
    )?;
    Ok(())
}

/// The app registration with this client id.
pub(crate) fn app(connection: &Connection, client_id: &str) -> Result<Option<App>, SandboxError> {
    let mut statement = connection
        .prepare_cached("SELECT client_id, client_secret, certificate_pem FROM graph_apps WHERE client_id = ?1")?;
    Ok(statement
        .query_row(params![client_id], |row| {
            Ok(App { client_id: row.get(0)?, client_secret: row.get(1)?, certificate_pem: row.get(2)? })
        })
        .optional()?)
}

/// Creates or replaces an app registration.
pub(crate) fn upsert_app(connection: &Connection, app: &App) -> Result<(), SandboxError> {
    connection.execute(
        "INSERT INTO graph_apps (client_id, client_secret, certificate_pem) VALUES (?1, ?2, ?3)
         ON CONFLICT (client_id) DO UPDATE SET client_secret = ?2, certificate_pem = ?3",
        params![app.client_id, app.client_secret, app.certificate_pem],
    )?;
    Ok(())
}

/// The display name of a tenant user, or `None` when the id is not a user of the tenant.
pub(crate) fn user_display_name(connection: &Connection, user_id: &str) -> Result<Option<String>, SandboxError> {
    let mut statement = connection.prepare_cached("SELECT display_name FROM graph_users WHERE id = ?1")?;
    Ok(statement.query_row(params![user_id], |row| row.get(0)).optional()?)
}

/// Creates or replaces a tenant user; true when it was created.
pub(crate) fn upsert_user(connection: &Connection, user_id: &str, display_name: &str) -> Result<bool, SandboxError> {
    let existed = user_display_name(connection, user_id)?.is_some();
    connection.execute(
        "INSERT INTO graph_users (id, display_name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET display_name = ?2",
        params![user_id, display_name],
    )?;
    Ok(!existed)
}

/// Creates a conversation, or updates the name of an existing one; true when it was created. An existing
/// conversation keeps the earlier of its stored and the given `created_millis` (`createdDateTime` only ever
/// moves to the past, so re-applying a manifest never undoes a `startMigration` that moved it) and its
/// migration state. A chat's members become `members`.
pub(crate) fn upsert_conversation(
    connection: &Connection,
    conversation: &Conversation,
    display_name: Option<&str>,
    created_millis: i64,
    members: &[String],
) -> Result<bool, SandboxError> {
    let path = conversation.path();
    let (team_id, channel_id, chat_id) = match conversation {
        Conversation::Channel { team_id, channel_id } => (Some(team_id), Some(channel_id), None),
        Conversation::Chat { chat_id } => (None, None, Some(chat_id)),
    };
    let existed = load_conversation(connection, &path)?.is_some();
    connection.execute(
        "INSERT INTO graph_conversations (path, team_id, channel_id, chat_id, display_name, created_millis)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (path) DO UPDATE SET display_name = coalesce(?5, display_name),
             created_millis = min(created_millis, ?6)",
        params![path, team_id, channel_id, chat_id, display_name, created_millis],
    )?;
    if matches!(conversation, Conversation::Chat { .. }) {
        connection.execute("DELETE FROM graph_chat_members WHERE path = ?1", params![path])?;
        let mut insert =
            connection.prepare_cached("INSERT OR IGNORE INTO graph_chat_members (path, user_id) VALUES (?1, ?2)")?;
        for member in members {
            insert.execute(params![path, member])?;
        }
    }
    Ok(!existed)
}

/// The conversation at this Graph path (see [`Conversation::path`]).
pub(crate) fn load_conversation(
    connection: &Connection,
    path: &str,
) -> Result<Option<StoredConversation>, SandboxError> {
    let mut statement = connection.prepare_cached(
        "SELECT team_id, channel_id, chat_id, display_name, created_millis, migration_mode, migration_app
         FROM graph_conversations WHERE path = ?1",
    )?;
    let row = statement
        .query_row(params![path], |row| {
            let ids: (Option<String>, Option<String>, Option<String>) = (row.get(0)?, row.get(1)?, row.get(2)?);
            let mode: Option<String> = row.get(5)?;
            Ok((ids, row.get::<_, Option<String>>(3)?, row.get::<_, i64>(4)?, mode, row.get::<_, Option<String>>(6)?))
        })
        .optional()?;
    let Some((ids, display_name, created_millis, mode, migration_app)) = row else {
        return Ok(None);
    };
    let conversation = match ids {
        (Some(team_id), Some(channel_id), _) => Conversation::Channel { team_id, channel_id },
        (_, _, Some(chat_id)) => Conversation::Chat { chat_id },
        _ => return Err(SandboxError::Invalid(format!("stored Graph conversation {path} has no ids"))),
    };
    let mut members = Vec::new();
    if matches!(conversation, Conversation::Chat { .. }) {
        let mut statement =
            connection.prepare_cached("SELECT user_id FROM graph_chat_members WHERE path = ?1 ORDER BY user_id")?;
        for member in statement.query_map(params![path], |row| row.get(0))? {
            members.push(member?);
        }
    }
    Ok(Some(StoredConversation {
        conversation,
        display_name,
        created_millis,
        migration_mode: mode.as_deref().and_then(MigrationMode::parse),
        migration_app,
        members,
    }))
}

/// Sets a conversation's migration state, the app owning it and its `createdDateTime`.
pub(crate) fn set_migration(
    connection: &Connection,
    path: &str,
    mode: MigrationMode,
    app: Option<&str>,
    created_millis: i64,
) -> Result<(), SandboxError> {
    connection.execute(
        "UPDATE graph_conversations SET migration_mode = ?2, migration_app = ?3, created_millis = ?4 WHERE path = ?1",
        params![path, mode.as_str(), app, created_millis],
    )?;
    Ok(())
}

/// Whether a message with this `createdDateTime` (milliseconds) is stored in the conversation.
pub(crate) fn message_exists(connection: &Connection, path: &str, created_millis: i64) -> Result<bool, SandboxError> {
    let mut statement =
        connection.prepare_cached("SELECT 1 FROM graph_messages WHERE conversation = ?1 AND created_millis = ?2")?;
    Ok(statement.query_row(params![path, created_millis], |_| Ok(())).optional()?.is_some())
}

/// A message about to be stored.
pub(crate) struct NewGraphMessage<'a> {
    /// The conversation's path.
    pub(crate) conversation: &'a str,
    /// Its `createdDateTime`, milliseconds; also its id.
    pub(crate) created_millis: i64,
    /// The `chatMessage` as answered, JSON.
    pub(crate) message: &'a str,
    /// Its hosted contents: temporary id, media type, bytes.
    pub(crate) hosted_contents: &'a [(String, String, Vec<u8>)],
    /// The client id of the importing app.
    pub(crate) imported_by: &'a str,
    /// When, milliseconds since the Unix epoch.
    pub(crate) imported_at: i64,
}

/// Stores a message and its hosted contents in one transaction.
pub(crate) fn insert_message(connection: &mut Connection, message: &NewGraphMessage<'_>) -> Result<(), SandboxError> {
    let transaction = connection.transaction()?;
    transaction.execute(
        "INSERT INTO graph_messages (conversation, created_millis, message, imported_by, imported_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            message.conversation,
            message.created_millis,
            message.message,
            message.imported_by,
            message.imported_at
        ],
    )?;
    for (temporary_id, content_type, content) in message.hosted_contents {
        transaction.execute(
            "INSERT INTO graph_hosted_contents (conversation, created_millis, temporary_id, content_type, content)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![message.conversation, message.created_millis, temporary_id, content_type, content],
        )?;
    }
    Ok(transaction.commit()?)
}

/// Up to `limit` messages of a conversation created after `after_millis` (all when `None`), oldest first:
/// `(created_millis, chatMessage JSON)`.
pub(crate) fn list_messages(
    connection: &Connection,
    path: &str,
    after_millis: Option<i64>,
    limit: usize,
) -> Result<Vec<(i64, String)>, SandboxError> {
    let mut statement = connection.prepare_cached(
        "SELECT created_millis, message FROM graph_messages WHERE conversation = ?1 AND created_millis > ?2
         ORDER BY created_millis LIMIT ?3",
    )?;
    let rows = statement.query_map(
        params![path, after_millis.unwrap_or(i64::MIN), i64::try_from(limit).unwrap_or(i64::MAX)],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One message's `chatMessage` JSON.
pub(crate) fn message(
    connection: &Connection,
    path: &str,
    created_millis: i64,
) -> Result<Option<String>, SandboxError> {
    let mut statement = connection
        .prepare_cached("SELECT message FROM graph_messages WHERE conversation = ?1 AND created_millis = ?2")?;
    Ok(statement.query_row(params![path, created_millis], |row| row.get(0)).optional()?)
}

/// One hosted content of a message: media type and bytes.
pub(crate) fn hosted_content(
    connection: &Connection,
    path: &str,
    created_millis: i64,
    temporary_id: &str,
) -> Result<Option<(String, Vec<u8>)>, SandboxError> {
    let mut statement = connection.prepare_cached(
        "SELECT content_type, content FROM graph_hosted_contents
         WHERE conversation = ?1 AND created_millis = ?2 AND temporary_id = ?3",
    )?;
    Ok(statement
        .query_row(params![path, created_millis, temporary_id], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?)
}

/// Number of stored Graph messages, in every conversation.
pub(crate) fn message_count(connection: &Connection) -> Result<u64, SandboxError> {
    let count: i64 = connection.query_row("SELECT count(*) FROM graph_messages", [], |row| row.get(0))?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// Records an access token for `client_id`, valid until `expires_at` (milliseconds), dropping expired ones.
pub(crate) fn insert_token(
    connection: &Connection,
    token: &str,
    client_id: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), SandboxError> {
    connection.execute("DELETE FROM graph_tokens WHERE expires_at <= ?1", params![now])?;
    connection.execute(
        "INSERT INTO graph_tokens (token, client_id, expires_at) VALUES (?1, ?2, ?3)",
        params![token, client_id, expires_at],
    )?;
    Ok(())
}

/// The client id and expiry (milliseconds) of an access token, expired or not; `None` for an unknown token.
pub(crate) fn token(connection: &Connection, token: &str) -> Result<Option<(String, i64)>, SandboxError> {
    let mut statement = connection.prepare_cached("SELECT client_id, expires_at FROM graph_tokens WHERE token = ?1")?;
    Ok(statement.query_row(params![token], |row| Ok((row.get(0)?, row.get(1)?))).optional()?)
}
