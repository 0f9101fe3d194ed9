//! `ferry convert --to teams FILE... --users users.csv --streams streams.csv -o requests.ndjson`: checked
//! Symphony import records into the Microsoft Graph requests that import them into Teams, one NDJSON line per
//! message (`docs/teams.md`), for a person to look at before `ferry import --target teams` sends them.
//!
//! The batch is checked by ferry-core for the Teams target with the maps as its directory. Unmapped streams and
//! senders are listed all at once, with the unmapped mentioned users, and nothing is written (exit 1); mentioned
//! users alone missing do not stop the run: their mentions become plain text, each reported as a loss. Records
//! with errors are listed and not converted, except for messages sharing a millisecond (`TEAMS001`), which the
//! conversion itself resolves by moving each later one to the next free millisecond, reporting every move. The
//! requests are written ordered by conversation then `createdDateTime`, to a temporary file renamed into place at
//! the end; the run ends with, per conversation, the requests and how long posting them takes at Teams' rate.
//!
//! Each converted request is written at once, in batch order, to a temporary file beside the output; memory
//! keeps a few dozen bytes per request (its conversation, time, id and place in that file), enough to order and
//! space the requests per conversation, after which their lines are copied into the output in that order (a
//! moved one rewritten with its new `createdDateTime`).
//!
//! Exit status: 0 when every record was converted, 1 when some were not (errors, unmapped, an input malformed or
//! not a batch, whose records after the fault are not read) or none was, 2 when the run fails (unreadable input
//! or maps, unwritable output).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::rc::Rc;

use anyhow::{bail, Context, Result};
use ferry_convert::teams::{self as convert_teams, RecordError, StandIn};
use ferry_core::teams::{created_date_time, Directory, Loss, MESSAGES_PER_SECOND_PER_CONVERSATION};
use ferry_core::{humanize, Diagnostic, Options, Rule, Severity, Target, Validator};

use super::Staged;
use crate::input::{self, Input};
use crate::render::{self, RuleCounts};

/// Arguments of `ferry convert --to teams`.
#[derive(clap::Args)]
pub struct TeamsArgs {
    /// What to convert the records into: `teams`, Microsoft Graph's import requests. (A Slack export is
    /// converted into Symphony records by `ferry convert slack`.)
    #[arg(long, value_enum, value_name = "TARGET", required = true)]
    to: Option<ToArg>,
    /// Batch files of Symphony import records: a JSON array or NDJSON. `-` reads standard input.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// The user map: `symphonyUserId,entraUserId,displayName`.
    #[arg(long, value_name = "users.csv", required = true)]
    users: Option<PathBuf>,
    /// The stream map: `streamId,teamId,channelId,chatId` (a team and a channel, or a chat).
    #[arg(long, value_name = "streams.csv", required = true)]
    streams: Option<PathBuf>,
    /// Where to write the requests (NDJSON, one request per line).
    #[arg(short = 'o', long = "output", value_name = "requests.ndjson", required = true)]
    output: Option<PathBuf>,
    /// The current time, RFC 3339 or milliseconds since the Unix epoch (Teams refuses messages dated after
    /// it). Defaults to the system clock.
    #[arg(long, value_name = "RFC3339|MILLIS")]
    now: Option<String>,
}

/// `--to` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ToArg {
    /// Microsoft Teams import requests (Microsoft Graph, migration mode).
    Teams,
}

/// Reads `users.csv` and `streams.csv` into the core's Teams directory, naming the file in any error.
///
/// # Errors
/// A map that cannot be read, or a row that is not a mapping (with its line).
pub(crate) fn read_directory(users: &Path, streams: &Path) -> Result<Directory> {
    let read = |path: &Path| std::fs::read_to_string(path).with_context(|| format!("cannot read `{}`", path.display()));
    let users_map = convert_teams::read_users_csv(&read(users)?).with_context(|| format!("`{}`", users.display()))?;
    let streams_map =
        convert_teams::read_streams_csv(&read(streams)?).with_context(|| format!("`{}`", streams.display()))?;
    Ok(Directory { users: users_map, streams: streams_map })
}

/// Runs `ferry convert --to teams`.
///
/// # Errors
/// Unreadable inputs or maps, a bad `--now`, an output that cannot be written.
pub(crate) fn run(args: &TeamsArgs) -> Result<ExitCode> {
    let (Some(ToArg::Teams), Some(users), Some(streams), Some(output)) =
        (args.to, &args.users, &args.streams, &args.output)
    else {
        bail!(
            "give --to teams, the batch files, --users, --streams and -o (or convert an export: ferry convert slack)"
        );
    };
    let directory = read_directory(users, streams)?;
    let now_millis = match &args.now {
        Some(text) => super::super::check::parse_now(text)?,
        None => super::super::check::system_now_millis()?,
    };
    let inputs = input::gather(&args.files)?;
    let spill = Staged::create(&output.with_file_name(format!("{}.unordered", file_name(output))))?;
    let converted = convert_batch(&inputs, &directory, now_millis, &spill)?;

    let mut stdout = BufWriter::new(std::io::stdout().lock());
    if converted.unmapped.stops_the_run() {
        write!(stdout, "{}", converted.unmapped.to_text(users, streams))?;
        writeln!(stdout, "nothing was written: add them to the maps, then run again")?;
        stdout.flush().context("could not write the report")?;
        return Ok(ExitCode::from(1));
    }
    for line in &converted.listed {
        writeln!(stdout, "{line}")?;
    }
    if converted.records_with_errors > 0 {
        let files: Vec<String> = args.files.iter().map(|path| path.display().to_string()).collect();
        writeln!(
            stdout,
            "{} record(s) with errors not converted: `ferry check --target teams --users {} --streams {} {}` shows \
             each finding under its line",
            converted.records_with_errors,
            users.display(),
            streams.display(),
            files.join(" ")
        )?;
    }
    let statistics = render::statistics_table(&converted.rule_counts);
    if !statistics.is_empty() {
        writeln!(stdout, "{statistics}")?;
    }
    writeln!(stdout, "{}", render::closing_line(&converted.summary))?;

    let schedule = convert_teams::schedule(converted.requests, now_millis);
    write_in_order(&schedule.requests, &mut spill.reader()?, output)?;
    drop(spill);

    writeln!(stdout)?;
    write_losses(&mut stdout, &schedule.requests)?;
    for moved in &schedule.moved {
        writeln!(
            stdout,
            "moved {} in {} from {} to {} (+{} ms): another message of the conversation has that millisecond",
            display_id(&moved.original_message_id),
            moved.conversation,
            created_date_time(moved.from_millis),
            created_date_time(moved.to_millis),
            moved.to_millis.saturating_sub(moved.from_millis)
        )?;
    }
    for request in &schedule.past_now {
        writeln!(
            stdout,
            "not converted: {} in {}: no free millisecond before now after {}",
            display_id(&request.original_message_id),
            request.conversation,
            created_date_time(request.created_millis)
        )?;
    }
    let plans = schedule.conversations();
    writeln!(
        stdout,
        "{} request(s) in {} conversation(s), at {MESSAGES_PER_SECOND_PER_CONVERSATION} messages/s per conversation:",
        schedule.requests.len(),
        plans.len()
    )?;
    for plan in &plans {
        writeln!(
            stdout,
            "  {}: {} request(s), {} to {}, about {}",
            plan.conversation,
            plan.requests,
            created_date_time(plan.first_millis),
            created_date_time(plan.last_millis),
            humanize::duration(plan.duration_millis)
        )?;
    }
    // Conversations are imported one after the other or side by side; the longest bounds a parallel run.
    let longest = plans.iter().map(|plan| plan.duration_millis).max().unwrap_or(0);
    let total: u64 = plans.iter().map(|plan| plan.duration_millis).sum();
    writeln!(
        stdout,
        "about {} one conversation at a time, {} with every conversation at once",
        humanize::duration(total),
        humanize::duration(longest)
    )?;
    writeln!(stdout, "wrote `{}`", output.display())?;
    let none = schedule.requests.is_empty();
    if none {
        writeln!(stdout, "error: no request was written")?;
    }
    stdout.flush().context("could not write the report")?;
    let all_converted =
        converted.records_with_errors == 0 && converted.file_errors == 0 && schedule.past_now.is_empty();
    Ok(if all_converted && !none { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Rules whose errors the conversion resolves itself: a record reported by them is still converted.
/// `TEAMS001` (two messages of a conversation at one millisecond): the schedule moves the later one.
const RESOLVED_BY_CONVERSION: [Rule; 1] = [Rule::TeamsTimestampNotUnique];

/// Errors listed before the summary, at most.
const LISTED_ERRORS: usize = 20;

/// Losses listed one per line, at most; the rest are counted.
const LISTED_LOSSES: usize = 20;

/// A converted request, its NDJSON line kept in the spill file, as the schedule orders it.
type Spilled = StandIn<SpillPlace>;

/// Where a converted request's NDJSON line is in the spill file, and what reporting needs of it.
struct SpillPlace {
    /// The time the line says (the request's [`StandIn::created_millis`] is the one to send it at).
    line_millis: i64,
    /// Where the line starts (without the newline).
    offset: u64,
    length: usize,
    /// What the conversion lost of it.
    losses: Vec<Loss>,
}

/// What checking and converting the batch gave.
struct Converted {
    /// The requests of the records that converted, in batch order (those with errors are removed at the end).
    requests: Vec<Spilled>,
    /// What the maps lack.
    unmapped: Unmapped,
    /// Counts over the check.
    summary: ferry_core::Summary,
    rule_counts: RuleCounts,
    /// The first blocking errors, one line each.
    listed: Vec<String>,
    /// Records with errors the conversion does not resolve (not converted).
    records_with_errors: usize,
    /// Errors about an input itself (malformed JSON, not a batch): the records after the fault were not read.
    file_errors: usize,
}

/// Streams and users the maps lack, each with the number of records that need it.
#[derive(Default)]
struct Unmapped {
    streams: BTreeMap<String, usize>,
    senders: BTreeMap<i64, usize>,
    mentioned: BTreeMap<i64, usize>,
}

impl Unmapped {
    /// Whether a stream or a sender is missing: no request can be made for their records.
    fn stops_the_run(&self) -> bool {
        !self.streams.is_empty() || !self.senders.is_empty()
    }

    fn to_text(&self, users: &Path, streams: &Path) -> String {
        let mut text = String::new();
        let mut section = |title: String, entries: Vec<(String, usize)>| {
            if entries.is_empty() {
                return;
            }
            text.push_str(&format!("error: {title}:\n"));
            for (name, records) in entries {
                text.push_str(&format!("  {name} ({records} record(s))\n"));
            }
        };
        let streams_title = format!("{} stream(s) not in `{}`", self.streams.len(), streams.display());
        section(streams_title, self.streams.iter().map(|(id, count)| (id.clone(), *count)).collect());
        let senders_title = format!("{} sender(s) not in `{}`", self.senders.len(), users.display());
        section(senders_title, self.senders.iter().map(|(id, count)| (id.to_string(), *count)).collect());
        let mentioned_title = format!(
            "{} mentioned user(s) not in `{}` (their mentions would be plain text)",
            self.mentioned.len(),
            users.display()
        );
        section(mentioned_title, self.mentioned.iter().map(|(id, count)| (id.to_string(), *count)).collect());
        text
    }
}

/// Bytes read from an input per step.
const CHUNK_BYTES: usize = 64 * 1024;

/// Checks every input as one batch for Teams (on every core) and converts each record as the reader frames it,
/// writing its request's line to `spill`.
fn convert_batch(inputs: &[Input], directory: &Directory, now_millis: i64, spill: &Staged) -> Result<Converted> {
    let mut options = Options::new(Target::Teams, now_millis);
    options.teams_directory = Some(directory.clone());
    let mut validator = Validator::parallel(options, 0);
    validator.keep_records(true);
    let mut converted = Converted {
        requests: Vec::new(),
        unmapped: Unmapped::default(),
        summary: ferry_core::Summary::default(),
        rule_counts: RuleCounts::new(),
        listed: Vec::new(),
        records_with_errors: 0,
        file_errors: 0,
    };
    let mut requests: Vec<(usize, Spilled)> = Vec::new();
    let mut unconvertible: Vec<(usize, String)> = Vec::new();
    let mut blocked: BTreeSet<usize> = BTreeSet::new();
    let mut spill_writer = BufWriter::new(spill.file()?);
    let mut spill_offset: u64 = 0;
    let mut conversations: HashSet<Rc<str>> = HashSet::new();
    let mut take_findings = |findings: Vec<Diagnostic>, converted: &mut Converted| {
        for diagnostic in findings {
            *converted.rule_counts.entry((diagnostic.rule, diagnostic.severity)).or_insert(0) += 1;
            if diagnostic.severity != Severity::Error || RESOLVED_BY_CONVERSION.contains(&diagnostic.rule) {
                continue;
            }
            let file = inputs.get(diagnostic.location.file).map_or("?", Input::name);
            let Some(record) = diagnostic.location.record else {
                // A file that is malformed or no batch: what follows the fault was not read.
                converted.file_errors += 1;
                converted.listed.push(format!("error {} in {file}: {}", diagnostic.code(), diagnostic.message));
                continue;
            };
            if blocked.insert(record) && converted.listed.len() < LISTED_ERRORS {
                converted.listed.push(format!(
                    "error {} in record {} of the batch ({file}) {}: {}",
                    diagnostic.code(),
                    record + 1,
                    diagnostic.location.pointer,
                    diagnostic.message
                ));
            }
        }
    };
    let mut convert_records = |validator: &mut Validator, converted: &mut Converted| -> Result<()> {
        for record in validator.drain_records() {
            let text = String::from_utf8_lossy(&record.text);
            match convert_teams::request_for_record(&text, directory) {
                Ok(request) => {
                    for user in &request.unmapped_mentions {
                        *converted.unmapped.mentioned.entry(*user).or_insert(0) += 1;
                    }
                    let line = serde_json::to_vec(&request.to_ndjson_value()).context("could not write a request")?;
                    spill_writer
                        .write_all(&line)
                        .and_then(|()| spill_writer.write_all(b"\n"))
                        .context("could not write the requests")?;
                    let conversation = match conversations.get(request.conversation.as_str()) {
                        Some(shared) => Rc::clone(shared),
                        None => {
                            let shared: Rc<str> = Rc::from(request.conversation.as_str());
                            conversations.insert(Rc::clone(&shared));
                            shared
                        }
                    };
                    let spilled = Spilled {
                        conversation,
                        created_millis: request.created_millis,
                        original_message_id: request.original_message_id.into_boxed_str(),
                        place: SpillPlace {
                            line_millis: request.created_millis,
                            offset: spill_offset,
                            length: line.len(),
                            losses: request.losses,
                        },
                    };
                    spill_offset += u64::try_from(line.len() + 1).unwrap_or(u64::MAX);
                    requests.push((record.record, spilled));
                }
                Err(RecordError::Unmapped { stream_id, sender, mentioned }) => {
                    let unmapped = &mut converted.unmapped;
                    if let Some(stream_id) = stream_id {
                        *unmapped.streams.entry(stream_id).or_insert(0) += 1;
                    }
                    if let Some(sender) = sender {
                        *unmapped.senders.entry(sender).or_insert(0) += 1;
                    }
                    for user in mentioned {
                        *unmapped.mentioned.entry(user).or_insert(0) += 1;
                    }
                }
                // A record that is not one has errors of the check, which list it; should one have none, it is
                // listed as not converted (below) rather than left out without a word.
                Err(error) => unconvertible.push((record.record, error.to_string())),
            }
        }
        Ok(())
    };
    for input in inputs {
        let mut reader = input.open().with_context(|| format!("could not read `{}`", input.name()))?;
        validator.begin_file(input.name());
        let mut buffer = vec![0; CHUNK_BYTES];
        loop {
            let filled = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(filled) => filled,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error).with_context(|| format!("could not read `{}`", input.name())),
            };
            validator.push(&buffer[..filled]);
            take_findings(validator.drain_diagnostics(), &mut converted);
            convert_records(&mut validator, &mut converted)?;
        }
        validator.end_file();
        take_findings(validator.drain_diagnostics(), &mut converted);
        convert_records(&mut validator, &mut converted)?;
    }
    spill_writer.flush().context("could not write the requests")?;
    let report = validator.finish();
    take_findings(report.diagnostics, &mut converted);
    converted.summary = report.summary;
    for (record, reason) in unconvertible {
        if blocked.insert(record) && converted.listed.len() < LISTED_ERRORS {
            converted.listed.push(format!("not converted: record {} of the batch: {reason}", record + 1));
        }
    }
    converted.records_with_errors = blocked.len();
    converted.requests =
        requests.into_iter().filter(|(record, _)| !blocked.contains(record)).map(|(_, request)| request).collect();
    Ok(converted)
}

/// Copies each request's line from the spill file into `output` in the scheduled order, rewriting the time of
/// those the schedule moved; written under a temporary name and renamed into place.
fn write_in_order(requests: &[Spilled], spill: &mut File, output: &Path) -> Result<()> {
    let staged = Staged::create(output)?;
    let mut writer = BufWriter::new(staged.file()?);
    let mut line = Vec::new();
    for request in requests {
        line.resize(request.place.length, 0);
        spill
            .seek(SeekFrom::Start(request.place.offset))
            .and_then(|_| spill.read_exact(&mut line))
            .context("could not read the requests back")?;
        if request.created_millis == request.place.line_millis {
            writer.write_all(&line).context("could not write the requests")?;
        } else {
            let mut moved: serde_json::Value =
                serde_json::from_slice(&line).context("could not read a request back")?;
            let created = serde_json::Value::String(created_date_time(request.created_millis));
            moved["createdDateTime"] = created.clone();
            moved["body"]["createdDateTime"] = created;
            serde_json::to_writer(&mut writer, &moved).context("could not write the requests")?;
        }
        writer.write_all(b"\n").context("could not write the requests")?;
    }
    writer.flush().and_then(|()| writer.get_ref().sync_all()).context("could not write the requests")?;
    drop(writer);
    staged.commit()
}

/// The last component of `path`, for naming a file beside it.
fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Lists what the conversion lost, per message (the first [`LISTED_LOSSES`]), then counts it.
fn write_losses(out: &mut impl Write, requests: &[Spilled]) -> std::io::Result<()> {
    let mut listed = 0;
    let mut total = 0;
    for request in requests {
        for loss in &request.place.losses {
            total += 1;
            if listed < LISTED_LOSSES {
                listed += 1;
                writeln!(
                    out,
                    "lost in {} ({}): {}: {}",
                    display_id(&request.original_message_id),
                    request.conversation,
                    loss.what,
                    loss.fate
                )?;
            }
        }
    }
    if total > listed {
        writeln!(out, "… and {} more loss(es)", total - listed)?;
    }
    if total > 0 {
        let messages = requests.iter().filter(|request| !request.place.losses.is_empty()).count();
        writeln!(out, "{total} loss(es) in {messages} message(s)")?;
    }
    Ok(())
}

/// A record's `originalMessageId` for messages, or a note that it has none.
fn display_id(original_message_id: &str) -> String {
    if original_message_id.is_empty() {
        "a message without originalMessageId".to_owned()
    } else {
        format!("message `{original_message_id}`")
    }
}
