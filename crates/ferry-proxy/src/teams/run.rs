//! The Teams runner: every conversation with work left in the journal is imported through Graph's migration
//! mode, several conversations at once (bounded), each conversation's messages one request each, in
//! `createdDateTime` order, paced by the client.
//!
//! Per conversation:
//! 1. `GET` the conversation: unknown to Graph → blocked; in migration mode that this journal did not start →
//!    blocked (only the app that started a migration may import into or complete it), never imported into.
//! 2. `startMigration` unless it is in a migration this journal started (continued), moving the
//!    conversation's creation back to before its earliest message when needed (`conversationCreationDateTime`).
//! 3. Messages left `sending` by an earlier run are reconciled: the conversation is read back (`GET
//!    .../messages`, every page), and a message at the same millisecond from the same user is ours (imported);
//!    otherwise it is pending again.
//! 4. Each message: `sending` (committed), `POST`, then imported with Graph's id, or failed with Graph's reason.
//!    A 409 is reconciled the same way: ours (an earlier attempt stored it) → imported; someone else's → moved to
//!    the next free millisecond when that keeps the conversation's order, else failed with the reason. A 403 or
//!    401 blocks the conversation (the message stays pending); no answer after the retries halts the run (the
//!    message stays `sending`, reconciled by the next run).
//! 5. `completeMigration` once nothing is pending or sending.
//!
//! Each session step is journaled before its request and after its answer, so a run killed at any instant
//! leaves a journal from which the next run continues: a session it started is continued and completed.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use ferry_convert::teams::schedule::duration_millis;
use serde::Serialize;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use super::client::{ConversationInfo, GraphClient, ImportedMessage};
use super::journal::{MessageState, PendingMessage, Session, SessionStep, TeamsJournal};
use super::MESSAGES_PER_SECOND_PER_CONVERSATION;
use crate::error::{CallError, ProxyError};
use crate::run::{blocking, Control, Progress, RunState};

/// How a Teams run sends.
#[derive(Clone, Debug)]
pub struct TeamsRunOptions {
    /// Conversations imported at once (at least 1).
    pub concurrency: usize,
    /// The current time: a message is never moved past it.
    pub now_millis: i64,
}

/// How a conversation's import ended in a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationEnd {
    /// Every message has an outcome and migration mode is completed.
    Completed,
    /// Graph does not let this journal import into it (the reason says why and what to do).
    Blocked,
    /// Stopped by the user; the next run continues it.
    Stopped,
    /// A call had no answer after its retries; the next run continues it.
    Halted,
}

/// A conversation's outcome in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationOutcome {
    /// The conversation path.
    pub conversation: String,
    /// How it ended.
    pub end: ConversationEnd,
    /// Messages imported by this run (read back ones included).
    pub imported: usize,
    /// Messages that failed in this run.
    pub failed: usize,
    /// Messages moved to a free millisecond after a 409.
    pub moved: usize,
    /// Why it was blocked or halted.
    pub reason: Option<String>,
}

/// What a run did.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsRunReport {
    /// The final progress (`alreadyImported` counts the messages found stored when read back).
    pub progress: Progress,
    /// Each conversation the run worked on, in path order.
    pub conversations: Vec<ConversationOutcome>,
}

/// One conversation of a plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedConversation {
    /// The conversation path.
    pub conversation: String,
    /// Messages to send (or to reconcile).
    pub messages: usize,
    /// Requests: the messages, and `startMigration` and `completeMigration`.
    pub requests: usize,
    /// Seconds its messages take at the documented rate.
    pub seconds: f64,
}

/// The plan of a run: the conversations, and the duration at the documented rate with `concurrency`
/// conversations at once.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TeamsPlan {
    /// Conversations with work left, in path order.
    pub conversations: Vec<PlannedConversation>,
    /// Messages in all.
    pub messages: usize,
    /// Requests in all.
    pub requests: usize,
    /// Estimated seconds: the conversations laid on `concurrency` lanes, longest first.
    pub seconds: f64,
    /// The rate per conversation the estimate assumes.
    pub messages_per_second_per_conversation: u32,
}

/// The plan over the journal's work left.
///
/// # Errors
/// [`ProxyError::Journal`].
pub fn plan(journal: &TeamsJournal, concurrency: usize) -> Result<TeamsPlan, ProxyError> {
    let pending = journal.pending_per_conversation()?;
    let mut conversations: Vec<PlannedConversation> = journal
        .open_conversations()?
        .into_iter()
        .map(|conversation| {
            let messages =
                pending.iter().find(|(path, _, _)| *path == conversation).map_or(0, |(_, messages, _)| *messages);
            PlannedConversation {
                requests: messages + 2,
                seconds: duration_millis(messages) as f64 / 1000.0,
                messages,
                conversation,
            }
        })
        .collect();
    conversations.sort_by(|a, b| a.conversation.cmp(&b.conversation));
    let mut durations: Vec<f64> = conversations.iter().map(|conversation| conversation.seconds).collect();
    durations.sort_by(|a, b| b.total_cmp(a));
    let mut lanes = vec![0.0f64; concurrency.max(1)];
    for duration in durations {
        if let Some(lane) = lanes.iter_mut().min_by(|a, b| a.total_cmp(b)) {
            *lane += duration;
        }
    }
    Ok(TeamsPlan {
        messages: conversations.iter().map(|conversation| conversation.messages).sum(),
        requests: conversations.iter().map(|conversation| conversation.requests).sum(),
        seconds: lanes.into_iter().fold(0.0, f64::max),
        messages_per_second_per_conversation: MESSAGES_PER_SECOND_PER_CONVERSATION,
        conversations,
    })
}

/// What the conversations' tasks share.
struct Shared {
    client: Arc<GraphClient>,
    journal: Arc<Mutex<TeamsJournal>>,
    control: Arc<Control>,
    options: TeamsRunOptions,
    progress: Mutex<Progress>,
    sender: watch::Sender<Progress>,
    started: Instant,
    /// Set when a call had no answer after its retries: no conversation starts any more.
    halted: AtomicBool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every journal change is a transaction, so a panic while it was held left it consistent.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    /// Runs journal work on the blocking pool.
    async fn journal<T: Send + 'static>(
        &self,
        work: impl FnOnce(&TeamsJournal) -> Result<T, ProxyError> + Send + 'static,
    ) -> Result<T, ProxyError> {
        let journal = Arc::clone(&self.journal);
        blocking(move || work(&lock(&journal))).await?
    }

    fn update(&self, change: impl FnOnce(&mut Progress)) {
        let mut progress = lock(&self.progress);
        change(&mut progress);
        progress.elapsed_seconds = self.started.elapsed().as_secs_f64();
        self.sender.send_replace(progress.clone());
    }

    fn must_stop(&self) -> bool {
        self.control.is_stopped() || self.halted.load(Ordering::SeqCst)
    }
}

/// Imports every conversation with work left in the journal; returns what happened to each.
///
/// # Errors
/// [`ProxyError::Journal`] when the journal cannot be written (what was recorded stays).
pub async fn run(
    client: Arc<GraphClient>,
    journal: Arc<Mutex<TeamsJournal>>,
    run_id: i64,
    options: TeamsRunOptions,
    control: Arc<Control>,
    sender: watch::Sender<Progress>,
) -> Result<TeamsRunReport, ProxyError> {
    let (conversations, total) = {
        let journal = lock(&journal);
        let conversations = journal.open_conversations()?;
        let total: usize = journal.pending_per_conversation()?.iter().map(|(_, messages, _)| messages).sum();
        (conversations, total)
    };
    let concurrency = options.concurrency.max(1);
    let shared = Arc::new(Shared {
        client,
        journal: Arc::clone(&journal),
        control,
        options,
        progress: Mutex::new(Progress {
            state: RunState::Running,
            records_total: total,
            requests_total: total,
            ..Progress::default()
        }),
        sender,
        started: Instant::now(),
        halted: AtomicBool::new(false),
    });
    shared.update(|_| {});
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut tasks: JoinSet<Result<ConversationOutcome, ProxyError>> = JoinSet::new();
    for conversation in conversations {
        let (shared, permits) = (Arc::clone(&shared), Arc::clone(&permits));
        tasks.spawn(async move {
            // The semaphore is never closed: acquiring fails only if it were, and then the task goes anyway.
            let _turn = permits.acquire_owned().await.ok();
            if shared.must_stop() {
                let end = if shared.control.is_stopped() { ConversationEnd::Stopped } else { ConversationEnd::Halted };
                return Ok(ConversationOutcome::new(&conversation, end));
            }
            import_conversation(&shared, &conversation).await
        });
    }
    let mut outcomes = Vec::new();
    let mut journal_error = None;
    while let Some(finished) = tasks.join_next().await {
        match finished {
            Ok(Ok(outcome)) => outcomes.push(outcome),
            Ok(Err(error)) => {
                shared.halted.store(true, Ordering::SeqCst);
                journal_error.get_or_insert(error);
            }
            Err(panic) => {
                shared.halted.store(true, Ordering::SeqCst);
                journal_error.get_or_insert(ProxyError::Refused(format!("a conversation's task failed: {panic}")));
            }
        }
    }
    outcomes.sort_by(|a, b| a.conversation.cmp(&b.conversation));
    let end_of = |end| outcomes.iter().any(|outcome| outcome.end == end);
    let state = if journal_error.is_some() || end_of(ConversationEnd::Halted) {
        RunState::Halted
    } else if end_of(ConversationEnd::Stopped) {
        RunState::Stopped
    } else {
        RunState::Completed
    };
    shared.update(|progress| {
        progress.state = state;
        progress.requests_in_flight = 0;
    });
    let journal_state = match state {
        RunState::Completed => "completed",
        RunState::Halted => "halted",
        _ => "stopped",
    };
    shared.journal(move |journal| journal.end_run(run_id, journal_state)).await?;
    if let Some(error) = journal_error {
        return Err(error);
    }
    let progress = lock(&shared.progress).clone();
    Ok(TeamsRunReport { progress, conversations: outcomes })
}

impl ConversationOutcome {
    fn new(conversation: &str, end: ConversationEnd) -> ConversationOutcome {
        ConversationOutcome {
            conversation: conversation.to_owned(),
            end,
            imported: 0,
            failed: 0,
            moved: 0,
            reason: None,
        }
    }

    fn ended(mut self, end: ConversationEnd, reason: Option<String>) -> ConversationOutcome {
        self.end = end;
        self.reason = reason;
        self
    }
}

/// What a run will do with a conversation, from Graph's view of it and the journal's session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "action", content = "detail")]
pub enum Assessment {
    /// Nothing to do: no message left and no session of ours open.
    Nothing,
    /// `startMigration`, moving the conversation's creation back to `creation_millis` when given (its earliest
    /// message is not after its creation).
    #[serde(rename_all = "camelCase")]
    Start {
        /// The `conversationCreationDateTime` to send.
        creation_millis: Option<i64>,
    },
    /// In a migration this journal started: continued, then completed.
    Continue,
    /// Not imported into; the reason says why and what to do.
    Blocked(String),
}

/// What a run will do with conversation `path`: `info` is Graph's view (`None`: unknown to Graph), `earliest`
/// the earliest message left.
pub fn assess(path: &str, info: Option<&ConversationInfo>, session: &Session, earliest: Option<i64>) -> Assessment {
    let Some(info) = info else {
        return Assessment::Blocked(format!(
            "Graph does not know {path} (404): check streams.csv, and that the application may read it"
        ));
    };
    match (info.in_migration(), session.open_by_us(), earliest) {
        (true, false, _) => Assessment::Blocked(not_ours(path)),
        (true, true, _) => Assessment::Continue,
        (false, _, None) => Assessment::Nothing,
        (false, _, Some(earliest)) => Assessment::Start {
            creation_millis: info.created_millis.filter(|&created| earliest <= created).map(|_| earliest - 1),
        },
    }
}

/// One conversation of the pre-flight.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationCheck {
    /// The conversation path.
    pub conversation: String,
    /// Messages left.
    pub messages: usize,
    /// Graph's view of it; `None` when Graph does not know it.
    pub created_millis: Option<i64>,
    /// `migrationMode` now.
    pub migration_mode: Option<String>,
    /// What a run will do.
    pub assessment: Assessment,
}

/// The pre-flight: every conversation with work left looked up in Graph (read-only), and what a run will do
/// with it.
///
/// # Errors
/// [`ProxyError::Journal`]; [`ProxyError::Call`] when Graph cannot be reached or refuses the application (a
/// wrong secret is found here, before anything is sent).
pub async fn preflight(
    client: &GraphClient,
    journal: &Mutex<TeamsJournal>,
) -> Result<Vec<ConversationCheck>, ProxyError> {
    let work: Vec<(String, usize, Option<i64>, Session)> = {
        let journal = lock(journal);
        let pending = journal.pending_per_conversation()?;
        journal
            .open_conversations()?
            .into_iter()
            .map(|path| {
                let (messages, earliest) = pending
                    .iter()
                    .find(|(pending_path, _, _)| *pending_path == path)
                    .map_or((0, None), |(_, messages, earliest)| (*messages, Some(*earliest)));
                let session = journal.session(&path)?;
                Ok((path, messages, earliest, session))
            })
            .collect::<Result<_, ProxyError>>()?
    };
    let mut checks = Vec::with_capacity(work.len());
    for (conversation, messages, earliest, session) in work {
        let info = client.conversation(&conversation).await?;
        checks.push(ConversationCheck {
            assessment: assess(&conversation, info.as_ref(), &session, earliest),
            created_millis: info.as_ref().and_then(|info| info.created_millis),
            migration_mode: info.and_then(|info| info.migration_mode),
            conversation,
            messages,
        });
    }
    Ok(checks)
}

/// What to tell the user about a conversation in a migration this journal did not start.
fn not_ours(conversation: &str) -> String {
    format!(
        "{conversation} is in migration mode, started by another application (or by an import this journal did not record): \
         only the application that started it may import into it or complete it; have it call POST {conversation}/completeMigration, then run again"
    )
}

async fn import_conversation(shared: &Shared, path: &str) -> Result<ConversationOutcome, ProxyError> {
    let outcome = ConversationOutcome::new(path, ConversationEnd::Completed);
    let client = &shared.client;
    let conversation = path.to_owned();
    let (session, mut pending) =
        shared.journal(move |journal| Ok((journal.session(&conversation)?, journal.pending(&conversation)?))).await?;
    let info = match client.conversation(path).await {
        Ok(info) => info,
        Err(error) => return Ok(halt(shared, outcome, &error)),
    };
    let earliest = pending.iter().map(|message| message.created_ms).min();
    let (info, creation) = match assess(path, info.as_ref(), &session, earliest) {
        Assessment::Blocked(reason) => return blocked(shared, path, outcome, reason).await,
        Assessment::Start { creation_millis } => (info, creation_millis),
        Assessment::Continue | Assessment::Nothing => (info, None),
    };
    // `assess` blocks a conversation Graph does not know.
    let Some(info) = info else { return Ok(outcome) };
    let mut in_migration = info.in_migration();
    if !in_migration && session.open_by_us() {
        // This journal started a session that is over: the completion it asked for took (or another
        // application completed it). Either way the session is closed; new messages need a new one.
        record(shared, path, SessionStep::Completed).await?;
    }
    if in_migration && session.started_ms.is_none() {
        record(shared, path, SessionStep::Started).await?;
    }
    if !in_migration && pending.is_empty() {
        return Ok(outcome);
    }
    if !in_migration {
        match start(shared, path, creation).await? {
            Ok(()) => in_migration = true,
            Err(outcome_reason) => return outcome_reason.apply(shared, path, outcome).await,
        }
    }
    debug_assert!(in_migration);
    if pending.iter().any(|message| message.state == MessageState::Sending) {
        let read_back = match client.messages(path).await {
            Ok(messages) => messages,
            Err(error) => return Ok(halt(shared, outcome, &error)),
        };
        let mut found_ours = 0;
        for message in pending.iter().filter(|message| message.state == MessageState::Sending) {
            let stored = stored_at(&read_back, message).map(|stored| stored.id.clone());
            let id = message.id;
            if stored.is_some() {
                found_ours += 1;
            }
            shared
                .journal(move |journal| match stored {
                    Some(graph_id) => journal.mark_imported(
                        id,
                        &graph_id,
                        Some("found when the conversation was read back after an interrupted run"),
                    ),
                    None => journal.mark_pending(id),
                })
                .await?;
        }
        shared.update(|progress| {
            progress.already_imported += found_ours;
            progress.records_done += found_ours;
            progress.requests_done += found_ours;
        });
        let conversation = path.to_owned();
        pending = shared.journal(move |journal| journal.pending(&conversation)).await?;
        let mut outcome = outcome;
        outcome.imported += found_ours;
        return send_and_complete(shared, path, pending, outcome).await;
    }
    send_and_complete(shared, path, pending, outcome).await
}

/// The message of ours stored at `message`'s millisecond, if the read-back holds one from its sender.
fn stored_at<'a>(read_back: &'a [ImportedMessage], message: &PendingMessage) -> Option<&'a ImportedMessage> {
    read_back
        .iter()
        .find(|stored| stored.created_millis == message.created_ms && stored.from_user_id == message.from_user_id)
}

/// Why a conversation cannot go on, to be recorded.
enum Stop {
    Blocked(String),
    Halted(CallError),
}

impl Stop {
    async fn apply(
        self,
        shared: &Shared,
        path: &str,
        outcome: ConversationOutcome,
    ) -> Result<ConversationOutcome, ProxyError> {
        match self {
            Stop::Blocked(reason) => blocked(shared, path, outcome, reason).await,
            Stop::Halted(error) => Ok(halt(shared, outcome, &error)),
        }
    }
}

/// `startMigration`, back-dating the conversation to `creation` when given.
async fn start(shared: &Shared, path: &str, creation: Option<i64>) -> Result<Result<(), Stop>, ProxyError> {
    record(shared, path, SessionStep::StartRequested).await?;
    match shared.client.start_migration(path, creation).await {
        Ok(()) => {}
        // Already in migration mode: an earlier attempt of this call (its answer lost) started it, or another
        // application did just now. Only the first is ours; a later 403 on a message would tell the second.
        Err(CallError::Status { status: 400, .. }) if matches!(shared.client.conversation(path).await, Ok(Some(info)) if info.in_migration()) =>
            {}
        Err(error @ (CallError::Status { status: 400 | 403 | 404, .. } | CallError::Unauthorized { .. })) => {
            return Ok(Err(Stop::Blocked(format!("startMigration refused: {error}"))))
        }
        Err(error) => return Ok(Err(Stop::Halted(error))),
    }
    record(shared, path, SessionStep::Started).await?;
    Ok(Ok(()))
}

async fn send_and_complete(
    shared: &Shared,
    path: &str,
    mut pending: Vec<PendingMessage>,
    mut outcome: ConversationOutcome,
) -> Result<ConversationOutcome, ProxyError> {
    let client = &shared.client;
    let mut index = 0;
    while index < pending.len() {
        shared.control.wait_while_paused().await;
        if shared.must_stop() {
            let end = if shared.control.is_stopped() { ConversationEnd::Stopped } else { ConversationEnd::Halted };
            return Ok(outcome.ended(end, None));
        }
        let message = pending[index].clone();
        let id = message.id;
        let body = shared
            .journal(move |journal| {
                journal.mark_sending(id)?;
                journal.body(id)
            })
            .await?;
        shared.update(|progress| progress.requests_in_flight += 1);
        let answer = client.post_message(path, &body).await;
        shared.update(|progress| progress.requests_in_flight = progress.requests_in_flight.saturating_sub(1));
        match answer {
            Ok(graph_id) => {
                shared.journal(move |journal| journal.mark_imported(id, &graph_id, None)).await?;
                outcome.imported += 1;
                done(shared, |progress| progress.imported += 1);
                index += 1;
            }
            Err(CallError::Status { status: 409, .. }) => {
                let read_back = match client.messages(path).await {
                    Ok(messages) => messages,
                    Err(error) => return Ok(halt(shared, outcome, &error)),
                };
                let conversation = path.to_owned();
                let ms = message.created_ms;
                let ours_elsewhere = shared.journal(move |journal| journal.imported_at(&conversation, ms)).await?;
                if let (Some(stored), false) = (stored_at(&read_back, &message), ours_elsewhere) {
                    let graph_id = stored.id.clone();
                    let note = "409 Conflict on a retry: an earlier attempt stored it (read back)";
                    shared.journal(move |journal| journal.mark_imported(id, &graph_id, Some(note))).await?;
                    outcome.imported += 1;
                    done(shared, |progress| progress.already_imported += 1);
                    index += 1;
                    continue;
                }
                // Someone else's message holds the millisecond: the next free one, if the order stays.
                let taken: HashSet<i64> = read_back.iter().map(|stored| stored.created_millis).collect();
                let free = (1..=1_000i64).map(|nudge| ms + nudge).find(|candidate| !taken.contains(candidate));
                let next = pending.get(index + 1).map(|next| next.created_ms);
                let keeps_order =
                    |candidate: i64| next.is_none_or(|next| candidate < next) && candidate <= shared.options.now_millis;
                match free.filter(|&candidate| keeps_order(candidate)) {
                    Some(candidate) => {
                        let reason = format!(
                            "moved {} ms later: another message of the conversation holds {} (409 Conflict)",
                            candidate - ms,
                            super::created_date_time(ms)
                        );
                        let moved = shared.journal(move |journal| journal.nudge(id, candidate, &reason)).await?;
                        if moved {
                            pending[index].created_ms = candidate;
                            outcome.moved += 1;
                            continue;
                        }
                        fail(shared, &mut outcome, id, "409 Conflict: the millisecond is taken and the next free one is another message's of this journal".to_owned()).await?;
                    }
                    None => {
                        let reason = format!(
                            "409 Conflict: another message of the conversation holds {}, and no later millisecond before the next message is free: move it by hand",
                            super::created_date_time(ms)
                        );
                        fail(shared, &mut outcome, id, reason).await?;
                    }
                }
                index += 1;
            }
            Err(error @ CallError::Status { status: 400 | 404 | 413, .. }) => {
                fail(shared, &mut outcome, id, error.to_string()).await?;
                index += 1;
            }
            Err(error @ (CallError::Status { status: 403, .. } | CallError::Unauthorized { .. })) => {
                // Nothing was applied: the message waits for the conversation to be unblocked.
                shared.journal(move |journal| journal.mark_pending(id)).await?;
                let reason = format!("{error}: only the application that started the migration may import into it");
                return blocked(shared, path, outcome, reason).await;
            }
            Err(error) => {
                if !error.outcome_unknown() {
                    // Refused without being applied (429 after every retry, another 4xx): sent again next run.
                    shared.journal(move |journal| journal.mark_pending(id)).await?;
                }
                shared.update(|progress| progress.unknown += usize::from(error.outcome_unknown()));
                return Ok(halt(shared, outcome, &error));
            }
        }
    }
    record(shared, path, SessionStep::CompleteRequested).await?;
    match client.complete_migration(path).await {
        Ok(()) => {}
        // Not in migration mode: an earlier attempt of this call (its answer lost) completed it.
        Err(CallError::Status { status: 400, .. }) if matches!(client.conversation(path).await, Ok(Some(info)) if !info.in_migration()) =>
            {}
        Err(error @ (CallError::Status { status: 400 | 403 | 404, .. } | CallError::Unauthorized { .. })) => {
            return blocked(shared, path, outcome, format!("completeMigration refused: {error}")).await
        }
        Err(error) => return Ok(halt(shared, outcome, &error)),
    }
    record(shared, path, SessionStep::Completed).await?;
    Ok(outcome)
}

/// Counts one message with an outcome.
fn done(shared: &Shared, change: impl FnOnce(&mut Progress)) {
    shared.update(|progress| {
        change(progress);
        progress.records_done += 1;
        progress.requests_done += 1;
    });
}

async fn fail(shared: &Shared, outcome: &mut ConversationOutcome, id: i64, reason: String) -> Result<(), ProxyError> {
    let last = reason.clone();
    shared.journal(move |journal| journal.mark_failed(id, &reason)).await?;
    outcome.failed += 1;
    done(shared, |progress| {
        progress.rejected += 1;
        progress.last_error = Some(last);
    });
    Ok(())
}

async fn record(shared: &Shared, path: &str, step: SessionStep<'static>) -> Result<(), ProxyError> {
    let conversation = path.to_owned();
    shared.journal(move |journal| journal.record_session(&conversation, step)).await
}

async fn blocked(
    shared: &Shared,
    path: &str,
    outcome: ConversationOutcome,
    reason: String,
) -> Result<ConversationOutcome, ProxyError> {
    let (conversation, stored) = (path.to_owned(), reason.clone());
    shared.journal(move |journal| journal.record_session(&conversation, SessionStep::Blocked(&stored))).await?;
    shared.update(|progress| progress.last_error = Some(reason.clone()));
    Ok(outcome.ended(ConversationEnd::Blocked, Some(reason)))
}

fn halt(shared: &Shared, outcome: ConversationOutcome, error: &CallError) -> ConversationOutcome {
    shared.halted.store(true, Ordering::SeqCst);
    shared.update(|progress| progress.last_error = Some(error.to_string()));
    outcome.ended(ConversationEnd::Halted, Some(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::teams::journal::IncomingMessage;

    #[test]
    fn what_a_run_does_with_a_conversation() {
        let info = |mode: Option<&str>| ConversationInfo {
            created_millis: Some(1_000),
            migration_mode: mode.map(str::to_owned),
        };
        let ours = Session { start_requested_ms: Some(5), ..Session::default() };
        let none = Session::default();
        let blocked = |assessment: Assessment| matches!(assessment, Assessment::Blocked(_));
        assert!(blocked(assess("/chats/c", None, &none, Some(2_000))));
        assert!(blocked(assess("/chats/c", Some(&info(Some("inProgress"))), &none, Some(2_000))));
        assert_eq!(assess("/chats/c", Some(&info(Some("inProgress"))), &ours, None), Assessment::Continue);
        assert_eq!(assess("/chats/c", Some(&info(Some("completed"))), &none, None), Assessment::Nothing);
        let start = |earliest| assess("/chats/c", Some(&info(None)), &none, Some(earliest));
        assert_eq!(start(2_000), Assessment::Start { creation_millis: None });
        assert_eq!(start(1_000), Assessment::Start { creation_millis: Some(999) });
        assert_eq!(start(10), Assessment::Start { creation_millis: Some(9) });
        assert_eq!(
            serde_json::to_value(start(10)).unwrap(),
            serde_json::json!({"action": "start", "detail": {"creationMillis": 9}})
        );
    }

    #[test]
    fn the_plan_lays_conversations_on_lanes() {
        let mut journal = TeamsJournal::in_memory("graph").unwrap();
        let run = journal.begin_run(&[]).unwrap();
        let message = |id: usize, conversation: &str| IncomingMessage {
            system_id: Some("s".into()),
            message_id: Some(format!("m{id}")),
            conversation: Some(conversation.into()),
            created_ms: id as i64,
            from_user_id: Some("u".into()),
            body: b"{}".to_vec(),
            ..IncomingMessage::default()
        };
        let records = (0..50).map(|id| message(id, "/chats/a")).chain((50..75).map(|id| message(id, "/chats/b")));
        journal.take_messages(run, records.chain((75..100).map(|id| message(id, "/chats/c"))), false).unwrap();
        // (concurrency, seconds): 50, 25 and 25 messages at 5 per second are 10 s, 5 s and 5 s.
        for (concurrency, seconds) in [(1, 20.0), (2, 10.0), (3, 10.0)] {
            let plan = plan(&journal, concurrency).unwrap();
            assert_eq!((plan.messages, plan.requests), (100, 106));
            assert_eq!(plan.seconds, seconds, "concurrency {concurrency}");
        }
    }
}
