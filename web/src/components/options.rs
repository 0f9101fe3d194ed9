//! The options of a check: the target platform and "now", and a button that checks the same files again with
//! them.

use ferry_core::Target;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::dates::{input_value_of_millis, millis_of_input_value};
use crate::state::CheckOptions;

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
            match millis_of_input_value(&value) {
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
