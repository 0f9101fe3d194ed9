//! The import panel of a batch checked for Teams: the upload through `ferry serve`'s `/api/v1/teams/` endpoints
//! (docs/api.md), then the run.
//!
//! "Upload to Teams" posts the maps the page loaded (`POST /teams/maps`), then the records not left out, with
//! their fixed texts, cut as the Symphony upload cuts them ([`crate::upload::plan_upload`]), each part checked
//! for Teams, converted and taken into the server's Teams journal (`POST /teams/batches`); the server's plan
//! (`GET /teams/plan`) is shown. "Import into Teams" starts the run (`POST /teams/runs`) and follows it
//! (`GET /teams/runs/current`, polled with a bound on failures in a row) to each conversation's end.
//!
//! The upload is disabled, with why, without the session's token, without a Graph at the server, or without
//! both maps. The `ferry import --target teams` command that does the same from the command line is shown too.

use std::rc::Rc;

use ferry_core::humanize::duration;
use gloo_timers::future::TimeoutFuture;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::format::{counted, grouped};
use crate::model::{CheckedBatch, Decisions};
use crate::services::api::{Limits, TeamsBatchAnswer, TeamsRun, TeamsServerPlan, TeamsStatus};
use crate::services::requests::{ApiClient, MAX_POLL_FAILURES};
use crate::teams_maps::{MapKind, TeamsMaps};
use crate::upload::{ndjson_body, plan_upload};

/// Conversations imported at once (the API's default).
const RUN_CONCURRENCY: usize = 2;
/// Time between two polls of a live run.
const POLL_INTERVAL_MS: u32 = 500;
/// Most records in one posted part (the API's limit per batch).
const RECORDS_PER_POST: usize = 5_000;

/// Properties of [`TeamsImportPanel`].
#[derive(Properties, PartialEq)]
pub struct TeamsImportPanelProps {
    /// The client of `ferry serve`'s API; `None` when the page was opened without the token.
    pub client: Option<ApiClient>,
    /// The batch, checked for Teams.
    pub batch: Rc<CheckedBatch>,
    /// The user's fixes and exclusions.
    pub decisions: Decisions,
    /// The maps loaded.
    pub maps: TeamsMaps,
}

/// Where the upload and the run are.
#[derive(Clone, Debug, Default, PartialEq)]
enum Stage {
    /// Nothing sent yet.
    #[default]
    Idle,
    /// A call is under way; what it does, in words.
    Working(String),
    /// The batch is in the server's journal; the parts' answers and the server's plan.
    Uploaded { parts: Vec<TeamsBatchAnswer>, plan: TeamsServerPlan },
    /// The run, live or ended.
    Run(TeamsRun),
    /// A call failed; why.
    Failed(String),
}

/// A file name as one shell word: quoted when it holds anything but letters, digits and `._-/`.
fn shell_word(name: &str) -> String {
    let plain = !name.is_empty()
        && name.chars().all(|character| character.is_ascii_alphanumeric() || "._-/".contains(character));
    if plain {
        name.to_owned()
    } else {
        format!("'{}'", name.replace('\'', r"'\''"))
    }
}

/// The command line that imports `batch` into Teams with the maps loaded (their usual names when not loaded).
pub fn import_command(batch: &CheckedBatch, maps: &TeamsMaps) -> String {
    let files: Vec<String> = batch.file_names.iter().map(|name| shell_word(name)).collect();
    let users = maps.users.as_ref().map_or(MapKind::Users.usual_name(), |map| map.file_name.as_str());
    let streams = maps.streams.as_ref().map_or(MapKind::Streams.usual_name(), |map| map.file_name.as_str());
    format!(
        "ferry import {} --target teams --config teams.yaml --users {} --streams {} --apply",
        files.join(" "),
        shell_word(users),
        shell_word(streams)
    )
}

/// Why the upload cannot start, in words; `None` when it can.
fn upload_blocked(
    client: Option<&ApiClient>,
    status: Option<&Result<TeamsStatus, String>>,
    maps: &TeamsMaps,
) -> Option<String> {
    if client.is_none() {
        return Some("Uploading needs the address `ferry serve` printed (it ends in #token=…).".to_owned());
    }
    match status {
        None => return Some("Asking the server where it imports into…".to_owned()),
        Some(Err(message)) => return Some(format!("The server could not be asked: {message}")),
        Some(Ok(status)) if status.upstream == "none" => {
            return Some(
                "`ferry serve` has no Graph to import into: start it with --teams-config teams.yaml, or with a \
                 --manifest whose graph section describes the sandbox's tenant."
                    .to_owned(),
            )
        }
        Some(Ok(_)) => {}
    }
    let (Some(_), Some(_)) = (&maps.users, &maps.streams) else {
        return Some("Load users.csv and streams.csv above: the server converts the batch with them.".to_owned());
    };
    None
}

/// What the panel shows of the server: its Graph and its Teams journal, once asked.
type StatusHandle = UseStateHandle<Option<Result<TeamsStatus, String>>>;

/// Asks the server for its Graph and its Teams journal's counts.
async fn refresh_status(client: &ApiClient, status: &StatusHandle) {
    status.set(Some(client.teams_status().await.map_err(|error| error.to_string())));
}

/// Posts the maps, then the batch's parts, then reads the server's plan and its journal's counts.
async fn upload(
    client: ApiClient,
    batch: Rc<CheckedBatch>,
    decisions: Decisions,
    maps: TeamsMaps,
    stage: UseStateHandle<Stage>,
    status: StatusHandle,
) {
    let (Some(users), Some(streams)) = (&maps.users, &maps.streams) else { return };
    stage.set(Stage::Working("Sending the maps…".to_owned()));
    if let Err(error) = client.post_teams_maps(&users.text, &streams.text).await {
        return stage.set(Stage::Failed(format!("The maps were not taken: {error}")));
    }
    let prefix = batch.file_names.first().map_or("batch", String::as_str);
    let parts = plan_upload(&batch, &decisions, RECORDS_PER_POST, Limits::default(), &format!("{prefix}.teams"));
    let mut answers = Vec::new();
    for (number, part) in parts.batches.iter().enumerate() {
        stage.set(Stage::Working(format!("Uploading part {} of {}…", number + 1, parts.batches.len())));
        let body = match ndjson_body(&batch, &decisions, &part.records).await {
            Ok(body) => body,
            Err(message) => return stage.set(Stage::Failed(message)),
        };
        match client.post_teams_batch(&part.name, &body).await {
            Ok(answer) => answers.push(answer),
            Err(error) => return stage.set(Stage::Failed(format!("{} was not taken in: {error}", part.name))),
        }
    }
    match client.teams_plan(RUN_CONCURRENCY).await {
        Ok(plan) => stage.set(Stage::Uploaded { parts: answers, plan }),
        Err(error) => stage.set(Stage::Failed(format!("The server's plan could not be read: {error}"))),
    }
    refresh_status(&client, &status).await;
}

/// Starts the run, follows it to its end, then reads the journal's counts again.
async fn run(client: ApiClient, stage: UseStateHandle<Stage>, status: StatusHandle) {
    follow_run(&client, &stage).await;
    refresh_status(&client, &status).await;
}

/// Starts the run and follows it to its end.
async fn follow_run(client: &ApiClient, stage: &UseStateHandle<Stage>) {
    stage.set(Stage::Working("Starting the import…".to_owned()));
    let mut current = match client.start_teams_run(RUN_CONCURRENCY).await {
        Ok(run) => run,
        Err(error) => return stage.set(Stage::Failed(format!("The import did not start: {error}"))),
    };
    let mut failures = 0;
    loop {
        stage.set(Stage::Run(current.clone()));
        // A run is over when its state is final and its conversations' ends are in.
        if !current.run.progress.state.is_live() && (!current.conversations.is_empty() || current.run.error.is_some()) {
            return;
        }
        TimeoutFuture::new(POLL_INTERVAL_MS).await;
        match client.current_teams_run().await {
            Ok(run) => {
                failures = 0;
                current = run;
            }
            Err(error) => {
                failures += 1;
                if failures >= MAX_POLL_FAILURES {
                    return stage.set(Stage::Failed(format!(
                        "The run's progress could not be read {failures} times in a row ({error}); it goes on at \
                         the server."
                    )));
                }
            }
        }
    }
}

/// The Teams import panel.
#[function_component(TeamsImportPanel)]
pub fn teams_import_panel(props: &TeamsImportPanelProps) -> Html {
    let status = use_state(|| None::<Result<TeamsStatus, String>>);
    let stage = use_state(Stage::default);
    {
        let status = status.clone();
        use_effect_with(props.client.clone(), move |client| {
            if let Some(client) = client.clone() {
                spawn_local(async move { refresh_status(&client, &status).await });
            }
        });
    }
    let blocked = upload_blocked(props.client.as_ref(), status.as_ref(), &props.maps);
    let busy = matches!(&*stage, Stage::Working(_))
        || matches!(&*stage, Stage::Run(teams_run) if teams_run.run.progress.state.is_live());
    let on_upload = {
        let (client, batch, decisions, maps) =
            (props.client.clone(), props.batch.clone(), props.decisions.clone(), props.maps.clone());
        let (stage, status) = (stage.clone(), status.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(client) = client.clone() {
                spawn_local(upload(
                    client,
                    batch.clone(),
                    decisions.clone(),
                    maps.clone(),
                    stage.clone(),
                    status.clone(),
                ));
            }
        })
    };
    let on_run = {
        let (client, stage, status) = (props.client.clone(), stage.clone(), status.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(client) = client.clone() {
                spawn_local(run(client, stage.clone(), status.clone()));
            }
        })
    };
    let server_line = match &*status {
        Some(Ok(status)) => {
            let counts = status.counts.unwrap_or_default();
            format!(
                "Graph: {}. Teams journal: {} imported, {} failed, {} excluded, {} waiting to be sent.",
                status.upstream,
                grouped(counts.imported as u64),
                grouped(counts.failed as u64),
                grouped(counts.excluded as u64),
                grouped((counts.pending + counts.sending) as u64)
            )
        }
        _ => String::new(),
    };
    html! {
        <section class="import-panel teams-import" id="teams-import" aria-labelledby="teams-import-title">
            <h2 id="teams-import-title">{ "Import into Teams" }</h2>
            if !server_line.is_empty() {
                <p class="import-status" id="teams-server-status" role="status">{ server_line }</p>
            }
            if let Some(blocked) = &blocked {
                <p class="import-note" id="teams-upload-unavailable" role="note">{ blocked.clone() }</p>
            }
            <div class="import-actions">
                <button type="button" id="teams-upload" disabled={blocked.is_some() || busy} onclick={on_upload}
                    aria-describedby={blocked.is_some().then_some("teams-upload-unavailable")}>
                    { "Upload to Teams" }
                </button>
                if matches!(&*stage, Stage::Uploaded { .. }) {
                    <button type="button" id="teams-run" onclick={on_run}>{ "Import into Teams" }</button>
                }
            </div>
            { stage_view(&stage) }
            <details class="teams-import-cli">
                <summary>{ "From the command line" }</summary>
                <p>{ "The same import, with the same checks and conversion (with the fixed batch's file if you fixed records here):" }</p>
                <pre class="teams-import-command"><code id="teams-import-command">{ import_command(&props.batch, &props.maps) }</code></pre>
            </details>
        </section>
    }
}

/// The upload's or the run's state.
fn stage_view(stage: &Stage) -> Html {
    match stage {
        Stage::Idle => html! {},
        Stage::Working(what) => {
            html! { <p class="import-status" role="status" id="teams-working">{ what.clone() }</p> }
        }
        Stage::Failed(message) => {
            html! { <p class="import-error" role="alert" id="teams-import-error">{ message.clone() }</p> }
        }
        Stage::Uploaded { parts, plan } => {
            let sum = |count: fn(&TeamsBatchAnswer) -> usize| parts.iter().map(count).sum::<usize>();
            let not_converted: Vec<String> = parts
                .iter()
                .flat_map(|part| {
                    part.conversion_errors
                        .iter()
                        .map(move |error| format!("{} record {}: {}", part.name, error.record + 1, error.message))
                })
                .collect();
            html! {
                <div class="teams-uploaded" id="teams-uploaded">
                    <p id="teams-taken">{ format!(
                        "Taken in: {} planned, {} refused by the checks, {} already imported, {} not converted.",
                        grouped(sum(|part| part.planned) as u64),
                        grouped(sum(|part| part.refused) as u64),
                        grouped(sum(|part| part.already_done) as u64),
                        grouped(not_converted.len() as u64),
                    ) }</p>
                    if !not_converted.is_empty() {
                        <ul class="teams-not-converted">{ for not_converted.iter().take(50).map(|line| html! { <li>{ line.clone() }</li> }) }</ul>
                    }
                    <p id="teams-server-plan">{ format!(
                        "The server's plan: {} into {}, {}, about {} with {RUN_CONCURRENCY} conversations at once.",
                        counted(plan.messages, "message"),
                        counted(plan.conversations.len(), "conversation"),
                        counted(plan.requests, "Graph request"),
                        duration((plan.seconds.max(0.0) * 1000.0) as u64),
                    ) }</p>
                </div>
            }
        }
        Stage::Run(run) => {
            let progress = &run.run.progress;
            html! {
                <div class="teams-run" id="teams-run-view">
                    <p class="import-status" role="status" id="teams-run-progress">{ format!(
                        "Import {}: {} of {} messages done, {} imported, {} found already imported, {} refused.",
                        progress.state.label(),
                        grouped(progress.records_done as u64),
                        grouped(progress.records_total as u64),
                        grouped(progress.imported as u64),
                        grouped(progress.already_imported as u64),
                        grouped(progress.rejected as u64),
                    ) }</p>
                    if let Some(error) = &run.run.error {
                        <p class="import-error" role="alert">{ error.clone() }</p>
                    }
                    if !run.conversations.is_empty() {
                        <table class="teams-plan-table" id="teams-run-conversations">
                            <thead><tr>
                                <th scope="col">{ "Conversation" }</th><th scope="col">{ "end" }</th>
                                <th scope="col" class="number">{ "imported" }</th><th scope="col" class="number">{ "failed" }</th>
                                <th scope="col" class="number">{ "moved 1 ms+" }</th><th scope="col">{ "why" }</th>
                            </tr></thead>
                            <tbody>
                                { for run.conversations.iter().map(|conversation| html! {
                                    <tr class="teams-run-row">
                                        <td><code>{ conversation.conversation.clone() }</code></td>
                                        <td class="teams-run-end">{ conversation.end.clone() }</td>
                                        <td class="number">{ grouped(conversation.imported as u64) }</td>
                                        <td class="number">{ grouped(conversation.failed as u64) }</td>
                                        <td class="number">{ grouped(conversation.moved as u64) }</td>
                                        <td>{ conversation.reason.clone().unwrap_or_default() }</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    }
                </div>
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_single_shell_words() {
        let cases = [
            ("batch.ndjson", "batch.ndjson"),
            ("my batch.json", "'my batch.json'"),
            ("it's.json", r"'it'\''s.json'"),
            ("$(rm -rf).json", "'$(rm -rf).json'"),
            ("", "''"),
        ];
        for (name, expected) in cases {
            assert_eq!(shell_word(name), expected, "{name}");
        }
    }

    #[test]
    fn the_upload_says_why_it_cannot_start() {
        let status = |upstream: &str| Some(Ok(TeamsStatus { upstream: upstream.to_owned(), counts: None }));
        let users = "symphonyUserId,entraUserId,displayName\n1,5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60,A\n";
        let streams = "streamId,teamId,channelId,chatId\nabc,,,19:c@thread.v2\n";
        let both = TeamsMaps::default().with(MapKind::Users, "u.csv", users).unwrap();
        let both = both.with(MapKind::Streams, "s.csv", streams).unwrap();
        let client = ApiClient::new(crate::session::ApiToken::for_tests("t"));
        /// (case, client, status, maps, the start of why, or None when it can start)
        type Case<'a> =
            (&'a str, Option<&'a ApiClient>, Option<Result<TeamsStatus, String>>, TeamsMaps, Option<&'a str>);
        let cases: [Case<'_>; 5] = [
            ("no token", None, status("sandbox"), both.clone(), Some("Uploading needs the address")),
            ("not asked yet", Some(&client), None, both.clone(), Some("Asking the server")),
            ("no Graph", Some(&client), status("none"), both.clone(), Some("`ferry serve` has no Graph")),
            ("no maps", Some(&client), status("sandbox"), TeamsMaps::default(), Some("Load users.csv and streams.csv")),
            ("ready", Some(&client), status("tenant"), both, None),
        ];
        for (name, client, status, maps, expected) in cases {
            let blocked = upload_blocked(client, status.as_ref(), &maps);
            assert_eq!(blocked.is_none(), expected.is_none(), "{name}: {blocked:?}");
            if let (Some(blocked), Some(expected)) = (blocked, expected) {
                assert!(blocked.starts_with(expected), "{name}: {blocked}");
            }
        }
    }
}
