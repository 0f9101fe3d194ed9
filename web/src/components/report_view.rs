//! The report of one checked file: counts, the import plan, then every finding with where it is and what to do.
//!
//! Everything is rendered through the virtual DOM as text: messages quote the user's data, which must never be
//! parsed as markup.

use std::rc::Rc;

use ferry_core::{Diagnostic, Plan, Severity};
use yew::prelude::*;

use crate::listing::ShownSeverities;
use crate::model::{shown_number, CheckedBatch, Position};
use crate::state::{severity_count, title_of};

/// The most findings listed at once; more would make the page slow without helping anyone read them.
pub const MAX_LISTED_DIAGNOSTICS: usize = 1000;

/// Every severity, worst first.
const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Info];

/// Properties of [`ReportView`].
#[derive(Properties, PartialEq)]
pub struct ReportViewProps {
    /// The checked batch.
    pub batch: Rc<CheckedBatch>,
    /// Which severities are listed.
    pub shown_severities: ShownSeverities,
    /// Called when the user shows or hides a severity.
    pub on_toggle_severity: Callback<Severity>,
    /// Called when the user wants to check another file.
    pub on_reset: Callback<MouseEvent>,
}

/// The plural label of a severity's count.
fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "errors",
        Severity::Warning => "warnings",
        Severity::Info => "info",
    }
}

/// The report of one checked file.
#[function_component(ReportView)]
pub fn report_view(props: &ReportViewProps) -> Html {
    let batch = &props.batch;
    let shown = |severity: Severity| props.shown_severities.shows(Some(severity));
    let summary = &batch.summary;
    let size_bytes: u64 = batch.files.iter().map(|file| file.size() as u64).sum();
    let verdict = if summary.errors == 0 {
        html! { <p class="verdict ok">{ "No errors: the Agent would accept every record." }</p> }
    } else {
        html! { <p class="verdict bad">{ "Some records would be rejected or imported wrongly." }</p> }
    };

    html! {
        <section class="report" aria-label="Report">
            <div class="report-head">
                <h2>
                    <span class="file-name">{ title_of(&batch.file_names) }</span>
                    <span class="file-size">{ format!("{} bytes", grouped(size_bytes)) }</span>
                </h2>
                <button class="secondary" onclick={props.on_reset.clone()}>{ "Check other files" }</button>
            </div>
            { verdict }
            <dl class="summary">
                <div class="count records">
                    <dt>{ "records" }</dt>
                    <dd id="record-count">{ grouped(batch.summary.records as u64) }</dd>
                </div>
                { for SEVERITIES.iter().map(|&severity| {
                    let on_toggle = props.on_toggle_severity.clone();
                    let class = classes!("count", severity.to_string(), (!shown(severity)).then_some("hidden-severity"));
                    html! {
                        <div class={class}>
                            <dt>{ severity_label(severity) }</dt>
                            <dd id={format!("{severity}-count")}>{ grouped(severity_count(summary, severity) as u64) }</dd>
                            <button
                                class="toggle"
                                aria-pressed={shown(severity).to_string()}
                                onclick={Callback::from(move |_: MouseEvent| on_toggle.emit(severity))}
                            >
                                { if shown(severity) { "hide" } else { "show" } }
                            </button>
                        </div>
                    }
                }) }
            </dl>
            { plan_view(&batch.plan) }
            <DiagnosticList batch={batch.clone()} shown_severities={props.shown_severities} />
        </section>
    }
}

/// Properties of [`DiagnosticList`].
#[derive(Properties, PartialEq)]
struct DiagnosticListProps {
    batch: Rc<CheckedBatch>,
    shown_severities: ShownSeverities,
}

/// The findings of the shown severities, at most [`MAX_LISTED_DIAGNOSTICS`] of them.
#[function_component(DiagnosticList)]
fn diagnostic_list(props: &DiagnosticListProps) -> Html {
    let batch = &props.batch;
    let shown = |diagnostic: &&Diagnostic| props.shown_severities.shows(Some(diagnostic.severity));
    // The summary counts every finding; the report's list may hold only the first ones (see `validation`).
    let n_shown: usize = SEVERITIES
        .iter()
        .filter(|&&severity| props.shown_severities.shows(Some(severity)))
        .map(|&severity| severity_count(&batch.summary, severity))
        .sum();
    if n_shown == 0 {
        return html! { <p class="empty">{ "Nothing to list." }</p> };
    }
    let n_listed = batch.findings.iter().filter(shown).take(MAX_LISTED_DIAGNOSTICS).count();
    let not_listed = n_shown.saturating_sub(n_listed);
    // A file column only when the batch has several files.
    let file_names = match batch.file_names.as_slice() {
        [_, _, ..] => Some(batch.file_names.as_slice()),
        _ => None,
    };
    html! {
        <>
            <table class="diagnostics">
                <thead>
                    <tr>
                        <th>{ "severity" }</th>
                        <th>{ "code" }</th>
                        if file_names.is_some() {
                            <th>{ "file" }</th>
                        }
                        <th>{ "record" }</th>
                        <th>{ "field" }</th>
                        <th>{ "finding" }</th>
                    </tr>
                </thead>
                <tbody>
                    { for batch
                        .findings
                        .iter()
                        .zip(batch.positions.iter())
                        .filter(|(diagnostic, _)| shown(diagnostic))
                        .take(MAX_LISTED_DIAGNOSTICS)
                        .map(|(diagnostic, position)| diagnostic_row(diagnostic, *position, file_names)) }
                </tbody>
            </table>
            if not_listed > 0 {
                <p class="truncated">
                    { format!("{} more findings are not listed; run `ferry check --format json` for all of them.", grouped(not_listed as u64)) }
                </p>
            }
        </>
    }
}

/// The import requests the records without errors would be sent in.
fn plan_view(plan: &Plan) -> Html {
    let duration = match plan.estimated_seconds {
        0..60 => "under a minute".to_owned(),
        seconds => format!("about {} min", seconds.div_ceil(60)),
    };
    html! {
        <p class="plan" id="plan">
            <strong>{ "Import plan: " }</strong>
            { format!(
                "{} in {} ({} left out for errors), {duration} at {} messages per hour.",
                counted(plan.records_planned, "record"),
                counted(plan.requests.len(), "request"),
                grouped(plan.records_excluded as u64),
                grouped(plan.messages_per_hour),
            ) }
        </p>
    }
}

/// `count` and `noun`, plural unless the count is one.
fn counted(count: usize, noun: &str) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("{} {noun}{plural}", grouped(count as u64))
}

/// A number with its thousands grouped: 200000 is `200,000`.
fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}


/// One row of the findings table; with the file's name when `file_names` is given.
fn diagnostic_row(diagnostic: &Diagnostic, position: Option<Position>, file_names: Option<&[String]>) -> Html {
    let record = match diagnostic.location.record {
        // People count records from 1; the JSON report keeps its 0-based indices.
        Some(record) => html! {
            <span class="record-index" title="record number in the batch, counted from 1">{ format!("#{}", shown_number(record)) }</span>
        },
        None => html! { <span class="muted">{ "file" }</span> },
    };
    let pointer = match (diagnostic.location.record, diagnostic.location.pointer.as_str()) {
        (None, "") => html! { <span class="muted">{ "—" }</span> },
        (Some(_), "") => html! { <span class="muted">{ "(whole record)" }</span> },
        (_, pointer) => html! { <code>{ pointer }</code> },
    };
    html! {
        <tr class={classes!("diagnostic", diagnostic.severity.to_string())}>
            <td><span class={classes!("badge", diagnostic.severity.to_string())}>{ diagnostic.severity.to_string() }</span></td>
            <td><code class="code">{ diagnostic.code() }</code></td>
            if let Some(file_names) = file_names {
                <td class="file">{ file_names.get(diagnostic.location.file).cloned().unwrap_or_default() }</td>
            }
            <td class="record">
                { record }
                if let Some(Position { line, column }) = position {
                    <div class="position" title="line and column in the file, counted from 1">
                        { format!("line {line}, col {column}") }
                    </div>
                }
            </td>
            <td>{ pointer }</td>
            <td>
                <div class="message">{ &diagnostic.message }</div>
                if let Some(help) = &diagnostic.help {
                    <div class="help">{ help }</div>
                }
            </td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_nouns_agree() {
        let cases = [(0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (200_000, "200,000"), (1_234_567, "1,234,567")];
        for (number, expected) in cases {
            assert_eq!(grouped(number), expected);
        }
        assert_eq!(counted(1, "request"), "1 request");
        assert_eq!(counted(5000, "record"), "5,000 records");
    }
}
