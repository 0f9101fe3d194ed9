//! The options of a check: the target platform and "now", and a button that checks the same files again with
//! them.

use ferry_core::humanize::{parse_utc_date_time, CivilDate, MILLIS_IN_A_DAY};
use ferry_core::Target;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::state::CheckOptions;

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
    let options = props.options;
    let on_target = {
        let on_change = props.on_change.clone();
        Callback::from(move |event: Event| {
            if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
                let target = if select.value() == "teams" { Target::Teams } else { Target::Symphony };
                on_change.emit(CheckOptions { target, ..options });
            }
        })
    };
    let on_now = {
        let on_change = props.on_change.clone();
        let problem = problem.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target_dyn_into::<HtmlInputElement>() else { return };
            let value = input.value();
            if value.trim().is_empty() {
                problem.set(None);
                on_change.emit(CheckOptions { now_millis: None, ..options });
                return;
            }
            match parse_utc_date_time(&value) {
                Ok(millis) => {
                    problem.set(None);
                    on_change.emit(CheckOptions { now_millis: Some(millis), ..options });
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
            <button class="secondary" id="recheck" disabled={on_recheck.is_none()} onclick={on_recheck.unwrap_or_default()}>
                { "Check again with these options" }
            </button>
        </section>
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
