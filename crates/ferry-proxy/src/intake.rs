//! Intake: input files are checked by ferry-core (the same streaming [`Validator`] as `ferry check`, on every
//! core: [`Validator::parallel`]) and each record goes into the journal with its fate: planned, or excluded
//! with its error codes.
//!
//! Memory stays bounded by the validator's batch of records in hand (a few MiB): record texts go to the
//! journal in small transactions as they are checked; what is kept per record is what the pre-flight needs
//! (a few ids).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use ferry_core::pod::{record_needs, RecordNeeds};
use ferry_core::{apply_fixes, Diagnostic, Location, Options, Rule, Severity, Summary, Validator};

use crate::error::ProxyError;
use crate::journal::{IncomingRecord, Intake, Journal};

/// Size of the chunks files are read in.
const CHUNK_BYTES: usize = 64 * 1024;
/// Records per journal transaction during intake.
const RECORDS_PER_TRANSACTION: usize = 2_000;
/// Findings kept for the caller to show; past this only counts are kept (the journal holds every fate).
pub const MAX_KEPT_DIAGNOSTICS: usize = 20_000;

/// How intake treats the input.
#[derive(Clone, Debug)]
pub struct IntakeOptions {
    /// The core's options (target, `now`, planner limits).
    pub options: Options,
    /// Give records without `originalMessageId` the core's derived id (the fix of `BATCH002`), so they can be
    /// imported exactly once. Without it they are excluded.
    pub derive_ids: bool,
    /// Store bodies in the journal (false for a dry run, which keeps only sizes).
    pub keep_bodies: bool,
    /// Plan again records the Agent rejected in an earlier run (`--retry-failed`).
    pub retry_rejected: bool,
}

/// A record the pre-flight must look at: what it needs from the pod, and where it is.
#[derive(Clone, Debug)]
pub struct PlannedNeeds {
    /// What the record needs.
    pub needs: RecordNeeds,
    /// The record's place (file, record index, source span).
    pub location: Location,
}

/// What intake found.
#[derive(Debug, Default)]
pub struct Checked {
    /// The core's counts over the whole input.
    pub summary: Summary,
    /// Findings, at most [`MAX_KEPT_DIAGNOSTICS`] (the summary and [`Checked::by_rule`] count them all).
    pub diagnostics: Vec<Diagnostic>,
    /// Every finding counted per rule and severity.
    pub by_rule: BTreeMap<(Rule, Severity), usize>,
    /// Findings about a file as a whole (malformed, empty, not a batch): the input cannot be imported safely.
    pub file_errors: usize,
    /// What the journal did with the records.
    pub intake: Intake,
    /// Records newly planned, for the pre-flight.
    pub planned: Vec<PlannedNeeds>,
    /// Records without `originalMessageId` (excluded unless ids are derived).
    pub keyless: usize,
    /// Records given a derived `originalMessageId`.
    pub derived_ids: usize,
}

/// What the checks found over the whole input, records aside.
#[derive(Debug, Default)]
pub struct Findings {
    /// Findings, at most [`MAX_KEPT_DIAGNOSTICS`] (`by_rule` counts them all).
    pub diagnostics: Vec<Diagnostic>,
    /// Every finding counted per rule and severity.
    pub by_rule: BTreeMap<(Rule, Severity), usize>,
    /// Findings about a file as a whole (malformed, empty, not a batch).
    pub file_errors: usize,
}

/// One record as the checks leave it: its exact text, where it is, and its findings.
#[derive(Debug)]
pub struct CheckedText {
    /// The record's JSON.
    pub text: Vec<u8>,
    /// The input file's name.
    pub file: String,
    /// Where it is (file index, record index, source span).
    pub location: Location,
    /// Its findings.
    pub findings: Vec<Diagnostic>,
}

/// Checks `inputs` (name and reader, in order) with ferry-core's parallel [`Validator`] and hands each record,
/// in batch order, to `on_record` as soon as its checks are done. Every importer's intake reads through here.
///
/// # Errors
/// [`ProxyError::Io`] when an input cannot be read; what `on_record` returns.
pub fn check_inputs(
    inputs: Vec<(String, Box<dyn Read + Send>)>,
    options: &Options,
    mut on_record: impl FnMut(CheckedText) -> Result<(), ProxyError>,
    mut on_progress: impl FnMut(&Summary),
) -> Result<(Summary, Findings), ProxyError> {
    let mut validator = Validator::parallel(options.clone(), 0);
    validator.keep_records(true);
    let mut findings = Findings::default();
    let mut buffer = vec![0u8; CHUNK_BYTES];
    for (name, mut reader) in inputs {
        validator.begin_file(&name);
        loop {
            let read = match reader.read(&mut buffer) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(ProxyError::Io { path: name, source }),
            };
            validator.push(&buffer[..read]);
            take(&mut validator, &mut findings, &mut on_record)?;
            on_progress(validator.summary());
        }
        validator.end_file();
        take(&mut validator, &mut findings, &mut on_record)?;
    }
    let summary = validator.summary().clone();
    on_progress(&summary);
    Ok((summary, findings))
}

/// Reads `inputs` (name and reader, in order) into `journal`.
///
/// # Errors
/// [`ProxyError::Io`] when an input cannot be read; [`ProxyError::Journal`] when the journal cannot be
/// written. Findings are never errors: they are in [`Checked`].
pub fn read_into_journal(
    run: i64,
    inputs: Vec<(String, Box<dyn Read + Send>)>,
    intake_options: &IntakeOptions,
    journal: &mut Journal,
    on_progress: impl FnMut(&Summary),
) -> Result<Checked, ProxyError> {
    let mut checked = Checked::default();
    let mut batch: Vec<IncomingRecord> = Vec::with_capacity(RECORDS_PER_TRANSACTION);
    let mut batch_needs: Vec<PlannedNeeds> = Vec::with_capacity(RECORDS_PER_TRANSACTION);
    let (summary, findings) = check_inputs(
        inputs,
        &intake_options.options,
        |record| {
            let CheckedText { text, file, location, findings } = record;
            let record_index = location.record.unwrap_or(0);
            let (incoming, needs) = incoming_record(text, file, record_index, &findings, intake_options, &mut checked);
            batch.push(incoming);
            batch_needs.push(PlannedNeeds { needs, location });
            if batch.len() >= RECORDS_PER_TRANSACTION {
                flush(run, &mut batch, &mut batch_needs, &mut checked, intake_options, journal)?;
            }
            Ok(())
        },
        on_progress,
    )?;
    flush(run, &mut batch, &mut batch_needs, &mut checked, intake_options, journal)?;
    checked.summary = summary;
    checked.diagnostics = findings.diagnostics;
    checked.by_rule = findings.by_rule;
    checked.file_errors = findings.file_errors;
    Ok(checked)
}

/// Takes what the validator has finished: findings, then the records they are about.
fn take(
    validator: &mut Validator,
    findings: &mut Findings,
    on_record: &mut impl FnMut(CheckedText) -> Result<(), ProxyError>,
) -> Result<(), ProxyError> {
    // A record's findings are all made while it is checked, so they arrive with its text.
    let mut by_record: HashMap<usize, Vec<Diagnostic>> = HashMap::new();
    for diagnostic in validator.drain_diagnostics() {
        *findings.by_rule.entry((diagnostic.rule, diagnostic.severity)).or_default() += 1;
        match diagnostic.location.record {
            Some(record) => by_record.entry(record).or_default().push(diagnostic.clone()),
            None => {
                findings.file_errors +=
                    usize::from(diagnostic.severity == Severity::Error || diagnostic.rule == Rule::EmptyInput)
            }
        }
        if findings.diagnostics.len() < MAX_KEPT_DIAGNOSTICS {
            findings.diagnostics.push(diagnostic);
        }
    }
    let names = validator.file_names().to_vec();
    for record in validator.drain_records() {
        let location = Location {
            file: record.file,
            record: Some(record.record),
            pointer: String::new(),
            span: None,
            source: Some(record.source),
        };
        on_record(CheckedText {
            findings: by_record.remove(&record.record).unwrap_or_default(),
            file: names.get(record.file).cloned().unwrap_or_default(),
            text: record.text,
            location,
        })?;
    }
    Ok(())
}

fn flush(
    run: i64,
    batch: &mut Vec<IncomingRecord>,
    batch_needs: &mut Vec<PlannedNeeds>,
    checked: &mut Checked,
    intake_options: &IntakeOptions,
    journal: &mut Journal,
) -> Result<(), ProxyError> {
    let mut planned_flags = Vec::with_capacity(batch.len());
    let intake = journal.take_records(run, batch.drain(..), intake_options.retry_rejected, &mut planned_flags)?;
    checked.intake.planned += intake.planned;
    checked.intake.already_done += intake.already_done;
    checked.intake.previously_rejected += intake.previously_rejected;
    checked.intake.excluded += intake.excluded;
    checked.intake.unresolved += intake.unresolved;
    for (needs, planned) in batch_needs.drain(..).zip(planned_flags) {
        if planned {
            checked.planned.push(needs);
        }
    }
    Ok(())
}

/// The record as the journal takes it: the derived id applied when asked, its error codes.
fn incoming_record(
    text: Vec<u8>,
    file: String,
    record_index: usize,
    findings: &[Diagnostic],
    intake_options: &IntakeOptions,
    checked: &mut Checked,
) -> (IncomingRecord, RecordNeeds) {
    let mut error_codes: Vec<String> = Vec::new();
    let mut error_message = None;
    for finding in findings.iter().filter(|finding| finding.severity == Severity::Error) {
        if error_message.is_none() {
            error_message = Some(finding.message.clone());
        }
        let code = finding.rule.code().to_owned();
        if !error_codes.contains(&code) {
            error_codes.push(code);
        }
    }
    let mut body = text;
    let missing_id = findings.iter().find(|finding| finding.rule == Rule::MissingOriginalMessageId);
    if let Some(finding) = missing_id {
        checked.keyless += 1;
        match (&finding.fix, intake_options.derive_ids && error_codes.is_empty()) {
            (Some(fix), true) => match derive_id(&body, fix) {
                Ok(fixed) => {
                    body = fixed;
                    checked.derived_ids += 1;
                }
                Err(message) => {
                    error_codes.push(Rule::MissingOriginalMessageId.code().to_owned());
                    error_message.get_or_insert(message);
                }
            },
            _ if error_codes.is_empty() => {
                error_codes.push(Rule::MissingOriginalMessageId.code().to_owned());
                error_message = Some(
                    "no `originalMessageId`: the record cannot be imported exactly once (give `--derive-ids` to use the derived id `ferry check --fix` offers)"
                        .to_owned(),
                );
            }
            _ => {}
        }
    }
    let needs = record_needs(&body);
    let incoming = IncomingRecord {
        system_id: needs.originating_system_id.clone(),
        message_id: needs.original_message_id.clone(),
        file,
        record_index,
        stream_id: needs.stream.clone(),
        timestamp: needs.timestamp.unwrap_or(0),
        bytes: body.len(),
        body: if intake_options.keep_bodies { body } else { Vec::new() },
        error_codes,
        error_message,
    };
    (incoming, needs)
}

fn derive_id(body: &[u8], fix: &ferry_core::Fix) -> Result<Vec<u8>, String> {
    let mut value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|error| format!("cannot derive an id: the record does not parse: {error}"))?;
    apply_fixes(&mut value, [fix]).map_err(|error| format!("cannot derive an id: {error}"))?;
    serde_json::to_vec(&value).map_err(|error| format!("cannot derive an id: {error}"))
}
