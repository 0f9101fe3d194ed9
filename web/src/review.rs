//! Reviewing a checked batch record by record: the record view of the selected record, fixes applied to one or
//! every record, records left out, and the fixed batch to download.
//!
//! The user's [`Decisions`] live in the app's state (every consumer reads records through them: the list, the
//! download, the upload); this module asks for changes through callbacks. [`ReviewState`] holds what only the
//! review needs, for as long as the batch is shown:
//! - the core's findings about each fixed record's new text, which replace the batch's findings for it;
//! - the log of fixes applied, in the order they were applied, for the report;
//! - the status of the last fix and the fixed batch last written.
//!
//! [`RecordPanel`] reads the selected record from its file and shows it in a
//! [`RecordView`](crate::components::record_view::RecordView); [`FixedBatchPanel`] lists the fixes and writes
//! the fixed batch. The files are never modified (see [`crate::fixes`]).

use std::collections::BTreeMap;
use std::rc::Rc;

use ferry_core::{Diagnostic, Fix, Options, Rule};
use wasm_bindgen::JsCast;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::record_view::RecordView;
use crate::components::report_panel::download_text;
use crate::fixes::{fix_every_record, fix_record, fixed_batch_blob, FixedRecord};
use crate::model::{read_record, shown_number, CheckedBatch, Decisions, Position, RecordIndex};

/// Most entries of the log of fixes shown on the page (drawing thousands would block the page).
const MAX_LOGGED_FIXES_SHOWN: usize = 100;

/// One entry of the log of fixes applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedFix {
    /// The record, 0-based.
    pub record: RecordIndex,
    /// The rule whose finding offered the fix.
    pub rule: Rule,
    /// The fixes' titles: what they changed.
    pub titles: Vec<String>,
}

/// The log of fixes applied as CSV, one line per fix: the record's number as people see it (from 1), its
/// 0-based index (as in the JSON reports), the rule's code, and what the fix changed. Written by the page: the
/// server's report comes from the journal, which never sees the page's fixes.
pub fn fix_log_csv(applied: &[AppliedFix]) -> String {
    /// A CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180).
    fn field(text: &str) -> std::borrow::Cow<'_, str> {
        match text.contains([',', '"', '\n', '\r']) {
            true => format!("\"{}\"", text.replace('"', "\"\"")).into(),
            false => text.into(),
        }
    }
    let mut csv = String::from("record,recordIndex,code,fix\n");
    for fix in applied {
        for title in &fix.titles {
            let line = [shown_number(fix.record).to_string(), fix.record.to_string(), fix.rule.code().to_owned()];
            csv.push_str(&format!("{},{}\n", line.join(","), field(title)));
        }
    }
    csv
}

/// The review of one batch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReviewState {
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
    /// Records were fixed by the fix a finding of `rule` offered (their new text goes to the app's decisions).
    Fixed {
        /// The rule whose finding offered the fix.
        rule: Rule,
        /// The records fixed.
        records: Vec<FixedRecord>,
    },
    /// The decisions changed otherwise (a record left out or put back): the fixed batch written is stale.
    DecisionsChanged,
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
            ReviewAction::Fixed { rule, records } => {
                for fixed in records {
                    state.rechecked.insert(fixed.record, Rc::new(fixed.findings_after));
                    state.applied.push(AppliedFix { record: fixed.record, rule, titles: fixed.titles });
                }
                // Whatever was written before no longer holds every fix.
                state.fixed_batch = None;
            }
            ReviewAction::DecisionsChanged => state.fixed_batch = None,
            ReviewAction::Status(status) => state.status = status,
            ReviewAction::FixedBatchWritten { url, records } => state.fixed_batch = Some((url, records)),
            ReviewAction::Reset => state = ReviewState::default(),
        }
        Rc::new(state)
    }
}

impl ReviewState {
    /// Record `record`'s current findings with where each starts in its file: the re-check of its fixed text
    /// (which is in no file), or the batch's.
    pub fn findings_of(
        &self,
        batch: &CheckedBatch,
        record: RecordIndex,
    ) -> (Rc<Vec<Diagnostic>>, Rc<Vec<Option<Position>>>) {
        match self.rechecked.get(&record) {
            Some(findings) => (findings.clone(), Rc::new(Vec::new())),
            None => {
                let (findings, positions) = batch
                    .findings
                    .iter()
                    .zip(&batch.positions)
                    .filter(|(finding, _)| finding.location.record == Some(record))
                    .map(|(finding, position)| (finding.clone(), *position))
                    .unzip();
                (Rc::new(findings), Rc::new(positions))
            }
        }
    }
}

/// Asks the app to change its decisions.
#[derive(Clone, Debug, PartialEq)]
pub enum DecisionChange {
    /// Records now have these texts (fixes applied).
    Replace(Vec<(RecordIndex, Rc<str>)>),
    /// A record is left out (`true`) or put back (`false`).
    SetExcluded(RecordIndex, bool),
}

/// The options a batch was checked with, for checking its fixed records again.
fn options_of(batch: &CheckedBatch) -> Options {
    Options {
        teams_directory: batch.teams_directory.as_deref().cloned(),
        ..Options::new(batch.target, batch.now_millis)
    }
}

/// Properties of [`RecordPanel`].
#[derive(Properties, PartialEq)]
pub struct RecordPanelProps {
    /// The checked batch.
    pub batch: Rc<CheckedBatch>,
    /// The record shown, 0-based.
    pub record: RecordIndex,
    /// The user's decisions about the batch's records.
    pub decisions: Decisions,
    /// The review.
    pub review: UseReducerHandle<ReviewState>,
    /// The server's and the pod's findings about this record (shown after its own).
    pub added: Rc<Vec<Diagnostic>>,
    /// Its fate in the journal in words ("imported · messageId"), once it has one.
    pub fate: Option<AttrValue>,
    /// Asks the app to change its decisions.
    pub on_change: Callback<DecisionChange>,
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

/// Records fixed: their texts to the app's decisions, their new findings to the review.
fn record_fixes(
    review: &UseReducerHandle<ReviewState>,
    on_change: &Callback<DecisionChange>,
    rule: Rule,
    fixed: Vec<FixedRecord>,
) {
    on_change.emit(DecisionChange::Replace(fixed.iter().map(|record| (record.record, record.after.clone())).collect()));
    review.dispatch(ReviewAction::Fixed { rule, records: fixed });
}

/// The selected record: read from its file (once per record) and shown in a record view.
#[function_component(RecordPanel)]
pub fn record_panel(props: &RecordPanelProps) -> Html {
    let original = use_state(|| Loaded::Reading);
    {
        let original = original.clone();
        use_effect_with((props.batch.clone(), props.record), move |(batch, record)| {
            let (batch, record) = (batch.clone(), *record);
            original.set(Loaded::Reading);
            spawn_local(async move {
                original.set(match read_record(&batch, record).await {
                    Ok(text) => Loaded::Read(Rc::from(text)),
                    Err(error) => Loaded::Failed(error.to_string()),
                });
            });
        });
    }

    let batch = &props.batch;
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
    let replaced = props.decisions.replaced.get(&record).cloned();
    let text = replaced.clone().unwrap_or_else(|| original_text.clone());

    let on_apply_fix = {
        let review = review.clone();
        let on_change = props.on_change.clone();
        let options = options_of(batch);
        let text = text.clone();
        Callback::from(move |(rule, fix): (Rule, Fix)| match fix_record(record, text.clone(), &[&fix], &options) {
            Ok(fixed) => {
                review.dispatch(ReviewAction::Status(None));
                record_fixes(&review, &on_change, rule, vec![fixed]);
            }
            Err(failure) => review.dispatch(ReviewAction::Status(Some(format!(
                "The fix was not applied to record {}: {failure}.",
                shown_number(record)
            )))),
        })
    };
    let on_apply_fix_to_all = {
        let review = review.clone();
        let on_change = props.on_change.clone();
        let batch = props.batch.clone();
        let decisions = props.decisions.clone();
        let rechecked = review.rechecked.clone();
        Callback::from(move |rule: Rule| {
            let rechecked = rechecked.clone();
            let (review, on_change, batch, decisions) =
                (review.clone(), on_change.clone(), batch.clone(), decisions.clone());
            review.dispatch(ReviewAction::Status(Some(format!("Applying the {} fix to every record…", rule.code()))));
            spawn_local(async move {
                let outcome = match fix_every_record(&batch, &decisions, &rechecked, rule, &options_of(&batch)).await {
                    Ok(outcome) => outcome,
                    Err(failure) => {
                        let status = format!("The {} fix was not applied: {failure}.", rule.code());
                        review.dispatch(ReviewAction::Status(Some(status)));
                        return;
                    }
                };
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
                record_fixes(&review, &on_change, rule, outcome.fixed);
                review.dispatch(ReviewAction::Status(Some(status)));
            });
        })
    };
    let on_set_excluded = {
        let review = review.clone();
        let on_change = props.on_change.clone();
        Callback::from(move |excluded: bool| {
            on_change.emit(DecisionChange::SetExcluded(record, excluded));
            review.dispatch(ReviewAction::DecisionsChanged);
        })
    };

    let (findings, positions) = review.findings_of(batch, record);
    // The check counts every finding of a record but keeps a bounded number; a fixed record's were all kept.
    let findings_not_kept = match review.rechecked.contains_key(&record) {
        true => 0,
        false => batch.rows.get(record).map_or(0, |row| row.findings as usize).saturating_sub(findings.len()),
    };
    // The server's findings follow the record's own; they have no place in the file (positions stay shorter).
    let findings = match props.added.is_empty() {
        true => findings,
        false => Rc::new(findings.iter().chain(props.added.iter()).cloned().collect()),
    };
    html! {
        <div class="record-panel">
            if let Some(status) = &review.status {
                <p class="status" role="status">{ status.clone() }</p>
            }
            if let Some(fate) = &props.fate {
                <p class="record-fate" id="record-fate">{ format!("Import: {fate}") }</p>
            }
            <RecordView
                record={record}
                file_name={file_name}
                text={text}
                original_text={replaced.map(|_| original_text)}
                findings={findings}
                positions={positions}
                findings_not_kept={findings_not_kept}
                excluded={props.decisions.excluded.contains(&record)}
                target={props.batch.target}
                teams_directory={props.batch.teams_directory.clone()}
                on_apply_fix={on_apply_fix}
                on_apply_fix_to_all={on_apply_fix_to_all}
                on_set_excluded={on_set_excluded}
                on_close={props.on_close.clone()}
            />
        </div>
    }
}

/// Properties of [`FixedBatchPanel`].
#[derive(Properties, PartialEq)]
pub struct FixedBatchPanelProps {
    /// The checked batch.
    pub batch: Rc<CheckedBatch>,
    /// The user's decisions about the batch's records.
    pub decisions: Decisions,
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
        let decisions = props.decisions.clone();
        let writing = writing.clone();
        Callback::from(move |_: MouseEvent| {
            let (review, batch, decisions, writing) =
                (review.clone(), batch.clone(), decisions.clone(), writing.clone());
            writing.set(true);
            spawn_local(async move {
                match fixed_batch_blob(&batch, &decisions).await {
                    Ok((blob, records)) => match web_sys::Url::create_object_url_with_blob(&blob) {
                        Ok(url) => review.dispatch(ReviewAction::FixedBatchWritten { url, records }),
                        Err(error) => review.dispatch(ReviewAction::Status(Some(format!(
                            "The fixed batch could not be offered: {}",
                            error
                                .dyn_ref::<js_sys::Error>()
                                .map(|error| String::from(error.message()))
                                .unwrap_or_default()
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
                    // Failing to release only keeps the Blob until the page closes.
                    let _ = web_sys::Url::revoke_object_url(&url);
                }
            }
        });
    }
    let first_name = props.batch.file_names.first().map(String::as_str).unwrap_or("batch");
    let stem = first_name.rsplit_once('.').map_or(first_name, |(stem, _)| stem);
    let fixed_name = format!("{stem}.fixed.ndjson");
    let on_download_fix_log = {
        let review = review.clone();
        let file_name = format!("{stem}.fixes.csv");
        Callback::from(move |_: MouseEvent| {
            if let Err(failure) = download_text(&file_name, "text/csv", &fix_log_csv(&review.applied)) {
                review.dispatch(ReviewAction::Status(Some(format!("The fix log was not saved: {failure}"))));
            }
        })
    };
    let decisions = &props.decisions;
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
                        { for review.applied.iter().take(MAX_LOGGED_FIXES_SHOWN).map(|applied| html! {
                            <li>{ format!("Record {}, {}: {}", shown_number(applied.record), applied.rule.code(), applied.titles.join("; ")) }</li>
                        }) }
                    </ul>
                    if review.applied.len() > MAX_LOGGED_FIXES_SHOWN {
                        <p class="note">{ format!("and {} more.", review.applied.len() - MAX_LOGGED_FIXES_SHOWN) }</p>
                    }
                </details>
                <p>
                    <button type="button" class="secondary fix-log-download" onclick={on_download_fix_log}>
                        { format!("Download the fixes applied (CSV, {})", review.applied.len()) }
                    </button>
                </p>
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{Action, AppState};

    fn fixed(record: RecordIndex, after: &str) -> FixedRecord {
        FixedRecord {
            record,
            titles: vec![format!("fix {record}")],
            before: Rc::from("{}"),
            after: Rc::from(after),
            findings_after: Vec::new(),
        }
    }

    #[test]
    fn fixes_are_logged_and_replace_the_findings_and_stale_batches_are_dropped() {
        let mut review = Rc::new(ReviewState { fixed_batch: Some(("blob:x".to_owned(), 3)), ..ReviewState::default() });
        let records = vec![fixed(2, r#"{"a":1}"#), fixed(5, r#"{"b":2}"#)];
        review = review.reduce(ReviewAction::Fixed { rule: Rule::TimestampInSeconds, records });
        assert_eq!(review.applied.iter().map(|applied| applied.record).collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(review.rechecked.keys().copied().collect::<Vec<_>>(), vec![2, 5]);
        assert_eq!(review.fixed_batch, None);
        review = review.reduce(ReviewAction::FixedBatchWritten { url: "blob:y".to_owned(), records: 2 });
        assert_eq!(review.fixed_batch, Some(("blob:y".to_owned(), 2)));
        review = review.reduce(ReviewAction::DecisionsChanged);
        assert_eq!(review.fixed_batch, None);
        review = review.reduce(ReviewAction::Reset);
        assert_eq!(*review, ReviewState::default());
    }

    #[test]
    fn the_fix_log_is_a_csv_with_one_line_per_fix() {
        let applied = vec![
            AppliedFix { record: 2, rule: Rule::TimestampInSeconds, titles: vec!["Multiply by 1000".to_owned()] },
            AppliedFix {
                record: 0,
                rule: Rule::MalformedJson,
                titles: vec!["Wrap, then \"escape\"".to_owned(), "two".to_owned()],
            },
        ];
        let ts = Rule::TimestampInSeconds.code();
        let json = Rule::MalformedJson.code();
        let expected = format!(
            "record,recordIndex,code,fix\n3,2,{ts},Multiply by 1000\n1,0,{json},\"Wrap, then \"\"escape\"\"\"\n1,0,{json},two\n"
        );
        assert_eq!(fix_log_csv(&applied), expected);
        assert_eq!(fix_log_csv(&[]), "record,recordIndex,code,fix\n");
    }

    #[test]
    fn decisions_change_through_the_app_state() {
        let table: Vec<(Vec<Action>, Vec<RecordIndex>, Vec<RecordIndex>)> = vec![
            (vec![Action::SetExcluded(3, true)], vec![], vec![3]),
            (vec![Action::SetExcluded(3, true), Action::SetExcluded(3, false)], vec![], vec![]),
            (vec![Action::ReplaceRecords(vec![(1, Rc::from("x")), (4, Rc::from("y"))])], vec![1, 4], vec![]),
            (
                vec![
                    Action::ReplaceRecords(vec![(1, Rc::from("x"))]),
                    Action::ReplaceRecords(vec![(1, Rc::from("z"))]),
                ],
                vec![1],
                vec![],
            ),
        ];
        for (actions, replaced, excluded) in table {
            let state = actions.into_iter().fold(Rc::new(AppState::default()), |state, action| state.reduce(action));
            assert_eq!(state.decisions.replaced.keys().copied().collect::<Vec<_>>(), replaced);
            assert_eq!(state.decisions.excluded.iter().copied().collect::<Vec<_>>(), excluded);
        }
    }
}
