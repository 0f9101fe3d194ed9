//! `ferry import FILE... --target teams --config teams.yaml --users users.csv --streams streams.csv`: checks the
//! batch for Teams, converts each record into its Graph request (ferry-convert's Teams conversion), takes them
//! into the journal, prints the plan (requests per conversation, the duration at Graph's documented rate), and
//! with `--apply` imports through Graph's migration mode exactly once ([`ferry_proxy::teams::run`]).
//!
//! Without `--apply` nothing is sent and nothing is written: the journal is read (a copy in memory) so the plan
//! leaves out what earlier runs imported. Exit status: 0 when every record is imported and every conversation
//! completed (or, without `--apply`, when nothing stands in the way), 1 otherwise, 2 when the run itself failed.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::{bail, Context, Result};
use ferry_cli::api::teams::teams_request;
use ferry_core::teams::Directory;
use ferry_core::{Options, Severity, Target};
use ferry_proxy::report::{write_teams_report, ReportFormat};
use ferry_proxy::run::{Control, Progress, RunState};
use ferry_proxy::teams::intake::{read_into_teams_journal, TeamsChecked, TeamsIntakeOptions};
use ferry_proxy::teams::run::{
    self as teams_run, Assessment, ConversationCheck, ConversationEnd, TeamsPlan, TeamsRunOptions,
};
use ferry_proxy::teams::{created_date_time, GraphClient, TeamsConfig, TeamsJournal};

use super::import::{one_line, progress_bar, progress_line, readers, watch_interrupts, Args, MAX_LISTED};
use crate::input::{self, Input};
use crate::render;

/// Runs `ferry import --target teams`.
///
/// # Errors
/// When the configuration, the maps, an input or the journal cannot be used, or Graph cannot be reached.
pub(super) fn run(args: Args, report_format: Option<ReportFormat>, now_millis: i64) -> Result<ExitCode> {
    let Some(config_path) = &args.config else {
        bail!("--target teams needs --config teams.yaml (tenantId, clientId, clientSecret or certificatePath, graphUrl, tokenUrl)");
    };
    let config = TeamsConfig::load(config_path)?;
    let directory = read_directory(&args)?;
    let inputs = input::gather(&args.files)?;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    runtime.block_on(import(args, config, directory, inputs, report_format, now_millis))
}

/// `--users` and `--streams` read into the core's directory.
fn read_directory(args: &Args) -> Result<Directory> {
    let read = |path: &Option<std::path::PathBuf>, flag: &str| -> Result<(String, String)> {
        let path = path.as_ref().with_context(|| format!("--target teams needs {flag}"))?;
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        Ok((path.display().to_string(), text))
    };
    let (users_name, users_text) = read(&args.users, "--users users.csv")?;
    let (streams_name, streams_text) = read(&args.streams, "--streams streams.csv")?;
    let users = ferry_convert::teams::read_users_csv(&users_text).with_context(|| users_name.clone())?;
    let streams = ferry_convert::teams::read_streams_csv(&streams_text).with_context(|| streams_name.clone())?;
    Ok(Directory { users, streams })
}

async fn import(
    args: Args,
    config: TeamsConfig,
    directory: Directory,
    inputs: Vec<Input>,
    report_format: Option<ReportFormat>,
    now_millis: i64,
) -> Result<ExitCode> {
    let upstream = config.upstream();
    let mut journal = if args.apply {
        TeamsJournal::open(&args.journal, &upstream)?
    } else {
        TeamsJournal::copy_in_memory(&args.journal, &upstream)?
    };
    let client = GraphClient::new(config)?;
    let mut options = Options::new(Target::Teams, now_millis);
    options.teams_directory = Some(directory.clone());
    let run_id = journal.begin_run(&inputs.iter().map(|input| input.name().to_owned()).collect::<Vec<_>>())?;
    let total_bytes: u64 = inputs.iter().filter_map(Input::size_bytes).sum();
    let bar = progress_bar(total_bytes, "checking");
    let convert = |text: &[u8]| teams_request(text, &directory);
    let intake_options = TeamsIntakeOptions { options, keep_bodies: args.apply, retry_failed: args.retry_failed };
    let checked =
        read_into_teams_journal(run_id, readers(&inputs)?, &intake_options, convert, &mut journal, |summary| {
            bar.set_position(summary.bytes);
            bar.set_message(format!("{} records", summary.records));
        });
    bar.finish_and_clear();
    let checked = checked?;

    let mut stdout = std::io::stdout().lock();
    print_findings(&mut stdout, &checked, &inputs)?;
    let concurrency = args.concurrency as usize;
    let plan = teams_run::plan(&journal, concurrency)?;
    print_plan(&mut stdout, &plan, &checked, client.graph_url(), concurrency)?;
    let journal = Arc::new(Mutex::new(journal));
    let checks = teams_run::preflight(&client, &journal).await?;
    let blocked = print_preflight(&mut stdout, &checks)?;
    if !args.apply {
        writeln!(stdout, "nothing was sent: give --apply to import")?;
        // A shared millisecond (TEAMS001) is moved, not refused: what stands in the way is what was excluded.
        let refused = checked.intake.excluded > 0 || checked.findings.file_errors > 0 || blocked > 0;
        return Ok(if refused { ExitCode::from(1) } else { ExitCode::SUCCESS });
    }
    if checked.findings.file_errors > 0 {
        writeln!(
            stdout,
            "nothing was sent: an input file is malformed, empty or not a batch (see above); fix it and run again"
        )?;
        return Ok(ExitCode::from(1));
    }

    let control = Arc::new(Control::default());
    watch_interrupts(Arc::clone(&control));
    let (sender, mut receiver) = tokio::sync::watch::channel(Progress::default());
    let bar = progress_bar(plan.messages as u64, "importing");
    let bar_task = {
        let bar = bar.clone();
        let terminal = std::io::stderr().is_terminal();
        tokio::spawn(async move {
            let mut reported = 0;
            while receiver.changed().await.is_ok() {
                let progress = receiver.borrow_and_update().clone();
                bar.set_position(progress.records_done as u64);
                bar.set_message(format!("failed {}", progress.rejected));
                // Not a terminal: a plain line every 50 messages instead of a bar.
                if !terminal && progress.records_done >= reported + 50 {
                    reported = progress.records_done;
                    eprintln!("{}", progress_line(&progress));
                }
            }
        })
    };
    let options = TeamsRunOptions { concurrency, now_millis };
    let outcome = teams_run::run(Arc::clone(&client), Arc::clone(&journal), run_id, options, control, sender).await;
    let _ = bar_task.await;
    bar.finish_and_clear();
    let report = outcome?;

    let journal = journal.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for conversation in &report.conversations {
        let end = match conversation.end {
            ConversationEnd::Completed => "completed",
            ConversationEnd::Blocked => "BLOCKED",
            ConversationEnd::Stopped => "stopped",
            ConversationEnd::Halted => "halted",
        };
        write!(
            stdout,
            "{}: {end}: {} imported, {} failed, {} moved to a free millisecond",
            conversation.conversation, conversation.imported, conversation.failed, conversation.moved
        )?;
        match &conversation.reason {
            Some(reason) => writeln!(stdout, ": {reason}")?,
            None => writeln!(stdout)?,
        }
    }
    let progress = &report.progress;
    let rate = progress.records_done as f64 / progress.elapsed_seconds.max(0.001);
    writeln!(
        stdout,
        "this run: {} imported, {} found already stored when read back, {} failed, {} with an unknown outcome, in {:.1} s ({rate:.1} messages/s); {} token(s) obtained",
        progress.imported,
        progress.already_imported,
        progress.rejected,
        progress.unknown,
        progress.elapsed_seconds,
        client.tokens_obtained()
    )?;
    if let Some(error) = &progress.last_error {
        writeln!(stdout, "last failure: {error}")?;
    }
    let counts = journal.counts()?;
    writeln!(
        stdout,
        "journal: {} imported, {} failed, {} excluded by the checks, {} not attempted, {} sending (outcome unknown)",
        counts.imported, counts.failed, counts.excluded, counts.pending, counts.sending
    )?;
    let (_, failed) = journal.fates_page(Some(ferry_proxy::teams::journal::MessageState::Failed), 0, MAX_LISTED)?;
    for fate in failed {
        writeln!(
            stdout,
            "  failed: {} record {} ({}): {}",
            fate.file,
            fate.record_index + 1,
            fate.original_message_id.as_deref().unwrap_or("?"),
            fate.reason.as_deref().unwrap_or("")
        )?;
    }
    if let (Some(path), Some(format)) = (&args.report, report_format) {
        let file = std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
        let mut writer = std::io::BufWriter::new(file);
        write_teams_report(&journal, format, &mut writer)?;
        writer.flush().with_context(|| format!("cannot write {}", path.display()))?;
        writeln!(stdout, "report: every record's fate in {}", path.display())?;
    }
    let all_completed = report.conversations.iter().all(|conversation| conversation.end == ConversationEnd::Completed);
    if progress.state != RunState::Completed || !all_completed {
        writeln!(stdout, "the run did not finish: run the same command again to resume (messages already imported are not sent again)")?;
    }
    Ok(if counts.not_imported() == 0 && progress.state == RunState::Completed && all_completed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_findings(out: &mut dyn Write, checked: &TeamsChecked, inputs: &[Input]) -> Result<()> {
    let errors = checked.findings.diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error);
    for (listed, diagnostic) in errors.enumerate() {
        if listed == MAX_LISTED {
            writeln!(
                out,
                "... more errors: `ferry check --target teams` lists them all, `--report` gives every record's fate"
            )?;
            break;
        }
        writeln!(out, "{}", one_line(diagnostic, inputs))?;
    }
    for (file, record, reason) in &checked.conversion_errors {
        writeln!(out, "error[maps]: {file} record {}: {reason}", record + 1)?;
    }
    let summary = &checked.summary;
    writeln!(
        out,
        "checked {} record(s) in {} file(s) for Teams: {} error(s), {} warning(s)",
        summary.records, summary.files, summary.errors, summary.warnings
    )?;
    let mut counts = checked.findings.by_rule.clone();
    counts.retain(|(_, severity), _| *severity >= Severity::Warning);
    write!(out, "{}", render::statistics_table(&counts))?;
    let intake = &checked.intake;
    writeln!(
        out,
        "records: {} to send, {} excluded by the checks or the maps ({} not mapped); same-millisecond messages are moved 1 ms apart (the report says which)",
        intake.planned, intake.excluded, checked.not_converted
    )?;
    if intake.unresolved > 0 {
        writeln!(out, "{} message(s) were sent by an earlier run without a known outcome: the conversation is read back before they are sent again", intake.unresolved)?;
    }
    if intake.previously_failed > 0 {
        writeln!(
            out,
            "{} message(s) failed in an earlier run and are not sent again (fix them, then give --retry-failed)",
            intake.previously_failed
        )?;
    }
    Ok(())
}

/// The pre-flight per conversation; returns how many are blocked.
fn print_preflight(out: &mut dyn Write, checks: &[ConversationCheck]) -> Result<usize> {
    let mut blocked = 0;
    for check in checks {
        let graph = match (&check.created_millis, &check.migration_mode) {
            (Some(created), mode) => format!(
                "created {}{}",
                created_date_time(*created),
                mode.as_deref().map(|mode| format!(", migration {mode}")).unwrap_or_default()
            ),
            (None, _) => "in Graph".to_owned(),
        };
        let action = match &check.assessment {
            Assessment::Nothing => "nothing left to do".to_owned(),
            Assessment::Start { creation_millis: None } => "startMigration".to_owned(),
            Assessment::Start { creation_millis: Some(creation) } => format!(
                "startMigration, moving its creation back to {} (its first message is not after it)",
                created_date_time(*creation)
            ),
            Assessment::Continue => "continue the migration this journal started, then complete it".to_owned(),
            Assessment::Blocked(reason) => {
                blocked += 1;
                format!("BLOCKED: {reason}")
            }
        };
        writeln!(out, "pre-flight: {} ({graph}): {action}", check.conversation)?;
    }
    Ok(blocked)
}

fn print_plan(
    out: &mut dyn Write,
    plan: &TeamsPlan,
    checked: &TeamsChecked,
    graph_url: &str,
    concurrency: usize,
) -> Result<()> {
    writeln!(
        out,
        "import plan: {} request(s) for {} message(s) in {} conversation(s), about {} at {} messages/s per conversation ({concurrency} at once), into {graph_url}; {} already imported by earlier runs",
        plan.requests,
        plan.messages,
        plan.conversations.len(),
        ferry_core::humanize::duration((plan.seconds * 1000.0) as u64),
        plan.messages_per_second_per_conversation,
        checked.intake.already_done,
    )?;
    for conversation in &plan.conversations {
        writeln!(
            out,
            "  {}: {} message(s), {} request(s) with startMigration and completeMigration, about {}",
            conversation.conversation,
            conversation.messages,
            conversation.requests,
            ferry_core::humanize::duration((conversation.seconds * 1000.0) as u64)
        )?;
    }
    Ok(())
}
