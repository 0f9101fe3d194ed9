//! `ferry check FILE...`: checks a batch against every rule of the import API and prints the findings.
//!
//! Several files form one batch (duplicates are found across them); `-` reads standard input. Exit status:
//! 0 when no finding is an error, 1 when some are, 2 when the run itself fails (a file cannot be read, a bad
//! `--now`, a fix that cannot be applied). With `--fix --output FILE` the offered fixes are applied to a copy
//! of the batch; the exit status still describes the batch as given.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use ferry_core::{Options, Report, Target, Validator};

use crate::input::{self, Input};
use crate::{apply, output, render};

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
    let report = check_batch(&inputs, &options)?;

    let located = render::locate_all(&inputs, &report.diagnostics, args.format == Format::Human)
        .context("could not re-read an input to locate a finding")?;
    let text = match args.format {
        Format::Human => {
            let styled = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render::human(&located, &report.summary, styled)
        }
        Format::Json => {
            let files = inputs.iter().map(Input::name).collect();
            let mut text = serde_json::to_string_pretty(&output::check_output(&report, files, &located))?;
            text.push('\n');
            text
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes()).context("could not write the report")?;
    stdout.flush().context("could not write the report")?;

    if let (true, Some(output)) = (args.fix, &args.output) {
        let applied = apply::write_fixed_batch(&inputs, &report.diagnostics, output)?;
        eprintln!(
            "applied {} fix(es) to {} of {} record(s); wrote `{}` (check it again with `ferry check {}`)",
            applied.fixes,
            applied.fixed_records,
            applied.records,
            output.display(),
            output.display()
        );
    }

    Ok(if report.has_errors() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Bytes read from an input per step: the validator keeps no more than the record in hand.
const CHUNK_BYTES: usize = 64 * 1024;

/// Checks every input as one batch, streaming each file through the validator.
fn check_batch(inputs: &[Input], options: &Options) -> Result<Report> {
    let mut validator = Validator::new(options.clone());
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
        }
        validator.end_file();
    }
    Ok(validator.finish())
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
