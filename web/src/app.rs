//! The page: a header, the drop zone, and the report of the last file checked.

use ferry_core::Target;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::drop_zone::DropZone;
use crate::components::import_panel::ImportPanel;
use crate::components::report_view::ReportView;
use crate::services::requests::ApiClient;
use crate::session;
use crate::state::{Action, AppState, ChosenBatch, Phase, RunId};
use crate::validation::check_files;

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
    // Handed out synchronously in the event handler, so two files dropped before a re-render still get
    // distinct run numbers.
    let last_run = use_mut_ref(RunId::default);

    let on_files = {
        let dispatcher = state.dispatcher();
        Callback::from(move |files: Vec<web_sys::File>| {
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
            dispatcher.dispatch(Action::BatchChosen { run, batch });
            let dispatcher = dispatcher.clone();
            spawn_local(async move {
                let progress = {
                    let dispatcher = dispatcher.clone();
                    move |bytes_checked| dispatcher.dispatch(Action::Progress { run, bytes_checked })
                };
                match check_files(files, Target::Symphony, progress).await {
                    Ok(checked) => dispatcher.dispatch(Action::Checked { run, checked }),
                    Err(error) => dispatcher.dispatch(Action::ReadFailed { run, message: error.to_string() }),
                }
            });
        })
    };
    let on_toggle_severity = {
        let dispatcher = state.dispatcher();
        Callback::from(move |severity| dispatcher.dispatch(Action::ToggleSeverity(severity)))
    };
    let on_reset = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatcher.dispatch(Action::Reset))
    };

    let busy = matches!(state.phase, Phase::Checking { .. });
    let body = match &state.phase {
        Phase::Idle => html! {},
        Phase::Checking { batch, bytes_checked } => html! {
            <p class="status" role="status">
                { format!("Checking {}… {}", batch.title(), percent(*bytes_checked, batch.size_bytes)) }
            </p>
        },
        Phase::Failed { batch, message } => html! {
            <div class="status failed" role="alert">
                <strong>{ format!("{} was not checked. ", batch.title()) }</strong>{ message }
            </div>
        },
        Phase::Checked(checked) => html! {
            <ReportView
                checked={checked.clone()}
                shown_severities={state.shown_severities}
                on_toggle_severity={on_toggle_severity}
                on_reset={on_reset}
            />
        },
    };

    html! {
        <main class="page">
            <header class="masthead">
                <h1>{ "Ferry" }</h1>
                <p class="tagline">
                    { "Check a Symphony import batch before anything is sent. The file never leaves this page." }
                </p>
            </header>
            <DropZone on_files={on_files} busy={busy} />
            { body }
            <ImportPanel client={(*client).clone()} />
        </main>
    }
}
