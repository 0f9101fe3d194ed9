//! The Teams half of the API (`/api/v1/teams/...`, documented in `docs/api.md`): the maps, batches checked for
//! Teams and taken into the Teams journal, the plan, a run through Graph's migration mode with pause, resume
//! and cancel, every record's fate and the reports. It mirrors the Symphony endpoints and shares their rules:
//! unknown query or body members are refused, intake and runs never overlap ([`AppState::busy`]), and the only
//! upstream is the Graph the server was started with ([`TeamsSettings::client`]).

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ferry_core::teams::Directory;
use ferry_core::{Options, Target};
use ferry_proxy::report::{write_teams_report, ReportFormat};
use ferry_proxy::run::{Control, Progress};
use ferry_proxy::teams::intake::{read_into_teams_journal, TeamsIntakeOptions, TeamsRequest};
use ferry_proxy::teams::journal::MessageState;
use ferry_proxy::teams::run::{self as teams_run, ConversationOutcome, TeamsRunOptions};
use ferry_proxy::teams::{GraphClient, TeamsJournal};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::handlers::{
    blocking, body, control_run_in, diagnostics_json, gate, page_limit, query, report_response, run_concurrency,
    run_in_progress, run_json_of, ApiResult, NoQuery,
};
use super::{AppError, AppState, CurrentRun};

/// What the server imports into Teams with.
pub struct TeamsSettings {
    /// Graph's client (the sandbox's simulated Graph, or a tenant's).
    pub client: Arc<GraphClient>,
    /// The Teams journal.
    pub journal: TeamsJournal,
    /// What Graph is, for `GET /api/v1/teams/status`: `sandbox` or `tenant`.
    pub upstream_kind: &'static str,
}

/// The Teams part of the server's state.
pub(crate) struct TeamsState {
    client: Arc<GraphClient>,
    journal: Arc<Mutex<TeamsJournal>>,
    directory: Mutex<Option<Directory>>,
    upstream_kind: &'static str,
    /// The last run's conversations, once it has ended.
    outcomes: Arc<Mutex<Vec<ConversationOutcome>>>,
}

impl TeamsState {
    pub(crate) fn new(settings: TeamsSettings) -> TeamsState {
        TeamsState {
            client: settings.client,
            journal: Arc::new(Mutex::new(settings.journal)),
            directory: Mutex::new(None),
            upstream_kind: settings.upstream_kind,
            outcomes: Arc::new(Mutex::new(Vec::new())),
        }
    }
}

/// A checked record's Graph import request, by ferry-convert's conversion with the maps (what `ferry import
/// --target teams` and `POST /api/v1/teams/batches` convert with).
///
/// # Errors
/// Why the record gives no request (not UTF-8, an unmapped stream or user), as a sentence.
pub fn teams_request(text: &[u8], directory: &Directory) -> Result<TeamsRequest, String> {
    let text = std::str::from_utf8(text).map_err(|error| format!("not UTF-8: {error}"))?;
    let request = ferry_convert::teams::request_for_record(text, directory).map_err(|error| error.to_string())?;
    Ok(TeamsRequest { conversation: request.conversation, created_millis: request.created_millis, body: request.body })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn teams(state: &AppState) -> ApiResult<&TeamsState> {
    state.teams.get().ok_or_else(|| {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_teams_upstream",
            "This server has no Microsoft Graph to import into: start it with --teams-config teams.yaml, or with a sandbox manifest that has a graph section",
        )
    })
}

fn directory(teams: &TeamsState) -> ApiResult<Directory> {
    lock(&teams.directory).clone().ok_or_else(|| {
        AppError::conflict("no_maps", "No maps yet: post users.csv and streams.csv to /api/v1/teams/maps first")
    })
}

/// `GET /api/v1/teams/status`.
pub async fn status(
    State(state): State<Arc<AppState>>,
    status_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    query(status_query)?;
    let Some(teams) = state.teams.get() else {
        return Ok(Json(json!({ "upstream": "none" })));
    };
    let maps = lock(&teams.directory)
        .as_ref()
        .map(|directory| json!({ "users": directory.users.len(), "streams": directory.streams.len() }));
    let journal = Arc::clone(&teams.journal);
    let counts = blocking(move || Ok(lock(&journal).counts()?)).await?;
    let run = state.teams_run().as_ref().map(|run| json!({ "id": run.id, "progress": *run.progress.borrow() }));
    Ok(Json(json!({
        "upstream": teams.upstream_kind,
        "graphUrl": teams.client.graph_url(),
        "maps": maps,
        "counts": counts,
        "run": run,
    })))
}

/// Body of `POST /api/v1/teams/maps`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapsBody {
    /// `users.csv`: `symphonyUserId,entraUserId,displayName`.
    users: String,
    /// `streams.csv`: `streamId,teamId,channelId,chatId`.
    streams: String,
}

/// `POST /api/v1/teams/maps`: the maps later batches are converted with (replacing earlier ones).
pub async fn post_maps(
    State(state): State<Arc<AppState>>,
    maps_query: Result<Query<NoQuery>, QueryRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    query(maps_query)?;
    let teams = teams(&state)?;
    let maps: MapsBody = serde_json::from_slice(&body(bytes)?)
        .map_err(|error| AppError::bad_request("bad_body", format!("The maps: {error}")))?;
    let users = ferry_convert::teams::read_users_csv(&maps.users)
        .map_err(|error| AppError::bad_request("bad_maps", format!("users.csv: {error}")))?;
    let streams = ferry_convert::teams::read_streams_csv(&maps.streams)
        .map_err(|error| AppError::bad_request("bad_maps", format!("streams.csv: {error}")))?;
    let answer = json!({ "users": users.len(), "streams": streams.len() });
    *lock(&teams.directory) = Some(Directory { users, streams });
    Ok(Json(answer))
}

/// Query of `POST /api/v1/teams/batches`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamsBatchQuery {
    /// The batch's name in reports (default `teams-batch-N.json`).
    name: Option<String>,
    /// Plan again the messages Graph refused in an earlier run.
    #[serde(default)]
    retry_failed: bool,
}

/// `POST /api/v1/teams/batches`: checks a batch for Teams, converts it with the maps, takes it into the Teams
/// journal; answers what was taken and the plan.
pub async fn post_batch(
    State(state): State<Arc<AppState>>,
    batch_query: Result<Query<TeamsBatchQuery>, QueryRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let batch_query = query(batch_query)?;
    let bytes = body(bytes)?;
    let teams = teams(&state)?;
    let directory = directory(teams)?;
    let _busy = state.busy.lock().await;
    if run_in_progress(&state.teams_run()) || run_in_progress(&state.current_run()) {
        return Err(AppError::conflict(
            "run_in_progress",
            "A run is in progress: post batches once it has ended (or cancel it)",
        ));
    }
    let mut options = Options::new(Target::Teams, ferry_sandbox::now_millis());
    options.teams_directory = Some(directory.clone());
    gate(&bytes, &options).await?;
    let number = state.batches.fetch_add(1, Ordering::SeqCst) + 1;
    let name =
        batch_query.name.filter(|name| !name.trim().is_empty()).unwrap_or_else(|| format!("teams-batch-{number}.json"));
    let journal = Arc::clone(&teams.journal);
    let file = name.clone();
    let retry_failed = batch_query.retry_failed;
    let (checked, counts, plan) = blocking(move || {
        let inputs: Vec<(String, Box<dyn Read + Send>)> = vec![(file.clone(), Box::new(std::io::Cursor::new(bytes)))];
        let mut journal = lock(&journal);
        let intake_run = journal.begin_run(std::slice::from_ref(&file))?;
        let convert = |text: &[u8]| teams_request(text, &directory);
        let intake_options = TeamsIntakeOptions { options, keep_bodies: true, retry_failed };
        let checked = read_into_teams_journal(intake_run, inputs, &intake_options, convert, &mut journal, |_| {});
        journal.end_run(intake_run, if checked.is_ok() { "taken" } else { "failed" })?;
        let checked = checked?;
        Ok((checked, journal.counts()?, teams_run::plan(&journal, super::handlers::DEFAULT_CONCURRENCY)?))
    })
    .await?;
    let conversion_errors: Vec<Value> = checked
        .conversion_errors
        .iter()
        .map(|(_, record, reason)| json!({ "record": record, "message": reason }))
        .collect();
    Ok(Json(json!({
        "name": name,
        "records": checked.summary.records,
        "planned": checked.intake.planned,
        "refused": checked.intake.excluded,
        "alreadyDone": checked.intake.already_done,
        "previouslyFailed": checked.intake.previously_failed,
        "notConverted": checked.not_converted,
        "conversionErrors": conversion_errors,
        "summary": checked.summary,
        "diagnostics": diagnostics_json(&checked.findings.diagnostics),
        "journal": counts,
        "plan": plan,
    })))
}

/// Query of `GET /api/v1/teams/plan`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    /// Conversations at once the duration assumes (default 2).
    concurrency: Option<usize>,
}

/// `GET /api/v1/teams/plan?concurrency=`: the conversations with work left and the duration.
pub async fn plan(
    State(state): State<Arc<AppState>>,
    plan_query: Result<Query<PlanQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let concurrency = query(plan_query)?.concurrency.unwrap_or(super::handlers::DEFAULT_CONCURRENCY).max(1);
    let journal = Arc::clone(&teams(&state)?.journal);
    let plan = blocking(move || Ok(teams_run::plan(&lock(&journal), concurrency)?)).await?;
    Ok(Json(json!(plan)))
}

/// `GET /api/v1/teams/preflight`: every conversation with work left looked up in Graph (read-only), and what a
/// run will do with it (start, continue, or blocked with the reason). 502 when Graph refuses the application.
pub async fn preflight(
    State(state): State<Arc<AppState>>,
    preflight_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    query(preflight_query)?;
    let teams = teams(&state)?;
    let checks = teams_run::preflight(&teams.client, &teams.journal).await?;
    Ok(Json(json!({ "conversations": checks })))
}

/// `POST /api/v1/teams/runs`: starts importing every conversation with work left.
pub async fn start_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    query(run_query)?;
    let concurrency = run_concurrency(body(bytes)?)?;
    let teams = teams(&state)?;
    let Ok(_busy) = state.busy.try_lock() else {
        return Err(AppError::conflict(
            "intake_in_progress",
            "A batch is being checked: start the run once it is taken in",
        ));
    };
    if run_in_progress(&state.teams_run()) || run_in_progress(&state.current_run()) {
        return Err(AppError::conflict("run_in_progress", "A run is already in progress"));
    }
    let journal = Arc::clone(&teams.journal);
    let run_id = blocking(move || {
        let journal = lock(&journal);
        if journal.open_conversations()?.is_empty() {
            return Err(AppError::conflict("nothing_planned", "No message is planned: post a batch first"));
        }
        Ok(journal.begin_run(&["api".to_owned()])?)
    })
    .await?;
    let control = Arc::new(Control::default());
    let (sender, receiver) = watch::channel(Progress::default());
    let error = Arc::new(Mutex::new(None));
    let finished = Arc::new(AtomicBool::new(false));
    let options = TeamsRunOptions { concurrency, now_millis: ferry_sandbox::now_millis() };
    let (task_error, task_finished, task_outcomes) =
        (Arc::clone(&error), Arc::clone(&finished), Arc::clone(&teams.outcomes));
    let (client, task_journal, task_control) =
        (Arc::clone(&teams.client), Arc::clone(&teams.journal), Arc::clone(&control));
    lock(&teams.outcomes).clear();
    let task = async move {
        match teams_run::run(client, task_journal, run_id, options, task_control, sender).await {
            Ok(report) => *lock(&task_outcomes) = report.conversations,
            Err(failure) => *lock(&task_error) = Some(failure.to_string()),
        }
        task_finished.store(true, Ordering::SeqCst);
    };
    *state.teams_run() = Some(CurrentRun { id: run_id, control, progress: receiver, error, finished });
    tokio::spawn(task);
    Ok((StatusCode::ACCEPTED, Json(run_json(&state)?)).into_response())
}

/// `{"id", "progress", "error", "conversations"}`: the conversations' outcomes once the run has ended.
fn run_json(state: &AppState) -> ApiResult<Value> {
    let mut value = run_json_of(&state.teams_run())?;
    if let Some(teams) = state.teams.get() {
        value["conversations"] = json!(*lock(&teams.outcomes));
    }
    Ok(value)
}

/// `GET /api/v1/teams/runs/current`.
pub async fn current_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    query(run_query)?;
    Ok(Json(run_json(&state)?))
}

fn control(state: &AppState, action: fn(&Control)) -> ApiResult<Response> {
    control_run_in(&state.teams_run(), action)?;
    Ok((StatusCode::ACCEPTED, Json(run_json(state)?)).into_response())
}

/// `POST /api/v1/teams/runs/current/pause`.
pub async fn pause_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(run_query)?;
    control(&state, Control::pause)
}

/// `POST /api/v1/teams/runs/current/resume`.
pub async fn resume_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(run_query)?;
    control(&state, Control::resume)
}

/// `POST /api/v1/teams/runs/current/cancel`: no new message leaves; conversations are left in migration mode
/// and continued by the next run.
pub async fn cancel_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(run_query)?;
    control(&state, Control::stop)
}

/// Query of `GET /api/v1/teams/records`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamsRecordsQuery {
    /// Only records in this state: `pending`, `sending`, `imported`, `failed`, `excluded`.
    state: Option<String>,
    /// Records to skip.
    #[serde(default)]
    offset: usize,
    /// Most records to answer (default 100, at most 1,000).
    limit: Option<usize>,
}

const STATES: [MessageState; 5] = [
    MessageState::Pending,
    MessageState::Sending,
    MessageState::Imported,
    MessageState::Failed,
    MessageState::Excluded,
];

/// `GET /api/v1/teams/records?state=&offset=&limit=`: every record's fate, a page at a time.
pub async fn records(
    State(state): State<Arc<AppState>>,
    records_query: Result<Query<TeamsRecordsQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let records_query = query(records_query)?;
    let limit = page_limit(records_query.limit)?;
    let wanted = match records_query.state.as_deref() {
        None | Some("") => None,
        Some(name) => Some(STATES.into_iter().find(|known| known.as_str() == name).ok_or_else(|| {
            let names: Vec<&str> = STATES.iter().map(|known| known.as_str()).collect();
            AppError::bad_request("bad_query", format!("unknown state `{name}`; one of {}", names.join(", ")))
        })?),
    };
    let offset = records_query.offset;
    let journal = Arc::clone(&teams(&state)?.journal);
    let (total, page) = blocking(move || Ok(lock(&journal).fates_page(wanted, offset, limit)?)).await?;
    Ok(Json(json!({ "total": total, "offset": offset, "limit": limit, "records": page })))
}

async fn report(state: &AppState, format: ReportFormat) -> ApiResult<Response> {
    let journal = Arc::clone(&teams(state)?.journal);
    let bytes = blocking(move || {
        let mut out = Vec::new();
        write_teams_report(&lock(&journal), format, &mut out)?;
        Ok(out)
    })
    .await?;
    Ok(report_response(bytes, format, "ferry-teams-report"))
}

/// `GET /api/v1/teams/report.csv`.
pub async fn report_csv(
    State(state): State<Arc<AppState>>,
    report_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(report_query)?;
    report(&state, ReportFormat::Csv).await
}

/// `GET /api/v1/teams/report.json`.
pub async fn report_json(
    State(state): State<Arc<AppState>>,
    report_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(report_query)?;
    report(&state, ReportFormat::Json).await
}
