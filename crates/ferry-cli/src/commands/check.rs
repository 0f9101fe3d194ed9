//! `ferry check FILE...`: checks a batch against every rule of the import API and prints the findings.
//!
//! `--min-severity` leaves the less severe findings out of the listing (a large batch can carry thousands of
//! infos); the counts, the plan, the fixes and the exit status still cover every finding.
//!
//! Several files form one batch (duplicates are found across them); `-` reads standard input. Exit status:
//! 0 when no finding is an error, 1 when some are, 2 when the run itself fails (a file cannot be read, a bad
//! `--now`, a fix that cannot be applied). With `--fix --output FILE` the offered fixes are applied to a copy
//! of the batch; the exit status still describes the batch as given.

use std::io::{BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use ferry_core::{Diagnostic, Options, Severity, Summary, Target, Validator};

use crate::apply::{self, FixesByRecord};
use crate::input::{self, Input};
use crate::store::{self, DiagnosticStore};
use crate::output::{self, PlanSummary};
use crate::render;

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
    let options = Options::new(args.target.into(), now_millis);
    let inputs = input::gather(&args.files)?;
    if let Some(output) = &args.output {
        apply::ensure_output_is_not_an_input(&inputs, output)?;
    }
    let checked = check_batch(&inputs, &options, args.fix, args.min_severity.into())?;
    let mut store = checked.store;
    let positions =
        render::locate_all(&inputs, &mut store).context("could not re-read an input to locate a finding")?;

    let mut stdout = BufWriter::new(std::io::stdout().lock());
    match args.format {
        Format::Human => {
            let styled = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            let renderer = render::renderer(styled);
            let mut excerpter = render::Excerpter::new(&inputs);
            store.for_each(|index, diagnostic| {
                let position = positions.get(index).copied().flatten();
                let entry = render::Located {
                    diagnostic,
                    file_name: inputs.get(diagnostic.location.file).map_or("?", Input::name),
                    position,
                    excerpt: excerpter.excerpt(diagnostic, position).context("could not re-read an input")?,
                };
                writeln!(stdout, "{}\n", render::human(&entry, &renderer))?;
                Ok::<(), anyhow::Error>(())
            })?;
            writeln!(stdout, "{}", render::closing_line(&checked.summary))?;
            writeln!(stdout, "{}", render::plan_line(&checked.plan))?;
        }
        Format::Json => {
            let files: Vec<&str> = inputs.iter().map(Input::name).collect();
            output::write_json(&mut stdout, &checked.summary, &checked.plan, &files, &mut store, &positions)?;
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

    Ok(if checked.summary.errors > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Bytes read from an input per step: the validator keeps no more than the record in hand.
const CHUNK_BYTES: usize = 64 * 1024;

/// What checking a batch leaves for printing.
struct Checked {
    /// Counts over the run.
    summary: Summary,
    /// The import plan of the records without errors, in short.
    plan: PlanSummary,
    /// Every finding, in the order found.
    store: DiagnosticStore,
    /// The fixes on offer, when `--fix` asked for them.
    fixes: FixesByRecord,
}

/// Checks every input as one batch, streaming each file through the validator and moving its findings to
/// the store as they come, so memory holds the record in hand and not every finding of a large batch. Only
/// findings at least `min_severity` are stored for listing; fixes are taken from all of them.
fn check_batch(inputs: &[Input], options: &Options, keep_fixes: bool, min_severity: Severity) -> Result<Checked> {
    let mut validator = Validator::new(options.clone());
    let mut store = DiagnosticStore::with_memory_limit(store::DEFAULT_MEMORY_LIMIT);
    let mut fixes = FixesByRecord::new();
    let mut take_findings = |findings: Vec<Diagnostic>| -> Result<()> {
        if keep_fixes {
            for diagnostic in &findings {
                apply::collect_fix(&mut fixes, diagnostic);
            }
        }
        let listed = findings.into_iter().filter(|diagnostic| diagnostic.severity >= min_severity);
        store.extend(listed.collect()).context("could not keep the findings in a temporary file")
    };
    let mut buffer = vec![0_u8; CHUNK_BYTES];
    for input in inputs {
        let mut reader = input.open().with_context(|| format!("could not read `{}`", input.name()))?;
        validator.begin_file(input.name());
        loop {
            let filled = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(filled) => filled,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error).with_context(|| format!("could not read `{}`", input.name())),
            };
            validator.push(&buffer[..filled]);
            take_findings(validator.drain_diagnostics())?;
        }
        validator.end_file();
    }
    let report = validator.finish();
    take_findings(report.diagnostics)?;
    Ok(Checked { summary: report.summary, plan: PlanSummary::of(&report.plan), store, fixes })
}

/// Parses `--now`: an integer is milliseconds since the Unix epoch, anything else must be RFC 3339.
fn parse_now(text: &str) -> Result<i64> {
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

fn system_now_millis() -> Result<i64> {
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
