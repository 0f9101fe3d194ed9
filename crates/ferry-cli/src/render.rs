//! The human form of a `ferry check` run: each finding under its source line (annotate-snippets), written
//! straight to the output, then a table of findings per rule (counted once, as the findings were drained),
//! then the counts.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;

use annotate_snippets::{Level, Renderer, Snippet};
use ferry_core::{Diagnostic, Rule, Severity, Summary, Target};

use crate::output::PlanSummary;

use crate::input::{Input, ReadSeek};
use crate::position::{self, Excerpt, Position};
use crate::store::DiagnosticStore;

/// A finding with what printing it needs: its file's name and, when the core recorded where in the file it
/// is, its position and (for the human form) the excerpt of its line.
pub struct Located<'a> {
    /// The finding.
    pub diagnostic: &'a Diagnostic,
    /// The name of its file as given on the command line.
    pub file_name: &'a str,
    /// Line and column of the start of its source span.
    pub position: Option<Position>,
    /// The piece of the line to show.
    pub excerpt: Option<Excerpt>,
}

/// Finds the positions the check could not find as it read (see [`position::Tracker`]): every stored
/// finding with a source span and no position in `positions` (indexed like the store) gets one, in one pass
/// over each file that has such findings, stopping at the last of them. Nothing is read when none is missing.
///
/// # Errors
/// When the store or a file cannot be read back.
pub fn locate_missing(
    inputs: &[Input],
    store: &mut DiagnosticStore,
    positions: &mut Vec<Option<Position>>,
) -> io::Result<()> {
    positions.resize(store.len(), None);
    if !positions.iter().any(Option::is_none) {
        return Ok(());
    }
    // (diagnostic index, offset) per file.
    let mut wanted: Vec<Vec<(usize, u64)>> = vec![Vec::new(); inputs.len()];
    store.for_each(|index, diagnostic| {
        let missing = positions.get(index).is_some_and(Option::is_none);
        if let (true, Some(source), Some(per_file)) =
            (missing, diagnostic.location.source, wanted.get_mut(diagnostic.location.file))
        {
            per_file.push((index, source.start as u64));
        }
        Ok::<(), io::Error>(())
    })?;
    for (input, per_file) in inputs.iter().zip(wanted) {
        if per_file.is_empty() {
            continue;
        }
        let offsets: Vec<u64> = per_file.iter().map(|&(_, offset)| offset).collect();
        let found = position::locate(input.open()?, &offsets)?;
        for ((index, _), position) in per_file.into_iter().zip(found) {
            positions[index] = Some(position);
        }
    }
    Ok(())
}

/// Reads excerpts from the inputs, keeping each input open once opened.
pub struct Excerpter<'a> {
    inputs: &'a [Input],
    open: Vec<Option<Box<dyn ReadSeek + 'a>>>,
}

impl<'a> Excerpter<'a> {
    /// An excerpter over the batch's inputs.
    pub fn new(inputs: &'a [Input]) -> Self {
        Excerpter { inputs, open: (0..inputs.len()).map(|_| None).collect() }
    }

    /// The excerpt of a finding's source line, when it has a source span and a position.
    ///
    /// # Errors
    /// When the input cannot be re-read.
    pub fn excerpt(&mut self, diagnostic: &Diagnostic, position: Option<Position>) -> io::Result<Option<Excerpt>> {
        let (Some(source), Some(position)) = (diagnostic.location.source, position) else { return Ok(None) };
        let file = diagnostic.location.file;
        let (Some(input), Some(slot)) = (self.inputs.get(file), self.open.get_mut(file)) else { return Ok(None) };
        let reader = match slot {
            Some(reader) => reader,
            None => slot.insert(input.open()?),
        };
        position::excerpt(reader, position.line_start, source.start as u64, source.end as u64).map(Some)
    }
}

/// The renderer for the human form: colours only when asked.
pub fn renderer(styled: bool) -> Renderer {
    if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// Writes one finding under its source line, with its notes and help, and a blank line after it. `notes` is
/// scratch space kept from one finding to the next, so a long report allocates no text per finding for them.
///
/// # Errors
/// When writing fails.
pub fn write_human(
    out: &mut impl io::Write,
    entry: &Located<'_>,
    renderer: &Renderer,
    notes: &mut String,
) -> io::Result<()> {
    let diagnostic = entry.diagnostic;
    let level = level_of(diagnostic.severity);
    let snippet_excerpt = match (&entry.excerpt, entry.position) {
        (Some(excerpt), Some(position)) => Some((excerpt, position)),
        _ => None,
    };
    // Where the finding is, unless the snippet's own `-->` line says it.
    notes.clear();
    match (snippet_excerpt, entry.position) {
        (Some((excerpt, _)), _) if excerpt.starts_line => {}
        // An excerpt starting inside a long line would make the renderer count columns from the excerpt.
        (_, Some(position)) => {
            let _ = write!(notes, "at {}:{}:{}", entry.file_name, position.line, position.column);
        }
        (_, None) => {
            let _ = write!(notes, "in {}", entry.file_name);
        }
    }
    describe_location(diagnostic, notes);
    let fix_text = diagnostic.fix.as_ref().map(|fix| format!("fix available (--fix): {}", fix.title));

    let mut message = level.title(&diagnostic.message).id(diagnostic.rule.code());
    if let Some((excerpt, position)) = snippet_excerpt {
        let mut snippet = Snippet::source(&excerpt.text)
            .line_start(position.line)
            .annotation(level.span(excerpt.underline.clone()).label(diagnostic.rule.name()));
        if excerpt.starts_line {
            snippet = snippet.origin(entry.file_name);
        }
        message = message.snippet(snippet);
    }
    if !notes.is_empty() {
        message = message.footer(Level::Note.title(notes));
    }
    if let Some(help) = &diagnostic.help {
        message = message.footer(Level::Help.title(help));
    }
    if let Some(fix_text) = &fix_text {
        message = message.footer(Level::Help.title(fix_text));
    }
    // Bound first: the rendered message borrows `fix_text`, which must outlive it.
    let written = writeln!(out, "{}\n", renderer.render(message));
    written
}

/// Appends `record 3, field /streamId, bytes 4..9 of the field` to `notes` (after a `, ` when it holds
/// something), leaving out what is not known.
fn describe_location(diagnostic: &Diagnostic, notes: &mut String) {
    let location = &diagnostic.location;
    let separator = |notes: &mut String| {
        if !notes.is_empty() {
            notes.push_str(", ");
        }
    };
    if let Some(record) = location.record {
        separator(notes);
        let _ = write!(notes, "record {record}");
    }
    if !location.pointer.is_empty() {
        separator(notes);
        let _ = write!(notes, "field {}", location.pointer);
    }
    if let Some(span) = location.span {
        separator(notes);
        let _ = write!(notes, "bytes {}..{} of the field", span.start, span.end);
    }
}

fn level_of(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
    }
}

/// Findings per rule and severity over a whole run (every finding, whatever `--min-severity` listed).
pub type RuleCounts = BTreeMap<(Rule, Severity), usize>;

/// The table of findings per rule that ends the human report, like ruff's `--statistics`: one row per rule
/// and severity, the most frequent first, then by code. Empty when there are no findings.
///
/// ```text
/// code      name                      severity  count
/// SCH004    UnknownField              warning       2
/// TS001     TimestampInFuture         error         1
/// ```
pub fn statistics_table(counts: &RuleCounts) -> String {
    let mut rows: Vec<(&'static str, &'static str, &'static str, usize)> = counts
        .iter()
        .map(|(&(rule, severity), &count)| (rule.code(), rule.name(), severity_name(severity), count))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    rows.sort_by(|left, right| right.3.cmp(&left.3).then_with(|| left.0.cmp(right.0)));
    let headers = ("code", "name", "severity", "count");
    let code_width = rows.iter().map(|row| row.0.len()).chain([headers.0.len()]).max().unwrap_or(0);
    let name_width = rows.iter().map(|row| row.1.len()).chain([headers.1.len()]).max().unwrap_or(0);
    let severity_width = rows.iter().map(|row| row.2.len()).chain([headers.2.len()]).max().unwrap_or(0);
    let count_width = rows.iter().map(|row| row.3.to_string().len()).chain([headers.3.len()]).max().unwrap_or(0);
    let mut table = format!(
        "{:<code_width$}  {:<name_width$}  {:<severity_width$}  {:>count_width$}\n",
        headers.0, headers.1, headers.2, headers.3
    );
    for (code, name, severity, count) in rows {
        table.push_str(&format!(
            "{code:<code_width$}  {name:<name_width$}  {severity:<severity_width$}  {count:>count_width$}\n"
        ));
    }
    table
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

/// Why a run with an empty input fails although the core counts rule `JSON002` as a warning.
pub fn empty_file_line(file_name: &str) -> String {
    let file_name = if file_name == "-" { "standard input (`-`)".to_owned() } else { format!("`{file_name}`") };
    format!(
        "error: {file_name} holds no record (JSON002 EmptyInput), so the run fails: the Agent answers 400 to an \
         empty body, and an empty export file is almost always a truncated one"
    )
}

/// `checked 3 records in 1 file: 1 error, 2 warnings, 0 infos (1 record would be rejected)`.
pub fn closing_line(summary: &Summary) -> String {
    format!(
        "checked {} in {}: {}, {}, {} ({} would be rejected)",
        plural(summary.records, "record"),
        plural(summary.files, "file"),
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info"),
        plural(summary.records_with_errors, "record"),
    )
}

/// `import plan: 2 requests for 9,000 records (12.3 MB), about 3 min at 200,000 messages/hour`; for Teams,
/// `import plan: 39 messages into 3 conversations, one request each (13.6 kB), about 8 s at 5 messages/s per
/// conversation, one conversation at a time`.
pub fn plan_line(plan: &PlanSummary, target: Target) -> String {
    if plan.requests == 0 {
        return "import plan: nothing to import".to_owned();
    }
    if target == Target::Teams {
        return format!(
            "import plan: {} into {}, one request each ({}), about {} at {} messages/s per conversation, one conversation at a time",
            plural(plan.records_planned, "message"),
            plural(plan.streams, "conversation"),
            human_bytes(plan.total_bytes),
            human_duration(plan.estimated_seconds),
            plan.messages_per_hour / 3600
        );
    }
    format!(
        "import plan: {} for {} ({}), about {} at {} messages/hour",
        plural(plan.requests, "request"),
        plural(plan.records_planned, "record"),
        human_bytes(plan.total_bytes),
        human_duration(plan.estimated_seconds),
        plan.messages_per_hour
    )
}

/// `276 B`, `1.8 MB`: sizes for people.
pub fn human_bytes(bytes: u64) -> String {
    match bytes {
        0..=999 => format!("{bytes} B"),
        1_000..=999_999 => format!("{:.1} kB", bytes as f64 / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} MB", bytes as f64 / 1e6),
        _ => format!("{:.1} GB", bytes as f64 / 1e9),
    }
}

fn human_duration(seconds: u64) -> String {
    match seconds {
        0..=119 => format!("{seconds} s"),
        120..=7_199 => format!("{} min", seconds.div_ceil(60)),
        _ => format!("{:.1} h", seconds as f64 / 3600.0),
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_line_in_words() {
        let plan = |requests, records_planned, total_bytes, estimated_seconds| PlanSummary {
            requests,
            records_planned,
            records_excluded: 0,
            streams: 2,
            total_bytes,
            largest_request_bytes: total_bytes,
            estimated_seconds,
            messages_per_hour: 200_000,
        };
        let cases = [
            (plan(0, 0, 0, 0), "import plan: nothing to import"),
            (plan(1, 3, 812, 1), "import plan: 1 request for 3 records (812 B), about 1 s at 200000 messages/hour"),
            (plan(2, 9_000, 12_300_000, 162), "import plan: 2 requests for 9000 records (12.3 MB), about 3 min at 200000 messages/hour"),
            (plan(200, 1_000_000, 2_000_000_000, 18_000), "import plan: 200 requests for 1000000 records (2.0 GB), about 5.0 h at 200000 messages/hour"),
        ];
        for (plan, expected) in cases {
            assert_eq!(plan_line(&plan, Target::Symphony), expected);
        }
        let teams = PlanSummary { messages_per_hour: 18_000, ..plan(39, 39, 13_600, 8) };
        assert_eq!(
            plan_line(&teams, Target::Teams),
            "import plan: 39 messages into 2 conversations, one request each (13.6 kB), about 8 s at 5 messages/s per conversation, one conversation at a time"
        );
    }

    #[test]
    fn statistics_sort_by_count_then_code() {
        assert_eq!(statistics_table(&RuleCounts::new()), "");
        let counts = RuleCounts::from([
            ((Rule::EmptyInput, Severity::Warning), 1),
            ((Rule::TimestampInFuture, Severity::Error), 3),
            ((Rule::UnknownField, Severity::Warning), 3),
            ((Rule::MissingOriginalMessageId, Severity::Warning), 12),
        ]);
        let expected = "\
code      name                      severity  count
BATCH002  MissingOriginalMessageId  warning      12
SCH004    UnknownField              warning       3
TS001     TimestampInFuture         error         3
JSON002   EmptyInput                warning       1
";
        assert_eq!(statistics_table(&counts), expected);
    }

    #[test]
    fn closing_line_counts_in_words() {
        let summary =
            Summary { files: 1, records: 3, errors: 1, warnings: 2, records_with_errors: 1, ..Summary::default() };
        assert_eq!(
            closing_line(&summary),
            "checked 3 records in 1 file: 1 error, 2 warnings, 0 infos (1 record would be rejected)"
        );
    }
}
