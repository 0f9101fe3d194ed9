//! Findings that belong to no listed record: about a file itself (malformed JSON before or between records, a
//! truncated or empty file), each with its line and column. They come before the list because nothing after
//! them in that file was read.

use std::rc::Rc;

use ferry_core::Diagnostic;
use yew::prelude::*;

use crate::model::{CheckedBatch, Position};

/// Properties of [`FileFindings`].
#[derive(Properties, PartialEq)]
pub struct FileFindingsProps {
    /// The batch.
    pub batch: Rc<CheckedBatch>,
}

/// Whether `finding` belongs to no row of `batch`.
pub fn is_file_finding(batch: &CheckedBatch, finding: &Diagnostic) -> bool {
    finding.location.record.is_none_or(|record| record >= batch.rows.len())
}

/// The table of findings about the files.
#[function_component(FileFindings)]
pub fn file_findings(props: &FileFindingsProps) -> Html {
    let batch = &props.batch;
    let rows: Vec<Html> = batch
        .findings
        .iter()
        .zip(&batch.positions)
        .filter(|(finding, _)| is_file_finding(batch, finding))
        .map(|(finding, position)| {
            let severity = finding.severity.to_string();
            html! {
                <tr class={classes!("diagnostic", severity.clone())}>
                    <td><span class={classes!("badge", severity.clone())}>{ severity }</span></td>
                    <td><code class="code">{ finding.code() }</code></td>
                    <td class="file">{ batch.file_names.get(finding.location.file).cloned().unwrap_or_default() }</td>
                    <td>
                        if let Some(Position { line, column }) = position {
                            <span class="position" title="line and column in the file, counted from 1">
                                { format!("line {line}, col {column}") }
                            </span>
                        }
                    </td>
                    <td>
                        <div class="message">{ &finding.message }</div>
                        if let Some(help) = &finding.help {
                            <div class="help">{ help }</div>
                        }
                    </td>
                </tr>
            }
        })
        .collect();
    if rows.is_empty() {
        return html! {};
    }
    html! {
        <section class="file-findings" aria-label="Findings about the files">
            <h2>{ "Findings about the files" }</h2>
            <table class="diagnostics">
                <thead>
                    <tr>
                        <th scope="col">{ "severity" }</th>
                        <th scope="col">{ "code" }</th>
                        <th scope="col">{ "file" }</th>
                        <th scope="col">{ "where" }</th>
                        <th scope="col">{ "finding" }</th>
                    </tr>
                </thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}
