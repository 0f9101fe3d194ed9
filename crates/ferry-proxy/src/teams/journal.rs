//! The Teams journal: every message's fate and every conversation's migration session, in tables of their own
//! in the journal's SQLite file (opened, checked for its upstream and versioned as the Agent's journal is:
//! [`crate::journal::prepare_connection`]).
//!
//! A message moves `pending → sending → imported(id) | failed(reason)`; records the checks refuse are
//! `excluded` with their codes. A record is known by its `(originatingSystemId, originalMessageId)`; its Teams
//! identity is (conversation path, `createdDateTime` ms), unique in the journal as in Graph, and kept across
//! runs once sent (a nudge of +1 ms after a 409 is the only change it ever gets).
//!
//! A conversation's session: `start_requested_ms` (written before `startMigration` is sent), `started_ms`
//! (after its 204), `complete_requested_ms`, `completed_ms`; a session that ends is cleared by the next start.
//!
//! Invariants (the outbox pattern, one transaction per transition):
//! - A message is `sending`, committed, before its request leaves; its outcome is committed after the answer.
//!   A crash leaves it `sending`, and the next run reads the conversation back before sending it again.
//! - `imported` and `failed` are final; failed messages are planned again only when asked (`--retry-failed`).
//! - A conversation in migration mode is continued only when this journal asked to start it and has not
//!   seen it completed.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use ferry_convert::teams::{schedule, StandIn};
use ferry_core::Rule;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::ProxyError;
use crate::journal::{each_row, open_connection, prepare_connection, rows_page, state_counts};

const TEAMS_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS teams_messages (
    id INTEGER PRIMARY KEY,
    system_id TEXT,
    message_id TEXT,
    file TEXT NOT NULL,
    record_index INTEGER NOT NULL,
    conversation TEXT,
    created_ms INTEGER NOT NULL DEFAULT 0,
    from_user_id TEXT,
    state TEXT NOT NULL,
    graph_message_id TEXT,
    reason TEXT,
    codes TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    intake_run INTEGER,
    updated_ms INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS teams_messages_key ON teams_messages (system_id, message_id) WHERE message_id IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS teams_messages_identity ON teams_messages (conversation, created_ms) WHERE state <> 'excluded';
CREATE TABLE IF NOT EXISTS teams_bodies (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS teams_conversations (
    path TEXT PRIMARY KEY,
    start_requested_ms INTEGER,
    started_ms INTEGER,
    complete_requested_ms INTEGER,
    completed_ms INTEGER,
    blocked TEXT
);
";

/// Where a message stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// To be sent.
    Pending,
    /// Its request left and no answer was recorded: the conversation is read back before it is sent again.
    Sending,
    /// Graph created it (its id is kept).
    Imported,
    /// Graph refused it, or its millisecond is another message's (the reason says which).
    Failed,
    /// The checks refused it (the codes say why); never sent.
    Excluded,
}

impl MessageState {
    /// The name stored and reported.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageState::Pending => "pending",
            MessageState::Sending => "sending",
            MessageState::Imported => "imported",
            MessageState::Failed => "failed",
            MessageState::Excluded => "excluded",
        }
    }

    fn parse(text: &str) -> MessageState {
        match text {
            "pending" => MessageState::Pending,
            "sending" => MessageState::Sending,
            "imported" => MessageState::Imported,
            "failed" => MessageState::Failed,
            _ => MessageState::Excluded,
        }
    }
}

/// A record as the Teams journal takes it.
#[derive(Clone, Debug, Default)]
pub struct IncomingMessage {
    /// `originatingSystemId`.
    pub system_id: Option<String>,
    /// `originalMessageId` (a record without one is excluded: it could not be imported exactly once).
    pub message_id: Option<String>,
    /// The input file's name.
    pub file: String,
    /// 0-based index of the record in the batch.
    pub record_index: usize,
    /// The conversation path, when the streams map names one.
    pub conversation: Option<String>,
    /// `createdDateTime` in milliseconds.
    pub created_ms: i64,
    /// `from.user.id`.
    pub from_user_id: Option<String>,
    /// The chatMessage JSON to post; empty in a dry run.
    pub body: Vec<u8>,
    /// Error codes of the checks and the conversion; empty when it may be sent.
    pub error_codes: Vec<String>,
    /// The first error's message.
    pub error_message: Option<String>,
}

/// What an intake did with the input's records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsIntake {
    /// Planned (new, or not yet sent).
    pub planned: usize,
    /// Imported by an earlier run: skipped.
    pub already_done: usize,
    /// Failed in an earlier run and not retried.
    pub previously_failed: usize,
    /// Excluded by the checks.
    pub excluded: usize,
    /// Sent by an earlier run without a known outcome: kept as sent, reconciled by the next run.
    pub unresolved: usize,
}

/// A message of a conversation still to be sent or reconciled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingMessage {
    /// Journal row id.
    pub id: i64,
    /// `createdDateTime` in milliseconds.
    pub created_ms: i64,
    /// `from.user.id`.
    pub from_user_id: Option<String>,
    /// Pending or sending.
    pub state: MessageState,
}

/// A conversation's migration session as the journal knows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    /// When this journal asked to start migration mode.
    pub start_requested_ms: Option<i64>,
    /// When Graph confirmed it.
    pub started_ms: Option<i64>,
    /// When this journal asked to complete it.
    pub complete_requested_ms: Option<i64>,
    /// When Graph confirmed the completion.
    pub completed_ms: Option<i64>,
    /// Why the last run could not import into it.
    pub blocked: Option<String>,
}

impl Session {
    /// This journal started the session and has not seen it completed: it may continue it.
    pub fn open_by_us(&self) -> bool {
        self.start_requested_ms.is_some() && self.completed_ms.is_none()
    }
}

/// Messages per state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsCounts {
    /// Not yet sent.
    pub pending: usize,
    /// Sent, outcome not recorded.
    pub sending: usize,
    /// Imported.
    pub imported: usize,
    /// Refused by Graph or unplaceable.
    pub failed: usize,
    /// Refused by the checks.
    pub excluded: usize,
}

impl TeamsCounts {
    /// Messages not (yet) in Teams.
    pub fn not_imported(&self) -> usize {
        self.pending + self.sending + self.failed + self.excluded
    }
}

/// One message's fate, for reports.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TeamsFate {
    /// Input file.
    pub file: String,
    /// 0-based record index in the batch of the run that last saw it.
    pub record_index: usize,
    /// `originatingSystemId`.
    pub originating_system_id: Option<String>,
    /// `originalMessageId`.
    pub original_message_id: Option<String>,
    /// Conversation path.
    pub conversation: Option<String>,
    /// `createdDateTime` as sent.
    pub created_date_time: Option<String>,
    /// State.
    pub state: MessageState,
    /// Graph's message id.
    pub message_id: Option<String>,
    /// Why it failed or was excluded, or what was done to it (a nudge).
    pub reason: Option<String>,
    /// Codes of the checks that excluded it, comma-separated.
    pub codes: Option<String>,
}

/// An open Teams journal.
pub struct TeamsJournal {
    connection: Connection,
    path: String,
}

fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

const FATE_COLUMNS: &str =
    "file, record_index, system_id, message_id, conversation, created_ms, state, graph_message_id, reason, codes";

fn read_fate(row: &rusqlite::Row<'_>) -> rusqlite::Result<TeamsFate> {
    let state = MessageState::parse(&row.get::<_, String>(6)?);
    let conversation: Option<String> = row.get(4)?;
    Ok(TeamsFate {
        file: row.get(0)?,
        record_index: usize::try_from(row.get::<_, i64>(1)?).unwrap_or(0),
        originating_system_id: row.get(2)?,
        original_message_id: row.get(3)?,
        created_date_time: (state != MessageState::Excluded || conversation.is_some())
            .then(|| row.get::<_, i64>(5).map(super::created_date_time))
            .transpose()?,
        conversation,
        state,
        message_id: row.get(7)?,
        reason: row.get(8)?,
        codes: row.get(9)?,
    })
}

impl TeamsJournal {
    /// Opens (creating) the journal at `path` for `upstream` ([`super::TeamsConfig::upstream`]).
    ///
    /// # Errors
    /// [`ProxyError::Journal`]; [`ProxyError::Refused`] when the file belongs to another upstream.
    pub fn open(path: &Path, upstream: &str) -> Result<TeamsJournal, ProxyError> {
        Self::setup(open_connection(Some(path), false)?, upstream)
    }

    /// A journal in memory.
    ///
    /// # Errors
    /// As [`TeamsJournal::open`].
    pub fn in_memory(upstream: &str) -> Result<TeamsJournal, ProxyError> {
        Self::setup(open_connection(None, false)?, upstream)
    }

    /// A copy in memory of the journal at `path` (empty when there is none), for a dry run.
    ///
    /// # Errors
    /// As [`TeamsJournal::open`].
    pub fn copy_in_memory(path: &Path, upstream: &str) -> Result<TeamsJournal, ProxyError> {
        Self::setup(open_connection(Some(path), true)?, upstream)
    }

    fn setup((connection, path): (Connection, String), upstream: &str) -> Result<TeamsJournal, ProxyError> {
        prepare_connection(&connection, &path, upstream, TEAMS_SCHEMA)?;
        Ok(TeamsJournal { connection, path })
    }

    fn error(&self, source: rusqlite::Error) -> ProxyError {
        ProxyError::Journal { path: self.path.clone(), source }
    }

    /// Starts a run over `files`; returns its id (the journal's runs are shared with the Agent's).
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

    /// Ends a run with a state (`completed`, `stopped`, `halted`), dropping the bodies of imported messages.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn end_run(&self, run: i64, state: &str) -> Result<(), ProxyError> {
        self.transaction(|connection| {
            connection.execute(
                "UPDATE runs SET finished_ms = ?1, state = ?2 WHERE id = ?3",
                params![now_millis(), state, run],
            )?;
            connection.execute(
                "DELETE FROM teams_bodies WHERE id IN (SELECT id FROM teams_messages WHERE state = 'imported')",
                [],
            )?;
            Ok(())
        })
    }

    fn transaction<T>(&self, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, ProxyError> {
        let result = self.connection.execute_batch("BEGIN IMMEDIATE").and_then(|()| work(&self.connection));
        match result.and_then(|value| self.connection.execute_batch("COMMIT").map(|()| value)) {
            Ok(value) => Ok(value),
            Err(source) => {
                let _ = self.connection.execute_batch("ROLLBACK");
                Err(self.error(source))
            }
        }
    }

    /// Takes the input's records: [`stage_messages`](Self::stage_messages) then
    /// [`take_staged`](Self::take_staged) with the system clock as `now`.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn take_messages(
        &mut self,
        run: i64,
        records: impl IntoIterator<Item = IncomingMessage>,
        retry_failed: bool,
    ) -> Result<TeamsIntake, ProxyError> {
        self.stage_messages(records)?;
        self.take_staged(run, retry_failed, now_millis())
    }

    /// Adds records of the input to the intake under way (a temporary table of this connection), in batch
    /// order; [`take_staged`](Self::take_staged) places them once the whole input is staged.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn stage_messages(&mut self, records: impl IntoIterator<Item = IncomingMessage>) -> Result<(), ProxyError> {
        self.connection.execute_batch(STAGING_SCHEMA).map_err(|source| self.error(source))?;
        self.transaction(|connection| {
            let mut insert = connection.prepare_cached(
                "INSERT INTO temp.teams_intake (system_id, message_id, file, record_index, conversation, created_ms,
                 from_user_id, body, codes, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for record in records {
                let codes = (!record.error_codes.is_empty()).then(|| record.error_codes.join(","));
                insert.execute(params![
                    record.system_id,
                    record.message_id,
                    record.file,
                    i64::try_from(record.record_index).unwrap_or(i64::MAX),
                    record.conversation,
                    record.created_ms,
                    record.from_user_id,
                    record.body,
                    codes,
                    record.error_message,
                ])?;
            }
            Ok(())
        })
    }

    /// Empties the stage: records staged by an intake that did not reach [`take_staged`](Self::take_staged)
    /// (its input could not be read to the end) are dropped.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn discard_staged(&mut self) -> Result<(), ProxyError> {
        self.connection
            .execute_batch(STAGING_SCHEMA)
            .and_then(|()| self.connection.execute_batch("DELETE FROM temp.teams_intake"))
            .map_err(|source| self.error(source))
    }

    /// Takes the staged records in one transaction, and empties the stage.
    ///
    /// The records without errors get their milliseconds from ferry-convert's [`schedule`] over the whole input,
    /// so `ferry convert --to teams` and the import put each record on the same one; a record it would move past
    /// `now_ms` is excluded (`TEAMS001`). Then, in that order, each record not yet sent takes the first
    /// millisecond at or after its scheduled one, and after the one its conversation's previous record took,
    /// that no message journaled by another input holds (within [`MAX_JOURNAL_MOVE_MILLIS`] and before
    /// `now_ms`, else excluded with `TEAMS001`). Every move is said in the record's reason.
    ///
    /// New records and records not yet sent are planned (their body and identity replaced by this input's),
    /// records with errors excluded, imported ones left alone, failed ones planned again only when
    /// `retry_failed`, sending ones left as they were sent. A record repeating the key of an earlier one of the
    /// run is excluded (`BATCH001`), one without `originalMessageId` too (`BATCH002`), and one without a
    /// conversation (`TEAMS005`).
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn take_staged(&mut self, run: i64, retry_failed: bool, now_ms: i64) -> Result<TeamsIntake, ProxyError> {
        self.connection.execute_batch(STAGING_SCHEMA).map_err(|source| self.error(source))?;
        let path = self.path.clone();
        let error = |source| ProxyError::Journal { path: path.clone(), source };
        let transaction = self.connection.transaction().map_err(error)?;
        mark_copies(&transaction, run).map_err(error)?;
        // Each record's row of an earlier run; the rows this input plans again leave their millisecond, so that
        // only the messages of other inputs stand in the way of the schedule.
        transaction
            .execute_batch(
                "UPDATE temp.teams_intake SET (row_id, stored_state) = (SELECT id, state FROM main.teams_messages m
                 WHERE m.system_id IS teams_intake.system_id AND m.message_id = teams_intake.message_id)
                 WHERE message_id IS NOT NULL",
            )
            .map_err(error)?;
        transaction
            .execute(
                "UPDATE main.teams_messages SET state = 'excluded' WHERE id IN
                 (SELECT row_id FROM temp.teams_intake WHERE stored_state = 'pending' OR (stored_state = 'failed' AND ?1))",
                [retry_failed],
            )
            .map_err(error)?;
        transaction
            .execute(
                "UPDATE main.teams_messages SET intake_run = ?1 WHERE id IN
                 (SELECT row_id FROM temp.teams_intake WHERE row_id IS NOT NULL)",
                [run],
            )
            .map_err(error)?;
        let placements = placements(&transaction, retry_failed, now_ms).map_err(error)?;
        let mut intake = TeamsIntake::default();
        {
            let mut take = Take::prepare(&transaction, run, retry_failed).map_err(error)?;
            let mut placements = placements.into_iter().peekable();
            let mut slots = transaction.prepare("SELECT slot FROM temp.teams_intake ORDER BY slot").map_err(error)?;
            let slots: Vec<i64> = slots.query_map([], |row| row.get(0)).and_then(Iterator::collect).map_err(error)?;
            for slot in slots {
                let placement = placements
                    .next_if(|(placed, _)| *placed == slot)
                    .map_or(Placement::NotPlaced, |(_, placement)| placement);
                take.record(slot, placement, &mut intake).map_err(error)?;
            }
        }
        transaction.execute_batch("DELETE FROM temp.teams_intake").map_err(error)?;
        transaction.commit().map_err(error)?;
        Ok(intake)
    }

    /// Conversations with work left: a message pending or sending, or a session this journal started and has
    /// not seen completed. In path order.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn open_conversations(&self) -> Result<Vec<String>, ProxyError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT conversation FROM teams_messages WHERE state IN ('pending', 'sending') AND conversation IS NOT NULL
                 UNION SELECT path FROM teams_conversations WHERE start_requested_ms IS NOT NULL AND completed_ms IS NULL
                 ORDER BY 1",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement.query_map([], |row| row.get(0)).map_err(|source| self.error(source))?;
        rows.collect::<rusqlite::Result<Vec<String>>>().map_err(|source| self.error(source))
    }

    /// Messages pending or sending per conversation, for the plan: (path, messages, earliest ms).
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn pending_per_conversation(&self) -> Result<Vec<(String, usize, i64)>, ProxyError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT conversation, COUNT(*), MIN(created_ms) FROM teams_messages
                 WHERE state IN ('pending', 'sending') AND conversation IS NOT NULL GROUP BY conversation ORDER BY 1",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, usize::try_from(row.get::<_, i64>(1)?).unwrap_or(0), row.get(2)?)))
            .map_err(|source| self.error(source))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|source| self.error(source))
    }

    /// The conversation's messages pending or sending, in `createdDateTime` order.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn pending(&self, conversation: &str) -> Result<Vec<PendingMessage>, ProxyError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT id, created_ms, from_user_id, state FROM teams_messages
                 WHERE conversation = ?1 AND state IN ('pending', 'sending') ORDER BY created_ms",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([conversation], |row| {
                Ok(PendingMessage {
                    id: row.get(0)?,
                    created_ms: row.get(1)?,
                    from_user_id: row.get(2)?,
                    state: MessageState::parse(&row.get::<_, String>(3)?),
                })
            })
            .map_err(|source| self.error(source))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|source| self.error(source))
    }

    /// The body to post for message `id`, its `createdDateTime` the journal's.
    ///
    /// # Errors
    /// [`ProxyError::Journal`]; [`ProxyError::Refused`] when the body is gone (a journal of a dry run).
    pub fn body(&self, id: i64) -> Result<Vec<u8>, ProxyError> {
        let row: Option<(Vec<u8>, i64)> = self
            .connection
            .query_row(
                "SELECT b.body, m.created_ms FROM teams_bodies b JOIN teams_messages m ON m.id = b.id WHERE b.id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|source| self.error(source))?;
        let (body, created_ms) =
            row.ok_or_else(|| ProxyError::Refused(format!("journal {}: message {id} has no body", self.path)))?;
        Ok(with_created_date_time(&body, created_ms))
    }

    fn set_state(
        &self,
        id: i64,
        state: MessageState,
        graph_id: Option<&str>,
        reason: Option<&str>,
    ) -> Result<(), ProxyError> {
        let attempts = i64::from(state == MessageState::Sending);
        self.transaction(|connection| {
            connection.execute(
                "UPDATE teams_messages SET state = ?2, graph_message_id = COALESCE(?3, graph_message_id),
                 reason = COALESCE(?4, reason), attempts = attempts + ?5, updated_ms = ?6 WHERE id = ?1",
                params![id, state.as_str(), graph_id, reason, attempts, now_millis()],
            )?;
            Ok(())
        })
    }

    /// Marks a message sending (committed before its request leaves).
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn mark_sending(&self, id: i64) -> Result<(), ProxyError> {
        self.set_state(id, MessageState::Sending, None, None)
    }

    /// Marks a message imported as Graph's message `graph_id`; `note` says how it was known, when read back.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn mark_imported(&self, id: i64, graph_id: &str, note: Option<&str>) -> Result<(), ProxyError> {
        self.set_state(id, MessageState::Imported, Some(graph_id), note)
    }

    /// Marks a message failed with the reason.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn mark_failed(&self, id: i64, reason: &str) -> Result<(), ProxyError> {
        self.set_state(id, MessageState::Failed, None, Some(reason))
    }

    /// Puts a message back to pending (it was not applied).
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn mark_pending(&self, id: i64) -> Result<(), ProxyError> {
        self.set_state(id, MessageState::Pending, None, None)
    }

    /// Moves a message to `created_ms` with the reason; `false` (nothing changed) when the millisecond is another
    /// message's in the journal.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn nudge(&self, id: i64, created_ms: i64, reason: &str) -> Result<bool, ProxyError> {
        let changed = self.transaction(|connection| {
            connection.execute(
                "UPDATE OR IGNORE teams_messages SET created_ms = ?2, state = 'pending', reason = ?3, updated_ms = ?4
                 WHERE id = ?1",
                params![id, created_ms, reason, now_millis()],
            )
        })?;
        Ok(changed == 1)
    }

    /// Whether another message of this journal is imported at (conversation, ms).
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn imported_at(&self, conversation: &str, created_ms: i64) -> Result<bool, ProxyError> {
        self.connection
            .query_row(
                "SELECT 1 FROM teams_messages WHERE conversation = ?1 AND created_ms = ?2 AND state = 'imported'",
                params![conversation, created_ms],
                |_| Ok(()),
            )
            .optional()
            .map(|found| found.is_some())
            .map_err(|source| self.error(source))
    }

    /// The conversation's session.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn session(&self, conversation: &str) -> Result<Session, ProxyError> {
        self.connection
            .query_row(
                "SELECT start_requested_ms, started_ms, complete_requested_ms, completed_ms, blocked
                 FROM teams_conversations WHERE path = ?1",
                [conversation],
                |row| {
                    Ok(Session {
                        start_requested_ms: row.get(0)?,
                        started_ms: row.get(1)?,
                        complete_requested_ms: row.get(2)?,
                        completed_ms: row.get(3)?,
                        blocked: row.get(4)?,
                    })
                },
            )
            .optional()
            .map(Option::unwrap_or_default)
            .map_err(|source| self.error(source))
    }

    /// Records a step of the conversation's session.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn record_session(&self, conversation: &str, step: SessionStep) -> Result<(), ProxyError> {
        let now = now_millis();
        let (sql, reason): (&str, Option<&str>) = match step {
            SessionStep::StartRequested => (
                "INSERT INTO teams_conversations (path, start_requested_ms) VALUES (?1, ?2)
                 ON CONFLICT (path) DO UPDATE SET start_requested_ms = ?2, started_ms = NULL,
                 complete_requested_ms = NULL, completed_ms = NULL, blocked = NULL",
                None,
            ),
            SessionStep::Started => ("UPDATE teams_conversations SET started_ms = ?2 WHERE path = ?1", None),
            SessionStep::CompleteRequested => {
                ("UPDATE teams_conversations SET complete_requested_ms = ?2 WHERE path = ?1", None)
            }
            SessionStep::Completed => ("UPDATE teams_conversations SET completed_ms = ?2 WHERE path = ?1", None),
            SessionStep::Blocked(reason) => (
                "INSERT INTO teams_conversations (path, blocked) VALUES (?1, ?3)
                 ON CONFLICT (path) DO UPDATE SET blocked = ?3",
                Some(reason),
            ),
        };
        self.transaction(|connection| {
            if reason.is_some() {
                connection.execute(sql, params![conversation, now, reason])?;
            } else {
                connection.execute(sql, params![conversation, now])?;
            }
            Ok(())
        })
    }

    /// Messages per state.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn counts(&self) -> Result<TeamsCounts, ProxyError> {
        let mut counts = TeamsCounts::default();
        for (state, count) in state_counts(&self.connection, "teams_messages").map_err(|source| self.error(source))? {
            match MessageState::parse(&state) {
                MessageState::Pending => counts.pending += count,
                MessageState::Sending => counts.sending += count,
                MessageState::Imported => counts.imported += count,
                MessageState::Failed => counts.failed += count,
                MessageState::Excluded => counts.excluded += count,
            }
        }
        Ok(counts)
    }

    /// A page of fates in journal order, of one state or all; with the number of such records.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn fates_page(
        &self,
        state: Option<MessageState>,
        offset: usize,
        limit: usize,
    ) -> Result<(usize, Vec<TeamsFate>), ProxyError> {
        rows_page(
            &self.connection,
            "teams_messages",
            FATE_COLUMNS,
            state.map(MessageState::as_str),
            offset,
            limit,
            read_fate,
        )
        .map_err(|source| self.error(source))
    }

    /// Visits every fate in journal order.
    ///
    /// # Errors
    /// [`ProxyError::Journal`]; [`ProxyError::Refused`] with what `visit` returns.
    pub fn for_each_fate(&self, visit: impl FnMut(TeamsFate) -> Result<(), String>) -> Result<(), ProxyError> {
        each_row(&self.connection, "teams_messages", FATE_COLUMNS, read_fate, visit)
            .map_err(|source| self.error(source))?
            .map_err(ProxyError::Refused)
    }

    /// Every conversation's session, in path order.
    ///
    /// # Errors
    /// [`ProxyError::Journal`].
    pub fn sessions(&self) -> Result<Vec<(String, Session)>, ProxyError> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT path, start_requested_ms, started_ms, complete_requested_ms, completed_ms, blocked
                 FROM teams_conversations ORDER BY path",
            )
            .map_err(|source| self.error(source))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get(0)?,
                    Session {
                        start_requested_ms: row.get(1)?,
                        started_ms: row.get(2)?,
                        complete_requested_ms: row.get(3)?,
                        completed_ms: row.get(4)?,
                        blocked: row.get(5)?,
                    },
                ))
            })
            .map_err(|source| self.error(source))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|source| self.error(source))
    }
}

/// The records of an intake under way, kept in a temporary table of the journal's connection (gone with it)
/// until [`TeamsJournal::take_staged`] places them: memory keeps a few bytes per record while the whole input's
/// times are planned, not its bodies. `row_id` and `stored_state` are the record's row of an earlier run.
const STAGING_SCHEMA: &str = "
CREATE TEMP TABLE IF NOT EXISTS teams_intake (
    slot INTEGER PRIMARY KEY,
    system_id TEXT,
    message_id TEXT,
    file TEXT NOT NULL,
    record_index INTEGER NOT NULL,
    conversation TEXT,
    created_ms INTEGER NOT NULL,
    from_user_id TEXT,
    body BLOB NOT NULL,
    codes TEXT,
    reason TEXT,
    row_id INTEGER,
    stored_state TEXT
);
CREATE INDEX IF NOT EXISTS temp.teams_intake_key ON teams_intake (system_id, message_id);
";

/// Furthest the journal moves a record past its scheduled millisecond to leave another input's messages theirs.
pub const MAX_JOURNAL_MOVE_MILLIS: i64 = 1_000;

/// Where a scheduled record is staged, and whether it is to be planned (keyed, and not sent by an earlier run),
/// so takes a millisecond in the journal.
#[derive(Clone, Copy, Debug)]
struct StagedSlot {
    slot: i64,
    plannable: bool,
}

/// The millisecond a staged record takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// Its millisecond in the schedule, and the one it takes in the journal (later when the schedule's is held
    /// by a message of another input).
    Placed { scheduled_ms: i64, placed_ms: i64 },
    /// Messages of other inputs hold every millisecond the journal may move it to from its scheduled one.
    NoRoom { scheduled_ms: i64 },
    /// The schedule would have moved it past `now`.
    PastNow,
    /// Not placed: it has errors, no conversation or no key, or an earlier run sent it.
    NotPlaced,
}

/// Excludes (`BATCH001`, keyed by nothing) each staged record repeating the key of an earlier one of the input or
/// of an earlier intake of run `run`.
fn mark_copies(transaction: &Connection, run: i64) -> rusqlite::Result<usize> {
    transaction.execute(
        "UPDATE temp.teams_intake SET
             codes = CASE WHEN codes IS NULL THEN ?2 WHEN ',' || codes || ',' LIKE '%,' || ?2 || ',%' THEN codes
                     ELSE codes || ',' || ?2 END,
             reason = COALESCE(reason, 'another record of the input has originalMessageId \"' || message_id || '\"'),
             message_id = NULL
         WHERE message_id IS NOT NULL AND (
             EXISTS (SELECT 1 FROM temp.teams_intake first WHERE first.system_id IS teams_intake.system_id
                     AND first.message_id = teams_intake.message_id AND first.slot < teams_intake.slot)
             OR EXISTS (SELECT 1 FROM main.teams_messages m WHERE m.system_id IS teams_intake.system_id
                        AND m.message_id = teams_intake.message_id AND m.intake_run = ?1))",
        params![run, Rule::DuplicateOriginalMessageId.code()],
    )
}

/// Every staged record's placement, in batch order. The records without errors and with a conversation (what
/// `ferry convert --to teams` converts) are scheduled together; then, in the schedule's order, each one to be
/// planned takes the first millisecond at or after its scheduled one, and after the one its conversation's
/// previous record took, that no row of the journal holds (the rows this input plans again were released).
fn placements(transaction: &Connection, retry_failed: bool, now_ms: i64) -> rusqlite::Result<Vec<(i64, Placement)>> {
    let mut conversations: HashMap<String, Rc<str>> = HashMap::new();
    let mut times = Vec::new();
    let mut statement = transaction.prepare(
        "SELECT slot, conversation, created_ms, COALESCE(message_id, ''), message_id IS NOT NULL AND (stored_state IS
         NULL OR stored_state IN ('pending', 'excluded') OR (stored_state = 'failed' AND ?1))
         FROM temp.teams_intake WHERE codes IS NULL AND conversation IS NOT NULL ORDER BY slot",
    )?;
    let mut rows = statement.query([retry_failed])?;
    while let Some(row) = rows.next()? {
        let conversation: String = row.get(1)?;
        let conversation = match conversations.get(&conversation) {
            Some(shared) => Rc::clone(shared),
            None => {
                let shared: Rc<str> = Rc::from(conversation.as_str());
                conversations.insert(conversation, Rc::clone(&shared));
                shared
            }
        };
        times.push(StandIn {
            conversation,
            created_millis: row.get(2)?,
            original_message_id: row.get::<_, String>(3)?.into_boxed_str(),
            place: StagedSlot { slot: row.get(0)?, plannable: row.get(4)? },
        });
    }
    let scheduled = schedule(times, now_ms);
    let mut taken = transaction.prepare(
        "SELECT 1 FROM main.teams_messages WHERE conversation = ?1 AND created_ms = ?2 AND state <> 'excluded'",
    )?;
    let mut order = Vec::new();
    // The conversation of the record placed last, and its millisecond: the next one of it goes after.
    let mut previous: Option<(&str, i64)> = None;
    for time in scheduled.requests.iter().filter(|time| time.place.plannable) {
        let scheduled_ms = time.created_millis;
        let floor = match previous {
            Some((conversation, last)) if conversation == &*time.conversation => {
                scheduled_ms.max(last.saturating_add(1))
            }
            _ => scheduled_ms,
        };
        let mut placement = Placement::NoRoom { scheduled_ms };
        for candidate in floor..=floor.saturating_add(MAX_JOURNAL_MOVE_MILLIS) {
            if candidate != scheduled_ms && candidate > now_ms {
                break;
            }
            if taken.query_row(params![&*time.conversation, candidate], |_| Ok(())).optional()?.is_none() {
                placement = Placement::Placed { scheduled_ms, placed_ms: candidate };
                previous = Some((&time.conversation, candidate));
                break;
            }
        }
        order.push((time.place.slot, placement));
    }
    order.extend(
        scheduled.past_now.iter().filter(|time| time.place.plannable).map(|time| (time.place.slot, Placement::PastNow)),
    );
    order.sort_unstable_by_key(|(slot, _)| *slot);
    Ok(order)
}

/// A staged record, its body left in the staging table.
struct StagedRecord {
    system_id: Option<String>,
    message_id: Option<String>,
    file: String,
    record_index: i64,
    conversation: Option<String>,
    created_ms: i64,
    from_user_id: Option<String>,
    body_bytes: i64,
    codes: Option<String>,
    reason: Option<String>,
    row_id: Option<i64>,
    stored_state: Option<String>,
}

/// Takes staged records into the journal one by one, within the intake's transaction.
struct Take<'connection> {
    connection: &'connection Connection,
    read: rusqlite::CachedStatement<'connection>,
    write: rusqlite::CachedStatement<'connection>,
    keep_body: rusqlite::CachedStatement<'connection>,
    drop_body: rusqlite::CachedStatement<'connection>,
    run: i64,
    retry_failed: bool,
    updated_ms: i64,
}

impl<'connection> Take<'connection> {
    fn prepare(
        connection: &'connection Connection,
        run: i64,
        retry_failed: bool,
    ) -> rusqlite::Result<Take<'connection>> {
        Ok(Take {
            connection,
            read: connection.prepare_cached(
                "SELECT system_id, message_id, file, record_index, conversation, created_ms, from_user_id,
                 length(body), codes, reason, row_id, stored_state FROM temp.teams_intake WHERE slot = ?1",
            )?,
            write: connection.prepare_cached(
                "INSERT OR REPLACE INTO main.teams_messages (id, system_id, message_id, file, record_index,
                 conversation, created_ms, from_user_id, state, reason, codes, intake_run, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?,
            keep_body: connection.prepare_cached(
                "INSERT OR REPLACE INTO main.teams_bodies (id, body) SELECT ?1, body FROM temp.teams_intake WHERE slot = ?2",
            )?,
            drop_body: connection.prepare_cached("DELETE FROM main.teams_bodies WHERE id = ?1")?,
            run,
            retry_failed,
            updated_ms: now_millis(),
        })
    }

    /// Takes the staged record `slot` at its placement, counting what became of it in `intake`.
    fn record(&mut self, slot: i64, placement: Placement, intake: &mut TeamsIntake) -> rusqlite::Result<()> {
        let record = self.read.query_row([slot], |row| {
            Ok(StagedRecord {
                system_id: row.get(0)?,
                message_id: row.get(1)?,
                file: row.get(2)?,
                record_index: row.get(3)?,
                conversation: row.get(4)?,
                created_ms: row.get(5)?,
                from_user_id: row.get(6)?,
                body_bytes: row.get(7)?,
                codes: row.get(8)?,
                reason: row.get(9)?,
                row_id: row.get(10)?,
                stored_state: row.get(11)?,
            })
        })?;
        match record.stored_state.as_deref().map(MessageState::parse) {
            Some(MessageState::Imported) => {
                intake.already_done += 1;
                return Ok(());
            }
            Some(MessageState::Failed) if !self.retry_failed => {
                intake.previously_failed += 1;
                return Ok(());
            }
            Some(MessageState::Sending) => {
                intake.unresolved += 1;
                return Ok(());
            }
            _ => {}
        }
        let mut codes = record.codes;
        let mut reason = record.reason;
        let mut created_ms = record.created_ms;
        let refusal = if codes.is_some() {
            None
        } else if record.message_id.is_none() {
            let why = "no `originalMessageId`: the record cannot be imported exactly once";
            Some((Rule::MissingOriginalMessageId, why.to_owned()))
        } else if record.conversation.is_none() {
            let why = "no conversation: the streams map names none for this stream";
            Some((Rule::TeamsStreamNotMapped, why.to_owned()))
        } else {
            match placement {
                Placement::Placed { scheduled_ms, placed_ms } => {
                    if placed_ms != record.created_ms {
                        let whose = if placed_ms == scheduled_ms { "" } else { " (journaled from another input)" };
                        reason = Some(format!(
                            "moved {} ms later: another message of the conversation has its millisecond{whose}",
                            placed_ms - record.created_ms
                        ));
                    }
                    created_ms = placed_ms;
                    None
                }
                Placement::NoRoom { scheduled_ms } => Some((
                    Rule::TeamsTimestampNotUnique,
                    format!(
                        "no free millisecond: messages journaled from other inputs hold every one from {} for a \
                         second, or up to now",
                        super::created_date_time(scheduled_ms)
                    ),
                )),
                // (A record not placed has errors, no conversation or no key: the branches above take it.)
                Placement::PastNow | Placement::NotPlaced => Some((
                    Rule::TeamsTimestampNotUnique,
                    format!(
                        "no free millisecond before now: the conversation's messages hold every one from {} on",
                        super::created_date_time(record.created_ms)
                    ),
                )),
            }
        };
        if let Some((rule, why)) = refusal {
            codes = Some(rule.code().to_owned());
            reason = Some(why);
        }
        let excluded = codes.is_some();
        let state = if excluded { MessageState::Excluded } else { MessageState::Pending };
        self.write.execute(params![
            record.row_id,
            record.system_id,
            record.message_id,
            record.file,
            record.record_index,
            record.conversation,
            created_ms,
            record.from_user_id,
            state.as_str(),
            reason,
            codes,
            self.run,
            self.updated_ms
        ])?;
        let id = self.connection.last_insert_rowid();
        if excluded || record.body_bytes == 0 {
            self.drop_body.execute([id])?;
        } else {
            self.keep_body.execute(params![id, slot])?;
        }
        intake.excluded += usize::from(excluded);
        intake.planned += usize::from(!excluded);
        Ok(())
    }
}

/// A step of a conversation's migration session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionStep<'a> {
    /// `startMigration` is about to be sent (a new session: the previous one's steps are cleared).
    StartRequested,
    /// Graph answered 204 to `startMigration`, or the conversation was found in migration mode we asked for.
    Started,
    /// `completeMigration` is about to be sent.
    CompleteRequested,
    /// Graph answered 204 to `completeMigration`, or the conversation was found out of migration mode.
    Completed,
    /// The conversation cannot be imported into (the reason says why and what to do).
    Blocked(&'a str),
}

/// `body` (a chatMessage) with its `createdDateTime` set to `created_ms`; the body unchanged when it is not a
/// JSON object (Graph then refuses it with its reason).
pub fn with_created_date_time(body: &[u8], created_ms: i64) -> Vec<u8> {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(serde_json::Value::Object(mut object)) => {
            object.insert("createdDateTime".to_owned(), super::created_date_time(created_ms).into());
            serde_json::to_vec(&object).unwrap_or_else(|_| body.to_vec())
        }
        _ => body.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: &str, conversation: &str, created_ms: i64) -> IncomingMessage {
        IncomingMessage {
            system_id: Some("legacy".into()),
            message_id: Some(id.into()),
            file: "batch.ndjson".into(),
            record_index: 0,
            conversation: Some(conversation.into()),
            created_ms,
            from_user_id: Some("u1".into()),
            body: br#"{"body":{"contentType":"html","content":"hi"}}"#.to_vec(),
            error_codes: Vec::new(),
            error_message: None,
        }
    }

    #[test]
    fn a_message_moves_from_pending_to_final_and_is_never_planned_again() {
        let mut journal = TeamsJournal::in_memory("graph").unwrap();
        let run = journal.begin_run(&[]).unwrap();
        let intake =
            journal.take_messages(run, [message("a", "/chats/c", 10), message("b", "/chats/c", 20)], false).unwrap();
        assert_eq!(intake.planned, 2);
        let pending = journal.pending("/chats/c").unwrap();
        assert_eq!(pending.iter().map(|message| message.created_ms).collect::<Vec<_>>(), [10, 20]);
        let body: serde_json::Value = serde_json::from_slice(&journal.body(pending[0].id).unwrap()).unwrap();
        assert_eq!(body["createdDateTime"], "1970-01-01T00:00:00.010Z");
        journal.mark_sending(pending[0].id).unwrap();
        journal.mark_imported(pending[0].id, "g1", None).unwrap();
        journal.mark_sending(pending[1].id).unwrap();
        journal.mark_failed(pending[1].id, "400: from is not a tenant user").unwrap();
        journal.end_run(run, "completed").unwrap();
        let run = journal.begin_run(&[]).unwrap();
        let again =
            journal.take_messages(run, [message("a", "/chats/c", 10), message("b", "/chats/c", 20)], false).unwrap();
        assert_eq!((again.planned, again.already_done, again.previously_failed), (0, 1, 1));
        assert!(journal.pending("/chats/c").unwrap().is_empty());
        let run = journal.begin_run(&[]).unwrap();
        let retried = journal.take_messages(run, [message("b", "/chats/c", 20)], true).unwrap();
        assert_eq!(retried.planned, 1);
        let counts = journal.counts().unwrap();
        assert_eq!((counts.imported, counts.pending), (1, 1));
    }

    #[test]
    fn a_sending_message_is_left_as_sent_and_reconciled_later() {
        let mut journal = TeamsJournal::in_memory("graph").unwrap();
        let run = journal.begin_run(&[]).unwrap();
        journal.take_messages(run, [message("a", "/chats/c", 10)], false).unwrap();
        let id = journal.pending("/chats/c").unwrap()[0].id;
        journal.mark_sending(id).unwrap();
        let run = journal.begin_run(&[]).unwrap();
        let intake = journal.take_messages(run, [message("a", "/chats/c", 99)], false).unwrap();
        assert_eq!(intake.unresolved, 1);
        let pending = journal.pending("/chats/c").unwrap();
        assert_eq!((pending[0].created_ms, pending[0].state), (10, MessageState::Sending));
    }

    #[test]
    fn same_millisecond_records_are_moved_and_copies_excluded() {
        let mut journal = TeamsJournal::in_memory("graph").unwrap();
        let run = journal.begin_run(&[]).unwrap();
        let records = [
            message("a", "/chats/c", 10),
            message("b", "/chats/c", 10),
            message("a", "/chats/c", 30),
            message("c", "/chats/d", 10),
        ];
        let intake = journal.take_messages(run, records, false).unwrap();
        assert_eq!((intake.planned, intake.excluded), (3, 1));
        let times: Vec<i64> = journal.pending("/chats/c").unwrap().iter().map(|message| message.created_ms).collect();
        assert_eq!(times, [10, 11]);
        let (_, fates) = journal.fates_page(None, 0, 10).unwrap();
        assert!(fates[1].reason.as_deref().unwrap_or_default().contains("moved 1 ms later"), "{fates:?}");
        assert_eq!(fates[2].codes.as_deref(), Some("BATCH001"));
    }

    /// (originalMessageId, conversation, createdDateTime ms) of each record of an input.
    type Input = &'static [(&'static str, &'static str, i64)];

    fn take(journal: &mut TeamsJournal, input: Input, now_ms: i64) -> TeamsIntake {
        let run = journal.begin_run(&[]).unwrap();
        journal.stage_messages(input.iter().map(|(id, conversation, ms)| message(id, conversation, *ms))).unwrap();
        journal.take_staged(run, false, now_ms).unwrap()
    }

    /// Each record's (originalMessageId, createdDateTime ms, codes) in journal order.
    fn journaled(journal: &TeamsJournal) -> Vec<(String, i64, Option<String>)> {
        let mut rows = Vec::new();
        journal
            .for_each_fate(|fate| {
                let ms = fate.created_date_time.as_deref().map(super::super::parse_created_date_time);
                let id = fate.original_message_id.unwrap_or_default();
                rows.push((id, ms.transpose()?.unwrap_or(0), fate.codes));
                Ok(())
            })
            .unwrap();
        rows
    }

    #[test]
    fn an_input_takes_the_milliseconds_of_ferry_convert_s_schedule_around_other_inputs_messages() {
        type Case = (&'static str, Input, Input, i64, &'static [(&'static str, i64, Option<&'static str>)]);
        let cases: &[Case] = &[
            // Out of time order within a conversation: by time, the batch's order kept between equal times.
            (
                "out of order",
                &[],
                &[("x", "/c", 15), ("a", "/c", 10), ("b", "/c", 10), ("c", "/c", 11), ("d", "/c", 10), ("e", "/d", 10)],
                i64::MAX,
                &[("x", 15, None), ("a", 10, None), ("b", 11, None), ("c", 13, None), ("d", 12, None), ("e", 10, None)],
            ),
            // A message of an earlier input holds 11: the input's records go round it, in their order.
            (
                "held by another input",
                &[("old", "/c", 11)],
                &[("a", "/c", 10), ("b", "/c", 10), ("c", "/c", 12)],
                i64::MAX,
                &[("old", 11, None), ("a", 10, None), ("b", 12, None), ("c", 13, None)],
            ),
            // The schedule would move the second record past now.
            ("past now", &[], &[("a", "/c", 10), ("b", "/c", 10)], 10, &[("a", 10, None), ("b", 10, Some("TEAMS001"))]),
            // Another input holds the millisecond and every one up to now.
            (
                "no room",
                &[("old", "/c", 10)],
                &[("a", "/c", 10)],
                10,
                &[("old", 10, None), ("a", 10, Some("TEAMS001"))],
            ),
        ];
        for (name, earlier, input, now_ms, expected) in cases {
            let mut journal = TeamsJournal::in_memory("graph").unwrap();
            take(&mut journal, earlier, i64::MAX);
            take(&mut journal, input, *now_ms);
            let expected: Vec<(String, i64, Option<String>)> =
                expected.iter().map(|(id, ms, codes)| ((*id).to_owned(), *ms, codes.map(str::to_owned))).collect();
            assert_eq!(journaled(&journal), expected, "{name}");
            if earlier.is_empty() {
                // The same milliseconds as ferry-convert's schedule gives the requests of the input.
                let requests: Vec<ferry_convert::teams::GraphRequest> = input
                    .iter()
                    .map(|(id, conversation, ms)| ferry_convert::teams::GraphRequest {
                        conversation: (*conversation).to_owned(),
                        created_millis: *ms,
                        original_message_id: (*id).to_owned(),
                        body: serde_json::json!({}),
                        losses: Vec::new(),
                        unmapped_mentions: Vec::new(),
                    })
                    .collect();
                let scheduled = schedule(requests, *now_ms);
                for request in scheduled.requests {
                    let row = expected.iter().find(|row| row.0 == request.original_message_id).unwrap();
                    assert_eq!(row.1, request.created_millis, "{name}: {}", request.original_message_id);
                }
            }
        }
    }

    #[test]
    fn taking_an_input_again_gives_its_records_the_same_milliseconds() {
        let mut journal = TeamsJournal::in_memory("graph").unwrap();
        let input: Input = &[("b", "/c", 20), ("a", "/c", 10), ("c", "/c", 10)];
        take(&mut journal, input, i64::MAX);
        let first = journaled(&journal);
        assert_eq!(first.iter().map(|row| row.1).collect::<Vec<_>>(), [20, 10, 11]);
        let intake = take(&mut journal, input, i64::MAX);
        assert_eq!((intake.planned, intake.excluded), (3, 0));
        assert_eq!(journaled(&journal), first);
        // Sent messages keep theirs; the others go round them.
        let pending = journal.pending("/c").unwrap();
        journal.mark_sending(pending[0].id).unwrap();
        journal.mark_imported(pending[0].id, "g1", None).unwrap();
        let intake = take(&mut journal, &[("c", "/c", 10), ("a", "/c", 10), ("b", "/c", 20)], i64::MAX);
        assert_eq!((intake.planned, intake.already_done), (2, 1));
        let times: Vec<(String, i64)> = journaled(&journal).into_iter().map(|(id, ms, _)| (id, ms)).collect();
        assert_eq!(times, [("b".to_owned(), 20), ("a".to_owned(), 10), ("c".to_owned(), 11)]);
    }

    #[test]
    fn a_nudge_never_takes_another_message_s_millisecond() {
        let mut journal = TeamsJournal::in_memory("graph").unwrap();
        let run = journal.begin_run(&[]).unwrap();
        journal.take_messages(run, [message("a", "/chats/c", 10), message("b", "/chats/c", 11)], false).unwrap();
        let pending = journal.pending("/chats/c").unwrap();
        assert!(!journal.nudge(pending[0].id, 11, "moved").unwrap());
        assert!(journal.nudge(pending[1].id, 12, "moved").unwrap());
    }

    #[test]
    fn sessions_record_their_steps_and_a_new_start_clears_the_old_one() {
        let journal = TeamsJournal::in_memory("graph").unwrap();
        assert!(!journal.session("/chats/c").unwrap().open_by_us());
        journal.record_session("/chats/c", SessionStep::StartRequested).unwrap();
        assert!(journal.session("/chats/c").unwrap().open_by_us());
        assert_eq!(journal.open_conversations().unwrap(), ["/chats/c"]);
        journal.record_session("/chats/c", SessionStep::Started).unwrap();
        journal.record_session("/chats/c", SessionStep::CompleteRequested).unwrap();
        journal.record_session("/chats/c", SessionStep::Completed).unwrap();
        let session = journal.session("/chats/c").unwrap();
        assert!(!session.open_by_us() && session.completed_ms.is_some());
        assert!(journal.open_conversations().unwrap().is_empty());
        journal.record_session("/chats/c", SessionStep::StartRequested).unwrap();
        assert_eq!(journal.session("/chats/c").unwrap().completed_ms, None);
        journal.record_session("/chats/x", SessionStep::Blocked("in another app's migration")).unwrap();
        assert_eq!(journal.session("/chats/x").unwrap().blocked.as_deref(), Some("in another app's migration"));
    }

    #[test]
    fn a_teams_journal_belongs_to_one_upstream() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("journal.sqlite3");
        drop(TeamsJournal::open(&path, "graph A").unwrap());
        assert!(TeamsJournal::open(&path, "graph B").is_err());
        assert!(crate::Journal::open(&path, "http://pod").is_err());
    }
}
