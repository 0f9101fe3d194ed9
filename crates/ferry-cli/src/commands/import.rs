//! `ferry import FILE... --config BDK.yaml`: checks the batch, runs the pre-flight against the pod, plans,
//! and with `--apply` imports it exactly once through the journal. Without `--config` the pod is the embedded
//! sandbox (`ferry-sandbox.sqlite3`, or `--state`/`--memory`), started on its own port and reached over HTTP
//! through the same client, a rehearsal of the real import.
//!
//! Without `--apply` nothing is sent and nothing is written: the journal is read (a copy in memory) so the
//! plan leaves out what earlier runs imported. Exit status: 0 when every record of the input is imported (or,
//! without `--apply`, when nothing stands in the way), 1 when some record is not, 2 when the run itself
//! failed (unreadable file or configuration, the pod unreachable, the journal unwritable).
//!
//! Ctrl-C stops after the requests in flight; a second Ctrl-C stops at once. Either way a new run with the
//! same journal resumes: records with a final outcome are never sent again, the others are.
//!
//! `--target teams` imports into Microsoft Teams through Graph instead ([`super::import_teams`]): `--config`
//! is then `teams.yaml`, and `--users`/`--streams` map Symphony users and streams to Entra users and Teams
//! conversations.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use ferry_cli::local_pod::{journal_upstream, start_local_pod, Dataset};
use ferry_core::{Diagnostic, Options, Severity, Target};
use ferry_proxy::intake::IntakeOptions;
use ferry_proxy::journal::Counts;
use ferry_proxy::prepare::{prepare, Prepared};
use ferry_proxy::report::{write_report, ReportFormat};
use ferry_proxy::run::{self, Control, Progress, RunOptions, RunState};
use ferry_proxy::{Journal, PodClient, PodConfig};
use ferry_sandbox::{Config as SandboxConfig, Storage};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input::{self, Input};
use crate::render::{self, RuleCounts};

/// Arguments of `ferry import`.
#[derive(clap::Args)]
pub struct Args {
    /// Batch files: a JSON array of messages or NDJSON. `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    pub(super) files: Vec<PathBuf>,
    /// The Symphony BDK configuration of the pod and service user (YAML or JSON, the BDK's own format).
    /// Without it, the embedded sandbox is the pod. With `--target teams`, `teams.yaml` (tenant, application,
    /// secret or certificate, Graph and token URLs).
    #[arg(long, value_name = "BDK.yaml|teams.yaml")]
    pub(super) config: Option<PathBuf>,
    /// Where to import: Symphony's Agent, or Microsoft Teams through Graph's migration mode.
    #[arg(long, value_enum, default_value_t = ImportTarget::Symphony)]
    target: ImportTarget,
    /// With `--target teams`: `users.csv` (`symphonyUserId,entraUserId,displayName`).
    #[arg(long, value_name = "users.csv", required_if_eq("target", "teams"))]
    pub(super) users: Option<PathBuf>,
    /// With `--target teams`: `streams.csv` (`streamId,teamId,channelId,chatId`).
    #[arg(long, value_name = "streams.csv", required_if_eq("target", "teams"))]
    pub(super) streams: Option<PathBuf>,
    /// The embedded sandbox's state, when there is no `--config`.
    #[command(flatten)]
    storage: super::sandbox::StorageArgs,
    /// The journal of every record's fate; a later run with the same journal resumes.
    #[arg(long, value_name = "FILE", default_value = "ferry-journal.sqlite3")]
    pub(super) journal: PathBuf,
    /// Most messages per import request (the Agent's documentation recommends at most 5,000).
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    batch_size: u32,
    /// Requests in flight at once; each stream's messages are still sent in order.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=32))]
    pub(super) concurrency: u32,
    /// Create what the pre-flight found missing, through the pod's documented calls (reactivate users and
    /// streams, add members, create users for mentioned emails), printing what it creates.
    #[arg(long)]
    provision: bool,
    /// Import. Without it, check, pre-flight and print the plan only.
    #[arg(long)]
    pub(super) apply: bool,
    /// Give records without `originalMessageId` the derived id `ferry check --fix` offers; without it they
    /// are not imported, since they could not be imported exactly once.
    #[arg(long)]
    derive_ids: bool,
    /// Send again the records the Agent rejected in an earlier run (after fixing them in the input).
    #[arg(long)]
    pub(super) retry_failed: bool,
    /// Write every record's fate to this file: CSV (`.csv`) or JSON (`.json`).
    #[arg(long, value_name = "FILE.csv|FILE.json")]
    pub(super) report: Option<PathBuf>,
    /// The current time (RFC 3339 or milliseconds); timestamps after it are in the future.
    #[arg(long, value_name = "RFC3339|MILLIS")]
    now: Option<String>,
}

/// `--target` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ImportTarget {
    /// Symphony's Agent message import.
    Symphony,
    /// Microsoft Teams through Microsoft Graph's import (migration mode).
    Teams,
}

/// Findings listed at most on the terminal; `--report` and `ferry check` have them all.
pub(super) const MAX_LISTED: usize = 30;

/// Runs `ferry import`.
///
/// # Errors
/// When the configuration, an input or the journal cannot be used, or the pod cannot be reached.
pub fn run(args: Args) -> Result<ExitCode> {
    let report_format = match &args.report {
        Some(path) => Some(
            ReportFormat::of_file_name(&path.to_string_lossy())
                .with_context(|| format!("--report {}: the name must end in .csv or .json", path.display()))?,
        ),
        None => None,
    };
    let now_millis = match &args.now {
        Some(text) => super::check::parse_now(text)?,
        None => super::check::system_now_millis()?,
    };
    if args.target == ImportTarget::Teams {
        if args.storage.state.is_some() || args.storage.memory || args.provision || args.derive_ids {
            bail!(
                "--state, --memory, --provision and --derive-ids are for Symphony; they cannot go with --target teams"
            );
        }
        return super::import_teams::run(args, report_format, now_millis);
    }
    if args.users.is_some() || args.streams.is_some() {
        bail!("--users and --streams map Symphony to Teams: give them with --target teams");
    }
    if args.config.is_some() && (args.storage.state.is_some() || args.storage.memory) {
        bail!("--state and --memory choose the embedded sandbox; they cannot go with --config");
    }
    let inputs = input::gather(&args.files)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    runtime.block_on(async move {
        match &args.config {
            Some(path) => {
                let client = PodClient::new(PodConfig::load(path)?)?;
                let upstream = client.agent_url().to_owned();
                import(args, report_format, now_millis, client, upstream, inputs).await
            }
            None => {
                let storage = args.storage.storage();
                let (client, sandbox) = start_local_pod(&storage, SandboxConfig::default(), Dataset::Demo).await?;
                eprintln!(
                    "no --config: importing into the embedded sandbox at {} ({})",
                    sandbox.url(),
                    storage_name(&storage)
                );
                // The sandbox's port changes from run to run; its state file names it in the journal.
                let upstream = journal_upstream(&storage);
                let outcome = import(args, report_format, now_millis, client, upstream, inputs).await;
                sandbox.shutdown().await.context("stopping the embedded sandbox")?;
                outcome
            }
        }
    })
}

fn storage_name(storage: &Storage) -> String {
    match storage {
        Storage::Memory => "in memory".to_owned(),
        Storage::File(path) => format!("state in {}", path.display()),
    }
}

async fn import(
    args: Args,
    report_format: Option<ReportFormat>,
    now_millis: i64,
    client: Arc<PodClient>,
    upstream: String,
    inputs: Vec<Input>,
) -> Result<ExitCode> {
    let mut journal = if args.apply {
        Journal::open(&args.journal, &upstream)?
    } else {
        Journal::copy_in_memory(&args.journal, &upstream)?
    };
    let mut options = Options::new(Target::Symphony, now_millis);
    options.max_records_per_request = args.batch_size as usize;
    let intake_options = IntakeOptions {
        options: options.clone(),
        derive_ids: args.derive_ids,
        keep_bodies: args.apply,
        retry_rejected: args.retry_failed,
    };
    let readers = readers(&inputs)?;
    let total_bytes: u64 = inputs.iter().filter_map(Input::size_bytes).sum();
    let bar = progress_bar(total_bytes, "checking");
    let run_id = journal.begin_run(&inputs.iter().map(|input| input.name().to_owned()).collect::<Vec<_>>())?;
    let prepared = prepare(&client, &mut journal, run_id, readers, &intake_options, args.provision, |summary| {
        bar.set_position(summary.bytes);
        bar.set_message(format!("{} records", summary.records));
    })
    .await;
    bar.finish_and_clear();
    let prepared = prepared?;

    let mut stdout = std::io::stdout().lock();
    print_findings(&mut stdout, &prepared, &inputs)?;
    print_provisioned(&mut stdout, &prepared)?;
    let journal = Arc::new(Mutex::new(journal));
    let requests = run::plan(&lock(&journal), &options)?;
    let planned_records: usize = requests.iter().map(|request| request.record_ids.len()).sum();
    let planned_bytes: u64 = requests.iter().map(|request| request.bytes).sum();
    writeln!(
        stdout,
        "import plan: {} request(s) for {} record(s) ({}), into {}; {} already imported by earlier runs",
        requests.len(),
        planned_records,
        render::human_bytes(planned_bytes),
        client.agent_url(),
        prepared.checked.intake.already_done,
    )?;
    if prepared.checked.intake.previously_rejected > 0 {
        writeln!(
            stdout,
            "{} record(s) were rejected by the Agent in an earlier run and are not sent again (fix them, then give --retry-failed)",
            prepared.checked.intake.previously_rejected
        )?;
    }

    if !args.apply {
        writeln!(stdout, "nothing was sent: give --apply to import")?;
        return Ok(if prepared.errors() > 0 || prepared.checked.file_errors > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    // The input or the service user stands in the way of every record: nothing is sent, nothing imported.
    if prepared.checked.file_errors > 0 {
        writeln!(
            stdout,
            "nothing was sent: an input file is malformed, empty or not a batch (see above); fix it and run again"
        )?;
        return Ok(ExitCode::from(1));
    }
    if !prepared.service_user_can_import() {
        writeln!(stdout, "nothing was sent: the service user lacks the Content Management role")?;
        return Ok(ExitCode::from(1));
    }

    let control = Arc::new(Control::default());
    watch_interrupts(Arc::clone(&control));
    let (progress_sender, mut progress_receiver) = tokio::sync::watch::channel(Progress::default());
    let bar = progress_bar(planned_records as u64, "importing");
    let bar_task = {
        let bar = bar.clone();
        let terminal = std::io::stderr().is_terminal();
        tokio::spawn(async move {
            let mut requests_reported = 0;
            while progress_receiver.changed().await.is_ok() {
                let progress = progress_receiver.borrow_and_update().clone();
                bar.set_position(progress.records_done as u64);
                bar.set_message(format!(
                    "requests {}/{} ({} in flight), rejected {}",
                    progress.requests_done, progress.requests_total, progress.requests_in_flight, progress.rejected
                ));
                // Not a terminal (a log, a CI job): a plain line per answered request instead of a bar.
                if !terminal && progress.requests_done > requests_reported {
                    requests_reported = progress.requests_done;
                    eprintln!("{}", progress_line(&progress));
                }
            }
        })
    };
    let run_options = RunOptions { concurrency: args.concurrency as usize, planner: options };
    let outcome =
        run::run(Arc::clone(&client), Arc::clone(&journal), run_id, &run_options, control, progress_sender).await;
    let _ = bar_task.await;
    bar.finish_and_clear();
    let progress = outcome?;

    let journal = lock(&journal);
    let counts = journal.counts()?;
    print_run_summary(&mut stdout, &progress, &counts)?;
    for fate in journal.rejections(MAX_LISTED)? {
        writeln!(
            stdout,
            "  rejected: {} record {} ({}): {}",
            fate.file,
            fate.record_index + 1,
            fate.original_message_id.as_deref().unwrap_or("?"),
            fate.diagnostic.as_deref().unwrap_or("")
        )?;
    }
    if let (Some(path), Some(format)) = (&args.report, report_format) {
        let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut writer = std::io::BufWriter::new(file);
        write_report(&journal, format, &mut writer)?;
        writer.flush().with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(stdout, "report: every record's fate in {}", path.display())?;
    }
    if progress.state != RunState::Completed {
        writeln!(stdout, "the run did not finish: run the same command again to resume (records already imported are not sent again)")?;
    }
    Ok(if counts.not_imported() == 0 && progress.state == RunState::Completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Each input opened for reading, with its name.
pub(super) fn readers(inputs: &[Input]) -> Result<Vec<(String, Box<dyn Read + Send>)>> {
    let mut readers: Vec<(String, Box<dyn Read + Send>)> = Vec::with_capacity(inputs.len());
    for input in inputs {
        let reader: Box<dyn Read + Send> = match input {
            Input::File { path, name } => {
                Box::new(std::fs::File::open(path).with_context(|| format!("could not read `{name}`"))?)
            }
            Input::Memory { bytes, .. } => Box::new(std::io::Cursor::new(bytes.clone())),
        };
        readers.push((input.name().to_owned(), reader));
    }
    Ok(readers)
}

/// `request 3/10: 15000/50000 records, 120 messages/s, about 4 min left, 0 rejected`.
pub(super) fn progress_line(progress: &Progress) -> String {
    let rate = progress.records_done as f64 / progress.elapsed_seconds.max(0.001);
    let left = progress.records_total.saturating_sub(progress.records_done) as f64 / rate.max(0.001);
    let left = if left >= 90.0 { format!("{:.0} min", left / 60.0) } else { format!("{left:.0} s") };
    format!(
        "request {}/{}: {}/{} records, {rate:.0} messages/s, about {left} left, {} rejected",
        progress.requests_done,
        progress.requests_total,
        progress.records_done,
        progress.records_total,
        progress.rejected
    )
}

fn lock(journal: &Mutex<Journal>) -> std::sync::MutexGuard<'_, Journal> {
    journal.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// First Ctrl-C: stop after the requests in flight. Second: stop now (the journal is consistent at any
/// instant, and records in flight are sent again by the next run).
pub(super) fn watch_interrupts(control: Arc<Control>) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nstopping after the requests in flight (Ctrl-C again to stop at once; either way, run again to resume)");
            control.stop();
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("stopped at once: run again to resume");
                std::process::exit(130);
            }
        }
    });
}

/// A bar on standard error when it is a terminal; otherwise nothing (plain lines come from the summary).
pub(super) fn progress_bar(length: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(length), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(length);
    let template = format!("{what} {{bar:30}} {{pos}}/{{len}} {{per_sec}} ETA {{eta}} {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

fn print_findings(out: &mut dyn Write, prepared: &Prepared, inputs: &[Input]) -> Result<()> {
    let checked = &prepared.checked;
    let summary = &checked.summary;
    let all = checked.diagnostics.iter().chain(&prepared.pod_diagnostics);
    for (listed, diagnostic) in all.filter(|diagnostic| diagnostic.severity == Severity::Error).enumerate() {
        if listed == MAX_LISTED {
            writeln!(out, "... more errors: `ferry check` lists them all, `--report` gives every record's fate")?;
            break;
        }
        writeln!(out, "{}", one_line(diagnostic, inputs))?;
    }
    writeln!(
        out,
        "checked {} record(s) in {} file(s): {} error(s), {} warning(s); pre-flight against the pod: {} error(s)",
        summary.records,
        summary.files,
        summary.errors,
        summary.warnings,
        prepared.pod_diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).count(),
    )?;
    // The table `ferry check` ends with, over every finding of the checks and the pre-flight but the infos.
    let mut counts: RuleCounts = checked.by_rule.clone();
    for diagnostic in &prepared.pod_diagnostics {
        *counts.entry((diagnostic.rule, diagnostic.severity)).or_default() += 1;
    }
    counts.retain(|(_, severity), _| *severity >= Severity::Warning);
    write!(out, "{}", render::statistics_table(&counts))?;
    let intake = &checked.intake;
    writeln!(
        out,
        "records: {} to send, {} excluded by the checks, {} excluded by the pre-flight{}",
        intake.planned.saturating_sub(prepared.pod_excluded),
        intake.excluded,
        prepared.pod_excluded,
        if checked.derived_ids > 0 {
            format!(", {} given a derived originalMessageId", checked.derived_ids)
        } else {
            String::new()
        },
    )?;
    if intake.unresolved > 0 {
        writeln!(
            out,
            "{} record(s) have errors now, but an earlier version was sent without a known outcome: that version is sent again (the Agent ignores it if it holds it)",
            intake.unresolved
        )?;
    }
    if checked.keyless > checked.derived_ids {
        writeln!(
            out,
            "{} record(s) have no originalMessageId and are not imported: give --derive-ids to import them exactly once",
            checked.keyless - checked.derived_ids
        )?;
    }
    Ok(())
}

/// `error[POD004]: file record N /pointer: message` (records counted from 1 for people).
pub(super) fn one_line(diagnostic: &Diagnostic, inputs: &[Input]) -> String {
    let file = inputs.get(diagnostic.location.file).map_or("?", Input::name);
    let place = match diagnostic.location.record {
        Some(record) => format!("{file} record {}", record + 1),
        None => file.to_owned(),
    };
    let pointer = &diagnostic.location.pointer;
    format!(
        "{}[{}]: {place}{}{pointer}: {}",
        diagnostic.severity,
        diagnostic.rule.code(),
        if pointer.is_empty() { "" } else { " " },
        diagnostic.message
    )
}

fn print_provisioned(out: &mut dyn Write, prepared: &Prepared) -> Result<()> {
    let Some(done) = &prepared.provisioned else { return Ok(()) };
    for user in &done.users_activated {
        writeln!(out, "provisioned: reactivated user {user}")?;
    }
    for (email, id) in &done.users_created {
        writeln!(out, "provisioned: created user {id} for {email}")?;
    }
    for stream in &done.streams_activated {
        writeln!(out, "provisioned: reactivated stream {stream}")?;
    }
    for (stream, user) in &done.memberships_added {
        writeln!(out, "provisioned: added user {user} to stream {stream}")?;
    }
    for reason in &done.impossible {
        writeln!(out, "cannot provision: {reason}")?;
    }
    Ok(())
}

fn print_run_summary(out: &mut dyn Write, progress: &Progress, counts: &Counts) -> Result<()> {
    let rate =
        if progress.elapsed_seconds > 0.0 { progress.records_done as f64 / progress.elapsed_seconds } else { 0.0 };
    writeln!(
        out,
        "this run: {} request(s), {} imported, {} already imported, {} rejected, {} with an unknown outcome, in {:.1} s ({:.0} messages/s)",
        progress.requests_done, progress.imported, progress.already_imported, progress.rejected, progress.unknown, progress.elapsed_seconds, rate
    )?;
    if let Some(error) = &progress.last_error {
        writeln!(out, "last failure: {error}")?;
    }
    writeln!(
        out,
        "journal: {} imported, {} already imported, {} rejected, {} excluded by the checks, {} not attempted, {} in flight (outcome unknown)",
        counts.imported, counts.already_imported, counts.rejected, counts.excluded, counts.planned, counts.in_flight
    )?;
    Ok(())
}
