//! One record, in full: its fields, its MessageML source with each finding's span highlighted and the finding
//! beside it, a safe rendered preview, its attachments, and the fixes the core offers for it.
//!
//! Props only: the view does not know how the batch was checked or where decisions are kept; it is given the
//! record's text and findings and reports what the user asks through callbacks. Everything shown of the record
//! is text in the virtual DOM (the preview through [`crate::preview`]), never HTML.
//!
//! Record indices are 0-based in props and shown from 1.

use std::rc::Rc;

use ferry_core::humanize;
use ferry_core::teams::Directory;
use ferry_core::{Diagnostic, Fix, Rule, Severity, Span, Target};
use serde_json::Value;
use yew::prelude::*;

use crate::attachments::{attached_files, FileList};
use crate::components::teams_post::TeamsPost;
use crate::fixes::apply_to_text;
use crate::model::{shown_number, Position, RecordIndex};
use crate::preview::{build_preview, floor_char_boundary, render_preview};

/// Largest record text parsed into fields (bigger ones are shown as text only).
pub const MAX_PARSED_RECORD_BYTES: usize = 64 * 1024 * 1024;
/// Most characters of a field value shown in the fields table; longer values are cut, and said so.
const MAX_SHOWN_VALUE_CHARACTERS: usize = 400;
/// Most bytes of the message source shown with highlights.
const MAX_SHOWN_SOURCE_BYTES: usize = 256 * 1024;
/// Bytes of context either side of a highlighted span in a finding's excerpt.
const EXCERPT_CONTEXT_BYTES: usize = 80;
/// Most bytes of a record shown in a before/after.
const MAX_SHOWN_RECORD_BYTES: usize = 64 * 1024;

/// Properties of [`RecordView`].
#[derive(Properties, PartialEq)]
pub struct RecordViewProps {
    /// The record's 0-based index across the batch.
    pub record: RecordIndex,
    /// The name of the file it is in.
    pub file_name: AttrValue,
    /// Its current text: the file's, or its fixed text when the user applied fixes.
    pub text: Rc<str>,
    /// The file's text when the record was fixed (for the before/after); `None` when it was not.
    #[prop_or_default]
    pub original_text: Option<Rc<str>>,
    /// Its findings, about `text`.
    pub findings: Rc<Vec<Diagnostic>>,
    /// Where each finding starts in its file, finding for finding (line and column from 1); empty when the
    /// text is not the file's (a fixed record).
    #[prop_or_default]
    pub positions: Rc<Vec<Option<Position>>>,
    /// Findings the check counted for this record but did not keep (the batch keeps a bounded number).
    #[prop_or_default]
    pub findings_not_kept: usize,
    /// Whether the user left it out of the import.
    #[prop_or_default]
    pub excluded: bool,
    /// The platform the batch was checked for: for Teams the preview is the core's conversion to Teams.
    #[prop_or_default]
    pub target: Target,
    /// Teams target: the maps the batch was checked with.
    #[prop_or_default]
    pub teams_directory: Option<Rc<Directory>>,
    /// Applies a fix, offered by a finding of this rule, to this record.
    pub on_apply_fix: Callback<(Rule, Fix)>,
    /// Applies each record's offered fix for this rule to every record with a finding of it.
    pub on_apply_fix_to_all: Callback<Rule>,
    /// Leaves the record out (`true`) or puts it back (`false`).
    pub on_set_excluded: Callback<bool>,
    /// Closes the view.
    pub on_close: Callback<()>,
}

/// The record view.
#[function_component(RecordView)]
pub fn record_view(props: &RecordViewProps) -> Html {
    let parsed = use_memo(props.text.clone(), |text| parse_record(text));
    // Opening a record moves the keyboard focus to its title, so the view is where the user is.
    let title = use_node_ref();
    {
        let title = title.clone();
        use_effect_with(props.record, move |_| {
            if let Some(title) = title.cast::<web_sys::HtmlElement>() {
                // Focusing can only fail on a detached element; nothing to do then.
                let _ = title.focus();
            }
        });
    }
    let number = shown_number(props.record);

    let on_close = {
        let on_close = props.on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    let on_toggle_excluded = {
        let on_set_excluded = props.on_set_excluded.clone();
        let excluded = props.excluded;
        Callback::from(move |_: MouseEvent| on_set_excluded.emit(!excluded))
    };
    let onkeydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                on_close.emit(());
            }
        })
    };

    let record: Option<&Value> = (*parsed).as_ref().ok();
    let message = record.and_then(|record| record.get("message")).and_then(Value::as_str);
    html! {
        <section class="record-view" id="record-view" aria-labelledby="record-view-title" {onkeydown}>
            <header class="record-view-header">
                <h2 id="record-view-title" ref={title} tabindex="-1">{ format!("Record #{number}") }</h2>
                <p class="record-view-file">{ "in " }<span class="record-file">{ props.file_name.clone() }</span></p>
                if props.excluded {
                    <p class="record-view-excluded" role="status">{ "Left out of the import." }</p>
                }
                <div class="record-view-actions">
                    <button type="button" onclick={on_toggle_excluded}>
                        { if props.excluded { "Include in the import" } else { "Leave out of the import" } }
                    </button>
                    <button type="button" class="record-view-close" id="close-record" onclick={on_close}>{ "Close" }</button>
                </div>
            </header>
            { view_findings(props, record) }
            { view_fixed(props) }
            <div class="record-view-columns">
                <section class="record-view-source" aria-labelledby="record-source-title">
                    <h3 id="record-source-title">{ "MessageML source" }</h3>
                    { match message {
                        Some(message) => view_source(message, &props.findings),
                        None => html! { <p>{ "The record has no message text." }</p> },
                    } }
                </section>
                if props.target == Target::Teams {
                    <section class="record-view-preview" aria-labelledby="record-preview-title">
                        <h3 id="record-preview-title">{ "Preview in Teams" }</h3>
                        <TeamsPost text={props.text.clone()} directory={props.teams_directory.clone()} />
                    </section>
                } else {
                    <section class="record-view-preview" aria-labelledby="record-preview-title">
                        <h3 id="record-preview-title">{ "Preview" }</h3>
                        { match message {
                            Some(message) => view_preview(message),
                            None => html! {},
                        } }
                    </section>
                }
            </div>
            { view_attachments(record) }
            { view_fields(&props.text, &parsed) }
        </section>
    }
}

/// The record parsed for display, or why it is not.
fn parse_record(text: &str) -> Result<Value, String> {
    if text.len() > MAX_PARSED_RECORD_BYTES {
        return Err(format!("The record is {}, too large to show field by field.", humanize::size(text.len() as u64)));
    }
    serde_json::from_str(text).map_err(|error| format!("The record is not well-formed JSON: {error}."))
}

/// The findings, each with its excerpt and its fix.
fn view_findings(props: &RecordViewProps, record: Option<&Value>) -> Html {
    let not_kept = (props.findings_not_kept > 0).then(|| {
        html! {
            <p class="note">
                { format!("{} more findings were counted but not kept; run `ferry check` for all of them.", props.findings_not_kept) }
            </p>
        }
    });
    if props.findings.is_empty() {
        return match not_kept {
            Some(note) => note,
            None => html! {
                <p class="record-view-clean">
                    { if props.target == Target::Teams { "No findings: Teams import would take this record." } else { "No findings: the Agent would accept this record." } }
                </p>
            },
        };
    }
    html! {
        <section class="record-view-findings" aria-labelledby="record-findings-title">
            <h3 id="record-findings-title">{ format!("Findings ({})", props.findings.len()) }</h3>
            <ol class="finding-list">
                { for props.findings.iter().enumerate().map(|(index, finding)| {
                    view_finding(props, finding, props.positions.get(index).copied().flatten(), record)
                }) }
            </ol>
            { not_kept.unwrap_or_default() }
        </section>
    }
}

fn severity_class(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "severity severity-error",
        Severity::Warning => "severity severity-warning",
        Severity::Info => "severity severity-info",
    }
}

fn view_finding(
    props: &RecordViewProps,
    finding: &Diagnostic,
    position: Option<Position>,
    record: Option<&Value>,
) -> Html {
    let pointer = &finding.location.pointer;
    let field_text = record.and_then(|record| record.pointer(pointer)).and_then(Value::as_str);
    let excerpt = match (field_text, finding.location.span) {
        (Some(text), Some(span)) => view_excerpt(text, span),
        _ => html! {},
    };
    html! {
        <li class="finding finding-item" data-code={finding.code()}>
            <p class="finding-head">
                <span class={severity_class(finding.severity)}>{ finding.severity.to_string() }</span>
                <code class="finding-code code">{ finding.code() }</code>
                <code class="pointer">{ if pointer.is_empty() { "(whole record)" } else { pointer.as_str() } }</code>
                if let Some(position) = position {
                    <span class="position">{ format!("line {}, col {}", position.line, position.column) }</span>
                }
            </p>
            <p class="finding-message message">{ finding.message.clone() }</p>
            if let Some(help) = &finding.help {
                <p class="finding-help help">{ help.clone() }</p>
            }
            { excerpt }
            if let Some(fix) = &finding.fix {
                { view_fix(props, finding.rule, fix) }
            }
        </li>
    }
}

/// A fix offered: what it changes (the record before and after), and the buttons that apply it.
fn view_fix(props: &RecordViewProps, rule: Rule, fix: &Fix) -> Html {
    let after = apply_to_text(&props.text, &[fix]);
    let on_apply = {
        let on_apply_fix = props.on_apply_fix.clone();
        let fix = fix.clone();
        Callback::from(move |_: MouseEvent| on_apply_fix.emit((rule, fix.clone())))
    };
    let on_apply_to_all = {
        let on_apply_fix_to_all = props.on_apply_fix_to_all.clone();
        Callback::from(move |_: MouseEvent| on_apply_fix_to_all.emit(rule))
    };
    html! {
        <div class="fix">
            <p class="fix-title">{ format!("Fix offered: {}", fix.title) }</p>
            <ul class="fix-edits">
                { for fix.edits.iter().map(|edit| html! {
                    <li>
                        <code>{ if edit.pointer.is_empty() { "the record".to_owned() } else { edit.pointer.clone() } }</code>
                        { " becomes " }
                        <code class="fix-value">{ cut(&edit.value.to_string(), MAX_SHOWN_VALUE_CHARACTERS) }</code>
                    </li>
                }) }
            </ul>
            { match after {
                Ok(after) => view_before_after(&props.text, &after),
                Err(failure) => html! { <p class="fix-failure">{ format!("This fix cannot be applied: {failure}.") }</p> },
            } }
            <div class="fix-actions">
                <button type="button" class="fix-apply" onclick={on_apply}>{ "Apply to this record" }</button>
                <button type="button" class="fix-apply-all" onclick={on_apply_to_all}>
                    { format!("Apply to every record with {}", rule.code()) }
                </button>
            </div>
        </div>
    }
}

fn view_before_after(before: &str, after: &str) -> Html {
    html! {
        <details class="before-after">
            <summary>{ "Before and after" }</summary>
            <div class="before-after-columns">
                <div>
                    <h4>{ "Before" }</h4>
                    <pre class="record-text">{ cut(before, MAX_SHOWN_RECORD_BYTES) }</pre>
                </div>
                <div>
                    <h4>{ "After" }</h4>
                    <pre class="record-text">{ cut(after, MAX_SHOWN_RECORD_BYTES) }</pre>
                </div>
            </div>
        </details>
    }
}

/// When the record was fixed: the file's text beside the fixed text.
fn view_fixed(props: &RecordViewProps) -> Html {
    let Some(original) = &props.original_text else { return html! {} };
    html! {
        <section class="record-view-fixed" aria-labelledby="record-fixed-title">
            <h3 id="record-fixed-title">{ "Fixed" }</h3>
            <p>{ "Fixes were applied to this record; the findings above are the core's check of the fixed text. \
                  The file itself is not changed." }</p>
            { view_before_after(original, &props.text) }
        </section>
    }
}

/// A few bytes around `span` of `text`, the span marked.
fn view_excerpt(text: &str, span: Span) -> Html {
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.clamp(start, text.len()));
    let context_start = floor_char_boundary(text, start.saturating_sub(EXCERPT_CONTEXT_BYTES));
    let context_end = floor_char_boundary(text, end.saturating_add(EXCERPT_CONTEXT_BYTES).min(text.len()));
    let marked = cut(&text[start..end], MAX_SHOWN_VALUE_CHARACTERS);
    html! {
        <pre class="finding-excerpt">
            if context_start > 0 { { "…" } }
            { &text[context_start..start] }
            <mark class="span-highlight">{ if marked.is_empty() { "⟂".to_owned() } else { marked } }</mark>
            { &text[end..context_end] }
            if context_end < text.len() { { "…" } }
        </pre>
    }
}

/// The message source with every finding's span in `/message` highlighted.
fn view_source(message: &str, findings: &[Diagnostic]) -> Html {
    let shown = &message[..floor_char_boundary(message, message.len().min(MAX_SHOWN_SOURCE_BYTES))];
    let mut spans: Vec<Span> = findings
        .iter()
        .filter(|finding| finding.location.pointer == "/message")
        .filter_map(|finding| finding.location.span)
        .map(|span| {
            let start = floor_char_boundary(shown, span.start.min(shown.len()));
            Span::new(start, floor_char_boundary(shown, span.end.clamp(start, shown.len())))
        })
        .collect();
    spans.sort_by_key(|span| (span.start, span.end));
    // Overlapping spans are drawn as one.
    let mut merged: Vec<Span> = Vec::new();
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start <= last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    let mut pieces = Vec::new();
    let mut position = 0;
    for span in merged {
        pieces.push(html! { { &shown[position..span.start] } });
        let marked = &shown[span.start..span.end];
        pieces.push(html! { <mark class="span-highlight">{ if marked.is_empty() { "⟂" } else { marked } }</mark> });
        position = span.end;
    }
    pieces.push(html! { { &shown[position..] } });
    html! {
        <>
            <pre class="message-source">{ for pieces }</pre>
            if shown.len() < message.len() {
                <p class="note">{ format!("Only the first {} of the message are shown.", humanize::size(shown.len() as u64)) }</p>
            }
        </>
    }
}

fn view_preview(message: &str) -> Html {
    let preview = build_preview(message);
    html! {
        <>
            if let Some(problem) = &preview.problem {
                <p class="note">{ problem.clone() }</p>
            }
            <div class="message-preview">{ render_preview(&preview.nodes) }</div>
        </>
    }
}

fn view_attachments(record: Option<&Value>) -> Html {
    let files = record.map(attached_files).unwrap_or_default();
    if files.is_empty() {
        return html! {};
    }
    html! {
        <section class="record-view-attachments" aria-labelledby="record-attachments-title">
            <h3 id="record-attachments-title">{ "Attachments and previews" }</h3>
            <table class="attachment-table">
                <thead>
                    <tr><th scope="col">{ "File" }</th><th scope="col">{ "Kind" }</th><th scope="col">{ "Size" }</th><th scope="col">{ "Image" }</th></tr>
                </thead>
                <tbody>
                    { for files.iter().map(|file| html! {
                        <tr>
                            <td>{ if file.file_name.is_empty() { "(no name)".to_owned() } else { file.file_name.clone() } }</td>
                            <td>{ match file.list { FileList::Attachment => format!("attachment {}", file.index + 1), FileList::Preview => format!("preview {}", file.index + 1) } }</td>
                            <td>{ file.decoded_bytes.map(humanize::size_with_bytes).unwrap_or_else(|| "not base64".to_owned()) }</td>
                            <td>
                                if let Some(url) = &file.image_data_url {
                                    <img class="attachment-image" src={url.clone()} alt={format!("Image {}", file.file_name)} />
                                }
                            </td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}

/// The record's members as a table, long values cut.
fn view_fields(text: &str, parsed: &Result<Value, String>) -> Html {
    let rows = match parsed {
        Ok(Value::Object(members)) => members
            .iter()
            .map(|(name, value)| {
                let shown = match value {
                    Value::String(text) => cut(text, MAX_SHOWN_VALUE_CHARACTERS),
                    other => cut(&other.to_string(), MAX_SHOWN_VALUE_CHARACTERS),
                };
                html! { <tr><th scope="row"><code>{ name.clone() }</code></th><td class="field-value">{ shown }</td></tr> }
            })
            .collect::<Html>(),
        Ok(_) => html! {},
        Err(problem) => html! { <tr><td colspan="2">{ problem.clone() }</td></tr> },
    };
    html! {
        <section class="record-view-fields" aria-labelledby="record-fields-title">
            <h3 id="record-fields-title">{ "Fields" }</h3>
            <table class="field-table"><tbody>{ rows }</tbody></table>
            <details class="record-json">
                <summary>{ "The record as written" }</summary>
                <pre class="record-text">{ cut(text, MAX_SHOWN_RECORD_BYTES) }</pre>
            </details>
        </section>
    }
}

/// `text` cut to at most `limit` characters, saying how much was left out.
fn cut(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        None => text.to_owned(),
        Some((end, _)) => {
            let left_out = text[end..].chars().count();
            format!("{}… ({} more characters)", &text[..end], humanize::grouped(left_out as u64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_cut_at_characters() {
        let table = [("short", 10, "short"), ("ééééé", 2, "éé… (3 more characters)"), ("", 0, "")];
        for (text, limit, expected) in table {
            assert_eq!(cut(text, limit), expected);
        }
        assert_eq!(floor_char_boundary("aé", 2), 1);
        assert_eq!(floor_char_boundary("aé", 9), 3);
    }

    fn rendered(text: &'static str, findings: Vec<Diagnostic>) -> String {
        let renderer = yew::ServerRenderer::<RecordView>::with_props(move || props(text, findings));
        futures::executor::block_on(renderer.hydratable(false).render())
    }

    fn props(text: &str, findings: Vec<Diagnostic>) -> RecordViewProps {
        RecordViewProps {
            record: 4,
            file_name: "batch.ndjson".into(),
            text: Rc::from(text),
            original_text: None,
            findings: Rc::new(findings),
            positions: Rc::default(),
            findings_not_kept: 0,
            excluded: false,
            target: Target::Symphony,
            teams_directory: None,
            on_apply_fix: Callback::noop(),
            on_apply_fix_to_all: Callback::noop(),
            on_set_excluded: Callback::noop(),
            on_close: Callback::noop(),
        }
    }

    #[test]
    fn the_view_numbers_from_one_highlights_spans_and_stays_inert() {
        let text = r#"{"message": "<messageML>hi <script>window.pwned=1</script> <a href=\"javascript:x\">go</a></messageML>", "intendedMessageTimestamp": 1433045622}"#;
        let finding = Diagnostic::new(Rule::UnknownElement, "Invalid MessageML content at element \"script\"")
            .at("/message")
            .with_span(14..22);
        let html = rendered(text, vec![finding]);
        assert!(html.contains("Record #5"), "{html}");
        assert!(html.contains(r#"<mark class="span-highlight">&lt;script&gt;</mark>"#), "{html}");
        crate::preview::inert::assert_inert(&html);
    }
}
