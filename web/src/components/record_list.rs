//! The list of records: virtualised, filtered, sorted, with the many infos of one rule folded into groups.
//!
//! Only the rows in view (and a few around them) are in the DOM: every row has the same height
//! ([`ROW_HEIGHT`]), a spacer as tall as all rows gives the scroll bar its size, and the rows in view sit in a
//! block moved down to the first one's offset. The page's Content-Security-Policy forbids `style` attributes,
//! so the spacer's height and the block's offset are set through the CSSOM after each render. So the list scrolls as smoothly through 500,000 records as through 50. What is listed is
//! decided by [`crate::listing`]; this component only draws it and turns clicks and keys into actions.

use std::ops::Range;
use std::rc::Rc;

use ferry_core::Severity;
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::components::format::{counted, grouped};
use crate::listing::{list_entries, name_at, Amendments, Entry, Filters, FindingIndex, Listed, SortOrder, CLEAN_GROUP};
use crate::model::{shown_number, CheckedBatch, RecordIndex};
use crate::services::api::{Fate, RecordState};
use crate::state::Action;
use ferry_core::humanize::utc_date_time;

/// Height of every row, in CSS pixels (the style sheet's `.list-row` has the same).
pub const ROW_HEIGHT: f64 = 44.0;

/// Rows drawn beyond each edge of the view, so a fast scroll shows no blank band.
pub const OVERSCAN: usize = 8;

/// The list's height before it is measured, in CSS pixels.
const DEFAULT_VIEWPORT: f64 = 528.0;

/// The rows to draw for a view `viewport` pixels tall scrolled `scroll_top` pixels down a list of `total` rows.
pub fn visible_window(scroll_top: f64, viewport: f64, total: usize, overscan: usize) -> Range<usize> {
    let first_visible = (scroll_top.max(0.0) / ROW_HEIGHT).floor() as usize;
    let visible = (viewport.max(0.0) / ROW_HEIGHT).ceil() as usize + 1;
    let start = first_visible.saturating_sub(overscan).min(total);
    let end = first_visible.saturating_add(visible).saturating_add(overscan).min(total);
    start..end
}

/// Properties of [`RecordList`].
#[derive(Properties, PartialEq)]
pub struct RecordListProps {
    /// The batch.
    pub batch: Rc<CheckedBatch>,
    /// What happened to the batch's records since its check (fixes, the pod's findings, exclusions, fates).
    pub amendments: Rc<Amendments>,
    /// What is listed.
    pub filters: Filters,
    /// In which order.
    pub sort: SortOrder,
    /// The record whose view is open.
    pub selected: Option<RecordIndex>,
    /// Dispatches actions.
    pub on_action: Callback<Action>,
}

/// The label of a severity, or of no finding.
fn severity_text(worst: Option<Severity>) -> String {
    worst.map_or_else(|| "ok".to_owned(), |severity| severity.to_string())
}

/// The list with its filter bar.
#[function_component(RecordList)]
pub fn record_list(props: &RecordListProps) -> Html {
    let index = use_memo(props.batch.clone(), |batch| FindingIndex::new(&batch.findings));
    let entries = {
        let index = index.clone();
        use_memo(
            (props.batch.clone(), props.amendments.clone(), props.filters.clone(), props.sort),
            move |(batch, amendments, filters, sort)| {
                list_entries(Listed { batch, index: &index, amendments }, filters, *sort)
            },
        )
    };
    let scroll = use_state(|| (0.0, DEFAULT_VIEWPORT));
    let viewport_ref = use_node_ref();

    let on_scroll = {
        let scroll = scroll.clone();
        let viewport_ref = viewport_ref.clone();
        Callback::from(move |_: Event| {
            if let Some(element) = viewport_ref.cast::<HtmlElement>() {
                scroll.set((f64::from(element.scroll_top()), f64::from(element.client_height())));
            }
        })
    };
    // A new list starts at its top. Not on the first render: a new element is at its top already, and touching
    // its scroll position would force a layout of the whole page inside this task.
    {
        let viewport_ref = viewport_ref.clone();
        let scroll = scroll.clone();
        let first_render = use_mut_ref(|| true);
        use_effect_with(entries.clone(), move |_| {
            if std::mem::replace(&mut *first_render.borrow_mut(), false) {
                return;
            }
            if let Some(element) = viewport_ref.cast::<HtmlElement>() {
                element.set_scroll_top(0);
                scroll.set((0.0, scroll.1));
            }
        });
    }

    let batch = &props.batch;
    let (scroll_top, viewport) = *scroll;
    let window = visible_window(scroll_top, viewport, entries.len(), OVERSCAN);
    let spacer_ref = use_node_ref();
    let block_ref = use_node_ref();
    {
        let spacer_ref = spacer_ref.clone();
        let block_ref = block_ref.clone();
        use_effect_with((entries.len(), window.start), move |&(total, first)| {
            let set = |node: &NodeRef, property: &str, value: String| {
                if let Some(element) = node.cast::<HtmlElement>() {
                    // The CSSOM, unlike a `style` attribute, is allowed by the Content-Security-Policy.
                    let _ = element.style().set_property(property, &value);
                }
            };
            set(&spacer_ref, "height", format!("{}px", total as f64 * ROW_HEIGHT));
            set(&block_ref, "transform", format!("translateY({}px)", first as f64 * ROW_HEIGHT));
        });
    }
    let listed = Listed { batch, index: &index, amendments: &props.amendments };
    let rows = entries[window.clone()].iter().map(|entry| match entry {
        Entry::Record(record) => record_row(listed, *record, props.selected == Some(*record), &props.on_action),
        Entry::Group { key, records, findings, expanded } => {
            let on_action = props.on_action.clone();
            let toggled = key.clone();
            let onclick = Callback::from(move |_: MouseEvent| on_action.emit(Action::ToggleGroup(toggled.clone())));
            let what = if key == CLEAN_GROUP {
                format!("{} without findings", counted(*records, "record"))
            } else {
                format!("{key} · {} · {} with only infos", counted(*findings, "finding"), counted(*records, "record"))
            };
            let verb = if *expanded { "hide" } else { "show" };
            html! {
                <button class="list-row group-row" aria-expanded={expanded.to_string()} onclick={onclick}
                    data-group={key.clone()}>
                    <span class="group-label">{ what }</span>
                    <span class="group-verb">{ verb }</span>
                </button>
            }
        }
    });
    let listed = entries.iter().filter(|entry| matches!(entry, Entry::Record(_))).count();
    let grouped_records: usize = entries
        .iter()
        .map(|entry| if let Entry::Group { records, expanded: false, .. } = entry { *records } else { 0 })
        .sum();

    html! {
        <section class="record-list" aria-label="Records">
            <h2>{ "Records" }</h2>
            <FilterBar batch={batch.clone()} filters={props.filters.clone()} sort={props.sort} on_action={props.on_action.clone()} />
            <p class="list-count" id="list-count" role="status">
                { format!("{} listed", counted(listed, "record")) }
                if grouped_records > 0 {
                    { format!(", {} in closed groups", grouped(grouped_records as u64)) }
                }
            </p>
            <div class="list-head" aria-hidden="true">
                <span>{ "record" }</span><span>{ "time (UTC)" }</span><span>{ "severity" }</span><span>{ "finding" }</span><span>{ "stream · sender" }</span><span>{ "import" }</span>
            </div>
            <div class="list-viewport" id="list-viewport" ref={viewport_ref} onscroll={on_scroll} tabindex="-1">
                <div class="list-spacer" ref={spacer_ref}>
                    <div class="list-block" ref={block_ref}>{ for rows }</div>
                </div>
            </div>
            if entries.is_empty() {
                <p class="empty">{ "No record matches the filters." }</p>
            }
        </section>
    }
}

/// One record's row: a button that opens its view.
fn record_row(listed: Listed<'_>, record: RecordIndex, selected: bool, on_action: &Callback<Action>) -> Html {
    let batch = listed.batch;
    let Some(row) = listed.row(record) else { return html! {} };
    let lead = row.worst.and_then(|worst| listed.findings(record).find(|finding| finding.severity == worst));
    let finding = match (lead, row.lead) {
        (Some(finding), _) => {
            html! { <><code class="code">{ finding.code() }</code>{ " " }<span class="message">{ &finding.message }</span></> }
        }
        (None, Some(rule)) => {
            html! { <><code class="code">{ rule.code() }</code>{ " " }<span class="muted">{ rule.name() }</span></> }
        }
        (None, None) => html! { <span class="muted">{ "no findings" }</span> },
    };
    let more = (row.findings > 1).then(|| format!("+{}", row.findings - 1));
    let time = row.timestamp.map_or_else(|| "no timestamp".to_owned(), utc_date_time);
    let stream = name_at(&batch.streams, row.stream);
    let sender = name_at(&batch.senders, row.sender);
    let on_action = on_action.clone();
    let onclick = Callback::from(move |_: MouseEvent| on_action.emit(Action::SelectRecord(record)));
    let severity = severity_text(row.worst);
    html! {
        <button class={classes!("list-row", "record-row", severity.clone(), selected.then_some("selected"))}
            onclick={onclick} aria-current={selected.then_some("true")} data-record={shown_number(record).to_string()}>
            <span class="record-number">{ format!("#{}", shown_number(record)) }</span>
            <span class="time">{ time }</span>
            <span><span class={classes!("badge", severity.clone())}>{ severity }</span></span>
            <span class="finding">{ finding }if let Some(more) = more { <span class="more">{ more }</span> }</span>
            <span class="where">{ format!("{stream} · {sender}") }</span>
            { fate_cell(listed.amendments.fates.get(&record), listed.amendments.excluded.contains(&record)) }
        </button>
    }
}

/// A record's fate in words: its state, then the Agent's `messageId` or diagnostic, or the codes that excluded
/// it ("imported · 7f3a…", "rejected · Invalid MessageML"); `None` before it has one and is not left out.
pub fn fate_text(fate: Option<&Fate>, left_out: bool) -> Option<String> {
    let Some(fate) = fate else { return left_out.then(|| "excluded · left out".to_owned()) };
    let detail = match fate.state {
        RecordState::Imported | RecordState::AlreadyImported => fate.message_id.as_deref(),
        RecordState::Rejected => fate.diagnostic.as_deref(),
        RecordState::Excluded => fate.codes.as_deref().or(fate.diagnostic.as_deref()),
        RecordState::Planned | RecordState::InFlight => None,
    };
    Some(match detail {
        Some(detail) if !detail.is_empty() => format!("{} · {detail}", fate.state.label()),
        _ => fate.state.label().to_owned(),
    })
}

/// The list's import cell of a record.
fn fate_cell(fate: Option<&Fate>, left_out: bool) -> Html {
    let state = fate.map(|fate| fate.state.as_str()).or(left_out.then_some("excluded"));
    match fate_text(fate, left_out) {
        Some(text) => html! { <span class={classes!("fate", state)} data-fate={state}>{ text }</span> },
        None => html! { <span class="fate muted">{ "—" }</span> },
    }
}

/// The states the list filters by, with their values in the fate select.
const FATE_CHOICES: [RecordState; 6] = [
    RecordState::Imported,
    RecordState::AlreadyImported,
    RecordState::Rejected,
    RecordState::Excluded,
    RecordState::InFlight,
    RecordState::Planned,
];

/// Properties of [`FilterBar`].
#[derive(Properties, PartialEq)]
struct FilterBarProps {
    batch: Rc<CheckedBatch>,
    filters: Filters,
    sort: SortOrder,
    on_action: Callback<Action>,
}

/// The search box, the order, and a chip per filter that is on.
#[function_component(FilterBar)]
fn filter_bar(props: &FilterBarProps) -> Html {
    let on_action = props.on_action.clone();
    let on_search = Callback::from(move |event: InputEvent| {
        if let Some(input) = event.target_dyn_into::<HtmlInputElement>() {
            on_action.emit(Action::FilterText(input.value()));
        }
    });
    let on_action = props.on_action.clone();
    let on_sort = Callback::from(move |event: Event| {
        if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
            let sort = match select.value().as_str() {
                "record" => SortOrder::RecordNumber,
                "time" => SortOrder::Time,
                _ => SortOrder::Severity,
            };
            on_action.emit(Action::Sort(sort));
        }
    });
    let on_action = props.on_action.clone();
    let on_fate = Callback::from(move |event: Event| {
        if let Some(select) = event.target_dyn_into::<HtmlSelectElement>() {
            let value = select.value();
            let fate = FATE_CHOICES.into_iter().find(|state| state.as_str() == value);
            on_action.emit(Action::FilterFate(fate));
        }
    });
    let filters = &props.filters;
    let chip = |label: String, clear: Action| {
        let on_action = props.on_action.clone();
        let clear = std::rc::Rc::new(std::cell::RefCell::new(Some(clear)));
        let onclick = Callback::from(move |_: MouseEvent| {
            if let Some(action) = clear.borrow_mut().take() {
                on_action.emit(action);
            }
        });
        html! {
            <li class="chip">
                { label.clone() }
                <button class="chip-clear" onclick={onclick} aria-label={format!("Remove the filter {label}")}>{ "×" }</button>
            </li>
        }
    };
    let mut chips = Vec::new();
    if let Some(code) = &filters.code {
        chips.push(chip(format!("rule {code}"), Action::FilterCode(None)));
    }
    if let Some(stream) = filters.stream {
        chips.push(chip(format!("stream {}", name_at(&props.batch.streams, stream)), Action::FilterStream(None)));
    }
    if let Some(sender) = filters.sender {
        chips.push(chip(format!("sender {}", name_at(&props.batch.senders, sender)), Action::FilterSender(None)));
    }
    if let Some(fate) = filters.fate {
        chips.push(chip(format!("import {}", fate.label()), Action::FilterFate(None)));
    }
    if let Some(period) = filters.period {
        let label = format!("from {} to {}", utc_date_time(period.start_millis), utc_date_time(period.end_millis - 1));
        chips.push(chip(label, Action::FilterPeriod(None)));
    }
    for (severity, label) in [
        (Some(Severity::Error), "errors"),
        (Some(Severity::Warning), "warnings"),
        (Some(Severity::Info), "infos"),
        (None, "records without findings"),
    ] {
        if !filters.severities.shows(severity) {
            chips.push(chip(format!("{label} hidden"), Action::ToggleSeverity(severity)));
        }
    }
    let on_action = props.on_action.clone();
    let on_clear = Callback::from(move |_: MouseEvent| on_action.emit(Action::ClearFilters));
    let sort_value = match props.sort {
        SortOrder::Severity => "severity",
        SortOrder::RecordNumber => "record",
        SortOrder::Time => "time",
    };
    html! {
        <div class="filter-bar">
            <label class="search">
                <span>{ "Search" }</span>
                <input type="search" id="list-search" value={filters.text.clone()} oninput={on_search}
                    placeholder="finding, stream, sender or file" />
            </label>
            <label class="sort">
                <span>{ "Order" }</span>
                <select id="list-sort" onchange={on_sort}>
                    <option value="severity" selected={sort_value == "severity"}>{ "worst first" }</option>
                    <option value="record" selected={sort_value == "record"}>{ "record number" }</option>
                    <option value="time" selected={sort_value == "time"}>{ "time" }</option>
                </select>
            </label>
            <label class="sort">
                <span>{ "Import" }</span>
                <select id="list-fate" onchange={on_fate}>
                    <option value="" selected={filters.fate.is_none()}>{ "any" }</option>
                    { for FATE_CHOICES.into_iter().map(|state| html! {
                        <option value={state.as_str()} selected={filters.fate == Some(state)}>{ state.label() }</option>
                    }) }
                </select>
            </label>
            if filters.narrows() {
                <ul class="chips" aria-label="Filters on">{ for chips }</ul>
                <button class="secondary" id="clear-filters" onclick={on_clear}>{ "Clear filters" }</button>
            }
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::tests::fate;

    #[test]
    fn a_fate_reads_as_its_state_and_its_detail() {
        let with = |state, message_id: Option<&str>, diagnostic: Option<&str>, codes: Option<&str>| Fate {
            message_id: message_id.map(str::to_owned),
            diagnostic: diagnostic.map(str::to_owned),
            codes: codes.map(str::to_owned),
            ..fate("x", 0, state)
        };
        // (case, fate, left out, expected)
        let cases: Vec<(&str, Option<Fate>, bool, Option<&str>)> = vec![
            ("no fate", None, false, None),
            ("left out here", None, true, Some("excluded · left out")),
            ("imported", Some(with(RecordState::Imported, Some("m1"), None, None)), false, Some("imported · m1")),
            (
                "repeat",
                Some(with(RecordState::AlreadyImported, Some("m1"), None, None)),
                false,
                Some("already imported · m1"),
            ),
            (
                "rejected",
                Some(with(RecordState::Rejected, None, Some("bad tag"), None)),
                false,
                Some("rejected · bad tag"),
            ),
            (
                "excluded by checks",
                Some(with(RecordState::Excluded, None, None, Some("MML001"))),
                true,
                Some("excluded · MML001"),
            ),
            ("planned", Some(with(RecordState::Planned, None, None, None)), false, Some("planned")),
        ];
        for (name, fate, left_out, expected) in cases {
            assert_eq!(fate_text(fate.as_ref(), left_out).as_deref(), expected, "{name}");
        }
    }

    #[test]
    fn the_window_covers_the_view_and_its_margins() {
        let row = ROW_HEIGHT;
        // (scroll top, viewport, total, overscan, expected)
        let cases = [
            (0.0, 10.0 * row, 1000, 0, 0..11),
            (0.0, 10.0 * row, 1000, 8, 0..19),
            (100.0 * row, 10.0 * row, 1000, 8, 92..119),
            (100.5 * row, 10.0 * row, 1000, 0, 100..111),
            (995.0 * row, 10.0 * row, 1000, 8, 987..1000),
            (0.0, 10.0 * row, 3, 8, 0..3),
            (0.0, 10.0 * row, 0, 8, 0..0),
            (-50.0, 10.0 * row, 5, 0, 0..5),
            // Half a million rows: the window stays a few dozen.
            (250_000.0 * row, 12.0 * row, 500_000, 8, 249_992..250_021),
        ];
        for (scroll_top, viewport, total, overscan, expected) in cases {
            assert_eq!(
                visible_window(scroll_top, viewport, total, overscan),
                expected,
                "{scroll_top} {viewport} {total}"
            );
        }
    }
}
