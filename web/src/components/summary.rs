//! The summary of a checked batch: counts by severity, a table per rule, the streams and senders with the most
//! records, the time range and the histogram of timestamps. Every number here counts all of the batch (not
//! only the kept findings); a click on a rule, a stream, a sender, a severity or a bar filters the list.

use std::rc::Rc;

use ferry_core::{Rule, Severity, Target};
use yew::prelude::*;

use crate::components::deferred::Deferred;
use crate::components::format::{counted, grouped};
use crate::components::teams_plan::TeamsPlanView;
use crate::listing::{name_at, Filters, Period};
use crate::model::{CheckedBatch, NONE};
use crate::state::{severity_count, title_of, Action};
use crate::timeline::{histogram, Bucket, Unit};
use ferry_core::humanize::utc_date_time;

/// Streams and senders listed, the most frequent first.
pub const TOP: usize = 8;

/// What the summary shows beyond the core's counts, computed once per batch.
#[derive(Debug, PartialEq, Eq)]
pub struct BatchFacts {
    /// Records per stream index, the most frequent first (at most [`TOP`]), and the number of streams.
    pub top_streams: (Vec<(u32, usize)>, usize),
    /// Records per sender index, the most frequent first (at most [`TOP`]), and the number of senders.
    pub top_senders: (Vec<(u32, usize)>, usize),
    /// Earliest and latest timestamp.
    pub range: Option<(i64, i64)>,
    /// The histogram's unit and bars.
    pub histogram: (Option<Unit>, Vec<Bucket>),
    /// Records without a timestamp.
    pub undated: usize,
}

/// The `TOP` most frequent indices among `indices` (ties by index), and how many distinct there are.
pub fn top_counts(indices: impl Iterator<Item = u32>, distinct: usize) -> (Vec<(u32, usize)>, usize) {
    let mut counts = vec![0usize; distinct];
    for index in indices.filter(|&index| index != NONE) {
        if let Some(count) = counts.get_mut(index as usize) {
            *count += 1;
        }
    }
    // Only the first TOP are wanted: keep a short ranked list rather than sort every name (a batch can have as
    // many senders as records).
    let mut ranked: Vec<(u32, usize)> = Vec::with_capacity(TOP + 1);
    let mut total = 0;
    for (index, count) in counts.into_iter().enumerate().filter(|&(_, count)| count > 0) {
        total += 1;
        if ranked.len() == TOP && ranked.last().is_some_and(|&(_, last)| last >= count) {
            continue;
        }
        // After the equal counts: ties keep the lower index, seen first, first.
        let at = ranked.partition_point(|&(_, ranked_count)| ranked_count >= count);
        ranked.insert(at, (index as u32, count));
        ranked.truncate(TOP);
    }
    (ranked, total)
}

impl BatchFacts {
    /// The facts of `batch`.
    pub fn of(batch: &CheckedBatch) -> Self {
        let timestamps = batch.rows.iter().filter_map(|row| row.timestamp);
        let range = timestamps.clone().fold(None, |range: Option<(i64, i64)>, millis| {
            Some(range.map_or((millis, millis), |(first, last)| (first.min(millis), last.max(millis))))
        });
        BatchFacts {
            top_streams: top_counts(batch.rows.iter().map(|row| row.stream), batch.streams.len()),
            top_senders: top_counts(batch.rows.iter().map(|row| row.sender), batch.senders.len()),
            range,
            histogram: histogram(timestamps),
            undated: batch.rows.iter().filter(|row| row.timestamp.is_none()).count(),
        }
    }
}

/// Properties of [`Summary`].
#[derive(Properties, PartialEq)]
pub struct SummaryProps {
    /// The batch.
    pub batch: Rc<CheckedBatch>,
    /// The list's filters (to show which are on).
    pub filters: Filters,
    /// Dispatches filter actions.
    pub on_action: Callback<Action>,
}

/// The severities, worst first, with their labels.
const SEVERITIES: [(Severity, &str); 3] =
    [(Severity::Error, "errors"), (Severity::Warning, "warnings"), (Severity::Info, "infos")];

/// The summary of a batch.
#[function_component(Summary)]
pub fn summary(props: &SummaryProps) -> Html {
    let batch = &props.batch;
    let summary = &batch.summary;
    let size_bytes: u64 = batch.files.iter().map(|file| file.size() as u64).sum();
    let verdict = if summary.errors == 0 {
        html! { <p class="verdict ok">{ "No errors: the Agent would accept every record." }</p> }
    } else {
        html! {
            <p class="verdict bad">
                { format!("{} would be rejected or imported wrongly.", counted(summary.records_with_errors, "record")) }
            </p>
        }
    };

    let severity_cards = SEVERITIES.iter().map(|&(severity, label)| {
        let shown = props.filters.severities.shows(Some(severity));
        let on_action = props.on_action.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_action.emit(Action::ToggleSeverity(Some(severity))));
        html! {
            <div class={classes!("count", severity.to_string(), (!shown).then_some("hidden-severity"))}>
                <dt>{ label }</dt>
                <dd id={format!("{severity}-count")}>{ grouped(severity_count(summary, severity) as u64) }</dd>
                <dd class="count-action">
                    <button class="toggle" aria-pressed={shown.to_string()} onclick={onclick}
                        aria-label={format!("{} records whose worst finding is {severity}", if shown { "Hide" } else { "Show" })}>
                        { if shown { "hide" } else { "show" } }
                    </button>
                </dd>
            </div>
        }
    });

    let mut codes: Vec<(&String, &usize)> = summary.by_code.iter().collect();
    codes.sort_by_key(|&(code, count)| (std::cmp::Reverse(*count), code.clone()));
    let code_rows = codes.into_iter().map(|(code, &count)| {
        let rule = Rule::from_code(code);
        let chosen = props.filters.code.as_deref() == Some(code.as_str());
        let on_action = props.on_action.clone();
        let filter_value = (!chosen).then(|| code.clone());
        let onclick = Callback::from(move |_: MouseEvent| on_action.emit(Action::FilterCode(filter_value.clone())));
        let severity = rule.map(|rule| rule.default_severity().to_string()).unwrap_or_default();
        html! {
            <tr class={classes!(chosen.then_some("chosen"))}>
                <td>
                    <button class="link code" aria-pressed={chosen.to_string()} onclick={onclick}
                        aria-label={format!("List only records with {code}")}>
                        { code }
                    </button>
                </td>
                <td>{ rule.map(Rule::name).unwrap_or_default() }</td>
                <td><span class={classes!("badge", severity.clone())}>{ severity }</span></td>
                <td class="number">{ grouped(count as u64) }</td>
            </tr>
        }
    });

    html! {
        <section class="summary-panel" aria-label="Summary">
            <div class="report-head">
                <h2>
                    <span class="file-name">{ title_of(&batch.file_names) }</span>
                    <span class="file-size">{ format!("{} bytes", grouped(size_bytes)) }</span>
                </h2>
            </div>
            { verdict }
            <dl class="summary">
                <div class="count records">
                    <dt>{ "records" }</dt>
                    <dd id="record-count">{ grouped(summary.records as u64) }</dd>
                </div>
                { for severity_cards }
            </dl>
            if batch.target == Target::Teams {
                <TeamsPlanView batch={batch.clone()} />
            } else {
                { plan_view(batch) }
            }
            <div class="summary-grid">
                <section class="rules" aria-label="Findings per rule">
                    <h3>{ "Findings per rule" }</h3>
                    if summary.by_code.is_empty() {
                        <p class="muted">{ "No findings." }</p>
                    } else {
                        <table class="rule-table">
                            <thead><tr><th scope="col">{ "code" }</th><th scope="col">{ "name" }</th><th scope="col">{ "severity" }</th><th scope="col" class="number">{ "count" }</th></tr></thead>
                            <tbody>{ for code_rows }</tbody>
                        </table>
                    }
                </section>
                <Deferred identity={Rc::as_ptr(batch) as usize} preparing="Counting streams, senders and dates">
                    <SummaryDetails batch={batch.clone()} filters={props.filters.clone()} on_action={props.on_action.clone()} />
                </Deferred>
            </div>
        </section>
    }
}

/// The streams, the senders and the timeline: counted over every record, so drawn a task after the counts.
#[function_component(SummaryDetails)]
fn summary_details(props: &SummaryProps) -> Html {
    let batch = &props.batch;
    let facts = use_memo(batch.clone(), |batch| BatchFacts::of(batch));
    let emit = |make: fn(Option<u32>) -> Action, value: Option<u32>| {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(make(value)))
    };
    let people = |title: &str,
                  id: &str,
                  (top, total): &(Vec<(u32, usize)>, usize),
                  names: &[String],
                  chosen: Option<u32>,
                  make: fn(Option<u32>) -> Action| {
        let items = top.iter().map(|&(index, count)| {
            let is_chosen = chosen == Some(index);
            let name = name_at(names, index).to_owned();
            html! {
                <li>
                    <button class={classes!("link", is_chosen.then_some("chosen"))} aria-pressed={is_chosen.to_string()}
                        onclick={emit(make, (!is_chosen).then_some(index))}
                        aria-label={format!("List only records of {name}")}>
                        <span class="name">{ &name }</span>
                    </button>
                    <span class="number">{ grouped(count as u64) }</span>
                </li>
            }
        });
        html! {
            <section class="people" id={id.to_owned()} aria-label={title.to_owned()}>
                <h3>{ format!("{title} ({})", grouped(*total as u64)) }</h3>
                <ol>{ for items }</ol>
                if *total > top.len() {
                    <p class="muted">{ format!("and {} more; type a name in the list's search to find one", grouped((*total - top.len()) as u64)) }</p>
                }
            </section>
        }
    };

    html! {
        <>
            { people("Streams", "streams", &facts.top_streams, &batch.streams, props.filters.stream, Action::FilterStream) }
            { people("Senders", "senders", &facts.top_senders, &batch.senders, props.filters.sender, Action::FilterSender) }
            <Timeline facts={facts.clone()} chosen={props.filters.period} on_action={props.on_action.clone()} />
        </>
    }
}

/// The import requests the records without errors would be sent in.
fn plan_view(batch: &CheckedBatch) -> Html {
    let plan = &batch.plan;
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

/// Properties of [`Timeline`].
#[derive(Properties, PartialEq)]
struct TimelineProps {
    facts: Rc<BatchFacts>,
    chosen: Option<Period>,
    on_action: Callback<Action>,
}

/// Width and height of the chart's drawing, in its own units (the SVG scales to its box).
const CHART_WIDTH: f64 = 960.0;
const CHART_HEIGHT: f64 = 160.0;

/// The time range and the histogram; a bar is a button that filters the list to its period.
#[function_component(Timeline)]
fn timeline(props: &TimelineProps) -> Html {
    let facts = &props.facts;
    let Some((first, last)) = facts.range else {
        return html! { <section class="timeline" aria-label="Timeline"><h3>{ "Timeline" }</h3><p class="muted">{ "No record has a timestamp." }</p></section> };
    };
    let (unit, buckets) = &facts.histogram;
    let unit_name = match unit {
        Some(Unit::Day) => "day",
        Some(Unit::Month) => "month",
        _ => "year",
    };
    let highest = buckets.iter().map(|bucket| bucket.count).max().unwrap_or(1).max(1) as f64;
    let slot = CHART_WIDTH / buckets.len().max(1) as f64;
    let bars = buckets.iter().enumerate().map(|(bar, bucket)| {
        let height = (bucket.count as f64 / highest * (CHART_HEIGHT - 4.0)).max(if bucket.count > 0 { 2.0 } else { 0.0 });
        let chosen = props.chosen == Some(bucket.period);
        let period = (!chosen).then_some(bucket.period);
        let on_click = {
            let on_action = props.on_action.clone();
            Callback::from(move |_: MouseEvent| on_action.emit(Action::FilterPeriod(period)))
        };
        let on_key = {
            let on_action = props.on_action.clone();
            Callback::from(move |event: KeyboardEvent| {
                if event.key() == "Enter" || event.key() == " " {
                    event.prevent_default();
                    on_action.emit(Action::FilterPeriod(period));
                }
            })
        };
        let label = format!("{}: {}", bucket.label, counted(bucket.count, "record"));
        html! {
            <g class={classes!("bar", chosen.then_some("chosen"))} role="button" tabindex="0" aria-label={label.clone()}
                aria-pressed={chosen.to_string()} onclick={on_click} onkeydown={on_key}>
                <title>{ label }</title>
                // The whole slot takes the click, however short the bar.
                <rect class="hit" x={format!("{:.2}", bar as f64 * slot)} y="0" width={format!("{slot:.2}")} height={CHART_HEIGHT.to_string()} />
                <rect class="fill" x={format!("{:.2}", bar as f64 * slot + slot * 0.1)} y={format!("{:.2}", CHART_HEIGHT - height)}
                    width={format!("{:.2}", slot * 0.8)} height={format!("{height:.2}")} />
            </g>
        }
    });
    html! {
        <section class="timeline" aria-label="Timeline">
            <h3>{ format!("Timeline, records per {unit_name}") }</h3>
            <p id="time-range">
                { format!("{} to {}", utc_date_time(first), utc_date_time(last)) }
                if facts.undated > 0 {
                    { format!(" ({} without a timestamp)", counted(facts.undated, "record")) }
                }
            </p>
            <svg class="histogram" id="histogram" viewBox={format!("0 0 {CHART_WIDTH} {CHART_HEIGHT}")} preserveAspectRatio="none"
                role="group" aria-label={format!("Records per {unit_name}; choose a bar to list its records")}>
                { for bars }
            </svg>
            <div class="axis" aria-hidden="true">
                <span>{ buckets.first().map(|bucket| bucket.label.clone()).unwrap_or_default() }</span>
                <span>{ buckets.last().map(|bucket| bucket.label.clone()).unwrap_or_default() }</span>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_frequent_come_first_and_none_is_not_counted() {
        let indices = [2, 0, 2, NONE, 1, 2, 0, NONE];
        assert_eq!(top_counts(indices.into_iter(), 4), (vec![(2, 3), (0, 2), (1, 1)], 3));
        let many: Vec<u32> = (0..20).collect();
        let (top, total) = top_counts(many.into_iter(), 20);
        assert_eq!((top.len(), total), (TOP, 20));
        assert_eq!(top_counts([7].into_iter(), 2), (vec![], 0), "an index past the names is ignored");
    }
}
