//! The drop zone: drop a batch file on it, or pick one with the file input inside it.

use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement};
use yew::prelude::*;

/// Properties of [`DropZone`].
#[derive(Properties, PartialEq)]
pub struct DropZoneProps {
    /// Called with the file dropped or picked (the first one when several are given).
    pub on_file: Callback<web_sys::File>,
    /// Whether a check is running (shown, not blocking: a new file replaces the one being checked).
    pub busy: bool,
}

/// The first file of a file list, if any.
fn first_file(files: Option<web_sys::FileList>) -> Option<web_sys::File> {
    files.and_then(|files| files.get(0))
}

/// A drop target with a file input inside.
#[function_component(DropZone)]
pub fn drop_zone(props: &DropZoneProps) -> Html {
    let hovering = use_state(|| false);

    let on_drag_over = {
        let hovering = hovering.clone();
        Callback::from(move |event: DragEvent| {
            // Without this the browser opens the file instead of letting the page have it.
            event.prevent_default();
            hovering.set(true);
        })
    };
    let on_drag_leave = {
        let hovering = hovering.clone();
        Callback::from(move |_: DragEvent| hovering.set(false))
    };
    let on_drop = {
        let hovering = hovering.clone();
        let on_file = props.on_file.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            hovering.set(false);
            if let Some(file) = first_file(event.data_transfer().and_then(|transfer| transfer.files())) {
                on_file.emit(file);
            }
        })
    };
    let on_change = {
        let on_file = props.on_file.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target().and_then(|target| target.dyn_into::<HtmlInputElement>().ok()) else {
                return;
            };
            if let Some(file) = first_file(input.files()) {
                on_file.emit(file);
            }
            // Picking the same file again must fire `change` again.
            input.set_value("");
        })
    };

    let class = classes!("drop-zone", hovering.then_some("hovering"), props.busy.then_some("busy"));
    html! {
        <section
            class={class}
            id="drop-zone"
            aria-label="Batch file drop zone"
            ondragover={on_drag_over}
            ondragleave={on_drag_leave}
            ondrop={on_drop}
        >
            <p class="drop-title">{ "Drop a batch file here" }</p>
            <p class="drop-hint">{ "A JSON array or NDJSON of V4ImportedMessage records" }</p>
            <label class="file-button">
                { "or choose a file" }
                <input
                    type="file"
                    id="file-input"
                    accept=".json,.ndjson,.jsonl,application/json,application/x-ndjson"
                    onchange={on_change}
                />
            </label>
        </section>
    }
}
