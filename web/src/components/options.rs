//! The options of a check: the target platform and "now", for Teams the maps of users and streams, and a button
//! that checks the same files again with them. Choosing another target or loading a map checks the batch again
//! at once (the app does it, [`CheckOptions::changes_rules`]).

use ferry_core::humanize::{parse_utc_date_time, size, CivilDate, MILLIS_IN_A_DAY};
use ferry_core::Target;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::state::CheckOptions;
use crate::teams_maps::{MapKind, TeamsMaps, MAX_MAP_BYTES};

/// `YYYY-MM-DDTHH:MM` of a millisecond timestamp in UTC, the value of an `<input type="datetime-local">`
/// (which [`parse_utc_date_time`] reads back).
fn input_value_of_millis(millis: i64) -> String {
    let minutes = millis.div_euclid(60_000).rem_euclid(MILLIS_IN_A_DAY / 60_000);
    format!("{}T{:02}:{:02}", CivilDate::of_millis(millis), minutes / 60, minutes % 60)
}

/// Properties of [`Options`].
#[derive(Properties, PartialEq)]
pub struct OptionsProps {
    /// The options the next check runs with.
    pub options: CheckOptions,
    /// Called with changed options.
    pub on_change: Callback<CheckOptions>,
    /// Called to check the current batch again; `None` when there is none (the button is then disabled).
    pub on_recheck: Option<Callback<()>>,
}

/// The options form.
#[function_component(Options)]
pub fn options(props: &OptionsProps) -> Html {
    let problem = use_state(|| None::<String>);
    let options = &props.options;
    let on_target = {
        let on_change = props.on_change.clone();
        let options = options.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                let target = if select.value() == "teams" { Target::Teams } else { Target::Symphony };
                on_change.emit(CheckOptions { target, ..options.clone() });
            }
        })
    };
    let on_now = {
        let on_change = props.on_change.clone();
        let problem = problem.clone();
        let options = options.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<HtmlInputElement>() else { return };
            let value = input.value();
            if value.trim().is_empty() {
                problem.set(None);
                on_change.emit(CheckOptions { now_millis: None, ..options.clone() });
                return;
            }
            match parse_utc_date_time(&value) {
                Ok(millis) => {
                    problem.set(None);
                    on_change.emit(CheckOptions { now_millis: Some(millis), ..options.clone() });
                }
                Err(message) => problem.set(Some(message)),
            }
        })
    };
    let on_recheck =
        props.on_recheck.clone().map(|on_recheck| Callback::from(move |_: MouseEvent| on_recheck.emit(())));
    html! {
        <section class="options" aria-label="Check options">
            <label>
                <span>{ "Target" }</span>
                <select id="option-target" onchange={on_target}>
                    <option value="symphony" selected={options.target == Target::Symphony}>{ "Symphony (Agent import)" }</option>
                    <option value="teams" selected={options.target == Target::Teams}>{ "Microsoft Teams (Graph import)" }</option>
                </select>
            </label>
            <label>
                <span>{ "Now (UTC)" }</span>
                <input type="datetime-local" id="option-now" step="1"
                    value={options.now_millis.map(input_value_of_millis).unwrap_or_default()}
                    onchange={on_now} aria-describedby="option-now-hint" />
            </label>
            <span class="hint" id="option-now-hint">
                { "Timestamps after it are in the future. Empty: this computer's clock when the check starts." }
            </span>
            if let Some(problem) = &*problem {
                <span class="problem" role="alert">{ problem }</span>
            }
            if options.target == Target::Teams {
                <TeamsMapsForm maps={options.teams_maps.clone()} on_change={
                    let on_change = props.on_change.clone();
                    let options = options.clone();
                    Callback::from(move |teams_maps| on_change.emit(CheckOptions { teams_maps, ..options.clone() }))
                } />
            }
            <button class="secondary" id="recheck" disabled={on_recheck.is_none()} onclick={on_recheck.unwrap_or_default()}>
                { "Check again with these options" }
            </button>
        </section>
    }
}

/// Properties of [`TeamsMapsForm`].
#[derive(Properties, PartialEq)]
struct TeamsMapsFormProps {
    /// The maps loaded so far.
    maps: TeamsMaps,
    /// Called with the maps after one was loaded or removed.
    on_change: Callback<TeamsMaps>,
}

/// The two Teams maps: a file input each, what is loaded, and why a file was refused (with its line).
#[function_component(TeamsMapsForm)]
fn teams_maps_form(props: &TeamsMapsFormProps) -> Html {
    let problem = use_state(|| None::<String>);
    let loader = |kind: MapKind| {
        let maps = props.maps.clone();
        let on_change = props.on_change.clone();
        let problem = problem.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<HtmlInputElement>() else { return };
            let Some(file) = input.files().and_then(|files| files.get(0)) else { return };
            // Choosing the same file again after editing it must fire `change` again.
            input.set_value("");
            let (maps, on_change, problem) = (maps.clone(), on_change.clone(), problem.clone());
            spawn_local(async move {
                let name = file.name();
                // File sizes are integral numbers of bytes.
                let bytes = file.size() as u64;
                if bytes > MAX_MAP_BYTES {
                    problem.set(Some(format!(
                        "{name} is {}, more than the {} a map may be.",
                        size(bytes),
                        size(MAX_MAP_BYTES)
                    )));
                    return;
                }
                let read = gloo_file::futures::read_as_text(&gloo_file::File::from(file)).await;
                let loaded = match read {
                    Ok(text) => maps.with(kind, &name, &text),
                    Err(error) => Err(format!("The browser could not read {name}: {error}")),
                };
                match loaded {
                    Ok(maps) => {
                        problem.set(None);
                        on_change.emit(maps);
                    }
                    Err(message) => problem.set(Some(message)),
                }
            });
        })
    };
    let remover = |kind: MapKind| {
        let maps = props.maps.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |_: MouseEvent| on_change.emit(maps.without(kind)))
    };
    let map_input = |kind: MapKind, id: &'static str, loaded: Option<(&str, usize)>| {
        html! {
            <div class="teams-map">
                <label for={id}>{ format!("{} ", kind.usual_name()) }</label>
                <input type="file" id={id} accept=".csv,text/csv" onchange={loader(kind)} />
                if let Some((file_name, entries)) = loaded {
                    <span class="teams-map-loaded">{ format!("{file_name}: {entries} rows") }</span>
                    <button type="button" class="secondary" onclick={remover(kind)}
                        aria-label={format!("Remove {}", kind.usual_name())}>{ "Remove" }</button>
                }
            </div>
        }
    };
    let maps = &props.maps;
    html! {
        <fieldset class="teams-maps" id="teams-maps">
            <legend>{ "Teams maps" }</legend>
            { map_input(MapKind::Users, "teams-users", maps.users.as_ref().map(|map| (map.file_name.as_str(), map.entries.len()))) }
            { map_input(MapKind::Streams, "teams-streams", maps.streams.as_ref().map(|map| (map.file_name.as_str(), map.entries.len()))) }
            <p class="hint" id="teams-maps-status">{ maps.status() }</p>
            if let Some(problem) = &*problem {
                <p class="problem" role="alert" id="teams-maps-problem">{ problem }</p>
            }
        </fieldset>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_now_input_writes_what_it_reads() {
        // (milliseconds, input value)
        let cases = [(1_765_783_317_000, "2025-12-15T07:21"), (0, "1970-01-01T00:00"), (-60_000, "1969-12-31T23:59")];
        for (millis, value) in cases {
            assert_eq!(input_value_of_millis(millis), value);
            assert_eq!(parse_utc_date_time(value), Ok(millis - millis.rem_euclid(60_000)));
        }
    }
}
