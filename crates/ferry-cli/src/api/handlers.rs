//! The API's handlers. Journal work runs on the blocking pool (SQLite is synchronous); a batch's intake and a
//! run never overlap ([`AppState::busy`]), so the journal's lock is never waited for by a task that the other
//! needs to make progress.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ferry_core::{Diagnostic, Options, Rule, Severity, Target};
use ferry_proxy::intake::IntakeOptions;
use ferry_proxy::journal::RecordState;
use ferry_proxy::prepare::prepare;
use ferry_proxy::report::{write_report, ReportFormat};
use ferry_proxy::run::{self, Control, Progress, RunOptions, RunState};
use ferry_proxy::PodClient;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::{AppError, AppState, CurrentRun, MAX_BODY_BYTES, MAX_RECORDS_PER_BATCH};

/// Most records `GET /api/v1/records` answers at once.
const MAX_PAGE: usize = 1_000;
/// Requests in flight at once when the run does not say.
pub(super) const DEFAULT_CONCURRENCY: usize = 2;
/// Most requests in flight a run may ask for.
const MAX_CONCURRENCY: usize = 32;

pub(super) type ApiResult<T> = Result<T, AppError>;

/// A query, or 400 naming what is wrong (an unknown member such as `upstream` included).
pub(super) fn query<T>(query: Result<Query<T>, QueryRejection>) -> ApiResult<T> {
    query
        .map(|Query(value)| value)
        .map_err(|rejection| AppError::bad_request("bad_query", rejection.body_text()))
}

/// A body, or 413/400.
pub(super) fn body(body: Result<Bytes, BytesRejection>) -> ApiResult<Bytes> {
    body.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!(
                    "The body is larger than {} MiB; split the batch",
                    MAX_BODY_BYTES / (1024 * 1024)
                ),
            )
        } else {
            AppError::bad_request("bad_body", rejection.body_text())
        }
    })
}

fn client(state: &AppState) -> ApiResult<Arc<PodClient>> {
    state.client.clone().ok_or_else(|| {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_upstream",
            "This server runs without a pod (--no-sandbox): it cannot import",
        )
    })
}

/// Runs journal work on the blocking pool.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| AppError::internal(format!("a task failed: {error}")))?
}

fn run_active(state: &AppState) -> bool {
    run_in_progress(&state.current_run()) || run_in_progress(&state.teams_run())
}

/// Whether `run` is a run whose task has not returned.
pub(super) fn run_in_progress(run: &Option<CurrentRun>) -> bool {
    run.as_ref()
        .is_some_and(|run| !run.finished.load(Ordering::SeqCst))
}

/// One finding as the API answers it (the shape of `ferry check --format json`, without line and column).
fn diagnostic_json(diagnostic: &Diagnostic) -> Value {
    json!({
        "record": diagnostic.location.record,
        "code": diagnostic.rule.code(),
        "name": diagnostic.rule.name(),
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "help": diagnostic.help,
        "pointer": diagnostic.location.pointer,
        "span": diagnostic.location.span,
        "fix": diagnostic.fix,
    })
}

pub(super) fn diagnostics_json<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>) -> Value {
    Value::Array(diagnostics.into_iter().map(diagnostic_json).collect())
}

/// `GET /api/v1/status`.
pub async fn status(State(state): State<Arc<AppState>>) -> ApiResult<Json<Value>> {
    let journal = Arc::clone(&state.journal);
    let counts = blocking(move || {
        let journal = journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(journal.counts()?)
    })
    .await?;
    let run = state
        .current_run()
        .as_ref()
        .map(|run| json!({ "id": run.id, "progress": *run.progress.borrow() }));
    Ok(Json(json!({
        "upstream": if state.client.is_some() { state.upstream_kind } else { "none" },
        "counts": counts,
        "run": run,
        "limits": { "maxBodyBytes": MAX_BODY_BYTES, "maxRecordsPerBatch": MAX_RECORDS_PER_BATCH },
    })))
}

/// The gate of a batch, before the journal is touched: a batch that is not a batch, holds no record or too
/// many, changes nothing (413 or 400 with the file's findings).
pub(super) async fn gate(bytes: &Bytes, options: &Options) -> ApiResult<()> {
    let gate_options = options.clone();
    let gate_bytes = bytes.clone();
    let report = blocking(move || Ok(ferry_core::validate(&gate_bytes, &gate_options))).await?;
    if report.summary.records > MAX_RECORDS_PER_BATCH {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_records",
            format!(
                "The batch holds {} records; at most {MAX_RECORDS_PER_BATCH} per call: split it into several batches",
                report.summary.records
            ),
        ));
    }
    let file_errors: Vec<&Diagnostic> = report
        .diagnostics
        .iter()
        .filter(|diagnostic| {
            diagnostic.location.record.is_none()
                && (diagnostic.severity == Severity::Error || diagnostic.rule == Rule::EmptyInput)
        })
        .collect();
    if !file_errors.is_empty() || report.summary.records == 0 {
        let message = file_errors.first().map_or_else(
            || "The batch holds no record".to_owned(),
            |first| first.message.clone(),
        );
        return Err(AppError::bad_request(
            "malformed_batch",
            format!("The batch cannot be read as a whole: {message}"),
        )
        .with_diagnostics(diagnostics_json(file_errors)));
    }
    Ok(())
}

/// Query of `POST /api/v1/batches`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchQuery {
    /// The batch's name in reports (default `batch-N.json`).
    name: Option<String>,
    /// Give records without `originalMessageId` the core's derived id.
    #[serde(default)]
    derive_ids: bool,
    /// Provision what the pre-flight finds missing (users reactivated, members added).
    #[serde(default)]
    provision: bool,
}

/// `POST /api/v1/batches`: checks a batch and takes it into the journal.
pub async fn post_batch(
    State(state): State<Arc<AppState>>,
    batch_query: Result<Query<BatchQuery>, QueryRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult<Json<Value>> {
    let batch_query = query(batch_query)?;
    let bytes = body(bytes)?;
    let client = client(&state)?;
    let _busy = state.busy.lock().await;
    if run_active(&state) {
        return Err(AppError::conflict(
            "run_in_progress",
            "A run is in progress: post batches once it has ended (or cancel it)",
        ));
    }
    let options = Options::new(Target::Symphony, ferry_sandbox::now_millis());
    gate(&bytes, &options).await?;
    let number = state.batches.fetch_add(1, Ordering::SeqCst) + 1;
    let name = batch_query
        .name
        .filter(|name| !name.trim().is_empty())
        .unwrap_or_else(|| format!("batch-{number}.json"));
    let intake_options = IntakeOptions {
        options,
        derive_ids: batch_query.derive_ids,
        keep_bodies: true,
        retry_rejected: false,
    };
    let journal = Arc::clone(&state.journal);
    let provision = batch_query.provision;
    let file = name.clone();
    let (prepared, counts) = blocking(move || {
        let inputs: Vec<(String, Box<dyn Read + Send>)> =
            vec![(file.clone(), Box::new(std::io::Cursor::new(bytes)))];
        let mut journal = journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Each batch is taken in by a run of its own (a key twice within it is a copy; across batches, the
        // later batch's record replaces a record not yet sent).
        let intake_run = journal.begin_run(std::slice::from_ref(&file))?;
        // On the blocking pool, so the pre-flight's calls are driven here while the journal is held; no run
        // is active (see `busy`), so nothing else waits for it on a worker thread.
        let prepared = tokio::runtime::Handle::current().block_on(prepare(
            &client,
            &mut journal,
            intake_run,
            inputs,
            &intake_options,
            provision,
            |_| {},
        ));
        journal.end_run(
            intake_run,
            if prepared.is_ok() { "taken" } else { "failed" },
        )?;
        let prepared = prepared?;
        let counts = journal.counts()?;
        Ok((prepared, counts))
    })
    .await?;
    let checked = &prepared.checked;
    Ok(Json(json!({
        "name": name,
        "records": checked.summary.records,
        "planned": checked.intake.planned.saturating_sub(prepared.pod_excluded),
        "refused": checked.intake.excluded + prepared.pod_excluded,
        "alreadyDone": checked.intake.already_done,
        "previouslyRejected": checked.intake.previously_rejected,
        "derivedIds": checked.derived_ids,
        "summary": checked.summary,
        "diagnostics": diagnostics_json(&checked.diagnostics),
        "podDiagnostics": diagnostics_json(&prepared.pod_diagnostics),
        "provisioned": prepared.provisioned,
        "serviceUserCanImport": prepared.service_user_can_import(),
        "journal": counts,
    })))
}

/// Body of `POST /api/v1/runs` (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunRequest {
    /// Requests in flight at once (1 to 32; default 2).
    concurrency: Option<usize>,
}

/// The concurrency a run's body asks for (empty: the default).
pub(super) fn run_concurrency(bytes: Bytes) -> ApiResult<usize> {
    let request: RunRequest = if bytes.iter().all(u8::is_ascii_whitespace) {
        RunRequest::default()
    } else {
        serde_json::from_slice(&bytes).map_err(|error| {
            AppError::bad_request("bad_body", format!("The run's options: {error}"))
        })?
    };
    let concurrency = request.concurrency.unwrap_or(DEFAULT_CONCURRENCY);
    if !(1..=MAX_CONCURRENCY).contains(&concurrency) {
        return Err(AppError::bad_request(
            "bad_body",
            format!("concurrency must be 1 to {MAX_CONCURRENCY}"),
        ));
    }
    Ok(concurrency)
}

/// `POST /api/v1/runs`: starts importing every planned record.
pub async fn start_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
    bytes: Result<Bytes, BytesRejection>,
) -> ApiResult<Response> {
    query(run_query)?;
    let concurrency = run_concurrency(body(bytes)?)?;
    let client = client(&state)?;
    let Ok(_busy) = state.busy.try_lock() else {
        return Err(AppError::conflict(
            "intake_in_progress",
            "A batch is being checked: start the run once it is taken in",
        ));
    };
    if run_active(&state) {
        return Err(AppError::conflict(
            "run_in_progress",
            "A run is already in progress",
        ));
    }
    let journal = Arc::clone(&state.journal);
    let run_id = blocking(move || {
        let journal = journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if journal.pending()?.is_empty() {
            return Err(AppError::conflict(
                "nothing_planned",
                "No record is planned: post a batch first",
            ));
        }
        Ok(journal.begin_run(&["api".to_owned()])?)
    })
    .await?;
    let control = Arc::new(Control::default());
    let (sender, receiver) = watch::channel(Progress::default());
    let error = Arc::new(Mutex::new(None));
    let options = RunOptions {
        concurrency,
        planner: Options::new(Target::Symphony, ferry_sandbox::now_millis()),
    };
    let task_error = Arc::clone(&error);
    let task_journal = Arc::clone(&state.journal);
    let task_control = Arc::clone(&control);
    let finished = Arc::new(AtomicBool::new(false));
    let task_finished = Arc::clone(&finished);
    let task = async move {
        if let Err(failure) =
            run::run(client, task_journal, run_id, &options, task_control, sender).await
        {
            *task_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(failure.to_string());
        }
        task_finished.store(true, Ordering::SeqCst);
    };
    *state.current_run() = Some(CurrentRun {
        id: run_id,
        control,
        progress: receiver,
        error,
        finished,
    });
    tokio::spawn(task);
    let body = run_json(&state)?;
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// No query members at all.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoQuery {}

fn run_json(state: &AppState) -> ApiResult<Value> {
    run_json_of(&state.current_run())
}

/// `{"id", "progress", "error"}` of a run, or 404 when none was started.
pub(super) fn run_json_of(run: &Option<CurrentRun>) -> ApiResult<Value> {
    let run = run
        .as_ref()
        .ok_or_else(|| AppError::not_found("no_run", "No run has been started"))?;
    let progress = run.progress.borrow().clone();
    let error = run
        .error
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    Ok(json!({ "id": run.id, "progress": progress, "error": error }))
}

/// `GET /api/v1/runs/current`.
pub async fn current_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    query(run_query)?;
    Ok(Json(run_json(&state)?))
}

fn control_run(state: &AppState, action: fn(&Control)) -> ApiResult<Response> {
    control_run_in(&state.current_run(), action)?;
    Ok((StatusCode::ACCEPTED, Json(run_json(state)?)).into_response())
}

/// Applies `action` to a run not yet ended (404 without a run, 409 once it ended).
pub(super) fn control_run_in(run: &Option<CurrentRun>, action: fn(&Control)) -> ApiResult<()> {
    {
        let run = run
            .as_ref()
            .ok_or_else(|| AppError::not_found("no_run", "No run has been started"))?;
        let finished = run.finished.load(Ordering::SeqCst)
            || matches!(
                run.progress.borrow().state,
                RunState::Completed | RunState::Stopped | RunState::Halted
            );
        if finished {
            return Err(AppError::conflict(
                "run_finished",
                "The run has ended; start a new one",
            ));
        }
        action(&run.control);
    }
    Ok(())
}

/// `POST /api/v1/runs/current/pause`.
pub async fn pause_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(run_query)?;
    control_run(&state, Control::pause)
}

/// `POST /api/v1/runs/current/resume`.
pub async fn resume_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(run_query)?;
    control_run(&state, Control::resume)
}

/// `POST /api/v1/runs/current/cancel`: no new request starts; the run ends once those in flight are answered.
pub async fn cancel_run(
    State(state): State<Arc<AppState>>,
    run_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(run_query)?;
    control_run(&state, Control::stop)
}

/// Query of `GET /api/v1/records`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsQuery {
    /// Only records in this state.
    state: Option<String>,
    /// Records to skip.
    #[serde(default)]
    offset: usize,
    /// Most records to answer (default 100, at most 1,000).
    limit: Option<usize>,
}

const STATES: [RecordState; 6] = [
    RecordState::Planned,
    RecordState::InFlight,
    RecordState::Imported,
    RecordState::AlreadyImported,
    RecordState::Rejected,
    RecordState::Excluded,
];

/// A page's `limit` (default 100, at most [`MAX_PAGE`]).
pub(super) fn page_limit(limit: Option<usize>) -> ApiResult<usize> {
    let limit = limit.unwrap_or(100);
    if limit > MAX_PAGE {
        return Err(AppError::bad_request(
            "bad_query",
            format!("limit is at most {MAX_PAGE}"),
        ));
    }
    Ok(limit)
}

/// `GET /api/v1/records?state=&offset=&limit=`: every record's fate, a page at a time, in journal order.
pub async fn records(
    State(state): State<Arc<AppState>>,
    records_query: Result<Query<RecordsQuery>, QueryRejection>,
) -> ApiResult<Json<Value>> {
    let records_query = query(records_query)?;
    let limit = page_limit(records_query.limit)?;
    let wanted = match records_query.state.as_deref() {
        None | Some("") => None,
        Some(name) => Some(
            STATES
                .into_iter()
                .find(|known| known.as_str() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = STATES.iter().map(|known| known.as_str()).collect();
                    AppError::bad_request(
                        "bad_query",
                        format!("unknown state `{name}`; one of {}", names.join(", ")),
                    )
                })?,
        ),
    };
    let offset = records_query.offset;
    let journal = Arc::clone(&state.journal);
    let (total, page) = blocking(move || {
        let journal = journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (total, page) = journal.fates_page(wanted, offset, limit)?;
        Ok((total, page))
    })
    .await?;
    Ok(Json(
        json!({ "total": total, "offset": offset, "limit": limit, "records": page }),
    ))
}

async fn report(state: &AppState, format: ReportFormat) -> ApiResult<Response> {
    let journal = Arc::clone(&state.journal);
    let bytes = blocking(move || {
        let journal = journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut out = Vec::new();
        write_report(&journal, format, &mut out)?;
        Ok(out)
    })
    .await?;
    Ok(report_response(bytes, format, "ferry-report"))
}

/// A report's bytes as a download named `{stem}.csv` or `{stem}.json`.
pub(super) fn report_response(bytes: Vec<u8>, format: ReportFormat, stem: &str) -> Response {
    let (content_type, file) = match format {
        ReportFormat::Csv => ("text/csv; charset=utf-8", format!("{stem}.csv")),
        ReportFormat::Json => ("application/json", format!("{stem}.json")),
    };
    let mut response = bytes.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::try_from(format!("attachment; filename=\"{file}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `GET /api/v1/report.csv`.
pub async fn report_csv(
    State(state): State<Arc<AppState>>,
    report_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(report_query)?;
    report(&state, ReportFormat::Csv).await
}

/// `GET /api/v1/report.json`.
pub async fn report_json(
    State(state): State<Arc<AppState>>,
    report_query: Result<Query<NoQuery>, QueryRejection>,
) -> ApiResult<Response> {
    query(report_query)?;
    report(&state, ReportFormat::Json).await
}
