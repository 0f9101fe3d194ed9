//! `ferry check FILE...`: checks a batch against every rule of the import API and prints the findings.
//!
//! `--min-severity` leaves the less severe findings out of the listing (a large batch can carry thousands of
//! infos); the counts, the plan, the fixes and the exit status still cover every finding.
//!
//! Several files form one batch (duplicates are found across them); `-` reads standard input. Exit status:
//! 0 when no finding is an error, 1 when some are or when an input holds no record, 2 when the run itself fails
//! (a file cannot be read, a bad `--now`, a fix that cannot be applied). With `--fix --output FILE` the offered
//! fixes are applied to a copy of the batch; the exit status still describes the batch as given.
//!
//! An empty input (zero bytes or only white space) fails the run although the core reports it as a warning
//! (`JSON002`, the same finding in the browser and here): the Agent answers 400 to an empty body, and an empty
//! export file is almost always a truncated one. The human report says so; the JSON report lists such files in
//! `emptyFiles`.
//!
//! The human report ends with a table of findings per rule. On a terminal, standard error shows the progress
//! of runs longer than [`PROGRESS_DELAY`] (bytes and records read); nothing is drawn when it is not a terminal.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ferry_core::messageml::mention_groups::MentionGroups;
use ferry_core::{Diagnostic, Options, Rule, Severity, Summary, Target, Validator};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::apply::{self, FixesByRecord};
use crate::input::{self, Input};
use crate::output::{self, PlanSummary};
use crate::position::{self, Position};
use crate::render::{self, RuleCounts};
use crate::store::{self, DiagnosticStore};

/// Arguments of `ferry check`.
#[derive(clap::Args)]
pub struct Args {
    /// Batch files: a JSON array of messages or NDJSON (one message per line). `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// How to print the findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// The platform the batch is going to.
    #[arg(long, value_enum, default_value_t = TargetArg::Symphony)]
    target: TargetArg,
    /// The current time, RFC 3339 (`2024-05-01T12:00:00Z`) or milliseconds since the Unix epoch; timestamps
    /// after it are in the future. Defaults to the system clock.
    #[arg(long, value_name = "RFC3339|MILLIS")]
    now: Option<String>,
    /// Apply every offered fix and write the fixed batch to `--output` (the inputs are left untouched).
    #[arg(long, requires = "output")]
    fix: bool,
    /// Where `--fix` writes the fixed batch: NDJSON when the name ends in `.ndjson` or `.jsonl`, otherwise a
    /// JSON array.
    #[arg(long, value_name = "FILE", requires = "fix")]
    output: Option<PathBuf>,
    /// List only findings this severe or more; the counts still cover every finding.
    #[arg(long, value_enum, default_value_t = SeverityArg::Info)]
    min_severity: SeverityArg,
    /// How many threads check records: 0 (the default) for one per core, 1 for the calling thread alone. The
    /// report is the same whatever the number.
    #[arg(long, value_name = "N", default_value_t = 0)]
    threads: usize,
    /// With `--target teams`: the user map (`symphonyUserId,entraUserId,displayName`); with `--streams`, the
    /// Teams rules that need the maps run.
    #[arg(long, value_name = "users.csv", requires = "streams")]
    users: Option<PathBuf>,
    /// With `--target teams`: the stream map (`streamId,teamId,channelId,chatId`).
    #[arg(long, value_name = "streams.csv", requires = "users")]
    streams: Option<PathBuf>,
}

/// `--min-severity` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum SeverityArg {
    /// Every finding.
    Info,
    /// Warnings and errors.
    Warning,
    /// Errors only.
    Error,
}

impl From<SeverityArg> for Severity {
    fn from(severity: SeverityArg) -> Severity {
        match severity {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Warning => Severity::Warning,
            SeverityArg::Error => Severity::Error,
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Each finding under its source line, then counts.
    Human,
    /// One JSON object (see `docs/json-output.md`).
    Json,
}

/// `--target` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum TargetArg {
    /// Symphony's Agent message import.
    Symphony,
    /// Microsoft Teams import through Microsoft Graph.
    Teams,
}

impl From<TargetArg> for Target {
    fn from(target: TargetArg) -> Target {
        match target {
            TargetArg::Symphony => Target::Symphony,
            TargetArg::Teams => Target::Teams,
        }
    }
}

/// Runs `ferry check`.
///
/// # Errors
/// When a file cannot be read, `--now` cannot be parsed, or the output cannot be written.
pub fn run(args: Args) -> Result<ExitCode> {
    let now_millis = match &args.now {
        Some(text) => parse_now(text)?,
        None => system_now_millis()?,
    };
    let mut options = Options::new(args.target.into(), now_millis);
    if let (Some(users), Some(streams)) = (&args.users, &args.streams) {
        if args.target != TargetArg::Teams {
            bail!("--users and --streams map Symphony to Teams: give them with --target teams");
        }
        options.teams_directory = Some(super::convert::teams::read_directory(users, streams)?);
    }
    let inputs = input::gather(&args.files)?;
    if let Some(output) = &args.output {
        apply::ensure_output_is_not_an_input(&inputs, output)?;
    }
    let mut progress = Progress::new(&inputs);
    let checked = check_batch(&inputs, &options, args.threads, args.fix, args.min_severity.into(), &mut progress)?;
    progress.finish();
    let mut store = checked.store;
    let mut positions = checked.positions;
    let empty_files: Vec<&str> =
        checked.empty_files.iter().filter_map(|&file| inputs.get(file).map(Input::name)).collect();
    render::locate_missing(&inputs, &mut store, &mut positions)
        .context("could not re-read an input to locate a finding")?;

    let mut stdout = BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Human => {
            let styled = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let renderer = render::renderer(styled);
            let mut excerpter = render::Excerpter::new(&inputs);
            let mut notes = String::new();
            store.for_each(|index, diagnostic| {
                let position = positions.get(index).copied().flatten();
                let entry = render::Located {
                    diagnostic,
                    file_name: inputs.get(diagnostic.location.file).map_or("?", Input::name),
                    position,
                    excerpt: excerpter.excerpt(diagnostic, position).context("could not re-read an input")?,
                };
                render::write_human(&mut stdout, &entry, &renderer, &mut notes)?;
                Ok::<(), anyhow::Error>(())
            })?;
            write_summary(&mut stdout, &checked.rule_counts, &empty_files, &checked.summary, &checked.plan)?;
        }
        Format::Json => {
            let files: Vec<&str> = inputs.iter().map(Input::name).collect();
            let report = output::Report {
                summary: &checked.summary,
                plan: &checked.plan,
                files: &files,
                empty_files: &empty_files,
            };
            output::write_json(&mut stdout, &report, &mut store, &positions)?;
        }
    }
    stdout.flush().context("could not write the report")?;

    if let (true, Some(output)) = (args.fix, &args.output) {
        let applied = apply::write_fixed_batch(&inputs, &checked.fixes, output)?;
        eprintln!(
            "applied {} fix(es) to {} of {} record(s); wrote `{}` (check it again with `ferry check {}`)",
            applied.fixes,
            applied.fixed_records,
            applied.records,
            output.display(),
            output.display()
        );
    }

    let failed = checked.summary.errors > 0 || !empty_files.is_empty();
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Writes the end of the human report: the findings per rule, the inputs without records, the closing counts
/// and the import plan (also how `ferry convert` ends, on the batch it wrote).
///
/// # Errors
/// When `out` cannot be written.
pub(crate) fn write_summary(
    out: &mut impl Write,
    rule_counts: &RuleCounts,
    empty_files: &[&str],
    summary: &Summary,
    plan: &PlanSummary,
) -> std::io::Result<()> {
    let statistics = render::statistics_table(rule_counts);
    if !statistics.is_empty() {
        writeln!(out, "{statistics}")?;
    }
    for file_name in empty_files {
        writeln!(out, "{}", render::empty_file_line(file_name))?;
    }
    writeln!(out, "{}", render::closing_line(summary))?;
    writeln!(out, "{}", render::plan_line(plan))
}

/// Bytes read from an input per step.
const CHUNK_BYTES: usize = 64 * 1024;

/// Most bytes of an input kept to find the findings' lines and columns as it is read: more than the
/// validator holds back (its batches in flight and the record in hand) for any record but a huge one, whose
/// findings are then located by a second pass.
const MAX_TRACKED_BYTES: usize = 8 * 1024 * 1024;

/// What checking a batch leaves for printing.
struct Checked {
    /// Counts over the run.
    summary: Summary,
    /// The import plan of the records without errors, in short.
    plan: PlanSummary,
    /// Every finding, in the order found.
    store: DiagnosticStore,
    /// The stored findings' positions, as far as they were found while reading (indexed like the store).
    positions: Vec<Option<Position>>,
    /// The fixes on offer, when `--fix` asked for them.
    fixes: FixesByRecord,
    /// Every finding counted per rule and severity (listed or not).
    rule_counts: RuleCounts,
    /// The inputs (indices) that hold no record: rule `JSON002`.
    empty_files: BTreeSet<usize>,
}

/// Checks every input as one batch on `threads` threads (0: one per core), streaming each file through the
/// validator and moving its findings to the store as they come, so memory holds the records in hand (a batch
/// of a few MiB when checking on several threads) and not every finding of a large batch. Only findings at
/// least `min_severity` are stored for listing; fixes are taken from all of them.
fn check_batch(
    inputs: &[Input],
    options: &Options,
    threads: usize,
    keep_fixes: bool,
    min_severity: Severity,
    progress: &mut Progress,
) -> Result<Checked> {
    let mut validator = Validator::parallel(options.clone(), threads);
    let mut tracker = position::Tracker::new(MAX_TRACKED_BYTES);
    let mut listing = Listing {
        store: DiagnosticStore::with_memory_limit(store::DEFAULT_MEMORY_LIMIT),
        positions: Vec::new(),
        first_mentions: HashMap::new(),
        mentions: MentionGroups::default(),
        min_severity,
    };
    let mut fixes = FixesByRecord::new();
    let mut rule_counts = RuleCounts::new();
    let mut empty_files = BTreeSet::new();
    let mut take_findings = |findings: Vec<Diagnostic>, tracker: &mut position::Tracker| -> Result<()> {
        for diagnostic in &findings {
            *rule_counts.entry((diagnostic.rule, diagnostic.severity)).or_insert(0) += 1;
            if diagnostic.rule == Rule::EmptyInput {
                empty_files.insert(diagnostic.location.file);
            }
            if keep_fixes {
                apply::collect_fix(&mut fixes, diagnostic);
            }
        }
        listing.take(findings, tracker)
    };
    for (file_index, input) in inputs.iter().enumerate() {
        let mut reader = input.open().with_context(|| format!("could not read `{}`", input.name()))?;
        validator.begin_file(input.name());
        tracker.begin_file(file_index);
        loop {
            let mut buffer = tracker.buffer();
            buffer.resize(CHUNK_BYTES, 0);
            let filled = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(filled) => filled,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error).with_context(|| format!("could not read `{}`", input.name())),
            };
            buffer.truncate(filled);
            validator.push(&buffer);
            tracker.append(buffer);
            take_findings(validator.drain_diagnostics(), &mut tracker)?;
            progress.advance(filled, validator.summary().records);
        }
        validator.end_file();
        take_findings(validator.drain_diagnostics(), &mut tracker)?;
    }
    let report = validator.finish();
    take_findings(report.diagnostics, &mut tracker)?;
    listing.finish()?;
    let Listing { store, positions, .. } = listing;
    Ok(Checked {
        summary: report.summary,
        plan: PlanSummary::of(&report.plan),
        store,
        positions,
        fixes,
        rule_counts,
        empty_files,
    })
}

/// The findings listed in the report as they are drained, with their positions.
struct Listing {
    /// Every listed finding, in the order found.
    store: DiagnosticStore,
    /// Their positions, where found while reading (indexed like the store).
    positions: Vec<Option<Position>>,
    /// The position of the first note of each mentioned user (`MML022`, by its text), with its file and
    /// offset: the grouped note listed at the end is at that first mention.
    first_mentions: HashMap<String, (usize, usize, Position)>,
    /// The notes that a mentioned user is looked up by the pod (MML022), listed once per user, at the end.
    mentions: MentionGroups,
    /// Only findings at least this severe are listed.
    min_severity: Severity,
}

impl Listing {
    /// Locates a drained group of findings (those in the file being read) and lists them.
    fn take(&mut self, findings: Vec<Diagnostic>, tracker: &mut position::Tracker) -> Result<()> {
        // Only findings in the file being read (all of them, as groups are drained per file) with a source span.
        let (indices, offsets): (Vec<usize>, Vec<u64>) = findings
            .iter()
            .enumerate()
            .filter_map(|(index, diagnostic)| match diagnostic.location.source {
                Some(source) if diagnostic.location.file == tracker.file() => Some((index, source.start as u64)),
                _ => None,
            })
            .unzip();
        let mut located = vec![None; findings.len()];
        for (index, position) in indices.into_iter().zip(tracker.locate(&offsets)) {
            located[index] = position;
        }
        for (diagnostic, position) in findings.iter().zip(&located) {
            if let (Rule::UnknownMentionUser, Some(position), Some(source)) =
                (diagnostic.rule, position, diagnostic.location.source)
            {
                if !self.first_mentions.contains_key(&diagnostic.message) {
                    let first = (diagnostic.location.file, source.start, *position);
                    self.first_mentions.insert(diagnostic.message.clone(), first);
                }
            }
        }
        // The grouping passes every other finding through in order (its invariant), so their positions follow.
        let other_positions =
            findings.iter().zip(located).filter(|(diagnostic, _)| diagnostic.rule != Rule::UnknownMentionUser);
        let listed_positions: Vec<Option<Position>> = other_positions
            .filter(|(diagnostic, _)| diagnostic.severity >= self.min_severity)
            .map(|(_, position)| position)
            .collect();
        let others = self.mentions.absorb(findings);
        let listed: Vec<Diagnostic> =
            others.into_iter().filter(|diagnostic| diagnostic.severity >= self.min_severity).collect();
        self.positions.extend(listed_positions);
        self.store.extend(listed).context("could not keep the findings in a temporary file")
    }

    /// Lists the grouped notes of mentioned users, at their first mention.
    fn finish(&mut self) -> Result<()> {
        let first_mention_at: HashMap<(usize, usize), Position> =
            self.first_mentions.drain().map(|(_, (file, offset, position))| ((file, offset), position)).collect();
        let grouped: Vec<Diagnostic> = std::mem::take(&mut self.mentions)
            .finish()
            .into_iter()
            .filter(|diagnostic| diagnostic.severity >= self.min_severity)
            .collect();
        self.positions.extend(grouped.iter().map(|diagnostic| {
            let source = diagnostic.location.source?;
            first_mention_at.get(&(diagnostic.location.file, source.start)).copied()
        }));
        self.store.extend(grouped).context("could not keep the findings in a temporary file")
    }
}

/// How long a run goes before it shows progress: shorter runs draw nothing at all.
const PROGRESS_DELAY: Duration = Duration::from_millis(500);

/// Progress on standard error (bytes and records read), drawn only when standard error is a terminal and
/// only once the run has lasted [`PROGRESS_DELAY`]; cleared when the check ends, before the report.
struct Progress {
    /// `None` when standard error is not a terminal: then nothing is ever drawn.
    bar: Option<ProgressBar>,
    started: Instant,
    shown: bool,
    bytes_read: u64,
}

impl Progress {
    fn new(inputs: &[Input]) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let total_bytes = inputs.iter().filter_map(Input::size_bytes).sum::<u64>();
            let bar = ProgressBar::with_draw_target(Some(total_bytes), ProgressDrawTarget::hidden());
            let template = "checking {bar:30} {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}), {msg}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar
        });
        Progress { bar, started: Instant::now(), shown: false, bytes_read: 0 }
    }

    /// Counts `bytes` more read, and `records` read so far.
    fn advance(&mut self, bytes: usize, records: usize) {
        let Some(bar) = &self.bar else { return };
        self.bytes_read = self.bytes_read.saturating_add(u64::try_from(bytes).unwrap_or(u64::MAX));
        if !self.shown && self.started.elapsed() < PROGRESS_DELAY {
            return;
        }
        bar.set_position(self.bytes_read);
        bar.set_message(format!("{records} records"));
        if !self.shown {
            bar.set_draw_target(ProgressDrawTarget::stderr());
            self.shown = true;
        }
    }

    /// Clears the bar, so that what follows starts on a clean line.
    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
/// Parses `--now`: an integer is milliseconds since the Unix epoch, anything else must be RFC 3339.
pub(crate) fn parse_now(text: &str) -> Result<i64> {
    let trimmed = text.trim();
    let digits = trimmed.strip_prefix('-').unwrap_or(trimmed);
    if !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return trimmed.parse::<i64>().with_context(|| format!("--now `{text}` is out of range"));
    }
    match trimmed.parse::<jiff::Timestamp>() {
        Ok(timestamp) => Ok(timestamp.as_millisecond()),
        Err(error) => bail!("--now `{text}` is neither RFC 3339 (2024-05-01T12:00:00Z) nor milliseconds: {error}"),
    }
}

pub(crate) fn system_now_millis() -> Result<i64> {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    i64::try_from(elapsed.as_millis()).context("the system clock is out of range")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_accepts_millis_and_rfc3339() {
        let cases: &[(&str, Option<i64>)] = &[
            ("1433045622000", Some(1_433_045_622_000)),
            ("0", Some(0)),
            ("-5", Some(-5)),
            ("2015-05-31T04:13:42Z", Some(1_433_045_622_000)),
            ("2015-05-31T06:13:42.5+02:00", Some(1_433_045_622_500)),
            ("99999999999999999999", None),
            ("yesterday", None),
            ("2015-05-31", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_now(text).ok(), *expected, "{text}");
        }
    }
}
