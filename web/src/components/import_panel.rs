//! The import panel: the options, the plan, "Approve and check against the pod" (the checked batch posted to
//! `ferry serve` in slices, its intake and pre-flight), then "Import" with the run's progress, pause, resume and
//! cancel, and every record's fate from the journal. It also picks up what the journal holds when the page is
//! opened again (after a reload, or after the server was restarted): the run's progress and "Continue".
//!
//! The panel works without a checked batch (the journal's view and resumption) and without a token (it says how
//! to get one). State lives in [`ImportState`]; the calls are the functions below, each ending in actions.

use std::cell::Cell;
use std::collections::HashSet;
use std::rc::Rc;

use ferry_core::humanize::{duration, grouped, size};
use ferry_core::{Diagnostic, Rule};
use gloo_timers::future::TimeoutFuture;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::report_panel::ReportPanel;
use crate::import::{
    page_fates, page_findings, same_batch, ImportAction, ImportOptions, ImportState, PageFates, PostedBatch,
    UploadStage, MAX_CONCURRENCY, MAX_RECORDS_PER_POST,
};
use crate::model::{shown_number, CheckedBatch, Decisions, RecordIndex};
use crate::services::api::{Fate, RecordState, Run, RunState, RunSummary};
use crate::services::requests::{ApiClient, BatchOptions, RunControl, MAX_POLL_FAILURES, MAX_RECORDS_PAGE};
use crate::upload::{import_plan, ndjson_body, plan_upload, LeftOut, UploadPlan};

/// Time between two polls of a live run.
const POLL_INTERVAL_MS: u32 = 500;
/// Polls between two reads of the page's fates while a run is live (every 5 s).
const POLLS_PER_FATES_SWEEP: u32 = 10;
/// Fates listed per page of the journal's list.
const JOURNAL_PAGE_SIZE: usize = 50;
/// Most pre-flight findings listed in the panel (the list of records holds them all).
const MAX_LISTED_FINDINGS: usize = 50;

/// Properties of [`ImportPanel`].
#[derive(Properties)]
pub struct ImportPanelProps {
    /// The client of `ferry serve`'s API; `None` when the page was opened without the token.
    pub client: Option<ApiClient>,
    /// The checked batch, when the page holds one.
    #[prop_or_default]
    pub batch: Option<Rc<CheckedBatch>>,
    /// The user's fixes and exclusions.
    #[prop_or_default]
    pub decisions: Decisions,
    /// Called with the server's findings about the page's records whenever they change.
    #[prop_or_default]
    pub on_findings: Callback<Rc<Vec<Diagnostic>>>,
    /// Called with the page's records' fates whenever they change.
    #[prop_or_default]
    pub on_fates: Callback<Rc<PageFates>>,
}

impl PartialEq for ImportPanelProps {
    fn eq(&self, other: &Self) -> bool {
        same_batch(&self.batch, &other.batch)
            && self.client == other.client
            && self.decisions == other.decisions
            && self.on_findings == other.on_findings
            && self.on_fates == other.on_fates
    }
}

type Dispatcher = UseReducerDispatcher<ImportState>;

/// Asks the server where the journal and the run are; starts polling a live run.
fn refresh(client: ApiClient, dispatcher: Dispatcher, poll: PollHandle, upload: Option<Rc<UploadPlan>>) {
    spawn_local(async move {
        // The status names the run too: asking `GET /runs/current` before any run would answer 404.
        let status = match client.status().await {
            Ok(status) => status,
            Err(error) => return dispatcher.dispatch(ImportAction::Failed(error.to_string())),
        };
        let run = status.run.clone();
        dispatcher.dispatch(ImportAction::Status(status));
        match run {
            Some(RunSummary { id, progress }) => {
                let live = progress.state.is_live();
                dispatcher.dispatch(ImportAction::RunUpdated(Run { id, error: None, progress }));
                if live {
                    poll.start(client.clone(), dispatcher.clone(), upload.clone());
                }
            }
            None => dispatcher.dispatch(ImportAction::NoRun),
        }
        read_journal_page(&client, &dispatcher, 0).await;
        if let Some(upload) = upload {
            sweep_fates(&client, &dispatcher, &upload).await;
        }
    });
}

/// Reads one page of the journal's fates for the list.
async fn read_journal_page(client: &ApiClient, dispatcher: &Dispatcher, offset: usize) {
    match client.records(None, offset, JOURNAL_PAGE_SIZE).await {
        Ok(page) => dispatcher.dispatch(ImportAction::JournalPage(page)),
        Err(error) => dispatcher.dispatch(ImportAction::Failed(error.to_string())),
    }
}

/// Reads every fate in the journal, page by page, and keeps those of the page's records.
async fn sweep_fates(client: &ApiClient, dispatcher: &Dispatcher, upload: &UploadPlan) {
    let mut fates = PageFates::new();
    let mut offset = 0;
    // Bounded by the journal's size when the sweep began: records taken in meanwhile wait for the next sweep.
    let mut pages_left: Option<usize> = None;
    while pages_left != Some(0) {
        let page = match client.records(None, offset, MAX_RECORDS_PAGE).await {
            Ok(page) => page,
            Err(error) => return dispatcher.dispatch(ImportAction::Failed(error.to_string())),
        };
        let left = *pages_left.get_or_insert(page.total.div_ceil(MAX_RECORDS_PAGE));
        pages_left = Some(left.saturating_sub(1));
        offset += page.records.len();
        fates.extend(page_fates(&page, upload));
        if page.records.is_empty() || offset >= page.total {
            break;
        }
    }
    dispatcher.dispatch(ImportAction::Fates(Rc::new(fates)));
}

/// The polling of a live run: one loop at a time; starting another, or the panel going away, ends the previous.
#[derive(Clone, Default)]
struct PollHandle {
    generation: Rc<Cell<u64>>,
}

impl PollHandle {
    /// Ends the current loop (it notices before its next call).
    fn stop(&self) {
        self.generation.set(self.generation.get() + 1);
    }

    /// Polls `GET /runs/current` every [`POLL_INTERVAL_MS`] while the run is live, reading the page's fates every
    /// [`POLLS_PER_FATES_SWEEP`] polls and once more at its end; gives up after [`MAX_POLL_FAILURES`] failed
    /// polls in a row and says so.
    fn start(&self, client: ApiClient, dispatcher: Dispatcher, upload: Option<Rc<UploadPlan>>) {
        self.stop();
        let generation = Rc::clone(&self.generation);
        let mine = generation.get();
        spawn_local(async move {
            let mut failures = 0;
            let mut polls = 0;
            loop {
                TimeoutFuture::new(POLL_INTERVAL_MS).await;
                if generation.get() != mine {
                    return;
                }
                polls += 1;
                match client.current_run().await {
                    Ok(Some(run)) => {
                        failures = 0;
                        let live = run.progress.state.is_live();
                        dispatcher.dispatch(ImportAction::RunUpdated(run));
                        if !live {
                            break;
                        }
                    }
                    Ok(None) => {
                        dispatcher.dispatch(ImportAction::NoRun);
                        break;
                    }
                    Err(error) => {
                        failures += 1;
                        if failures >= MAX_POLL_FAILURES {
                            let message = format!("Lost the run after {failures} failed attempts: {error}");
                            dispatcher.dispatch(ImportAction::Failed(message));
                            break;
                        }
                    }
                }
                if polls % POLLS_PER_FATES_SWEEP == 0 {
                    if let Some(upload) = &upload {
                        sweep_fates(&client, &dispatcher, upload).await;
                    }
                }
            }
            if generation.get() != mine {
                return;
            }
            // The run ended: the journal's counts, the list and the fates as it left them.
            if let Ok(status) = client.status().await {
                dispatcher.dispatch(ImportAction::Status(status));
            }
            read_journal_page(&client, &dispatcher, 0).await;
            if let Some(upload) = &upload {
                sweep_fates(&client, &dispatcher, upload).await;
            }
        });
    }
}

/// Posts the upload's batches one after the other: each is read from the files, posted as NDJSON, and its
/// answer (intake, pre-flight) dispatched with its findings mapped to the page's records.
#[allow(clippy::too_many_arguments)]
async fn post_batches(
    client: ApiClient,
    dispatcher: Dispatcher,
    batch: Rc<CheckedBatch>,
    decisions: Rc<Decisions>,
    upload: Rc<UploadPlan>,
    number: u64,
    options: BatchOptions,
) {
    // Findings the page's check already holds, so the server's copies of them are not listed twice.
    let known: HashSet<(RecordIndex, Rule)> =
        batch.findings.iter().filter_map(|finding| Some((finding.location.record?, finding.rule))).collect();
    let file_of = |record: RecordIndex| batch.rows.get(record).map_or(0, |row| row.file as usize);
    for posted in &upload.batches {
        let body = match ndjson_body(&batch, &decisions, &posted.records).await {
            Ok(body) => body,
            Err(message) => return dispatcher.dispatch(ImportAction::UploadFailed { number, message }),
        };
        match client.post_batch(&posted.name, &body, options).await {
            Ok(answer) => {
                let findings = page_findings(&answer, &upload, file_of, |record, code| {
                    Rule::from_code(code).is_some_and(|rule| known.contains(&(record, rule)))
                });
                dispatcher.dispatch(ImportAction::BatchPosted {
                    number,
                    posted: PostedBatch::from(&answer),
                    journal: answer.journal,
                    findings,
                });
            }
            Err(error) => {
                let message = format!("{} was not taken in: {error}", posted.name);
                return dispatcher.dispatch(ImportAction::UploadFailed { number, message });
            }
        }
    }
    dispatcher.dispatch(ImportAction::UploadDone { number });
}

/// A name for this upload's batches: the first file's name and the time, so two uploads never share names.
fn upload_prefix(batch: &CheckedBatch) -> String {
    let file = batch.file_names.first().map_or("batch", String::as_str);
    // Whole milliseconds since 1970, in base 36: short, and increasing.
    let mut millis = js_sys::Date::now().max(0.0) as u64;
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((millis % 36) as u32, 36).unwrap_or('0'));
        millis /= 36;
        if millis == 0 {
            break;
        }
    }
    format!("{file}.{}", digits.iter().rev().collect::<String>())
}

/// A count with thousands separators.
fn count(number: usize) -> String {
    grouped(u64::try_from(number).unwrap_or(u64::MAX))
}

/// Reads a number input; `None` when it does not hold a number.
fn number_of(event: &Event) -> Option<usize> {
    event.target_dyn_into::<HtmlInputElement>()?.value().trim().parse().ok()
}

/// Reads a checkbox.
fn checked_of(event: &Event) -> bool {
    event.target_dyn_into::<HtmlInputElement>().is_some_and(|input| input.checked())
}

/// The import panel.
#[function_component(ImportPanel)]
pub fn import_panel(props: &ImportPanelProps) -> Html {
    let state = use_reducer(ImportState::default);
    let poll = use_memo((), |()| PollHandle::default());
    let upload_numbers = use_mut_ref(|| 0_u64);

    {
        // Where the journal and the run are, once the panel is shown; the poll ends with the panel.
        let client = props.client.clone();
        let dispatcher = state.dispatcher();
        let poll = (*poll).clone();
        use_effect_with(client, move |client| {
            if let Some(client) = client {
                refresh(client.clone(), dispatcher, poll.clone(), None);
            }
            move || poll.stop()
        });
    }
    {
        let on_findings = props.on_findings.clone();
        use_effect_with(Rc::clone(&state.server_findings), move |findings| on_findings.emit(Rc::clone(findings)));
    }
    {
        let on_fates = props.on_fates.clone();
        use_effect_with(Rc::clone(&state.fates), move |fates| on_fates.emit(Rc::clone(fates)));
    }

    let Some(client) = props.client.clone() else {
        return html! {
            <section class="import-panel" id="import-panel" aria-labelledby="import-title">
                <h2 id="import-title">{ "Import" }</h2>
                <p class="import-note" id="no-token-note" role="note">
                    { "Import needs the address `ferry serve` printed (it ends in #token=…): open that address to \
                       import. Checking works without it." }
                </p>
            </section>
        };
    };

    let options = state.options;
    let set_options = |change: fn(ImportOptions, &Event) -> ImportOptions| {
        let dispatcher = state.dispatcher();
        Callback::from(move |event: Event| dispatcher.dispatch(ImportAction::Options(change(options, &event))))
    };
    let on_records_per_post = set_options(|options, event| ImportOptions {
        records_per_post: number_of(event).unwrap_or(options.records_per_post),
        ..options
    });
    let on_concurrency = set_options(|options, event| ImportOptions {
        concurrency: number_of(event).unwrap_or(options.concurrency),
        ..options
    });
    let on_derive_ids = set_options(|options, event| ImportOptions { derive_ids: checked_of(event), ..options });
    let on_provision = set_options(|options, event| ImportOptions { provision: checked_of(event), ..options });

    // The upload as it would be approved now (the batch, the decisions, the options, the server's limits).
    // Worked out again only when one of those changes: a batch of 500,000 records takes a while to plan, and the
    // panel is drawn again at every poll of a run.
    let proposed = {
        let batch = props.batch.clone();
        let batch_identity = props.batch.as_ref().map(|batch| Rc::as_ptr(batch) as usize);
        use_memo(
            (batch_identity, props.decisions.clone(), options.records_per_post, state.limits()),
            move |(_, decisions, records_per_post, limits)| {
                batch.map(|batch| {
                    let upload = plan_upload(&batch, decisions, *records_per_post, *limits, "");
                    let plan = import_plan(&batch, decisions, &upload);
                    (upload, plan)
                })
            },
        )
    };

    let on_approve = {
        let client = client.clone();
        let dispatcher = state.dispatcher();
        let batch = props.batch.clone();
        let decisions = Rc::new(props.decisions.clone());
        let limits = state.limits();
        let upload_numbers = upload_numbers.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(batch) = batch.clone() else { return };
            let number = {
                let mut numbers = upload_numbers.borrow_mut();
                *numbers += 1;
                *numbers
            };
            let upload =
                Rc::new(plan_upload(&batch, &decisions, options.records_per_post, limits, &upload_prefix(&batch)));
            dispatcher.dispatch(ImportAction::UploadStarted { number, upload: Rc::clone(&upload) });
            let batch_options = BatchOptions { derive_ids: options.derive_ids, provision: options.provision };
            let (client, dispatcher, decisions) = (client.clone(), dispatcher.clone(), Rc::clone(&decisions));
            spawn_local(async move {
                post_batches(
                    client.clone(),
                    dispatcher.clone(),
                    batch,
                    decisions,
                    Rc::clone(&upload),
                    number,
                    batch_options,
                )
                .await;
                if let Ok(status) = client.status().await {
                    dispatcher.dispatch(ImportAction::Status(status));
                }
                read_journal_page(&client, &dispatcher, 0).await;
                sweep_fates(&client, &dispatcher, &upload).await;
            });
        })
    };

    let on_start = {
        let client = client.clone();
        let dispatcher = state.dispatcher();
        let poll = (*poll).clone();
        let upload = state.upload.clone();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(ImportAction::RunBusy);
            let (client, dispatcher, poll, upload) = (client.clone(), dispatcher.clone(), poll.clone(), upload.clone());
            spawn_local(async move {
                match client.start_run(options.concurrency).await {
                    Ok(run) => {
                        dispatcher.dispatch(ImportAction::RunStarted(run));
                        poll.start(client, dispatcher, upload);
                    }
                    Err(error) => dispatcher.dispatch(ImportAction::Failed(error.to_string())),
                }
            });
        })
    };
    let control = |action: RunControl| {
        let client = client.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(ImportAction::RunBusy);
            let (client, dispatcher) = (client.clone(), dispatcher.clone());
            spawn_local(async move {
                match client.control_run(action).await {
                    Ok(run) => dispatcher.dispatch(ImportAction::RunUpdated(run)),
                    Err(error) => dispatcher.dispatch(ImportAction::Failed(error.to_string())),
                }
            });
        })
    };
    let on_refresh = {
        let client = client.clone();
        let dispatcher = state.dispatcher();
        let poll = (*poll).clone();
        let upload = state.upload.clone();
        Callback::from(move |_: MouseEvent| refresh(client.clone(), dispatcher.clone(), poll.clone(), upload.clone()))
    };
    let on_journal_page = {
        let client = client.clone();
        let dispatcher = state.dispatcher();
        Callback::from(move |offset: usize| {
            let (client, dispatcher) = (client.clone(), dispatcher.clone());
            spawn_local(async move { read_journal_page(&client, &dispatcher, offset).await });
        })
    };

    let counts = state.counts();
    let busy = state.is_posting() || state.run_is_live() || state.run_busy;
    let can_approve =
        props.batch.is_some() && !busy && (*proposed).as_ref().is_some_and(|(upload, _)| upload.records() > 0);
    let server_line = match &state.status {
        None => "Asking ferry serve…".to_owned(),
        Some(status) => format!(
            "Upstream: {}. Journal: {} imported, {} already imported, {} rejected, {} excluded, {} waiting to be sent.",
            status.upstream,
            count(counts.imported),
            count(counts.already_imported),
            count(counts.rejected),
            count(counts.excluded),
            count(counts.waiting())
        ),
    };

    html! {
        <section class="import-panel" id="import-panel" aria-labelledby="import-title">
            <h2 id="import-title">{ "Import" }</h2>
            <p class="import-status" id="server-status" role="status">{ server_line }</p>
            if let Some(error) = &state.error {
                <p class="import-error" id="import-error" role="alert">{ error }</p>
            }
            <fieldset class="import-options" disabled={busy}>
                <legend>{ "Options" }</legend>
                <label>
                    { "Records per upload " }
                    <input id="records-per-post" type="number" min="1" max={MAX_RECORDS_PER_POST.to_string()}
                        value={options.records_per_post.to_string()} onchange={on_records_per_post} />
                </label>
                <label>
                    { "Requests at once " }
                    <input id="concurrency" type="number" min="1" max={MAX_CONCURRENCY.to_string()}
                        value={options.concurrency.to_string()} onchange={on_concurrency} />
                </label>
                <label>
                    <input id="derive-ids" type="checkbox" checked={options.derive_ids} onchange={on_derive_ids} />
                    { " Derive missing originalMessageIds" }
                </label>
                <label>
                    <input id="provision" type="checkbox" checked={options.provision} onchange={on_provision} />
                    { " Provision what the pod lacks (reactivate, add members)" }
                </label>
            </fieldset>
            { proposed_view((*proposed).as_ref()) }
            <div class="import-actions">
                <button id="approve" class="primary" disabled={!can_approve} onclick={on_approve}>
                    { "Approve and check against the pod" }
                </button>
                if state.is_resumable() {
                    <button id="continue-import" class="primary" onclick={on_start.clone()}>
                        { format!("Continue the import ({} waiting)", grouped(counts.waiting() as u64)) }
                    </button>
                } else {
                    <button id="start-import" class="primary" disabled={!state.can_start_run()} onclick={on_start.clone()}>
                        { "Import" }
                    </button>
                }
                <button id="refresh-import" class="secondary" onclick={on_refresh}>{ "Ask the server again" }</button>
            </div>
            { upload_view(&state) }
            { run_view(&state, control(RunControl::Pause), control(RunControl::Resume), control(RunControl::Cancel)) }
            { batch_fates_view(&state.fates) }
            { journal_view(&state, on_journal_page) }
            <ReportPanel
                client={client}
                batch={props.batch.clone()}
                decisions={props.decisions.clone()}
                upload={state.upload.clone()}
                fates={Rc::clone(&state.fates)}
            />
        </section>
    }
}

/// The upload and the import requests the approval would make.
fn proposed_view(proposed: Option<&(UploadPlan, ferry_core::Plan)>) -> Html {
    let Some((upload, plan)) = proposed else {
        return html! { <p class="import-note">{ "Drop a batch to import it; the journal's records are listed below." }</p> };
    };
    html! {
        <dl class="import-plan" id="import-plan">
            <dt>{ "Uploads to ferry serve" }</dt>
            <dd id="plan-uploads">
                { format!("{}, {} records ({})", count(upload.batches.len()), count(upload.records()), size(upload.body_bytes())) }
            </dd>
            if !upload.left_out.is_empty() {
                <dt>{ "Left out" }</dt>
                <dd id="plan-left-out">{ left_out_line(upload) }</dd>
            }
            <dt>{ "Import requests" }</dt>
            <dd id="plan-requests">
                { format!("{}, {} records ({})", count(plan.requests.len()), count(plan.records_planned), size(plan.total_bytes)) }
            </dd>
            <dt>{ "Estimated duration" }</dt>
            <dd id="plan-duration">
                { format!(
                    "about {} at {} messages per hour",
                    duration(plan.estimated_seconds.saturating_mul(1000)),
                    grouped(plan.messages_per_hour)
                ) }
            </dd>
        </dl>
    }
}

/// How many records are left out of the upload, and why: `3 (2 excluded by you, 1 its JSON cannot be read)`.
fn left_out_line(upload: &UploadPlan) -> String {
    let reasons = [LeftOut::Excluded, LeftOut::Unreadable, LeftOut::TooLarge].map(|reason| {
        let count = upload.left_out.iter().filter(|(_, left_out)| *left_out == reason).count();
        (count > 0).then(|| format!("{count} {}", reason.reason()))
    });
    let reasons: Vec<String> = reasons.into_iter().flatten().collect();
    format!("{} ({})", upload.left_out.len(), reasons.join(", "))
}

/// The upload's progress and what the server made of each posted batch.
fn upload_view(state: &ImportState) -> Html {
    let line = match &state.stage {
        UploadStage::NotStarted => return html! {},
        UploadStage::Posting { posted, total } => {
            format!("Checking against the pod: batch {} of {total}…", (posted + 1).min(*total))
        }
        UploadStage::Done => format!("Checked against the pod: every batch taken in ({}).", state.posted.len()),
        UploadStage::Failed { posted, message } => format!("Stopped with {posted} batches taken in: {message}"),
    };
    let planned: usize = state.posted.iter().map(|batch| batch.planned).sum();
    let refused: usize = state.posted.iter().map(|batch| batch.refused).sum();
    let already: usize = state.posted.iter().map(|batch| batch.already_done).sum();
    let derived: usize = state.posted.iter().map(|batch| batch.derived_ids).sum();
    let cannot_import = state.posted.iter().any(|batch| !batch.service_user_can_import);
    let provisioned: Vec<String> = state
        .posted
        .iter()
        .filter_map(|batch| batch.provisioned.as_ref())
        .flat_map(|done| {
            let counts = [
                (done.users_activated.len(), "users reactivated"),
                (done.users_created.len(), "users created"),
                (done.streams_activated.len(), "streams reactivated"),
                (done.memberships_added.len(), "memberships added"),
            ];
            counts
                .into_iter()
                .filter(|(count, _)| *count > 0)
                .map(|(count, what)| format!("{count} {what}"))
                .chain(done.impossible.iter().cloned())
                .collect::<Vec<_>>()
        })
        .collect();
    let failed = matches!(state.stage, UploadStage::Failed { .. });
    html! {
        <div class="upload-result" id="upload-result">
            <p class={classes!("upload-line", failed.then_some("import-error"))} role="status" id="upload-line">{ line }</p>
            if !state.posted.is_empty() {
                <p id="intake-counts">
                    { format!("{planned} planned, {refused} refused, {already} already imported, {derived} given derived ids.") }
                </p>
            }
            if cannot_import {
                <p class="import-error" role="alert">
                    { "The service user lacks Content Management (POD001): the pod will refuse every import." }
                </p>
            }
            if !provisioned.is_empty() {
                <p id="provisioned">{ format!("Provisioned: {}.", provisioned.join(", ")) }</p>
            }
            { findings_view(&state.server_findings) }
        </div>
    }
}

/// The server's findings about the page's records, the first ones.
fn findings_view(findings: &[Diagnostic]) -> Html {
    if findings.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h3>{ format!("Found by ferry serve: {}", findings.len()) }</h3>
            <ul class="server-findings" id="server-findings">
                { for findings.iter().take(MAX_LISTED_FINDINGS).map(|finding| html! {
                    <li class="server-finding">
                        <code class="code">{ finding.code() }</code>
                        { " " }
                        <span class="record-index">
                            { finding.location.record.map_or_else(|| "the batch".to_owned(), |record| format!("#{}", shown_number(record))) }
                        </span>
                        { " " }
                        <span class="message">{ &finding.message }</span>
                    </li>
                }) }
            </ul>
            if findings.len() > MAX_LISTED_FINDINGS {
                <p class="import-note">{ format!("and {} more, in the list of records", findings.len() - MAX_LISTED_FINDINGS) }</p>
            }
        </>
    }
}

/// The run's progress and its controls.
fn run_view(
    state: &ImportState,
    on_pause: Callback<MouseEvent>,
    on_resume: Callback<MouseEvent>,
    on_cancel: Callback<MouseEvent>,
) -> Html {
    let Some(run) = &state.run else { return html! {} };
    let progress = &run.progress;
    let live = progress.state.is_live();
    html! {
        <div class="run" id="run" aria-live="polite">
            <h3>{ format!("Run {}: ", run.id) }<span id="run-state">{ progress.state.label() }</span></h3>
            <progress id="run-progress" max={progress.requests_total.max(1).to_string()} value={progress.requests_done.to_string()}>
                { format!("{} of {} requests", progress.requests_done, progress.requests_total) }
            </progress>
            <p id="run-counts">
                { format!(
                    "{} of {} requests answered ({} at the pod), {} of {} records: {} imported, {} already imported, {} rejected, {} unknown; {:.0} s.",
                    progress.requests_done, progress.requests_total, progress.requests_in_flight, progress.records_done,
                    progress.records_total, progress.imported, progress.already_imported, progress.rejected,
                    progress.unknown, progress.elapsed_seconds
                ) }
            </p>
            if let Some(error) = run.error.as_ref().or(progress.last_error.as_ref()) {
                <p class="import-error" id="run-error">{ error }</p>
            }
            if live {
                <div class="run-controls">
                    if progress.state == RunState::Paused {
                        <button id="resume-run" disabled={state.run_busy} onclick={on_resume}>{ "Resume" }</button>
                    } else {
                        <button id="pause-run" disabled={state.run_busy || progress.state == RunState::Stopping} onclick={on_pause}>{ "Pause" }</button>
                    }
                    <button id="cancel-run" class="secondary" disabled={state.run_busy || progress.state == RunState::Stopping} onclick={on_cancel}>
                        { "Cancel" }
                    </button>
                </div>
            }
        </div>
    }
}

/// The fates of the page's records, the first [`JOURNAL_PAGE_SIZE`] in page order.
fn batch_fates_view(fates: &PageFates) -> Html {
    if fates.is_empty() {
        return html! {};
    }
    let mut records: Vec<(&RecordIndex, &Fate)> = fates.iter().collect();
    records.sort_unstable_by_key(|(record, _)| **record);
    let listed = records.len().min(JOURNAL_PAGE_SIZE);
    html! {
        <div class="batch-fates">
            <h3>{ format!("This batch's records: {listed} of {} listed", records.len()) }</h3>
            <table class="fates" id="batch-fates">
                <thead><tr><th>{ "record" }</th><th>{ "state" }</th><th>{ "Agent's answer" }</th></tr></thead>
                <tbody>
                    { for records.iter().take(listed).map(|(record, fate)| html! {
                        <tr class={classes!("fate", fate.state.as_str())}>
                            <td class="record-index">{ format!("#{}", shown_number(**record)) }</td>
                            <td class="state">{ fate.state.label() }</td>
                            <td class="answer">{ fate_answer(fate) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}

/// What the Agent answered about a record (its `messageId`), or why it is not imported.
fn fate_answer(fate: &Fate) -> Html {
    match (&fate.message_id, fate.state) {
        (Some(message_id), _) => html! { <code class="message-id">{ message_id }</code> },
        (None, RecordState::Excluded) => {
            html! { { format!("{} {}", fate.codes.clone().unwrap_or_default(), fate.diagnostic.clone().unwrap_or_default()) } }
        }
        (None, _) => html! { { fate.diagnostic.clone().unwrap_or_default() } },
    }
}

/// Who a fate is about: the page's record when the page posted it, else its posted batch and index.
fn fate_subject(state: &ImportState, fate: &Fate) -> String {
    match state.upload.as_ref().and_then(|upload| upload.page_record(&fate.file, fate.record_index)) {
        Some(record) => format!("#{}", shown_number(record)),
        None => format!("{} #{}", fate.file, fate.record_index + 1),
    }
}

/// One page of the journal's fates.
fn journal_view(state: &ImportState, on_page: Callback<usize>) -> Html {
    let Some(page) = &state.journal_page else { return html! {} };
    if page.total == 0 {
        return html! { <p class="import-note" id="journal-empty">{ "The journal holds no record yet." }</p> };
    }
    let previous = page.offset.checked_sub(JOURNAL_PAGE_SIZE).map(|offset| {
        let on_page = on_page.clone();
        Callback::from(move |_: MouseEvent| on_page.emit(offset))
    });
    let next_offset = page.offset + page.records.len();
    let next = (next_offset < page.total).then(|| Callback::from(move |_: MouseEvent| on_page.emit(next_offset)));
    html! {
        <div class="journal">
            <h3>{ format!("Records in the journal: {}–{} of {}", page.offset + 1, next_offset, page.total) }</h3>
            <table class="fates" id="journal-fates">
                <thead><tr><th>{ "record" }</th><th>{ "message" }</th><th>{ "state" }</th><th>{ "Agent's answer" }</th></tr></thead>
                <tbody>
                    { for page.records.iter().map(|fate| html! {
                        <tr class={classes!("fate", fate.state.as_str())}>
                            <td class="record-index">{ fate_subject(state, fate) }</td>
                            <td class="original-id">{ fate.original_message_id.clone().unwrap_or_default() }</td>
                            <td class="state">{ fate.state.label() }</td>
                            <td class="answer">{ fate_answer(fate) }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
            <div class="journal-pages">
                <button class="secondary" id="journal-previous" disabled={previous.is_none()} onclick={previous.unwrap_or_default()}>{ "Previous" }</button>
                <button class="secondary" id="journal-next" disabled={next.is_none()} onclick={next.unwrap_or_default()}>{ "Next" }</button>
            </div>
        </div>
    }
}
