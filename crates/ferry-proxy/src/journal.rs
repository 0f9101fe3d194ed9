//! The journal: every record's fate in an SQLite file (WAL), keyed by `(originatingSystemId,
//! originalMessageId)`, written before and after each import request (the outbox pattern).
//!
//! A record moves `planned → in flight (request N) → imported | already imported | rejected`; records the
//! checks refuse are `excluded` with their codes. Each transition of a request's records is one transaction.
//!
//! Invariants:
//! - A record is marked in flight, in a committed transaction, before the request carrying it is sent; its
//!   outcome is committed after the answer is read. A crash at any instant therefore leaves each record either
//!   final (never sent again) or planned/in flight (sent again by the next run: safe, because the Agent ignores
//!   an `originalMessageId` it has already imported).
//! - A final outcome (imported, already imported) is never overwritten by a later run; rejected records are
//!   sent again only when asked (`--retry-failed`).
//! - A journal belongs to one upstream (the Agent's URL): opening it for another is refused, so a rehearsal's
//!   journal can never make a real import skip messages.
//! - The body kept for a record is the JSON that will be sent, in a table of its own (so changing a record's
//!   state rewrites a small row); it is dropped when the record is excluded, and at the end of the run that
//!   imported it (a run that never ends cleanly leaves them to the next run's end).
//! - A request's records change state in one set-based statement each (ids as a JSON array read by
//!   `json_each`), not one statement per record: this is what keeps the journal's cost per record small.
//!
//! `synchronous = NORMAL` in WAL mode: a process crash loses nothing committed; a power cut may lose the last
//! transactions, which only makes records be sent again, and the Agent ignores repeats. A 64 MiB page cache and
//! a checkpoint every 16,384 pages keep the checkpoints' disk flushes rare during a run.

use std::collections::HashSet;
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::ProxyError;

const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    id INTEGER PRIMARY KEY,
    system_id TEXT,
    message_id TEXT,
    file TEXT NOT NULL,
    record_index INTEGER NOT NULL,
    stream_id TEXT,
    timestamp INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    request INTEGER,
    intake_run INTEGER,
    agent_message_id TEXT,
    diagnostic TEXT,
    codes TEXT,
    updated_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS records_key ON records (system_id, message_id) WHERE message_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    run INTEGER NOT NULL,
    records INTEGER NOT NULL,
    state TEXT NOT NULL,
    started_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    error TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    started_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    files TEXT NOT NULL,
    state TEXT NOT NULL
);
";

/// Where a record stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// To be sent.
    Planned,
    /// Sent in a request whose answer has not been recorded: its outcome is unknown until a run sends it again.
    InFlight,
    /// The Agent answered a `messageId`.
    Imported,
    /// The Agent ignored it as a repeat of a message it already holds.
    AlreadyImported,
    /// The Agent refused it (the diagnostic says why).
    Rejected,
    /// Ferry's checks or the pre-flight refused it (the codes say why); never sent.
    Excluded,
}

impl RecordState {
    /// The name stored and reported.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Planned => "planned",
            RecordState::InFlight => "in_flight",
            RecordState::Imported => "imported",
            RecordState::AlreadyImported => "already_imported",
            RecordState::Rejected => "rejected",
            RecordState::Excluded => "excluded",
        }
    }

    fn parse(text: &str) -> RecordState {
        match text {
            "planned" => RecordState::Planned,
            "in_flight" => RecordState::InFlight,
            "imported" => RecordState::Imported,
            "already_imported" => RecordState::AlreadyImported,
            "rejected" => RecordState::Rejected,
            _ => RecordState::Excluded,
        }
    }

    /// Imported or already imported: never sent again.
    pub fn is_done(self) -> bool {
        matches!(self, RecordState::Imported | RecordState::AlreadyImported)
    }
}

/// A record of the input as the journal takes it.
#[derive(Clone, Debug)]
pub struct IncomingRecord {
    /// `originatingSystemId` (None when missing: the record is then excluded by the checks).
    pub system_id: Option<String>,
    /// `originalMessageId`.
    pub message_id: Option<String>,
    /// The input file's name.
    pub file: String,
    /// 0-based index of the record in the batch.
    pub record_index: usize,
    /// `streamId`, normalised.
    pub stream_id: Option<String>,
    /// `intendedMessageTimestamp`.
    pub timestamp: i64,
    /// The JSON to send; empty in a dry run, which keeps only its size.
    pub body: Vec<u8>,
    /// Size of the JSON to send.
    pub bytes: usize,
    /// Error codes found by the checks and the pre-flight; empty when it may be sent.
    pub error_codes: Vec<String>,
    /// The first error's message, for the report.
    pub error_message: Option<String>,
}

/// What a run's intake did with the input's records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Intake {
    /// Newly planned, or planned again (not yet final, or rejected and retried).
    pub planned: usize,
    /// Already imported by an earlier run: skipped.
    pub already_done: usize,
    /// Rejected by the Agent in an earlier run and not retried (use `--retry-failed`).
    pub previously_rejected: usize,
    /// Excluded by the checks.
    pub excluded: usize,
    /// Refused by the checks now, but an earlier version was sent with an unknown outcome: that version is sent
    /// again.
    pub unresolved: usize,
}

/// A record to send (its body is read per request, with [`Journal::bodies`], so a run never holds them all).
#[derive(Clone, Debug)]
pub struct PendingRecord {
    /// Journal row id.
    pub id: i64,
    /// Normalised stream id.
    pub stream_id: String,
    /// Timestamp.
    pub timestamp: i64,
    /// Size of the body in bytes.
    pub bytes: u32,
}

/// What a request that failed as a whole means for its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestFailure {
    /// The Agent refused the request's content (400): its records are rejected with the reason.
    Rejected,
    /// The Agent refused the caller (401 after logging in again, 403): nothing was applied and the records are
    /// not at fault; they are planned again.
    NotApplied,
    /// No answer, or a server error, after the retries: the Agent may have applied it; the records stay in
    /// flight and the next run sends them again.
    Unknown,
}

/// The outcome of one record of an answered request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Imported, already imported or rejected.
    pub state: RecordState,
    /// The Agent's `messageId`.
    pub agent_message_id: Option<String>,
    /// The Agent's `diagnostic`.
    pub diagnostic: Option<String>,
}

/// A record the pre-flight refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exclusion {
    /// `originatingSystemId`.
    pub system_id: String,
    /// `originalMessageId`.
    pub message_id: String,
    /// The pre-flight's error codes.
    pub codes: Vec<String>,
    /// The first finding's message.
    pub message: String,
}

/// Records per state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Planned, not yet sent.
    pub planned: usize,
    /// Sent, outcome not recorded.
    pub in_flight: usize,
    /// Imported.
    pub imported: usize,
    /// Ignored by the Agent as repeats.
    pub already_imported: usize,
    /// Refused by the Agent.
    pub rejected: usize,
    /// Refused by the checks.
    pub excluded: usize,
}

impl Counts {
    /// Every record.
    pub fn total(&self) -> usize {
        self.planned + self.in_flight + self.imported + self.already_imported + self.rejected + self.excluded
    }

    /// Records not (yet) in Symphony: planned, in flight, rejected, excluded.
    pub fn not_imported(&self) -> usize {
        self.planned + self.in_flight + self.rejected + self.excluded
    }
}

/// One record's fate, for reports.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Fate {
    /// Input file.
    pub file: String,
    /// 0-based record index in the batch of the run that last saw it.
    pub record_index: usize,
    /// `originatingSystemId`.
    pub originating_system_id: Option<String>,
    /// `originalMessageId`.
    pub original_message_id: Option<String>,
    /// Stream.
    pub stream_id: Option<String>,
    /// State.
    pub state: RecordState,
    /// The request that carried it, 1-based in the journal.
    pub request: Option<i64>,
    /// The Agent's `messageId`.
    pub message_id: Option<String>,
    /// The Agent's diagnostic, or the first error's message.
    pub diagnostic: Option<String>,
    /// Codes of the checks that excluded it, comma-separated.
    pub codes: Option<String>,
}

/// An open journal.
pub struct Journal {
    connection: Connection,
    path: String,
}

/// Bodies of imported records are dropped at the end of a run, in one statement: dropping them request by
/// request cost more than the rest of the journal's work per request (measured by `cargo xtask bench`).
const DROP_IMPORTED_BODIES: &str =
    "DELETE FROM bodies WHERE id IN (SELECT id FROM records WHERE state IN ('imported', 'already_imported'))";

/// The columns [`read_fate`] reads, in its order.
const FATE_COLUMNS: &str =
    "file, record_index, system_id, message_id, stream_id, state, request, agent_message_id, diagnostic, codes";

fn read_fate(row: &rusqlite::Row<'_>) -> rusqlite::Result<Fate> {
    Ok(Fate {
        file: row.get(0)?,
        record_index: usize::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
        originating_system_id: row.get(2)?,
        original_message_id: row.get(3)?,
        stream_id: row.get(4)?,
        state: RecordState::parse(&row.get::<_, String>(5)?),
        request: row.get(6)?,
        message_id: row.get(7)?,
        diagnostic: row.get(8)?,
        codes: row.get(9)?,
    })
}

/// Ids as a JSON array, for `json_each`.
fn id_list(record_ids: &[i64]) -> String {
    let mut text = String::with_capacity(record_ids.len() * 8 + 2);
    text.push('[');
    for (index, id) in record_ids.iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&id.to_string());
    }
    text.push(']');
    text
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

/// Rows of `table` counted per `state`.
pub(crate) fn state_counts(connection: &Connection, table: &str) -> rusqlite::Result<Vec<(String, usize)>> {
    let mut statement = connection.prepare(&format!("SELECT state, COUNT(*) FROM {table} GROUP BY state"))?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, String>(0)?, usize::try_from(row.get::<_, i64>(1)?).unwrap_or(0))))?;
    rows.collect()
}

/// One page of `table`'s rows in id order (`columns`, read by `read`), of one `state` or all, and how many
/// there are in all.
pub(crate) fn rows_page<T>(
    connection: &Connection,
    table: &str,
    columns: &str,
    state: Option<&str>,
    offset: usize,
    limit: usize,
    read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<(usize, Vec<T>)> {
    let total: i64 = connection.query_row(
        &format!("SELECT COUNT(*) FROM {table} WHERE ?1 IS NULL OR state = ?1"),
        [state],
        |row| row.get(0),
    )?;
    let mut statement = connection.prepare(&format!(
        "SELECT {columns} FROM {table} WHERE ?1 IS NULL OR state = ?1 ORDER BY id LIMIT ?2 OFFSET ?3"
    ))?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let page = statement.query_map(params![state, limit, offset], read)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((usize::try_from(total).unwrap_or(0), page))
}

/// Visits every row of `table` in id order, read by `read`, until `visit` fails (its error is the inner one).
pub(crate) fn each_row<T>(
    connection: &Connection,
    table: &str,
    columns: &str,
    read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    mut visit: impl FnMut(T) -> Result<(), String>,
) -> rusqlite::Result<Result<(), String>> {
    let mut statement = connection.prepare(&format!("SELECT {columns} FROM {table} ORDER BY id"))?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        if let Err(message) = visit(read(row)?) {
            return Ok(Err(message));
        }
    }
    Ok(Ok(()))
}

/// Sets up a journal's connection: WAL and the pragmas above, the shared tables and `extra_schema`, and the
/// check that the file belongs to `upstream` and to this version of Ferry. Every journal (the Agent's, Teams')
/// opens its file through here.
///
/// # Errors
/// [`ProxyError::Journal`] when SQLite fails; [`ProxyError::Refused`] when the journal belongs to another
/// upstream or was written by a newer Ferry.
pub(crate) fn prepare_connection(
    connection: &Connection,
    path: &str,
    upstream: &str,
    extra_schema: &str,
) -> Result<(), ProxyError> {
    let error = |source| ProxyError::Journal { path: path.to_owned(), source };
    connection
        .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 16384;")
        .and_then(|()| connection.execute_batch(SCHEMA))
        .and_then(|()| connection.execute_batch(extra_schema))
        .map_err(error)?;
    let stored = |name: &str| -> Result<Option<String>, ProxyError> {
        connection
            .query_row("SELECT value FROM meta WHERE name = ?1", [name], |row| row.get(0))
            .optional()
            .map_err(error)
    };
    match stored("upstream")? {
        Some(existing) if existing != upstream => {
            return Err(ProxyError::Refused(format!(
                "journal {path} records an import into {existing}, not {upstream}: give another --journal for this upstream"
            )))
        }
        Some(_) => {}
        None => connection
            .execute(
                "INSERT INTO meta (name, value) VALUES ('upstream', ?1), ('schema', ?2)",
                params![upstream, SCHEMA_VERSION.to_string()],
            )
            .map(drop)
            .map_err(error)?,
    }
    if let Some(version) = stored("schema")? {
        if version.parse::<i64>().unwrap_or(i64::MAX) > SCHEMA_VERSION {
            return Err(ProxyError::Refused(format!("journal {path} was written by a newer Ferry (schema {version})")));
        }
    }
    Ok(())
}

/// Opens (creating) a journal file, a journal in memory, or a copy in memory of a file (empty when there is
/// none): the three ways a journal is opened, for every journal.
///
/// # Errors
/// [`ProxyError::Journal`].
pub(crate) fn open_connection(path: Option<&Path>, copy: bool) -> Result<(Connection, String), ProxyError> {
    let name = path.map_or_else(|| ":memory:".to_owned(), |path| path.display().to_string());
    let error = |source| ProxyError::Journal { path: name.clone(), source };
    match path {
        Some(path) if !copy => Ok((Connection::open(path).map_err(error)?, name.clone())),
        _ => {
            let mut connection = Connection::open_in_memory().map_err(error)?;
            if let Some(path) = path.filter(|path| path.exists()) {
                let source =
                    Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(error)?;
                rusqlite::backup::Backup::new(&source, &mut connection)
                    .and_then(|backup| backup.run_to_completion(1024, std::time::Duration::ZERO, None))
                    .map_err(error)?;
            }
            Ok((connection, name.clone()))
        }
    }
}

impl Journal {
    /// Opens (creating) the journal at `path` for `upstream` (the Agent's URL).
    ///
    /// # Errors
    /// [`ProxyError::Journal`] when SQLite fails; [`ProxyError::Refused`] when the journal belongs to another
    /// upstream or was written by a newer Ferry.
    pub fn open(path: &Path, upstream: &str) -> Result<Journal, ProxyError> {
        let (connection, name) = open_connection(Some(path), false)?;
        Self::setup(connection, name, upstream)
    }

    /// A journal in memory (a dry run).
    ///
    /// # Errors
    /// As [`Journal::open`].
    pub fn in_memory(upstream: &str) -> Result<Journal, ProxyError> {
        let (connection, name) = open_connection(None, false)?;
        Self::setup(connection, name, upstream)
    }

    /// A copy in memory of the journal at `path` (an empty one when there is no file), for a dry run: it
    /// knows what earlier runs did, and what the dry run writes is thrown away.
    ///
    /// # Errors
    /// As [`Journal::open`].
    pub fn copy_in_memory(path: &Path, upstream: &str) -> Result<Journal, ProxyError> {
        let (connection, name) = open_connection(Some(path), true)?;
        Self::setup(connection, name, upstream)
    }

    fn setup(connection: Connection, path: String, upstream: &str) -> Result<Journal, ProxyError> {
        prepare_connection(&connection, &path, upstream, "")?;
        Ok(Journal { connection, path })
    }

    fn error(&self, source: rusqlite::Error) -> ProxyError {
        ProxyError::Journal { path: self.path.clone(), source }
    }

    /// Starts a run over `files`; returns its id.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn begin_run(&self, files: &[String]) -> Result<i64, ProxyError> {
        self.connection
            .execute(
                "INSERT INTO runs (started_ms, files, state) VALUES (?1, ?2, 'running')",
                params![now_millis(), files.join("\n")],
            )
            .map_err(|source| self.error(source))?;
        Ok(self.connection.last_insert_rowid())
    }

    /// Ends a run with a state (`completed`, `stopped`, `unknown`).
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn end_run(&self, run: i64, state: &str) -> Result<(), ProxyError> {
        self.connection
            .execute_batch("BEGIN")
            .and_then(|()| {
                self.connection.execute(
                    "UPDATE runs SET finished_ms = ?1, state = ?2 WHERE id = ?3",
                    params![now_millis(), state, run],
                )
            })
            .and_then(|_| self.connection.execute(DROP_IMPORTED_BODIES, []))
            .and_then(|_| self.connection.execute_batch("COMMIT"))
            .map_err(|source| {
                let _ = self.connection.execute_batch("ROLLBACK");
                self.error(source)
            })
    }

    /// Takes the input's records in one transaction: new and unfinished records are planned (their body
    /// replaced by this run's), records with errors excluded, final records left alone, rejected records planned
    /// again only when `retry_rejected`. Records without a key (no `originalMessageId`) are only ever excluded:
    /// they cannot be imported exactly once. A second record with the key of one already taken by this run
    /// `run` is a copy within the input: it is kept as an excluded record of its own and never replaces the
    /// first. `planned` gets, per record, whether it was planned.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn take_records(
        &mut self,
        run: i64,
        records: impl IntoIterator<Item = IncomingRecord>,
        retry_rejected: bool,
        planned: &mut Vec<bool>,
    ) -> Result<Intake, ProxyError> {
        let path = self.path.clone();
        let error = |source| ProxyError::Journal { path: path.clone(), source };
        let transaction = self.connection.transaction().map_err(error)?;
        let mut intake = Intake::default();
        {
            // A file's keyless exclusions are recomputed when the file is read again (they have no other
            // identity); those of other files stay.
            let mut forget_keyless = transaction
                .prepare("DELETE FROM records WHERE state = 'excluded' AND message_id IS NULL AND file = ?1 AND intake_run IS NOT ?2")
                .map_err(error)?;
            let mut files_seen: HashSet<String> = HashSet::new();
            let mut stamp = transaction.prepare("UPDATE records SET intake_run = ?2 WHERE id = ?1").map_err(error)?;
            let mut find = transaction
                .prepare("SELECT id, state, intake_run FROM records WHERE system_id IS ?1 AND message_id = ?2")
                .map_err(error)?;
            // A new record gets a new row; a planned again one keeps its row (and so its place in the order).
            let mut write = transaction
                .prepare(
                    "INSERT OR REPLACE INTO records (id, system_id, message_id, file, record_index, stream_id, timestamp, state,
                     diagnostic, codes, updated_ms, bytes, intake_run) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(error)?;
            let mut keep_body =
                transaction.prepare("INSERT OR REPLACE INTO bodies (id, body) VALUES (?1, ?2)").map_err(error)?;
            let mut drop_body = transaction.prepare("DELETE FROM bodies WHERE id = ?1").map_err(error)?;
            let now = now_millis();
            for mut record in records {
                if !files_seen.contains(&record.file) {
                    forget_keyless.execute(params![record.file, run]).map_err(error)?;
                    files_seen.insert(record.file.clone());
                }
                let existing: Option<(i64, String, Option<i64>)> = match &record.message_id {
                    Some(message_id) => find
                        .query_row(params![record.system_id, message_id], |row| {
                            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                        })
                        .optional()
                        .map_err(error)?,
                    None => None,
                };
                let existing = match existing {
                    Some((_, _, Some(intake_run))) if intake_run == run => {
                        // A copy within this input: a record of its own, excluded, keyed by nothing.
                        if record.error_codes.is_empty() {
                            record.error_codes.push("BATCH001".to_owned());
                            record.error_message = Some(format!(
                                "another record of the input has originalMessageId {:?}",
                                record.message_id.as_deref().unwrap_or_default()
                            ));
                        }
                        record.message_id = None;
                        None
                    }
                    other => other.map(|(id, state, _)| (id, state)),
                };
                let excluded = !record.error_codes.is_empty() || record.message_id.is_none();
                let state = if excluded { RecordState::Excluded } else { RecordState::Planned };
                let codes = (!record.error_codes.is_empty()).then(|| record.error_codes.join(","));
                if let Some((id, stored)) = &existing {
                    let stored = RecordState::parse(stored);
                    // Stamped, so a second copy in this input is known as one.
                    stamp.execute(params![id, run]).map_err(error)?;
                    if stored.is_done() {
                        intake.already_done += 1;
                        planned.push(false);
                        continue;
                    }
                    if stored == RecordState::Rejected && !retry_rejected {
                        intake.previously_rejected += 1;
                        planned.push(false);
                        continue;
                    }
                    if stored == RecordState::InFlight && excluded {
                        // Its earlier version was sent and the Agent may hold it: that version stays in flight
                        // and is sent again (and ignored if held), so its outcome is known.
                        intake.unresolved += 1;
                        planned.push(false);
                        continue;
                    }
                }
                write
                    .execute(params![
                        existing.map(|(id, _)| id),
                        record.system_id,
                        record.message_id,
                        record.file,
                        record.record_index as i64,
                        record.stream_id,
                        record.timestamp,
                        state.as_str(),
                        record.error_message,
                        codes,
                        now,
                        record.bytes as i64,
                        run
                    ])
                    .map_err(error)?;
                let id = transaction.last_insert_rowid();
                if excluded || record.body.is_empty() {
                    drop_body.execute([id]).map_err(error)?;
                } else {
                    keep_body.execute(params![id, record.body]).map_err(error)?;
                }
                planned.push(!excluded);
                if excluded {
                    intake.excluded += 1;
                } else {
                    intake.planned += 1;
                }
            }
        }
        transaction.commit().map_err(error)?;
        Ok(intake)
    }

    /// Records to send: planned and in flight (a request whose answer was never recorded), oldest first.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn pending(&self) -> Result<Vec<PendingRecord>, ProxyError> {
        let mut statement = self
            .connection
            .prepare("SELECT id, stream_id, timestamp, bytes FROM records WHERE state IN ('planned', 'in_flight') ORDER BY id")
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], |row| {
                Ok(PendingRecord {
                    id: row.get(0)?,
                    stream_id: row.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    timestamp: row.get(2)?,
                    bytes: u32::try_from(row.get::<_, i64>(3)?).unwrap_or(u32::MAX),
                })
            })
            .map_err(|source| self.error(source))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|source| self.error(source))
    }

    /// The bodies of `record_ids`, in that order.
    ///
    /// # Errors
    /// [`ProxyError::Journal`]; [`ProxyError::Refused`] when a record has no body (a dry run's journal).
    pub fn bodies(&self, record_ids: &[i64]) -> Result<Vec<Vec<u8>>, ProxyError> {
        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT ids.value, bodies.body FROM json_each(?1) AS ids LEFT JOIN bodies ON bodies.id = ids.value ORDER BY ids.key",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([id_list(record_ids)], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Option<Vec<u8>>>(1)?)))
            .map_err(|source| self.error(source))?;
        let mut bodies = Vec::with_capacity(record_ids.len());
        for row in rows {
            match row.map_err(|source| self.error(source))? {
                (_, Some(body)) => bodies.push(body),
                (id, None) => {
                    return Err(ProxyError::Refused(format!("journal {}: record {id} has no body to send", self.path)))
                }
            }
        }
        Ok(bodies)
    }

    /// Excludes records the pre-flight refused (only those still to be sent), with their codes and the first
    /// message. Returns how many were excluded.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn exclude(&mut self, exclusions: &[Exclusion]) -> Result<usize, ProxyError> {
        let path = self.path.clone();
        let error = |source| ProxyError::Journal { path: path.clone(), source };
        let transaction = self.connection.transaction().map_err(error)?;
        let mut excluded = 0;
        {
            let mut update = transaction
                .prepare(
                    "UPDATE records SET state = 'excluded', codes = ?3, diagnostic = ?4, updated_ms = ?5
                     WHERE system_id IS ?1 AND message_id = ?2 AND state IN ('planned', 'in_flight') RETURNING id",
                )
                .map_err(error)?;
            let mut drop_body = transaction.prepare("DELETE FROM bodies WHERE id = ?1").map_err(error)?;
            let now = now_millis();
            for exclusion in exclusions {
                let Exclusion { system_id, message_id, codes, message } = exclusion;
                let id: Option<i64> = update
                    .query_row(params![system_id, message_id, codes.join(","), message, now], |row| row.get(0))
                    .optional()
                    .map_err(error)?;
                if let Some(id) = id {
                    drop_body.execute([id]).map_err(error)?;
                    excluded += 1;
                }
            }
        }
        transaction.commit().map_err(error)?;
        Ok(excluded)
    }

    /// Marks records in flight in request `N` (returned), committed before the request is sent.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn begin_request(&mut self, run: i64, record_ids: &[i64]) -> Result<i64, ProxyError> {
        let path = self.path.clone();
        let error = |source| ProxyError::Journal { path: path.clone(), source };
        let transaction = self.connection.transaction().map_err(error)?;
        let now = now_millis();
        transaction
            .execute(
                "INSERT INTO requests (run, records, state, started_ms) VALUES (?1, ?2, 'in_flight', ?3)",
                params![run, record_ids.len() as i64, now],
            )
            .map_err(error)?;
        let request = transaction.last_insert_rowid();
        transaction
            .execute(
                "UPDATE records SET state = 'in_flight', request = ?1, updated_ms = ?2 WHERE id IN (SELECT value FROM json_each(?3))",
                params![request, now, id_list(record_ids)],
            )
            .map_err(error)?;
        transaction.commit().map_err(error)?;
        Ok(request)
    }

    /// Records the answer of request `N`: one outcome per record, in the order the records were sent.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn finish_request(&mut self, request: i64, record_ids: &[i64], outcomes: &[Outcome]) -> Result<(), ProxyError> {
        let path = self.path.clone();
        let error = |source| ProxyError::Journal { path: path.clone(), source };
        let transaction = self.connection.transaction().map_err(error)?;
        let now = now_millis();
        let rows: Vec<serde_json::Value> = record_ids
            .iter()
            .zip(outcomes)
            .map(|(id, outcome)| {
                serde_json::json!([id, outcome.state.as_str(), outcome.agent_message_id, outcome.diagnostic])
            })
            .collect();
        let rows = serde_json::Value::Array(rows).to_string();
        transaction
            .execute(
                "UPDATE records SET state = answer.state, agent_message_id = answer.message_id, diagnostic = answer.diagnostic,
                 updated_ms = ?2
                 FROM (SELECT value ->> 0 AS id, value ->> 1 AS state, value ->> 2 AS message_id, value ->> 3 AS diagnostic
                       FROM json_each(?1)) AS answer
                 WHERE records.id = answer.id",
                params![rows, now],
            )
            .map_err(error)?;
        transaction
            .execute("UPDATE requests SET state = 'answered', finished_ms = ?2 WHERE id = ?1", params![request, now])
            .map_err(error)?;
        transaction.commit().map_err(error)?;
        Ok(())
    }

    /// Records a request that failed as a whole, with what that means for its records.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn fail_request(
        &mut self,
        request: i64,
        record_ids: &[i64],
        message: &str,
        failure: RequestFailure,
    ) -> Result<(), ProxyError> {
        let path = self.path.clone();
        let error = |source| ProxyError::Journal { path: path.clone(), source };
        let transaction = self.connection.transaction().map_err(error)?;
        let now = now_millis();
        let (record_state, request_state) = match failure {
            RequestFailure::Rejected => (Some(RecordState::Rejected), "refused"),
            RequestFailure::NotApplied => (Some(RecordState::Planned), "refused"),
            RequestFailure::Unknown => (None, "unknown"),
        };
        if let Some(state) = record_state {
            transaction
                .execute(
                    "UPDATE records SET state = ?1, diagnostic = ?2, request = NULL, updated_ms = ?3
                     WHERE id IN (SELECT value FROM json_each(?4))",
                    params![state.as_str(), message, now, id_list(record_ids)],
                )
                .map_err(error)?;
        }
        transaction
            .execute(
                "UPDATE requests SET state = ?2, finished_ms = ?3, error = ?4 WHERE id = ?1",
                params![request, request_state, now, message],
            )
            .map_err(error)?;
        transaction.commit().map_err(error)?;
        Ok(())
    }

    /// Records per state.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn counts(&self) -> Result<Counts, ProxyError> {
        let mut counts = Counts::default();
        for (state, count) in state_counts(&self.connection, "records").map_err(|source| self.error(source))? {
            match RecordState::parse(&state) {
                RecordState::Planned => counts.planned += count,
                RecordState::InFlight => counts.in_flight += count,
                RecordState::Imported => counts.imported += count,
                RecordState::AlreadyImported => counts.already_imported += count,
                RecordState::Rejected => counts.rejected += count,
                RecordState::Excluded => counts.excluded += count,
            }
        }
        Ok(counts)
    }

    /// Every record's fate, in journal order, to `visit`.
    ///
    /// # Errors
    /// [`ProxyError::Journal`], or `visit`'s error as [`ProxyError::Refused`].
    pub fn for_each_fate(&self, visit: impl FnMut(Fate) -> Result<(), String>) -> Result<(), ProxyError> {
        each_row(&self.connection, "records", FATE_COLUMNS, read_fate, visit)
            .map_err(|source| self.error(source))?
            .map_err(ProxyError::Refused)
    }

    /// One page of fates in journal order, of one state or all, and how many there are in all.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn fates_page(
        &self,
        state: Option<RecordState>,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<Fate>), ProxyError> {
        rows_page(&self.connection, "records", FATE_COLUMNS, state.map(RecordState::as_str), offset, limit, read_fate)
            .map_err(|source| self.error(source))
    }

    /// Rejected records with their diagnostics, at most `limit`, for the end-of-run summary.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn rejections(&self, limit: usize) -> Result<Vec<Fate>, ProxyError> {
        Ok(self.fates_page(Some(RecordState::Rejected), 0, limit)?.1)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A record of stream `s` from `batch.json`, with `errors` as its error codes.
    pub(crate) fn record(message_id: &str, errors: &[&str]) -> IncomingRecord {
        IncomingRecord {
            system_id: Some("chat".into()),
            message_id: Some(message_id.into()),
            file: "batch.json".into(),
            record_index: 0,
            stream_id: Some("s".into()),
            timestamp: 1,
            body: br#"{"message":"<messageML>x</messageML>"}"#.to_vec(),
            bytes: 39,
            error_codes: errors.iter().map(|code| (*code).to_owned()).collect(),
            error_message: errors.first().map(|_| "bad".to_owned()),
        }
    }

    fn outcome(state: RecordState) -> Outcome {
        Outcome { state, agent_message_id: Some("m".into()), diagnostic: None }
    }

    #[test]
    fn a_record_moves_from_planned_to_final_and_is_never_sent_again() {
        let mut journal = Journal::in_memory("http://pod").unwrap();
        let run = journal.begin_run(&["batch.json".into()]).unwrap();
        let intake = journal
            .take_records(1, [record("a", &[]), record("b", &[]), record("c", &["MML001"])], false, &mut Vec::new())
            .unwrap();
        assert_eq!((intake.planned, intake.excluded), (2, 1));
        let pending = journal.pending().unwrap();
        assert_eq!(pending.len(), 2);
        let ids: Vec<i64> = pending.iter().map(|record| record.id).collect();
        let request = journal.begin_request(run, &ids).unwrap();
        assert_eq!(journal.counts().unwrap().in_flight, 2);
        journal
            .finish_request(request, &ids, &[outcome(RecordState::Imported), outcome(RecordState::Rejected)])
            .unwrap();
        let counts = journal.counts().unwrap();
        assert_eq!((counts.imported, counts.rejected, counts.excluded, counts.total()), (1, 1, 1, 3));
        // At the end of the run the imported record's body is dropped; the rejected one's is kept for a retry.
        journal.end_run(run, "completed").unwrap();
        assert!(journal.bodies(&ids[..1]).is_err());
        assert_eq!(journal.bodies(&ids[1..]).unwrap().len(), 1);

        // A second run of the same input: nothing is planned; the rejected one only when asked.
        let intake = journal
            .take_records(2, [record("a", &[]), record("b", &[]), record("c", &["MML001"])], false, &mut Vec::new())
            .unwrap();
        assert_eq!((intake.planned, intake.already_done, intake.previously_rejected), (0, 1, 1));
        assert!(journal.pending().unwrap().is_empty());
        let intake = journal.take_records(3, [record("b", &[])], true, &mut Vec::new()).unwrap();
        assert_eq!(intake.planned, 1);
        assert_eq!(journal.pending().unwrap().len(), 1);
    }

    #[test]
    fn in_flight_records_are_pending_after_a_crash_and_unknown_outcomes_stay_in_flight() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite3");
        let ids = {
            let mut journal = Journal::open(&path, "http://pod").unwrap();
            let run = journal.begin_run(&[]).unwrap();
            journal.take_records(1, [record("a", &[]), record("b", &[])], false, &mut Vec::new()).unwrap();
            let ids: Vec<i64> = journal.pending().unwrap().iter().map(|record| record.id).collect();
            let request = journal.begin_request(run, &ids).unwrap();
            journal.fail_request(request, &ids, "timed out", RequestFailure::Unknown).unwrap();
            ids
            // Dropped without finishing: as if the process died.
        };
        let journal = Journal::open(&path, "http://pod").unwrap();
        assert_eq!(journal.pending().unwrap().iter().map(|record| record.id).collect::<Vec<_>>(), ids);
        assert_eq!(journal.counts().unwrap().in_flight, 2);
    }

    #[test]
    fn a_record_in_flight_is_sent_again_as_it_was_even_when_its_new_version_has_errors() {
        let mut journal = Journal::in_memory("http://pod").unwrap();
        let run = journal.begin_run(&[]).unwrap();
        journal.take_records(run, [record("a", &[])], false, &mut Vec::new()).unwrap();
        let ids: Vec<i64> = journal.pending().unwrap().iter().map(|record| record.id).collect();
        let request = journal.begin_request(run, &ids).unwrap();
        journal.fail_request(request, &ids, "timed out", RequestFailure::Unknown).unwrap();
        let intake = journal.take_records(2, [record("a", &["MML001"])], false, &mut Vec::new()).unwrap();
        assert_eq!((intake.unresolved, intake.excluded), (1, 0));
        assert_eq!(journal.pending().unwrap().len(), 1);
        assert_eq!(journal.bodies(&ids).unwrap()[0], record("a", &[]).body);
    }

    #[test]
    fn a_refused_request_rejects_its_records_with_the_reason() {
        let mut journal = Journal::in_memory("http://pod").unwrap();
        let run = journal.begin_run(&[]).unwrap();
        journal.take_records(1, [record("a", &[])], false, &mut Vec::new()).unwrap();
        let ids: Vec<i64> = journal.pending().unwrap().iter().map(|record| record.id).collect();
        let request = journal.begin_request(run, &ids).unwrap();
        journal.fail_request(request, &ids, "HTTP 400: not a JSON array", RequestFailure::Rejected).unwrap();
        let rejections = journal.rejections(10).unwrap();
        assert_eq!(rejections[0].diagnostic.as_deref(), Some("HTTP 400: not a JSON array"));
        // Refused for the caller's sake: the records are planned again.
        let intake = journal.take_records(2, [record("b", &[])], false, &mut Vec::new()).unwrap();
        assert_eq!(intake.planned, 1);
        let ids: Vec<i64> = journal.pending().unwrap().iter().map(|record| record.id).collect();
        let request = journal.begin_request(run, &ids).unwrap();
        journal.fail_request(request, &ids, "HTTP 403: lacks Content Management", RequestFailure::NotApplied).unwrap();
        assert_eq!(journal.counts().unwrap().planned, 1);
    }

    #[test]
    fn records_without_an_original_message_id_are_never_planned() {
        let mut journal = Journal::in_memory("http://pod").unwrap();
        let mut keyless = record("x", &[]);
        keyless.message_id = None;
        let intake = journal.take_records(1, [keyless.clone(), keyless], false, &mut Vec::new()).unwrap();
        assert_eq!((intake.planned, intake.excluded), (0, 2));
        // Recomputed, not accumulated, when the same file is read again; another file's stay.
        let mut keyless = record("x", &[]);
        keyless.message_id = None;
        journal.take_records(2, [keyless.clone()], false, &mut Vec::new()).unwrap();
        assert_eq!(journal.counts().unwrap().excluded, 1);
        keyless.file = "other.json".into();
        journal.take_records(3, [keyless], false, &mut Vec::new()).unwrap();
        assert_eq!(journal.counts().unwrap().excluded, 2);
    }

    #[test]
    fn fates_come_in_pages_of_one_state_or_all() {
        let mut journal = Journal::in_memory("http://pod").unwrap();
        let records = (0..5).map(|index| record(&format!("p{index}"), if index % 2 == 0 { &[] } else { &["MML001"] }));
        journal.take_records(1, records, false, &mut Vec::new()).unwrap();
        let (total, page) = journal.fates_page(None, 1, 2).unwrap();
        assert_eq!(total, 5);
        let ids: Vec<_> = page.iter().map(|fate| fate.original_message_id.clone().unwrap_or_default()).collect();
        assert_eq!(ids, ["p1", "p2"]);
        let (total, page) = journal.fates_page(Some(RecordState::Excluded), 0, 10).unwrap();
        assert_eq!((total, page.len()), (2, 2));
        assert!(page.iter().all(|fate| fate.state == RecordState::Excluded && fate.codes.as_deref() == Some("MML001")));
    }

    #[test]
    fn a_copy_within_the_input_never_replaces_the_first() {
        let mut journal = Journal::in_memory("http://pod").unwrap();
        let mut planned = Vec::new();
        let intake =
            journal.take_records(1, [record("a", &[]), record("a", &["BATCH001"])], false, &mut planned).unwrap();
        assert_eq!(planned, vec![true, false]);
        assert_eq!((intake.planned, intake.excluded), (1, 1));
        assert_eq!(journal.pending().unwrap().len(), 1);
        let counts = journal.counts().unwrap();
        assert_eq!((counts.planned, counts.excluded), (1, 1));
    }

    #[test]
    fn a_journal_belongs_to_one_upstream() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.sqlite3");
        drop(Journal::open(&path, "http://sandbox").unwrap());
        let refused = Journal::open(&path, "https://pod.example.com").err().unwrap().to_string();
        assert!(refused.contains("http://sandbox"), "{refused}");
    }
}
