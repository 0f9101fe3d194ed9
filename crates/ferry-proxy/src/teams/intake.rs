//! Intake for Teams: the input checked by ferry-core for the Teams target (the same streaming checks as
//! `ferry check --target teams`, through [`crate::intake::check_inputs`]), each record without an error turned
//! into its Graph request by the caller's conversion (ferry-convert's, which the proxy does not depend on),
//! and everything taken into the [`TeamsJournal`].
//!
//! A record two messages of one conversation share the millisecond of (`TEAMS001`) is not excluded: the journal
//! moves it to the next free millisecond, as the core's fix would, and says so in its reason.

use std::io::Read;

use ferry_core::{Options, Rule, Severity, Summary};

use super::journal::{IncomingMessage, TeamsIntake, TeamsJournal};
use crate::error::ProxyError;
use crate::intake::{check_inputs, CheckedText, Findings};

/// Records per journal transaction.
const RECORDS_PER_TRANSACTION: usize = 2_000;

/// A record's Graph import request, as the caller's conversion gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamsRequest {
    /// The conversation path.
    pub conversation: String,
    /// `createdDateTime` in milliseconds.
    pub created_millis: i64,
    /// The chatMessage.
    pub body: serde_json::Value,
}

/// How the Teams intake treats the input.
#[derive(Clone, Debug)]
pub struct TeamsIntakeOptions {
    /// The core's options: target Teams, `now`, the maps as `teams_directory`.
    pub options: Options,
    /// Store the requests' bodies (false for a dry run).
    pub keep_bodies: bool,
    /// Plan again the messages Graph refused in an earlier run.
    pub retry_failed: bool,
}

/// What the Teams intake found.
#[derive(Debug, Default)]
pub struct TeamsChecked {
    /// The core's counts over the whole input.
    pub summary: Summary,
    /// The checks' findings.
    pub findings: Findings,
    /// What the journal did with the records.
    pub intake: TeamsIntake,
    /// Records the conversion refused (unmapped stream or user), with the first few reasons.
    pub not_converted: usize,
    /// The first reasons of the conversion's refusals (at most 20), with their file and 0-based record.
    pub conversion_errors: Vec<(String, usize, String)>,
}

/// Checks `inputs` as `intake_options` say, converts each record without an error with `convert`, and takes
/// them into `journal` for run `run`.
///
/// # Errors
/// [`ProxyError::Io`] for an unreadable input, [`ProxyError::Journal`] for the journal.
pub fn read_into_teams_journal(
    run: i64,
    inputs: Vec<(String, Box<dyn Read + Send>)>,
    intake_options: &TeamsIntakeOptions,
    convert: impl Fn(&[u8]) -> Result<TeamsRequest, String>,
    journal: &mut TeamsJournal,
    on_progress: impl FnMut(&Summary),
) -> Result<TeamsChecked, ProxyError> {
    let mut checked = TeamsChecked::default();
    let mut batch: Vec<IncomingMessage> = Vec::with_capacity(RECORDS_PER_TRANSACTION);
    let (summary, findings) = check_inputs(
        inputs,
        &intake_options.options,
        |record| {
            batch.push(incoming_message(record, &convert, intake_options.keep_bodies, &mut checked));
            if batch.len() >= RECORDS_PER_TRANSACTION {
                add(&mut checked.intake, journal.take_messages(run, batch.drain(..), intake_options.retry_failed)?);
            }
            Ok(())
        },
        on_progress,
    )?;
    add(&mut checked.intake, journal.take_messages(run, batch.drain(..), intake_options.retry_failed)?);
    checked.summary = summary;
    checked.findings = findings;
    Ok(checked)
}

fn add(total: &mut TeamsIntake, more: TeamsIntake) {
    total.planned += more.planned;
    total.already_done += more.already_done;
    total.previously_failed += more.previously_failed;
    total.excluded += more.excluded;
    total.unresolved += more.unresolved;
}

/// The record as the journal takes it: converted when the checks found no error but a shared millisecond.
fn incoming_message(
    record: CheckedText,
    convert: &impl Fn(&[u8]) -> Result<TeamsRequest, String>,
    keep_bodies: bool,
    checked: &mut TeamsChecked,
) -> IncomingMessage {
    let CheckedText { text, file, location, findings } = record;
    let record_index = location.record.unwrap_or(0);
    let ids: Option<serde_json::Value> = serde_json::from_slice(&text).ok();
    let id_field = |name: &str| ids.as_ref()?.get(name)?.as_str().map(str::to_owned);
    let mut message = IncomingMessage {
        system_id: id_field("originatingSystemId"),
        message_id: id_field("originalMessageId"),
        file,
        record_index,
        ..IncomingMessage::default()
    };
    // The journal gives a shared millisecond the next free one: that finding does not stop the record.
    for finding in findings
        .iter()
        .filter(|finding| finding.severity == Severity::Error && finding.rule != Rule::TeamsTimestampNotUnique)
    {
        message.error_message.get_or_insert_with(|| finding.message.clone());
        let code = finding.rule.code().to_owned();
        if !message.error_codes.contains(&code) {
            message.error_codes.push(code);
        }
    }
    if !message.error_codes.is_empty() {
        return message;
    }
    match convert(&text) {
        Ok(request) => {
            message.from_user_id =
                request.body.pointer("/from/user/id").and_then(serde_json::Value::as_str).map(str::to_owned);
            message.conversation = Some(request.conversation);
            message.created_ms = request.created_millis;
            if keep_bodies {
                message.body = serde_json::to_vec(&request.body).unwrap_or_default();
            }
        }
        Err(reason) => {
            checked.not_converted += 1;
            if checked.conversion_errors.len() < 20 {
                checked.conversion_errors.push((message.file.clone(), record_index, reason.clone()));
            }
            message.error_codes.push("TEAMS-MAP".to_owned());
            message.error_message = Some(reason);
        }
    }
    message
}
