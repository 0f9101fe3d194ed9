//! The drop zone: drop batch files on it, or pick them with the file input inside it. Several files form one
//! batch, in the order the browser lists them.

use wasm_bindgen::JsCast;
use web_sys::{DragEvent, HtmlInputElement};
use yew::prelude::*;

/// Properties of [`DropZone`].
#[derive(Properties, PartialEq)]
pub struct DropZoneProps {
    /// Called with the files dropped or picked, never with none.
    pub on_files: Callback<Vec<web_sys::File>>,
    /// Whether a check is running (shown, not blocking: a new file replaces the one being checked).
    pub busy: bool,
}

/// The files of a file list, in order; `None` when there is none.
fn files_of(list: Option<web_sys::FileList>) -> Option<Vec<web_sys::File>> {
    let list = list?;
    let files: Vec<web_sys::File> = (0..list.length()).filter_map(|index| list.get(index)).collect();
    (!files.is_empty()).then_some(files)
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
        let on_files = props.on_files.clone();
        Callback::from(move |event: DragEvent| {
            event.prevent_default();
            hovering.set(false);
            if let Some(files) = files_of(event.data_transfer().and_then(|transfer| transfer.files())) {
                on_files.emit(files);
            }
        })
    };
    let on_change = {
        let on_files = props.on_files.clone();
        Callback::from(move |event: Event| {
            let Some(input) = event.target().and_then(|target| target.dyn_into::<HtmlInputElement>().ok()) else {
                return;
            };
            if let Some(files) = files_of(input.files()) {
                on_files.emit(files);
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
            <p class="drop-title">{ "Drop batch files here" }</p>
            <p class="drop-hint">
                { "JSON arrays or NDJSON of V4ImportedMessage records; several files are checked as one batch" }
            </p>
            <label class="file-button">
                { "or choose files" }
                <input
                    type="file"
                    id="file-input"
                    multiple=true
                    accept=".json,.ndjson,.jsonl,application/json,application/x-ndjson"
                    onchange={on_change}
                />
            </label>
        </section>
    }
}
