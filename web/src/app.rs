//! The page: a header, the drop zone and the options, the progress of a check, then the checked batch: its
//! summary, the findings about its files, the list of records and the view of the record chosen in it.

use std::rc::Rc;

use ferry_core::Target;
use ferry_web::check::assemble::Step;
use ferry_web::check::protocol::CheckSettings;
use yew::prelude::*;

use crate::components::deferred::Deferred;
use crate::components::drop_zone::DropZone;
use crate::components::file_findings::FileFindings;
use crate::components::format::grouped;
use crate::components::import_panel::ImportPanel;
use crate::components::options::Options;
use crate::components::record_list::{fate_text, RecordList};
use crate::components::summary::Summary;
use crate::components::teams_import::TeamsImportPanel;
use crate::listing::Amendments;
use crate::review::{DecisionChange, FixedBatchPanel, RecordPanel, ReviewAction, ReviewState};
use crate::services::requests::ApiClient;
use crate::session;
use crate::state::{Action, AppState, CheckOptions, ChosenBatch, RunId};
use crate::validation::CheckWorker;

/// How far a check is, in whole percent.
fn percent(done: u64, total: u64) -> String {
    match (done.saturating_mul(100)).checked_div(total) {
        Some(share) => format!("{}%", share.min(100)),
        None => String::new(),
    }
}

/// The root component.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::default);
    // Taken once, at start-up, so the token leaves the address bar at once.
    let client = use_memo((), |()| session::start().map(ApiClient::new));
    // Handed out synchronously in the event handler, so two batches chosen before a re-render still get
    // distinct run numbers.
    let last_run = use_mut_ref(RunId::default);
    // The running check; replacing or clearing it terminates its worker.
    let running = use_mut_ref(|| None::<CheckWorker>);

    // Checks files with options: the drop zone with the current options, a change of target or maps with the
    // new ones.
    let start_check = {
        let dispatcher = state.dispatcher();
        let running = running.clone();
        Callback::from(move |(files, options): (Vec<web_sys::File>, CheckOptions)| {
            let run = {
                let mut last_run = last_run.borrow_mut();
                *last_run += 1;
                *last_run
            };
            let batch = ChosenBatch {
                file_names: files.iter().map(web_sys::File::name).collect(),
                // File sizes are integral numbers of bytes.
                size_bytes: files.iter().map(|file| file.size() as u64).sum(),
            };
            // Stop the previous check before the new one starts.
            running.borrow_mut().take();
            dispatcher.dispatch(Action::BatchChosen { run, batch });
            // `Date.now()` is an integral number of milliseconds well inside i64.
            let now_millis = options.now_millis.unwrap_or_else(|| js_sys::Date::now() as i64);
            let teams_directory = (options.target == Target::Teams).then(|| options.teams_maps.directory()).flatten();
            let settings = CheckSettings { run, target: options.target, now_millis, teams_directory };
            let on_step = {
                let dispatcher = dispatcher.clone();
                move |step: Step| match step {
                    Step::Nothing => {}
                    Step::Progress { bytes_checked, records_checked } => {
                        dispatcher.dispatch(Action::Progress { run, bytes_checked, records_checked })
                    }
                    Step::Checked(batch) => dispatcher.dispatch(Action::Checked { run, batch: Rc::new(*batch) }),
                    Step::Failed(message) => dispatcher.dispatch(Action::CheckFailed { run, message }),
                }
            };
            match CheckWorker::start(settings, files, on_step) {
                Ok(worker) => *running.borrow_mut() = Some(worker),
                Err(message) => dispatcher.dispatch(Action::CheckFailed { run, message }),
            }
        })
    };
    let on_files = {
        let start_check = start_check.clone();
        let options = state.options.clone();
        Callback::from(move |files| start_check.emit((files, options.clone())))
    };
    let on_cancel = {
        let dispatcher = state.dispatcher();
        let running = running.clone();
        Callback::from(move |_: MouseEvent| {
            running.borrow_mut().take();
            dispatcher.dispatch(Action::CancelCheck);
        })
    };
    let on_action = {
        let dispatcher = state.dispatcher();
        Callback::from(move |action: Action| dispatcher.dispatch(action))
    };
    let on_options = {
        let dispatcher = state.dispatcher();
        let current = state.options.clone();
        let files = state.batch.as_ref().map(|batch| batch.files.clone());
        Callback::from(move |options: CheckOptions| {
            let recheck = current.changes_rules(&options);
            dispatcher.dispatch(Action::SetOptions(options.clone()));
            if let (true, Some(files)) = (recheck, &files) {
                start_check.emit((files.clone(), options));
            }
        })
    };
    let on_recheck = state.batch.as_ref().map(|batch| {
        let files = batch.files.clone();
        let on_files = on_files.clone();
        Callback::from(move |()| on_files.emit(files.clone()))
    });
    let on_reset = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::Reset))
    };

    // The review (fixes' findings and log) belongs to one batch: a new batch starts a new review.
    let review = use_reducer(ReviewState::default);
    {
        let review = review.clone();
        use_effect_with(state.batch.clone(), move |_| review.dispatch(ReviewAction::Reset));
    }
    let on_decision_change = {
        let dispatcher = state.dispatcher();
        Callback::from(move |change| {
            dispatcher.dispatch(match change {
                DecisionChange::Replace(texts) => Action::ReplaceRecords(texts),
                DecisionChange::SetExcluded(index, excluded) => Action::SetExcluded(index, excluded),
            })
        })
    };
    let on_server_findings = {
        let dispatcher = state.dispatcher();
        Callback::from(move |findings| dispatcher.dispatch(Action::ServerFindings(findings)))
    };
    let on_fates = {
        let dispatcher = state.dispatcher();
        Callback::from(move |fates| dispatcher.dispatch(Action::Fates(fates)))
    };
    // What the list reads of the records beside the check: fixes re-checked, the server's findings, the
    // records left out and the fates.
    let amendments = use_memo(
        (
            review.rechecked.clone(),
            state.server_findings.clone(),
            state.decisions.excluded.clone(),
            state.fates.clone(),
        ),
        |(rechecked, server_findings, excluded, fates)| Amendments {
            rechecked: rechecked.clone(),
            added: Amendments::group_added(server_findings),
            excluded: excluded.clone(),
            fates: fates.clone(),
        },
    );
    let on_close_record = {
        let dispatcher = state.dispatcher();
        Callback::from(move |()| dispatcher.dispatch(Action::CloseRecord))
    };
    let progress = state.checking.as_ref().map(|checking| {
        html! {
            <div class="status progress" role="status">
                <progress max={checking.batch.size_bytes.max(1).to_string()} value={checking.bytes_checked.to_string()}
                    aria-label="Bytes checked" />
                <span id="check-progress">
                    { format!(
                        "Checking {}… {} ({} of {} bytes, {} records)",
                        checking.batch.title(),
                        percent(checking.bytes_checked, checking.batch.size_bytes),
                        grouped(checking.bytes_checked),
                        grouped(checking.batch.size_bytes),
                        grouped(checking.records_checked as u64),
                    ) }
                </span>
                <button class="secondary" id="cancel-check" onclick={on_cancel}>{ "Cancel" }</button>
            </div>
        }
    });
    let failure = state.failure.as_ref().map(|failure| {
        html! {
            <div class="status failed" role="alert">
                <strong>{ format!("{} was not checked. ", failure.batch.title()) }</strong>{ &failure.message }
            </div>
        }
    });
    let report = state.batch.as_ref().map(|batch| {
        html! {
            <div class="report">
                <div class="report-actions">
                    <button class="secondary" id="check-other" onclick={on_reset}>{ "Check other files" }</button>
                </div>
                <Summary batch={batch.clone()} filters={state.filters.clone()} on_action={on_action.clone()} />
                <FileFindings batch={batch.clone()} />
                <div class="workbench">
                    <Deferred identity={Rc::as_ptr(batch) as usize} preparing="Listing the records">
                        <RecordList batch={batch.clone()} amendments={amendments.clone()} filters={state.filters.clone()} sort={state.sort}
                            selected={state.selected} on_action={on_action.clone()} />
                    </Deferred>
                    // The view of the selected record.
                    if let Some(index) = state.selected {
                        <RecordPanel batch={batch.clone()} record={index} decisions={state.decisions.clone()}
                            review={review.clone()} on_change={on_decision_change} on_close={on_close_record}
                            added={Rc::new(amendments.added.get(&index).cloned().unwrap_or_default())}
                            fate={fate_text(amendments.fates.get(&index), amendments.excluded.contains(&index)).map(AttrValue::from)} />
                    }
                </div>
                <FixedBatchPanel batch={batch.clone()} decisions={state.decisions.clone()} review={review.clone()} />
            </div>
        }
    });

    html! {
        <main class="page">
            <header class="masthead">
                <h1>{ "Ferry" }</h1>
                <p class="tagline">
                    { "Check a Symphony or Microsoft Teams import batch before anything is sent. The file never leaves this page." }
                </p>
            </header>
            <DropZone on_files={on_files} busy={state.checking.is_some()} />
            <Options options={state.options.clone()} on_change={on_options} on_recheck={on_recheck} />
            // Each always one node (empty when there is nothing to show), so the components after them keep their
            // place: an absent one would shift them, and yew would mount them anew (the options' file inputs
            // would be replaced under the user's hand, their state lost).
            { progress.unwrap_or_default() }
            { failure.unwrap_or_default() }
            { report.unwrap_or_default() }
            if let Some(batch) = state.batch.as_ref().filter(|batch| batch.target == Target::Teams) {
                <TeamsImportPanel client={(*client).clone()} batch={batch.clone()} decisions={state.decisions.clone()}
                    maps={state.options.teams_maps.clone()} />
            } else {
                <ImportPanel client={(*client).clone()} batch={state.batch.clone()} decisions={state.decisions.clone()}
                    on_findings={on_server_findings} on_fates={on_fates} />
            }
        </main>
    }
}
