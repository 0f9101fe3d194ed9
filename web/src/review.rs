//! Reviewing a checked batch record by record: the user's decisions (fixes applied, records left out), the
//! record view of the selected record, and the fixed batch to download.
//!
//! [`ReviewState`] is one [`Reducible`] the app holds beside its own state, for as long as the batch is shown:
//! - [`Decisions`] (what every consumer reads records through: the list, the download, the upload);
//! - the core's findings about each fixed record's new text, which replace the batch's findings for it;
//! - the log of fixes applied, in the order they were applied, for the report.
//!
//! [`RecordPanel`] reads the selected record from its file and shows it in a
//! [`RecordView`](crate::components::record_view::RecordView); [`FixedBatchPanel`] lists the fixes and writes
//! the fixed batch. The files are never modified (see [`crate::fixes`]).

use std::collections::BTreeMap;
use std::rc::Rc;

use ferry_core::{Diagnostic, Fix, Options, Rule};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::record_view::RecordView;
use crate::fixes::{fix_every_record, fix_record, fixed_batch_blob, FixedRecord};
use crate::model::{read_record, shown_number, CheckedBatch, Decisions, RecordIndex};

/// A checked batch shared by components, compared by identity (a batch is never changed once checked).
#[derive(Clone, Debug)]
pub struct SharedBatch(pub Rc<CheckedBatch>);

impl PartialEq for SharedBatch {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// One entry of the log of fixes applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedFix {
    /// The record, 0-based.
    pub record: RecordIndex,
    /// The fixes' titles.
    pub titles: Vec<String>,
}

/// The review of one batch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReviewState {
    /// Fixes applied and records left out.
    pub decisions: Decisions,
    /// The core's findings about each fixed record's current text.
    pub rechecked: BTreeMap<RecordIndex, Rc<Vec<Diagnostic>>>,
    /// Fixes applied, in order.
    pub applied: Vec<AppliedFix>,
    /// What a fix applied to many records is doing, or what it did, in words.
    pub status: Option<String>,
    /// The fixed batch last written: an object URL of its Blob, and how many records it holds.
    pub fixed_batch: Option<(String, usize)>,
}

/// Everything that can happen to a review.
#[derive(Debug)]
pub enum ReviewAction {
    /// Records were fixed.
    Fixed(Vec<FixedRecord>),
    /// A record was left out (`true`) or put back (`false`).
    SetExcluded(RecordIndex, bool),
    /// A status line, or none.
    Status(Option<String>),
    /// The fixed batch was written to an object URL.
    FixedBatchWritten {
        /// The Blob's object URL.
        url: String,
        /// Records in it.
        records: usize,
    },
    /// A new batch: everything forgotten.
    Reset,
}

impl Reducible for ReviewState {
    type Action = ReviewAction;

    fn reduce(self: Rc<Self>, action: ReviewAction) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            ReviewAction::Fixed(records) => {
                for fixed in records {
                    state.decisions.replaced.insert(fixed.record, fixed.after.clone());
                    state.rechecked.insert(fixed.record, Rc::new(fixed.findings_after));
                    state.applied.push(AppliedFix { record: fixed.record, titles: fixed.titles });
                }
                // Whatever was written before no longer holds every fix.
                state.fixed_batch = None;
            }
            ReviewAction::SetExcluded(record, excluded) => {
                if excluded {
                    state.decisions.excluded.insert(record);
                } else {
                    state.decisions.excluded.remove(&record);
                }
                state.fixed_batch = None;
            }
            ReviewAction::Status(status) => state.status = status,
            ReviewAction::FixedBatchWritten { url, records } => state.fixed_batch = Some((url, records)),
            ReviewAction::Reset => state = ReviewState::default(),
        }
        Rc::new(state)
    }
}

impl ReviewState {
    /// Record `record`'s current findings: the re-check of its fixed text, or the batch's.
    pub fn findings_of(&self, batch: &CheckedBatch, record: RecordIndex) -> Rc<Vec<Diagnostic>> {
        match self.rechecked.get(&record) {
            Some(findings) => findings.clone(),
            None => Rc::new(batch.findings_of(record).cloned().collect()),
        }
    }
}

/// Properties of [`RecordPanel`].
#[derive(Properties, PartialEq)]
pub struct RecordPanelProps {
    /// The checked batch.
    pub batch: SharedBatch,
    /// The record shown, 0-based.
    pub record: RecordIndex,
    /// The review.
    pub review: UseReducerHandle<ReviewState>,
    /// The options the batch was checked with; fixed records are checked again with them.
    pub options: Rc<Options>,
    /// Closes the panel.
    pub on_close: Callback<()>,
}

/// A record read from its file, or why it could not be.
#[derive(Clone, PartialEq)]
enum Loaded {
    Reading,
    Read(Rc<str>),
    Failed(String),
}

/// The selected record: read from its file (once per record) and shown in a record view.
#[function_component(RecordPanel)]
pub fn record_panel(props: &RecordPanelProps) -> Html {
    let original = use_state(|| Loaded::Reading);
    {
        let original = original.clone();
        let batch = props.batch.clone();
        use_effect_with((props.batch.clone(), props.record), move |(_, record)| {
            let record = *record;
            original.set(Loaded::Reading);
            spawn_local(async move {
                original.set(match read_record(&batch.0, record).await {
                    Ok(text) => Loaded::Read(Rc::from(text)),
                    Err(error) => Loaded::Failed(error.to_string()),
                });
            });
        });
    }

    let batch = &props.batch.0;
    let record = props.record;
    let review = &props.review;
    let file_name: AttrValue = batch
        .rows
        .get(record)
        .and_then(|row| batch.file_names.get(row.file as usize))
        .cloned()
        .unwrap_or_default()
        .into();
    let original_text = match &*original {
        Loaded::Read(text) => text.clone(),
        Loaded::Reading => {
            return html! { <p class="status" role="status">{ format!("Reading record {}…", shown_number(record)) }</p> }
        }
        Loaded::Failed(reason) => return html! { <p class="status failed" role="alert">{ reason.clone() }</p> },
    };
    let replaced = review.decisions.replaced.get(&record).cloned();
    let text = replaced.clone().unwrap_or_else(|| original_text.clone());

    let on_apply_fix = {
        let review = review.clone();
        let options = props.options.clone();
        let text = text.clone();
        Callback::from(move |fix: Fix| match fix_record(record, text.clone(), &[&fix], &options) {
            Ok(fixed) => {
                review.dispatch(ReviewAction::Status(None));
                review.dispatch(ReviewAction::Fixed(vec![fixed]));
            }
            Err(failure) => review.dispatch(ReviewAction::Status(Some(format!(
                "The fix was not applied to record {}: {failure}.",
                shown_number(record)
            )))),
        })
    };
    let on_apply_fix_to_all = {
        let review = review.clone();
        let options = props.options.clone();
        let batch = props.batch.clone();
        Callback::from(move |rule: Rule| {
            let review = review.clone();
            let options = options.clone();
            let batch = batch.clone();
            review.dispatch(ReviewAction::Status(Some(format!("Applying the {} fix to every record…", rule.code()))));
            spawn_local(async move {
                let outcome = fix_every_record(&batch.0, &review.decisions, rule, &options).await;
                let fixed = outcome.fixed.len();
                let mut status = format!(
                    "The {} fix was applied to {fixed} record{}.",
                    rule.code(),
                    if fixed == 1 { "" } else { "s" }
                );
                if let Some((failed_record, failure)) = outcome.failed.first() {
                    status.push_str(&format!(
                        " It failed on {} record(s), first on record {}: {failure}.",
                        outcome.failed.len(),
                        shown_number(*failed_record)
                    ));
                }
                review.dispatch(ReviewAction::Fixed(outcome.fixed));
                review.dispatch(ReviewAction::Status(Some(status)));
            });
        })
    };
    let on_set_excluded = {
        let review = review.clone();
        Callback::from(move |excluded: bool| review.dispatch(ReviewAction::SetExcluded(record, excluded)))
    };

    html! {
        <>
            if let Some(status) = &review.status {
                <p class="status" role="status">{ status.clone() }</p>
            }
            <RecordView
                record={record}
                file_name={file_name}
                text={text}
                original_text={replaced.map(|_| original_text)}
                findings={review.findings_of(batch, record)}
                excluded={review.decisions.excluded.contains(&record)}
                on_apply_fix={on_apply_fix}
                on_apply_fix_to_all={on_apply_fix_to_all}
                on_set_excluded={on_set_excluded}
                on_close={props.on_close.clone()}
            />
        </>
    }
}

/// Properties of [`FixedBatchPanel`].
#[derive(Properties, PartialEq)]
pub struct FixedBatchPanelProps {
    /// The checked batch.
    pub batch: SharedBatch,
    /// The review.
    pub review: UseReducerHandle<ReviewState>,
}

/// The fixes applied and the records left out, and the fixed batch to download.
#[function_component(FixedBatchPanel)]
pub fn fixed_batch_panel(props: &FixedBatchPanelProps) -> Html {
    let writing = use_state(|| false);
    let review = &props.review;
    let on_write = {
        let review = review.clone();
        let batch = props.batch.clone();
        let writing = writing.clone();
        Callback::from(move |_: MouseEvent| {
            let review = review.clone();
            let batch = batch.clone();
            let writing = writing.clone();
            writing.set(true);
            spawn_local(async move {
                match fixed_batch_blob(&batch.0, &review.decisions).await {
                    Ok((blob, records)) => match web_sys::Url::create_object_url_with_blob(&blob) {
                        Ok(url) => review.dispatch(ReviewAction::FixedBatchWritten { url, records }),
                        Err(error) => review.dispatch(ReviewAction::Status(Some(format!(
                            "The fixed batch could not be offered: {error:?}"
                        )))),
                    },
                    Err(failure) => review
                        .dispatch(ReviewAction::Status(Some(format!("The fixed batch was not written: {failure}.")))),
                }
                writing.set(false);
            });
        })
    };
    // The object URL of a batch no longer offered is released.
    {
        let url = review.fixed_batch.as_ref().map(|(url, _)| url.clone());
        use_effect_with(url, |url| {
            let url = url.clone();
            move || {
                if let Some(url) = url {
                    let _ = web_sys::Url::revoke_object_url(&url);
                }
            }
        });
    }
    let fixed_name = format!(
        "{}.fixed.ndjson",
        props
            .batch
            .0
            .file_names
            .first()
            .map(|name| name.rsplit_once('.').map_or(name.as_str(), |(stem, _)| stem))
            .unwrap_or("batch")
    );
    let decisions = &review.decisions;
    html! {
        <section class="fixed-batch" aria-labelledby="fixed-batch-title">
            <h2 id="fixed-batch-title">{ "Fixes and the fixed batch" }</h2>
            <p>
                { format!(
                    "{} record(s) fixed, {} left out. The files you dropped are not changed; the fixed batch is a new file.",
                    decisions.replaced.len(),
                    decisions.excluded.len()
                ) }
            </p>
            if !review.applied.is_empty() {
                <details class="fix-log">
                    <summary>{ format!("Fixes applied ({})", review.applied.len()) }</summary>
                    <ul>
                        { for review.applied.iter().take(1_000).map(|applied| html! {
                            <li>{ format!("Record {}: {}", shown_number(applied.record), applied.titles.join("; ")) }</li>
                        }) }
                    </ul>
                </details>
            }
            <button type="button" class="fixed-batch-write" onclick={on_write} disabled={*writing}>
                { if *writing { "Writing the fixed batch…" } else { "Write the fixed batch" } }
            </button>
            if let Some((url, records)) = &review.fixed_batch {
                { " " }
                <a class="fixed-batch-download" href={url.clone()} download={fixed_name.clone()}>
                    { format!("Download {fixed_name} ({records} records)") }
                </a>
            }
        </section>
    }
}
