//! The import runner: sends the journal's pending records in planned requests, several at a time, keeping
//! each stream's order, and records every outcome.
//!
//! - The plan is ferry-core's planner over the pending records (at most 5,000 records and a byte limit per
//!   request; a stream's records together and in time order).
//! - Up to `concurrency` requests are at the pod at once, and as many more are being prepared or recorded
//!   meanwhile, so the journal's work overlaps the pod's. A request starts only when none of its streams is
//!   in a request not yet answered or in an earlier request still waiting, so each stream's requests are sent
//!   in order.
//! - Each request: its records are marked in flight (committed), the request is sent (with the client's
//!   retries), and the answers are recorded (committed). A 400 rejects its records with the reason; a refusal
//!   of the caller (401 after logging in again, 403) plans them again and halts the run; an unknown outcome
//!   (retries spent on timeouts, connection errors or 5xx) leaves them in flight and halts the run, since the
//!   pod is failing: the next run sends them again, which the Agent's dedupe makes safe.
//! - [`Control`] stops (after the requests in flight), pauses and resumes a run.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use ferry_core::planner::{self, RecordFacts};
use ferry_core::Options;
use serde::Serialize;
use tokio::sync::{mpsc, watch, Notify, Semaphore};
use tokio::task::JoinSet;

use crate::client::{ImportAnswer, PodClient};
use crate::error::{CallError, ProxyError};
use crate::journal::{Journal, Outcome, RecordState, RequestFailure};

/// Stops, pauses and resumes a run from another task (Ctrl-C, the HTTP API).
#[derive(Debug, Default)]
pub struct Control {
    stop: AtomicBool,
    paused: AtomicBool,
    changed: Notify,
}

impl Control {
    /// Starts no new request; the run ends once the requests in flight are answered.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    /// Starts no new request until [`Control::resume`].
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    /// Undoes [`Control::pause`].
    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    /// Whether a stop was asked.
    pub fn is_stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Whether the run is paused.
    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    /// Returns once the run is not paused (at once when it is not, or when it is stopped).
    pub async fn wait_while_paused(&self) {
        loop {
            // Registered before the check, so a resume between the check and the wait is not missed.
            let changed = self.changed.notified();
            if !self.is_paused() || self.is_stopped() {
                return;
            }
            changed.await;
        }
    }
}

/// Where a run is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Not started.
    #[default]
    Idle,
    /// Sending.
    Running,
    /// Paused by the user; requests in flight finish.
    Paused,
    /// Stopping after the requests in flight.
    Stopping,
    /// Every pending record has an outcome.
    Completed,
    /// Stopped by the user; a new run resumes.
    Stopped,
    /// Halted on a request whose outcome is unknown, or on the pod refusing the caller (401, 403); a new run
    /// resumes.
    Halted,
}

/// A run's progress, published after every request.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Where the run is.
    pub state: RunState,
    /// Records the run is to send.
    pub records_total: usize,
    /// Records with an outcome recorded by this run.
    pub records_done: usize,
    /// Requests planned.
    pub requests_total: usize,
    /// Requests answered (or refused).
    pub requests_done: usize,
    /// Requests in flight now.
    pub requests_in_flight: usize,
    /// Imported by this run.
    pub imported: usize,
    /// Ignored by the Agent as repeats.
    pub already_imported: usize,
    /// Refused by the Agent.
    pub rejected: usize,
    /// Records whose request's outcome is unknown (still in flight in the journal).
    pub unknown: usize,
    /// Seconds since the run started.
    pub elapsed_seconds: f64,
    /// The last failure, if any.
    pub last_error: Option<String>,
}

/// How a run sends.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Requests in flight at once (at least 1).
    pub concurrency: usize,
    /// The planner's limits (records and bytes per request).
    pub planner: Options,
}

/// How a request ended.
enum RequestEnd {
    Answered { imported: usize, already_imported: usize, rejected: usize },
    Refused { records: usize, error: CallError },
    CallerRefused { error: CallError },
    Unknown { records: usize, error: CallError },
}

/// What the Agent's answer means for one record.
pub fn classify(answer: &ImportAnswer) -> Outcome {
    // The Agent "ignores" an `originalMessageId` it has imported: the sandbox answers the first import's id
    // with a diagnostic starting "Duplicate ignored:"; an answer with neither id nor diagnostic is read the same
    // way, since the Agent documents no other case where it says nothing.
    let duplicate = answer.diagnostic.as_deref().is_some_and(|text| text.to_ascii_lowercase().contains("duplicate"));
    let state = match (&answer.message_id, &answer.diagnostic) {
        (Some(_), _) if duplicate => RecordState::AlreadyImported,
        (Some(_), _) => RecordState::Imported,
        (None, Some(_)) if duplicate => RecordState::AlreadyImported,
        (None, Some(_)) => RecordState::Rejected,
        (None, None) => RecordState::AlreadyImported,
    };
    let diagnostic = match (&answer.message_id, &answer.diagnostic) {
        (None, None) => Some("no messageId and no diagnostic: ignored by the Agent as a repeat".to_owned()),
        _ => answer.diagnostic.clone(),
    };
    Outcome { state, agent_message_id: answer.message_id.clone(), diagnostic }
}

fn lock(journal: &Mutex<Journal>) -> MutexGuard<'_, Journal> {
    // A panic while the journal was held left SQLite consistent (every change is a transaction), so the
    // connection is still usable.
    journal.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Sends one request of `record_ids` and records its outcome.
/// What a request's task shares with the run.
struct Shared {
    client: Arc<PodClient>,
    journal: Arc<Mutex<Journal>>,
    run: i64,
    /// One permit per request allowed at the pod at once.
    sending: Arc<Semaphore>,
    /// Told the index of each request as soon as its answer (or failure) arrives.
    answered: mpsc::UnboundedSender<usize>,
}

/// Prepares request `index` (its records marked in flight, its body assembled), waits for a turn at the pod,
/// sends it, tells the run it was answered, and records its outcome. Preparing and recording happen while
/// other requests are at the pod, so the journal's work does not add to the pod's.
async fn send_request(shared: Arc<Shared>, index: usize, record_ids: Vec<i64>) -> Result<RequestEnd, ProxyError> {
    let record_ids = Arc::new(record_ids);
    let (request, body) = {
        let (journal, run, record_ids) = (Arc::clone(&shared.journal), shared.run, Arc::clone(&record_ids));
        blocking(move || prepare_request(&mut lock(&journal), run, &record_ids)).await??
    };
    let answer = {
        // The semaphore is never closed, so acquiring fails only if it were; then the request goes anyway.
        let _turn = shared.sending.acquire().await.ok();
        shared.client.import(&body, record_ids.len()).await
    };
    drop(body);
    // The run may be gone (a journal error ended it); the outcome is recorded all the same.
    let _ = shared.answered.send(index);
    let journal = Arc::clone(&shared.journal);
    blocking(move || record_answer(&mut lock(&journal), request, &record_ids, answer)).await?
}

/// Runs journal work on the blocking pool, off the threads that drive HTTP.
pub(crate) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ProxyError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ProxyError::Refused(format!("journal task failed: {error}")))
}

/// Marks the records in flight in a new request and assembles its body.
fn prepare_request(journal: &mut Journal, run: i64, record_ids: &[i64]) -> Result<(i64, Vec<u8>), ProxyError> {
    let bodies = journal.bodies(record_ids)?;
    let mut body = Vec::with_capacity(bodies.iter().map(|body| body.len() + 1).sum::<usize>() + 2);
    body.push(b'[');
    for (index, record) in bodies.iter().enumerate() {
        if index > 0 {
            body.push(b',');
        }
        body.extend_from_slice(record);
    }
    body.push(b']');
    Ok((journal.begin_request(run, record_ids)?, body))
}

/// Records what the Agent answered (or how the request failed).
fn record_answer(
    journal: &mut Journal,
    request: i64,
    record_ids: &[i64],
    answer: Result<Vec<ImportAnswer>, CallError>,
) -> Result<RequestEnd, ProxyError> {
    match answer {
        Ok(answers) => {
            let outcomes: Vec<Outcome> = answers.iter().map(classify).collect();
            journal.finish_request(request, record_ids, &outcomes)?;
            let count = |state| outcomes.iter().filter(|outcome| outcome.state == state).count();
            Ok(RequestEnd::Answered {
                imported: count(RecordState::Imported),
                already_imported: count(RecordState::AlreadyImported),
                rejected: count(RecordState::Rejected),
            })
        }
        Err(error) if error.outcome_unknown() => {
            journal.fail_request(request, record_ids, &error.to_string(), RequestFailure::Unknown)?;
            Ok(RequestEnd::Unknown { records: record_ids.len(), error })
        }
        Err(error) if matches!(error.status(), Some(401 | 403)) => {
            journal.fail_request(request, record_ids, &error.to_string(), RequestFailure::NotApplied)?;
            Ok(RequestEnd::CallerRefused { error })
        }
        Err(error) => {
            journal.fail_request(request, record_ids, &error.to_string(), RequestFailure::Rejected)?;
            Ok(RequestEnd::Refused { records: record_ids.len(), error })
        }
    }
}

/// One planned request of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedSend {
    /// Journal ids of its records, in the order they are sent.
    pub record_ids: Vec<i64>,
    /// Its streams, as indices in the order of first appearance.
    pub streams: Vec<u32>,
    /// Size of its body, in bytes.
    pub bytes: u64,
}

/// The planned requests over the journal's pending records.
///
/// # Errors
/// [`ProxyError::Journal`].
pub fn plan(journal: &Journal, options: &Options) -> Result<Vec<PlannedSend>, ProxyError> {
    let pending = journal.pending()?;
    let mut streams: HashMap<&str, u32> = HashMap::new();
    let facts: Vec<RecordFacts> = pending
        .iter()
        .map(|record| {
            let next = u32::try_from(streams.len()).unwrap_or(u32::MAX - 1);
            let stream = *streams.entry(record.stream_id.as_str()).or_insert(next);
            RecordFacts { stream, timestamp: record.timestamp, bytes: record.bytes, has_error: false }
        })
        .collect();
    let plan = planner::plan(&facts, options, |_, _| true);
    Ok(plan
        .requests
        .into_iter()
        .map(|request| {
            let mut request_streams: Vec<u32> = request.records.iter().map(|&index| facts[index].stream).collect();
            request_streams.sort_unstable();
            request_streams.dedup();
            PlannedSend {
                record_ids: request.records.iter().map(|&index| pending[index].id).collect(),
                streams: request_streams,
                bytes: request.bytes,
            }
        })
        .collect())
}

/// Runs the import of the journal's pending records; returns the final progress.
///
/// # Errors
/// [`ProxyError::Journal`] when the journal cannot be written (the run stops: what was recorded stays).
pub async fn run(
    client: Arc<PodClient>,
    journal: Arc<Mutex<Journal>>,
    run_id: i64,
    options: &RunOptions,
    control: Arc<Control>,
    progress: watch::Sender<Progress>,
) -> Result<Progress, ProxyError> {
    let requests = plan(&lock(&journal), &options.planner)?;
    let started = Instant::now();
    let mut state = Progress {
        state: RunState::Running,
        records_total: requests.iter().map(|request| request.record_ids.len()).sum(),
        requests_total: requests.len(),
        ..Progress::default()
    };
    progress.send_replace(state.clone());
    let concurrency = options.concurrency.max(1);
    let (answered, mut answers) = mpsc::unbounded_channel();
    let shared = Arc::new(Shared {
        client,
        journal: Arc::clone(&journal),
        run: run_id,
        sending: Arc::new(Semaphore::new(concurrency)),
        answered,
    });
    let mut waiting: Vec<usize> = (0..requests.len()).collect();
    let mut busy_streams: HashSet<u32> = HashSet::new();
    // Requests started and not finished, and whether each was answered (its streams then freed): each frees
    // its streams once, on its answer or, when it failed before one, on finishing.
    let mut live: HashMap<usize, bool> = HashMap::new();
    let mut in_flight: JoinSet<(usize, Result<RequestEnd, ProxyError>)> = JoinSet::new();
    let mut halted = false;
    let mut journal_error = None;
    loop {
        let stopping = control.is_stopped() || halted || journal_error.is_some();
        if !stopping && !control.is_paused() {
            // Start waiting requests in plan order, skipping any that shares a stream with one not yet answered
            // or with an earlier waiting request. Up to `concurrency` more than may be at the pod are started, so
            // that they are prepared while the others are there.
            let mut claimed: HashSet<u32> = HashSet::new();
            let mut position = 0;
            while in_flight.len() < 2 * concurrency && position < waiting.len() {
                let request = waiting[position];
                let streams = &requests[request].streams;
                if streams.iter().any(|stream| busy_streams.contains(stream) || claimed.contains(stream)) {
                    claimed.extend(streams.iter().copied());
                    position += 1;
                    continue;
                }
                busy_streams.extend(streams.iter().copied());
                waiting.remove(position);
                live.insert(request, false);
                let task = send_request(Arc::clone(&shared), request, requests[request].record_ids.clone());
                in_flight.spawn(async move { (request, task.await) });
            }
        }
        state.requests_in_flight = in_flight.len();
        state.state = match () {
            () if stopping => RunState::Stopping,
            () if control.is_paused() => RunState::Paused,
            () => RunState::Running,
        };
        state.elapsed_seconds = started.elapsed().as_secs_f64();
        progress.send_replace(state.clone());
        if in_flight.is_empty() && (stopping || waiting.is_empty()) {
            break;
        }
        if in_flight.is_empty() {
            // Paused with nothing in flight: wait for a resume or stop.
            let changed = control.changed.notified();
            if control.is_paused() && !control.is_stopped() {
                changed.await;
            }
            continue;
        }
        let changed = control.changed.notified();
        tokio::select! {
            biased;
            Some(request) = answers.recv() => {
                // Answered: the next request of its streams may go while this one's outcome is recorded.
                if let Some(answered) = live.get_mut(&request).filter(|answered| !**answered) {
                    *answered = true;
                    for stream in &requests[request].streams {
                        busy_streams.remove(stream);
                    }
                }
            }
            finished = in_flight.join_next() => {
                let Some(finished) = finished else { continue };
                let (request, end) = match finished {
                    Ok(done) => done,
                    Err(panic) => {
                        journal_error = Some(ProxyError::Refused(format!("a request task failed: {panic}")));
                        continue;
                    }
                };
                // A request that failed before it was sent frees its streams now; an answered one freed them
                // already, and they may be another request's by now.
                if live.remove(&request) == Some(false) {
                    for stream in &requests[request].streams {
                        busy_streams.remove(stream);
                    }
                }
                state.requests_done += 1;
                match end {
                    Ok(RequestEnd::Answered { imported, already_imported, rejected }) => {
                        state.imported += imported;
                        state.already_imported += already_imported;
                        state.rejected += rejected;
                        state.records_done += imported + already_imported + rejected;
                    }
                    Ok(RequestEnd::Refused { records, error }) => {
                        state.rejected += records;
                        state.records_done += records;
                        state.last_error = Some(error.to_string());
                    }
                    Ok(RequestEnd::CallerRefused { error }) => {
                        state.last_error = Some(error.to_string());
                        halted = true;
                    }
                    Ok(RequestEnd::Unknown { records, error }) => {
                        state.unknown += records;
                        state.last_error = Some(error.to_string());
                        halted = true;
                    }
                    Err(error) => journal_error = Some(error),
                }
            }
            () = changed => {}
        }
    }
    state.requests_in_flight = 0;
    state.elapsed_seconds = started.elapsed().as_secs_f64();
    state.state = if halted {
        RunState::Halted
    } else if waiting.is_empty() && journal_error.is_none() {
        RunState::Completed
    } else {
        RunState::Stopped
    };
    progress.send_replace(state.clone());
    let end = match state.state {
        RunState::Completed => "completed",
        RunState::Halted => "halted",
        _ => "stopped",
    };
    // Ending a run drops the imported records' bodies: journal work, off the threads that drive HTTP.
    blocking(move || lock(&journal).end_run(run_id, end)).await??;
    match journal_error {
        Some(error) => Err(error),
        None => Ok(state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(message_id: Option<&str>, diagnostic: Option<&str>) -> ImportAnswer {
        ImportAnswer {
            message_id: message_id.map(str::to_owned),
            diagnostic: diagnostic.map(str::to_owned),
            ..ImportAnswer::default()
        }
    }

    #[test]
    fn answers_are_classified() {
        let cases = [
            (answer(Some("m"), None), RecordState::Imported),
            (answer(Some("m"), Some("Duplicate ignored: seen")), RecordState::AlreadyImported),
            (answer(None, Some("Duplicate message")), RecordState::AlreadyImported),
            (answer(None, Some("Invalid messageML")), RecordState::Rejected),
            (answer(None, None), RecordState::AlreadyImported),
            (answer(Some("m"), Some("narrative")), RecordState::Imported),
        ];
        for (answer, expected) in cases {
            assert_eq!(classify(&answer).state, expected, "{answer:?}");
        }
    }
}
