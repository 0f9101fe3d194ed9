//! The report panel: every record's fate as CSV or JSON (the journal's report, fetched with the token and saved
//! through a Blob), and "export what did not import": the records the user or the checks left out and those the
//! pod refused, with their fixed text, as a new NDJSON batch to fix and run again.

use std::collections::BTreeSet;
use std::rc::Rc;

use wasm_bindgen::{JsCast, JsValue};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::import::{same_batch, PageFates};
use crate::model::{CheckedBatch, Decisions, RecordIndex};
use crate::services::api::RecordState;
use crate::services::requests::{ApiClient, ReportFormat};
use crate::upload::{ndjson_body, UploadPlan};

/// How long a download's object URL is kept before it is released (the browser has read it long before).
const OBJECT_URL_LIFETIME_MS: u32 = 60_000;

/// Properties of [`ReportPanel`].
#[derive(Properties)]
pub struct ReportPanelProps {
    /// The client of `ferry serve`'s API.
    pub client: ApiClient,
    /// The checked batch, when the page holds one.
    pub batch: Option<Rc<CheckedBatch>>,
    /// The user's fixes and exclusions.
    pub decisions: Decisions,
    /// The page's upload, once approved.
    pub upload: Option<Rc<UploadPlan>>,
    /// Fates of the page's records.
    pub fates: Rc<PageFates>,
}

impl PartialEq for ReportPanelProps {
    fn eq(&self, other: &Self) -> bool {
        same_batch(&self.batch, &other.batch)
            && self.client == other.client
            && self.decisions == other.decisions
            && self.upload == other.upload
            && Rc::ptr_eq(&self.fates, &other.fates)
    }
}

/// The page's records that did not import: left out of the upload (excluded by the user, unreadable, too
/// large) or refused by the checks, the pre-flight or the Agent; in page order, each once.
pub fn not_imported(upload: &UploadPlan, fates: &PageFates) -> Vec<RecordIndex> {
    let refused = fates
        .iter()
        .filter(|(_, fate)| matches!(fate.state, RecordState::Rejected | RecordState::Excluded))
        .map(|(record, _)| *record);
    let records: BTreeSet<RecordIndex> = upload.left_out.iter().map(|(record, _)| *record).chain(refused).collect();
    records.into_iter().collect()
}

/// Saves `text` as file `file_name` through a Blob and a download link.
///
/// # Errors
/// When the browser refuses to make the Blob or the link.
pub fn download_text(file_name: &str, media_type: &str, text: &str) -> Result<(), String> {
    let describe = |error: JsValue| error.as_string().unwrap_or_else(|| format!("{error:?}"));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(media_type);
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(describe)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)?;
    let document = web_sys::window().and_then(|window| window.document()).ok_or("the page has no document")?;
    let link: web_sys::HtmlAnchorElement =
        document.create_element("a").map_err(describe)?.dyn_into().map_err(|_| "not a link".to_owned())?;
    link.set_href(&url);
    link.set_download(file_name);
    link.click();
    gloo_timers::callback::Timeout::new(OBJECT_URL_LIFETIME_MS, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// The report panel.
#[function_component(ReportPanel)]
pub fn report_panel(props: &ReportPanelProps) -> Html {
    // What the last download did, for the status line.
    let said = use_state(String::new);

    let on_report = |format: ReportFormat| {
        let client = props.client.clone();
        let said = said.clone();
        Callback::from(move |_: MouseEvent| {
            let (client, said) = (client.clone(), said.clone());
            said.set(format!("Preparing {}…", format.file_name()));
            spawn_local(async move {
                let outcome = match client.report(format).await {
                    Ok(text) => download_text(format.file_name(), format.media_type(), &text)
                        .map(|()| format!("Saved {}.", format.file_name())),
                    Err(error) => Err(error.to_string()),
                };
                said.set(outcome.unwrap_or_else(|error| format!("{} was not saved: {error}", format.file_name())));
            });
        })
    };

    let export = props.batch.clone().zip(props.upload.clone()).map(|(batch, upload)| {
        let records = not_imported(&upload, &props.fates);
        (batch, records)
    });
    let on_export = {
        let export = export.clone();
        let decisions = Rc::new(props.decisions.clone());
        let said = said.clone();
        Callback::from(move |_: MouseEvent| {
            let Some((batch, records)) = export.clone() else { return };
            let (decisions, said) = (Rc::clone(&decisions), said.clone());
            spawn_local(async move {
                let name = format!("{}.not-imported.ndjson", batch.file_names.first().map_or("batch", String::as_str));
                let outcome = match ndjson_body(&batch, &decisions, &records).await {
                    Ok(body) => download_text(&name, "application/x-ndjson", &body)
                        .map(|()| format!("Saved {name}: {} records.", records.len())),
                    Err(error) => Err(error),
                };
                said.set(outcome.unwrap_or_else(|error| format!("{name} was not saved: {error}")));
            });
        })
    };
    let export_label = match &export {
        Some((_, records)) => format!("Export what did not import ({} records)", records.len()),
        None => "Export what did not import (approve an upload first)".to_owned(),
    };
    let nothing_to_export = export.as_ref().is_none_or(|(_, records)| records.is_empty());

    html! {
        <section class="report-panel" aria-labelledby="report-panel-title">
            <h3 id="report-panel-title">{ "Report" }</h3>
            <div class="fate-report-actions">
                <button id="download-csv" class="secondary" onclick={on_report(ReportFormat::Csv)}>
                    { "Download every record's fate (CSV)" }
                </button>
                <button id="download-json" class="secondary" onclick={on_report(ReportFormat::Json)}>
                    { "Download every record's fate (JSON)" }
                </button>
                <button id="export-not-imported" class="secondary" disabled={nothing_to_export} onclick={on_export}>
                    { export_label }
                </button>
            </div>
            <p class="report-status" id="report-status" role="status">{ (*said).clone() }</p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::tests::fate;
    use crate::upload::slice;

    #[test]
    fn what_did_not_import_is_left_out_or_refused() {
        // Record 2 is too large to post: left out.
        let upload = slice([(0, 5), (1, 5), (2, 500), (3, 5), (4, 5), (5, 5)], 10, 100, "x");
        let fates: PageFates = [
            (0, fate("x", 0, RecordState::Imported)),
            (1, fate("x", 0, RecordState::Rejected)),
            (3, fate("x", 0, RecordState::Excluded)),
            (4, fate("x", 0, RecordState::AlreadyImported)),
            (5, fate("x", 0, RecordState::Planned)),
        ]
        .into_iter()
        .collect();
        assert_eq!(not_imported(&upload, &fates), vec![1, 2, 3]);
        assert_eq!(not_imported(&upload, &PageFates::new()), vec![2]);
    }
}
