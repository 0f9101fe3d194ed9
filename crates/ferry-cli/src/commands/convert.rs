//! `ferry convert`: an export into import records, or import records into another service's requests.
//!
//! `ferry convert slack EXPORT --users users.csv --streams streams.csv -o batch.ndjson`: a Slack workspace
//! export (a ZIP or an unpacked folder) into an NDJSON import batch for Symphony, checked as it is written.
//! `ferry convert --to teams FILE... --users users.csv --streams streams.csv -o requests.ndjson`: checked
//! Symphony records into Microsoft Graph import requests for Teams (see `convert/teams.rs` and `docs/teams.md`).
//!
//! For Slack, `--init` writes the two maps from the export instead (every user and conversation, ids empty; with
//! `--config BDK.yaml`, users matched by email through the pod, `matchedBy` saying so) and never overwrites a
//! map holding any id without `--force`. A conversion refuses unmapped senders and conversations, naming every
//! one, before writing anything (unless `--skip-unmapped`), writes the batch to a temporary file renamed into
//! place at the end (so an earlier batch stays whole if the run fails), and ends with `ferry check`'s summary of
//! the batch and the conversion report (`--report FILE.json` for the JSON, documented in `docs/convert.md`).
//!
//! Exit status, like `ferry check`: 0, 1 when the batch written has errors or no record, 2 when the run fails.

pub(crate) mod teams;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use ferry_convert::slack::export::{read_bounded, BoundedReadError, EntryError, EntryName};
use ferry_convert::slack::maps::{self, UserRow};
use ferry_convert::slack::{self, ConversionReport, ConvertOptions, ExportSource, Layout, Limits, Survey, ZipExport};
use ferry_core::{Diagnostic, Options, Severity, Summary, Target, Validator};
use serde::Serialize;

use crate::output::PlanSummary;
use crate::render::RuleCounts;

/// Arguments of `ferry convert`: a source export (a subcommand, converted for Symphony), or `--to teams` and
/// import records.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    source: Option<Source>,
    #[command(flatten)]
    records: teams::TeamsArgs,
}

/// What the export comes from.
#[derive(clap::Subcommand)]
enum Source {
    /// A Slack workspace export: a ZIP, or the folder it unpacks to.
    Slack(SlackArgs),
}

/// Arguments of `ferry convert slack`.
#[derive(clap::Args)]
struct SlackArgs {
    /// The export: a `.zip` file or an unpacked folder.
    #[arg(value_name = "EXPORT")]
    export: PathBuf,
    /// The user map (`slackUserId,handle,realName,email,kind,symphonyUserId`).
    #[arg(long, value_name = "users.csv")]
    users: PathBuf,
    /// The stream map (`conversationId,name,kind,members,archived,symphonyStreamId`).
    #[arg(long, value_name = "streams.csv")]
    streams: PathBuf,
    /// Where to write the batch (NDJSON, one record per line).
    #[arg(short = 'o', long = "output", value_name = "batch.ndjson", required_unless_present = "init")]
    output: Option<PathBuf>,
    /// Write the user and stream maps from the export (ids empty) instead of converting.
    #[arg(long, conflicts_with = "output")]
    init: bool,
    /// With `--init`: overwrite maps that hold ids already.
    #[arg(long, requires = "init")]
    force: bool,
    /// With `--init`: the BDK configuration of a pod, to match users by email and write the ids found.
    #[arg(long, value_name = "BDK.yaml", requires = "init")]
    config: Option<PathBuf>,
    /// `originatingSystemId` of every record.
    #[arg(long, value_name = "ID", default_value = "slack")]
    system_id: String,
    /// Render join, leave, topic, purpose, rename and pin events as plain messages instead of skipping them.
    #[arg(long)]
    keep_events: bool,
    /// Leave out the messages of unmapped senders and conversations (and report them) instead of failing.
    #[arg(long)]
    skip_unmapped: bool,
    /// Also write the conversion report as JSON (see `docs/convert.md`).
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// The current time for the check of the batch, RFC 3339 or milliseconds since the Unix epoch (timestamps
    /// after it are in the future). Defaults to the system clock.
    #[arg(long, value_name = "RFC3339|MILLIS")]
    now: Option<String>,
}

/// Runs `ferry convert`.
///
/// # Errors
/// An export that cannot be read or is not a Slack export, unreadable or unwritable maps, unmapped senders or
/// conversations (without `--skip-unmapped`), an output that cannot be written.
pub fn run(args: Args) -> Result<ExitCode> {
    match args.source {
        Some(Source::Slack(args)) => run_slack(&args),
        None => teams::run(&args.records),
    }
}

fn run_slack(args: &SlackArgs) -> Result<ExitCode> {
    let limits = Limits::default();
    let mut source = open_export(&args.export, &limits)?;
    let layout = slack::lay_out(source.as_mut(), &limits)
        .with_context(|| format!("cannot convert `{}`", args.export.display()))?;
    let survey = slack::survey(source.as_mut(), &layout, &limits);
    if args.init {
        return init_maps(args, &layout, &survey);
    }
    let users = read_map(&args.users, maps::read_users)?;
    let streams = read_map(&args.streams, maps::read_streams)?;
    let Some(output) = &args.output else { bail!("--output is required to convert") };
    let now_millis = match &args.now {
        Some(text) => super::check::parse_now(text)?,
        None => super::check::system_now_millis()?,
    };
    let options = ConvertOptions {
        system_id: args.system_id.clone(),
        keep_events: args.keep_events,
        skip_unmapped: args.skip_unmapped,
        limits,
    };

    let output_name = output.display().to_string();
    let staged = Staged::create(output)?;
    let mut writer = BufWriter::new(staged.file()?);
    let mut checked = CheckedBatch::new(Options::new(Target::Symphony, now_millis), &output_name);
    let conversion = slack::convert(source.as_mut(), &layout, &survey, &users, &streams, &options, &mut |line| {
        writer.write_all(line).and_then(|()| writer.write_all(b"\n")).map_err(|error| error.to_string())?;
        checked.push(line);
        Ok(())
    });
    let report = conversion.with_context(|| format!("cannot convert `{}`", args.export.display()))?;
    writer.flush().and_then(|()| writer.get_ref().sync_all()).context("could not write the batch")?;
    drop(writer);
    staged.commit()?;
    let checked = checked.finish();

    let mut stdout = BufWriter::new(std::io::stdout().lock());
    for line in &checked.listed {
        writeln!(stdout, "{line}")?;
    }
    if checked.summary.errors > checked.listed.len() {
        writeln!(stdout, "… run `ferry check {output_name}` to see every finding under its line")?;
    }
    super::check::write_summary(&mut stdout, &checked.rule_counts, &[], &checked.summary, &checked.plan)?;
    writeln!(stdout)?;
    write!(stdout, "{}", report.to_text())?;
    writeln!(stdout, "wrote `{output_name}`")?;
    // Like `ferry check` on an empty input: a batch without a record is a failed conversion, not a clean one.
    let empty = checked.summary.records == 0;
    if empty {
        writeln!(stdout, "error: no record was written (the report above says why each message was not)")?;
    }
    stdout.flush().context("could not write the report")?;

    if let Some(path) = &args.report {
        let json = JsonReport {
            export: &args.export.display().to_string(),
            output: &output_name,
            check: &checked.summary,
            conversion: &report,
        };
        let mut bytes = serde_json::to_vec_pretty(&json).context("could not serialise the report")?;
        bytes.push(b'\n');
        write_atomically(path, &bytes)?;
    }
    Ok(if checked.summary.errors > 0 || empty { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// `--report`'s JSON (fields documented in `docs/convert.md`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonReport<'a> {
    /// The export converted.
    export: &'a str,
    /// The batch written.
    output: &'a str,
    /// `ferry check`'s counts over the batch.
    check: &'a Summary,
    /// The conversion report.
    #[serde(flatten)]
    conversion: &'a ConversionReport,
}

/// Opens `path` as a folder or a ZIP.
fn open_export(path: &Path, limits: &Limits) -> Result<Box<dyn ExportSource>> {
    let metadata = std::fs::metadata(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    if metadata.is_dir() {
        return Ok(Box::new(FolderExport::new(path, limits)?));
    }
    let file = File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let export =
        ZipExport::new(BufReader::new(file), limits).with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok(Box::new(export))
}

/// An unpacked export: the files under a folder, named by their path relative to it with `/` separators.
struct FolderExport {
    names: Vec<EntryName>,
    paths: HashMap<String, PathBuf>,
}

impl FolderExport {
    /// Lists every file under `root` (symbolic links are not followed), at most `limits.max_entries`.
    fn new(root: &Path, limits: &Limits) -> Result<FolderExport> {
        let mut names = Vec::new();
        let mut paths = HashMap::new();
        let mut folders = vec![(root.to_path_buf(), String::new())];
        while let Some((folder, prefix)) = folders.pop() {
            let listing = std::fs::read_dir(&folder).with_context(|| format!("cannot list `{}`", folder.display()))?;
            let mut entries: Vec<_> = listing
                .collect::<std::io::Result<_>>()
                .with_context(|| format!("cannot list `{}`", folder.display()))?;
            entries.sort_by_key(std::fs::DirEntry::file_name);
            for entry in entries {
                let file_name = entry.file_name();
                // A name that is not UTF-8 is kept readable; its path is kept to read it.
                let name = format!("{prefix}{}", file_name.to_string_lossy());
                let kind = entry.file_type().with_context(|| format!("cannot read `{}`", entry.path().display()))?;
                if kind.is_dir() {
                    if name != "__MACOSX" {
                        folders.push((entry.path(), format!("{name}/")));
                    }
                } else if kind.is_file() {
                    if names.len() >= limits.max_entries {
                        bail!("`{}` holds more than {} files", root.display(), limits.max_entries);
                    }
                    paths.insert(name.clone(), entry.path());
                    names.push(EntryName { name, decoded_as_cp437: false });
                }
            }
        }
        Ok(FolderExport { names, paths })
    }
}

impl ExportSource for FolderExport {
    fn entry_names(&self) -> Vec<EntryName> {
        self.names.clone()
    }

    fn read_entry(&mut self, name: &str, max_bytes: u64) -> Result<Vec<u8>, EntryError> {
        let path = self.paths.get(name).ok_or_else(|| EntryError::NotFound { name: name.to_owned() })?;
        let unreadable =
            |error: std::io::Error| EntryError::Unreadable { name: name.to_owned(), reason: error.to_string() };
        let file = File::open(path).map_err(unreadable)?;
        read_bounded(file, max_bytes).map_err(|error| match error {
            BoundedReadError::TooLarge => EntryError::TooLarge { name: name.to_owned(), limit: max_bytes },
            BoundedReadError::Io(error) => unreadable(error),
        })
    }
}

/// Reads a map file, naming it in any error.
fn read_map<T>(path: &Path, read: impl Fn(&[u8]) -> Result<Vec<T>, maps::MapError>) -> Result<Vec<T>> {
    let bytes = std::fs::read(path).with_context(|| {
        format!("cannot read `{}` (write it from the export with --init, then fill in the ids)", path.display())
    })?;
    read(&bytes).with_context(|| format!("`{}`", path.display()))
}

/// `--init`: writes both maps, refusing to overwrite one that holds ids unless `--force`.
fn init_maps(args: &SlackArgs, layout: &Layout, survey: &Survey) -> Result<ExitCode> {
    for path in [&args.users, &args.streams] {
        if let Ok(bytes) = std::fs::read(path) {
            if !args.force && maps::has_filled_in_ids(&bytes) {
                bail!(
                    "`{}` already holds ids (or cannot be read as a map); it is left as it is (--force overwrites it)",
                    path.display()
                );
            }
        }
    }
    let mut users = slack::initial_users(layout, survey);
    let matched = match &args.config {
        Some(config) => match_by_email(config, &mut users)?,
        None => 0,
    };
    let streams = slack::initial_streams(layout);
    write_atomically(&args.users, &maps::write_users(&users)?)?;
    write_atomically(&args.streams, &maps::write_streams(&streams)?)?;
    let count = |kind: maps::UserKind| users.iter().filter(|row| row.kind == kind).count();
    println!(
        "wrote `{}`: {} user(s) ({} bot(s), {} deleted, {} not in users.json){}",
        args.users.display(),
        users.len(),
        count(maps::UserKind::Bot),
        count(maps::UserKind::Deleted),
        count(maps::UserKind::Unknown),
        if args.config.is_some() { format!(", {matched} matched by email: confirm them") } else { String::new() }
    );
    println!("wrote `{}`: {} conversation(s)", args.streams.display(), streams.len());
    println!("fill in symphonyUserId and symphonyStreamId, then run again with -o batch.ndjson instead of --init");
    Ok(ExitCode::SUCCESS)
}

/// Emails looked up per call to the pod.
const EMAILS_PER_LOOKUP: usize = 100;

/// Fills in the Symphony id of every user whose email the pod knows, noting `matchedBy = email`.
fn match_by_email(config: &Path, users: &mut [UserRow]) -> Result<usize> {
    let emails: Vec<String> =
        users.iter().map(|row| row.email.to_lowercase()).filter(|email| !email.is_empty()).collect();
    let client = ferry_proxy::PodClient::new(ferry_proxy::PodConfig::load(config)?)?;
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    let found: HashMap<String, i64> = runtime.block_on(async {
        let mut found = HashMap::new();
        for chunk in emails.chunks(EMAILS_PER_LOOKUP) {
            let answer = client
                .users(ferry_proxy::client::UserKey::Email, chunk, false)
                .await
                .context("could not look users up by email in the pod")?;
            for user in answer {
                if let Some(email) = user.email_address {
                    found.insert(email.to_lowercase(), user.id);
                }
            }
        }
        Ok::<_, anyhow::Error>(found)
    })?;
    let mut matched = 0;
    for row in users.iter_mut() {
        if let Some(&id) = found.get(&row.email.to_lowercase()) {
            row.symphony_user_id = Some(id);
            row.matched_by = "email".to_owned();
            matched += 1;
        }
    }
    Ok(matched)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let staged = Staged::create(path)?;
    let mut file = staged.file()?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .with_context(|| format!("could not write `{}`", path.display()))?;
    staged.commit()
}

/// A file written under a temporary name beside its destination and renamed into place by [`Staged::commit`];
/// removed if dropped before (a failed run leaves the destination as it was).
pub(crate) struct Staged {
    temporary: PathBuf,
    destination: PathBuf,
    committed: bool,
}

impl Staged {
    /// Creates the temporary file beside `destination`.
    pub(crate) fn create(destination: &Path) -> Result<Staged> {
        let file_name = destination.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        if file_name.is_empty() {
            bail!("`{}` is not a file name", destination.display());
        }
        let temporary = destination.with_file_name(format!(".{file_name}.{}.partial", std::process::id()));
        File::create(&temporary).with_context(|| format!("cannot write `{}`", temporary.display()))?;
        Ok(Staged { temporary, destination: destination.to_path_buf(), committed: false })
    }

    /// The temporary file, opened for writing from its start.
    pub(crate) fn file(&self) -> Result<File> {
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&self.temporary)
            .with_context(|| format!("cannot write `{}`", self.temporary.display()))
    }

    /// The temporary file, opened for reading from its start.
    pub(crate) fn reader(&self) -> Result<File> {
        File::open(&self.temporary).with_context(|| format!("cannot read `{}`", self.temporary.display()))
    }

    /// Renames the temporary file over the destination.
    pub(crate) fn commit(mut self) -> Result<()> {
        std::fs::rename(&self.temporary, &self.destination).with_context(|| {
            format!("cannot move `{}` to `{}`", self.temporary.display(), self.destination.display())
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Errors of the batch listed before the summary, at most.
const LISTED_ERRORS: usize = 20;

/// The batch checked record by record as it is written: ferry-core's streaming validator on every core, one file.
struct CheckedBatch {
    validator: Validator,
    rule_counts: RuleCounts,
    listed: Vec<String>,
}

/// What checking the batch found.
struct Checked {
    summary: Summary,
    plan: PlanSummary,
    rule_counts: RuleCounts,
    /// The first errors, one line each.
    listed: Vec<String>,
}

impl CheckedBatch {
    fn new(options: Options, output_name: &str) -> CheckedBatch {
        // On every core, as `ferry check` does; findings then arrive a batch or two late, and all by `finish`.
        let mut validator = Validator::parallel(options, 0);
        validator.begin_file(output_name);
        CheckedBatch { validator, rule_counts: RuleCounts::new(), listed: Vec::new() }
    }

    fn push(&mut self, line: &[u8]) {
        self.validator.push(line);
        self.validator.push(b"\n");
        let findings = self.validator.drain_diagnostics();
        take(&mut self.rule_counts, &mut self.listed, &findings);
    }

    fn finish(mut self) -> Checked {
        self.validator.end_file();
        let report = self.validator.finish();
        take(&mut self.rule_counts, &mut self.listed, &report.diagnostics);
        Checked {
            summary: report.summary,
            plan: PlanSummary::of(&report.plan),
            rule_counts: self.rule_counts,
            listed: self.listed,
        }
    }
}

/// Counts `findings` per rule and keeps the first errors as lines.
fn take(rule_counts: &mut RuleCounts, listed: &mut Vec<String>, findings: &[Diagnostic]) {
    for diagnostic in findings {
        *rule_counts.entry((diagnostic.rule, diagnostic.severity)).or_insert(0) += 1;
        if diagnostic.severity == Severity::Error && listed.len() < LISTED_ERRORS {
            // One record per line: record n (0-based) is line n + 1.
            let line = diagnostic.location.record.map_or(0, |record| record + 1);
            let pointer = &diagnostic.location.pointer;
            listed.push(format!("error {} at line {line} {pointer}: {}", diagnostic.code(), diagnostic.message));
        }
    }
}
