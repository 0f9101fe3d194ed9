//! Intake for Teams: the input checked by ferry-core for the Teams target (the same streaming checks as
//! `ferry check --target teams`, through [`crate::intake::check_inputs`]), each record without an error turned
//! into its Graph request by the caller's conversion (ferry-convert's `request_for_record`), and everything
//! taken into the [`TeamsJournal`].
//!
//! Records two messages of one conversation share the millisecond of (`TEAMS001`) are not excluded: the whole
//! input is staged in the journal, then given its milliseconds by ferry-convert's `schedule`, as
//! `ferry convert --to teams` gives them, so both put every record on the same millisecond; the journal moves
//! a record further only off a millisecond a message of another input holds ([`TeamsJournal::take_staged`]).
//! Each move is said in the record's reason.

use std::io::Read;

use ferry_core::teams::Directory;
use ferry_core::{Options, Rule, Severity, Summary};

use super::journal::{IncomingMessage, TeamsIntake, TeamsJournal};
use crate::error::ProxyError;
use crate::intake::{check_inputs, CheckedText, Findings};

/// Records staged per journal transaction.
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

/// Checks `inputs` as `intake_options` say, converts each record without an error with `convert`, stages them
/// in `journal` and takes them all at once for run `run`, scheduled as of the options' `now_millis`.
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
    journal.discard_staged()?;
    let (summary, findings) = check_inputs(
        inputs,
        &intake_options.options,
        |record| {
            batch.push(incoming_message(record, &convert, intake_options, &mut checked));
            if batch.len() >= RECORDS_PER_TRANSACTION {
                journal.stage_messages(batch.drain(..))?;
            }
            Ok(())
        },
        on_progress,
    )?;
    journal.stage_messages(batch.drain(..))?;
    let now_millis = intake_options.options.now_millis;
    checked.intake = journal.take_staged(run, intake_options.retry_failed, now_millis)?;
    checked.summary = summary;
    checked.findings = findings;
    Ok(checked)
}

/// The record as the journal takes it: converted when the checks found no error but a shared millisecond.
fn incoming_message(
    record: CheckedText,
    convert: &impl Fn(&[u8]) -> Result<TeamsRequest, String>,
    intake_options: &TeamsIntakeOptions,
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
    // The schedule gives a shared millisecond the next free one: that finding does not stop the record.
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
            if intake_options.keep_bodies {
                message.body = serde_json::to_vec(&request.body).unwrap_or_default();
            }
        }
        Err(reason) => {
            checked.not_converted += 1;
            if checked.conversion_errors.len() < 20 {
                checked.conversion_errors.push((message.file.clone(), record_index, reason.clone()));
            }
            let sender = ids.as_ref().and_then(|ids| ids.get("intendedMessageFromUserId")?.as_i64());
            let directory = intake_options.options.teams_directory.as_ref();
            let rule = unmapped_rule(directory, id_field("streamId").as_deref(), sender);
            message.error_codes.push(rule.code().to_owned());
            message.error_message = Some(reason);
        }
    }
    message
}

/// The registry's rule for a record the conversion refused (the core's `TEAMS005` and `TEAMS004` find such
/// records first, with the maps as its directory): its sender unmapped when the directory maps its stream but not
/// its sender, else its stream (no conversation to import it into).
fn unmapped_rule(directory: Option<&Directory>, stream_id: Option<&str>, sender: Option<i64>) -> Rule {
    let Some(directory) = directory else {
        return Rule::TeamsStreamNotMapped;
    };
    let stream_mapped = stream_id.is_some_and(|stream_id| directory.conversation(stream_id).is_some());
    let sender_mapped = sender.is_some_and(|sender| directory.users.contains_key(&sender));
    if stream_mapped && !sender_mapped {
        Rule::TeamsSenderNotMapped
    } else {
        Rule::TeamsStreamNotMapped
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use ferry_core::teams::{Conversation, EntraUser};

    use super::*;

    #[test]
    fn a_refused_conversion_is_coded_by_what_the_maps_lack() {
        let user = EntraUser { id: "e1".into(), display_name: "Alice".into() };
        let directory = Directory {
            users: BTreeMap::from([(1, user)]),
            streams: BTreeMap::from([("S1".to_owned(), Conversation::Chat { chat_id: "c".into() })]),
        };
        let cases = [
            (Some(&directory), Some("S1"), Some(2), Rule::TeamsSenderNotMapped),
            (Some(&directory), Some("S2"), Some(1), Rule::TeamsStreamNotMapped),
            (Some(&directory), Some("S2"), Some(2), Rule::TeamsStreamNotMapped),
            (Some(&directory), None, Some(1), Rule::TeamsStreamNotMapped),
            (None, Some("S1"), Some(1), Rule::TeamsStreamNotMapped),
        ];
        for (directory, stream_id, sender, expected) in cases {
            assert_eq!(unmapped_rule(directory, stream_id, sender), expected, "{stream_id:?} {sender:?}");
        }
    }
}
