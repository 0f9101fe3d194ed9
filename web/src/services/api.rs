//! The API's answers, as `docs/api.md` documents them. Members the API adds later are ignored (it only ever adds
//! members); every member read here is one the API promises.
//!
//! These mirror the types ferry-proxy serialises (`journal::Counts`, `run::Progress`, `journal::Fate`, ...) on
//! purpose: the page depends on the documented JSON, not on ferry-proxy, which holds SQLite and tokio and must
//! not be compiled into the browser's WebAssembly (ARCHITECTURE.md's code map).

use ferry_core::{Diagnostic, Fix, Location, Rule, Severity, Span};
use serde::Deserialize;

/// Records per journal state (`counts` of `GET /status`, `journal` of a batch's answer).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// Planned, not yet sent.
    pub planned: usize,
    /// Sent, outcome not yet recorded.
    pub in_flight: usize,
    /// Imported, with a `messageId`.
    pub imported: usize,
    /// Ignored by the Agent as repeats of messages it holds.
    pub already_imported: usize,
    /// Refused by the Agent.
    pub rejected: usize,
    /// Refused by the checks or the pre-flight; never sent.
    pub excluded: usize,
}

impl Counts {
    /// Records a new run would send: planned, and in flight from an interrupted run.
    pub fn waiting(&self) -> usize {
        self.planned + self.in_flight
    }
}

/// The server's limits on one `POST /batches`.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// Largest body, in bytes.
    pub max_body_bytes: u64,
    /// Most records.
    pub max_records_per_batch: usize,
}

impl Default for Limits {
    /// The limits `docs/api.md` documents, for when the server has not said yet.
    fn default() -> Self {
        Limits { max_body_bytes: 64 * 1024 * 1024, max_records_per_batch: 5_000 }
    }
}

/// `GET /status`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `sandbox`, `pod` or `none`.
    pub upstream: String,
    /// Records per state in the journal.
    pub counts: Counts,
    /// The last run started since the server started; `None` before the first.
    pub run: Option<RunSummary>,
    /// Limits of `POST /batches`.
    pub limits: Limits,
}

/// The run as `GET /status` names it.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RunSummary {
    /// The run's id in the journal.
    pub id: i64,
    /// Its progress.
    pub progress: Progress,
}

/// Where a run is.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Starting.
    #[default]
    Idle,
    /// Sending.
    Running,
    /// Paused: requests in flight finish, no new one starts.
    Paused,
    /// Stopping after the requests in flight.
    Stopping,
    /// Every record has an outcome.
    Completed,
    /// Cancelled; a new run resumes.
    Stopped,
    /// A request's outcome is unknown or the pod refused the service user; a new run resumes.
    Halted,
}

impl RunState {
    /// Whether the run can still change without a new `POST /runs`.
    pub fn is_live(self) -> bool {
        matches!(self, RunState::Idle | RunState::Running | RunState::Paused | RunState::Stopping)
    }

    /// The state in a word or two, for people.
    pub fn label(self) -> &'static str {
        match self {
            RunState::Idle => "starting",
            RunState::Running => "importing",
            RunState::Paused => "paused",
            RunState::Stopping => "stopping",
            RunState::Completed => "completed",
            RunState::Stopped => "stopped",
            RunState::Halted => "halted",
        }
    }
}

/// A run's progress.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// Where the run is.
    pub state: RunState,
    /// Records the run is to send.
    pub records_total: usize,
    /// Records with an outcome recorded by this run.
    pub records_done: usize,
    /// Requests planned.
    pub requests_total: usize,
    /// Requests answered.
    pub requests_done: usize,
    /// Requests at the pod now.
    pub requests_in_flight: usize,
    /// Imported by this run.
    pub imported: usize,
    /// Ignored by the Agent as repeats.
    pub already_imported: usize,
    /// Refused by the Agent.
    pub rejected: usize,
    /// Records whose request's outcome is unknown.
    pub unknown: usize,
    /// Seconds since the run started.
    pub elapsed_seconds: f64,
    /// The last failure, if any.
    pub last_error: Option<String>,
}

/// `GET /runs/current`, `POST /runs` and the pause, resume and cancel answers.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Run {
    /// The run's id in the journal.
    pub id: i64,
    /// Set when the run could not write the journal.
    pub error: Option<String>,
    /// Its progress.
    pub progress: Progress,
}

/// One finding as the API answers it: `ferry check --format json`'s shape without line and column.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ApiDiagnostic {
    /// The record, 0-based within the posted batch; `None` for the batch or the service user.
    pub record: Option<usize>,
    /// The rule's code.
    pub code: String,
    /// The finding's severity.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: Option<String>,
    /// JSON pointer to the field.
    #[serde(default)]
    pub pointer: String,
    /// Byte span inside the field's text.
    pub span: Option<Span>,
    /// A fix the core offers.
    pub fix: Option<Fix>,
}

impl ApiDiagnostic {
    /// The finding as the core's [`Diagnostic`], about record `record` of file `file` of the page's batch;
    /// `None` when the code is not one this page's core knows (a newer server).
    pub fn to_diagnostic(&self, file: usize, record: Option<usize>) -> Option<Diagnostic> {
        Some(Diagnostic {
            rule: Rule::from_code(&self.code)?,
            severity: self.severity,
            message: self.message.clone(),
            help: self.help.clone(),
            location: Location { file, record, pointer: self.pointer.clone(), span: self.span, source: None },
            fix: self.fix.clone(),
        })
    }
}

/// What provisioning changed in the pod and what it could not do.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct Provisioned {
    /// Users reactivated.
    pub users_activated: Vec<i64>,
    /// Users created for mentioned emails: (email, new id).
    pub users_created: Vec<(String, i64)>,
    /// Streams reactivated.
    pub streams_activated: Vec<String>,
    /// Memberships added: (stream, user).
    pub memberships_added: Vec<(String, i64)>,
    /// What cannot be provisioned, and why.
    pub impossible: Vec<String>,
}

/// `POST /batches`: what the intake and the pre-flight made of one posted batch.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BatchAnswer {
    /// The batch's name in the journal and the reports.
    pub name: String,
    /// Records in it.
    pub records: usize,
    /// Records planned for the next run.
    pub planned: usize,
    /// Records refused by the checks or the pre-flight.
    pub refused: usize,
    /// Records already imported (not planned again).
    pub already_done: usize,
    /// Records the Agent refused before (planned again only when fixed and retried).
    pub previously_rejected: usize,
    /// Records given a derived `originalMessageId`.
    pub derived_ids: usize,
    /// The checks' findings (at most 20,000).
    pub diagnostics: Vec<ApiDiagnostic>,
    /// The pre-flight's findings against the pod.
    pub pod_diagnostics: Vec<ApiDiagnostic>,
    /// What provisioning did, when asked.
    pub provisioned: Option<Provisioned>,
    /// Whether the service user may import at all.
    pub service_user_can_import: bool,
    /// The journal's counts after this batch.
    pub journal: Counts,
}

/// A record's state in the journal.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// To be sent.
    Planned,
    /// Sent; outcome not recorded yet.
    InFlight,
    /// Imported with a `messageId`.
    Imported,
    /// Ignored by the Agent as a repeat.
    AlreadyImported,
    /// Refused by the Agent.
    Rejected,
    /// Refused by the checks or the pre-flight; never sent.
    Excluded,
}

impl RecordState {
    /// The state as the API names it (`state=` of `GET /records`).
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Planned => "planned",
            RecordState::InFlight => "in_flight",
            RecordState::Imported => "imported",
            RecordState::AlreadyImported => "already_imported",
            RecordState::Rejected => "rejected",
            RecordState::Excluded => "excluded",
        }
    }

    /// The state in words, for people.
    pub fn label(self) -> &'static str {
        match self {
            RecordState::Planned => "planned",
            RecordState::InFlight => "in flight",
            RecordState::Imported => "imported",
            RecordState::AlreadyImported => "already imported",
            RecordState::Rejected => "rejected",
            RecordState::Excluded => "excluded",
        }
    }
}

/// One record's fate in the journal.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Fate {
    /// The name of the batch it was posted in.
    pub file: String,
    /// Its index, 0-based, within that batch.
    pub record_index: usize,
    /// `originatingSystemId`.
    pub originating_system_id: Option<String>,
    /// `originalMessageId`.
    pub original_message_id: Option<String>,
    /// `streamId`.
    pub stream_id: Option<String>,
    /// Where it stands.
    pub state: RecordState,
    /// The import request that carried it, from 1.
    pub request: Option<i64>,
    /// The Agent's `messageId`.
    pub message_id: Option<String>,
    /// The Agent's diagnostic, or the first error's message.
    pub diagnostic: Option<String>,
    /// Codes of the checks that excluded it, comma-separated.
    pub codes: Option<String>,
}

/// `GET /records`: one page of fates.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct RecordsPage {
    /// Fates of the state asked (or all) in the journal.
    pub total: usize,
    /// Fates skipped before this page.
    pub offset: usize,
    /// Most fates per page asked.
    pub limit: usize,
    /// The page.
    pub records: Vec<Fate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The examples of `docs/api.md` (completed where it elides) read as documented.
    #[test]
    fn the_documented_answers_are_read() {
        let status: Status = serde_json::from_str(
            r#"{"upstream": "sandbox", "counts": {"planned": 0, "inFlight": 2, "imported": 12, "alreadyImported": 0,
                "rejected": 0, "excluded": 1}, "run": {"id": 3, "progress": {"state": "halted", "recordsTotal": 12,
                "recordsDone": 5, "requestsTotal": 2, "requestsDone": 1, "requestsInFlight": 0, "imported": 5,
                "alreadyImported": 0, "rejected": 0, "unknown": 2, "elapsedSeconds": 0.4, "lastError": "timed out"}},
                "limits": {"maxBodyBytes": 67108864, "maxRecordsPerBatch": 5000}}"#,
        )
        .unwrap();
        assert_eq!((status.counts.waiting(), status.counts.imported), (2, 12));
        assert_eq!(status.run.as_ref().map(|run| run.progress.state), Some(RunState::Halted));
        assert_eq!(status.limits, Limits::default());

        let answer: BatchAnswer = serde_json::from_str(
            r#"{"name": "demo.json", "records": 12, "planned": 11, "refused": 1, "alreadyDone": 0,
                "previouslyRejected": 0, "derivedIds": 0, "summary": {"files": 1}, "diagnostics": [{"record": 4,
                "code": "MML001", "name": "x", "severity": "error", "message": "bad", "help": null, "pointer": "/message",
                "span": {"start": 10, "end": 14}, "fix": null}], "podDiagnostics": [], "provisioned": null,
                "serviceUserCanImport": true, "journal": {"planned": 11, "inFlight": 0, "imported": 0,
                "alreadyImported": 0, "rejected": 0, "excluded": 1}}"#,
        )
        .unwrap();
        let finding = answer.diagnostics[0].to_diagnostic(0, Some(40)).unwrap();
        assert_eq!(
            (finding.code(), finding.location.record, finding.location.span),
            ("MML001", Some(40), Some(Span::new(10, 14)))
        );

        let page: RecordsPage = serde_json::from_str(
            r#"{"total": 12, "offset": 0, "limit": 100, "records": [{"file": "demo.json", "recordIndex": 0,
                "originatingSystemId": "legacy-chat", "originalMessageId": "m-1", "streamId": "iWyZ", "state":
                "already_imported", "request": 1, "messageId": "Xb3", "diagnostic": null, "codes": null}]}"#,
        )
        .unwrap();
        assert_eq!(page.records[0].state, RecordState::AlreadyImported);
    }

    #[test]
    fn an_unknown_code_is_not_made_into_a_finding() {
        let finding = ApiDiagnostic {
            record: Some(0),
            code: "ZZZ999".to_owned(),
            severity: Severity::Error,
            message: "new".to_owned(),
            help: None,
            pointer: String::new(),
            span: None,
            fix: None,
        };
        assert_eq!(finding.to_diagnostic(0, Some(0)), None);
    }

    #[test]
    fn live_states_are_those_a_run_can_leave_on_its_own() {
        let live: Vec<RunState> = [
            RunState::Idle,
            RunState::Running,
            RunState::Paused,
            RunState::Stopping,
            RunState::Completed,
            RunState::Stopped,
            RunState::Halted,
        ]
        .into_iter()
        .filter(|state| state.is_live())
        .collect();
        assert_eq!(live, vec![RunState::Idle, RunState::Running, RunState::Paused, RunState::Stopping]);
    }
}

/// `GET /teams/status`: the Graph `ferry serve` imports into (`sandbox`, `tenant` or `none`) and its journal.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TeamsStatus {
    /// `sandbox`, `tenant` or `none`.
    pub upstream: String,
    /// Records per state in the Teams journal (absent without a Graph).
    #[serde(default)]
    pub counts: Option<TeamsCounts>,
}

/// Records per state in the Teams journal.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TeamsCounts {
    /// Converted, not yet sent.
    pub pending: usize,
    /// Sent, outcome not yet recorded.
    pub sending: usize,
    /// Imported.
    pub imported: usize,
    /// Refused by Graph.
    pub failed: usize,
    /// Refused by the checks or the conversion; never sent.
    pub excluded: usize,
}

/// A record the server could not convert into a Graph request.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ConversionError {
    /// The record, 0-based within the posted batch.
    pub record: usize,
    /// Why.
    pub message: String,
}

/// `POST /teams/batches`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TeamsBatchAnswer {
    /// The batch's name.
    pub name: String,
    /// Records read.
    pub records: usize,
    /// Records converted and planned.
    pub planned: usize,
    /// Records refused by the checks.
    pub refused: usize,
    /// Records the journal already holds as done.
    pub already_done: usize,
    /// Records not converted, and why.
    pub conversion_errors: Vec<ConversionError>,
}

/// One conversation of `GET /teams/plan`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TeamsPlannedConversation {
    /// Its Graph path.
    pub conversation: String,
    /// Messages to send.
    pub messages: usize,
    /// Requests: the messages, `startMigration` and `completeMigration`.
    pub requests: usize,
    /// Seconds at the documented rate.
    pub seconds: f64,
}

/// `GET /teams/plan`: the conversations with work left in the server's journal.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TeamsServerPlan {
    /// The conversations.
    pub conversations: Vec<TeamsPlannedConversation>,
    /// Messages in all.
    pub messages: usize,
    /// Requests in all.
    pub requests: usize,
    /// Estimated seconds, with the server's concurrency.
    pub seconds: f64,
}

/// How a conversation ended in a Teams run.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TeamsConversationEnd {
    /// Its Graph path.
    pub conversation: String,
    /// `completed`, `blocked`, `stopped` or `halted`.
    pub end: String,
    /// Messages imported by the run.
    pub imported: usize,
    /// Messages refused.
    pub failed: usize,
    /// Messages moved to a free millisecond after a 409.
    pub moved: usize,
    /// Why it was blocked or halted.
    pub reason: Option<String>,
}

/// `POST /teams/runs`, `GET /teams/runs/current`: a run as the Symphony run's answer (one request per message),
/// and each conversation's end.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct TeamsRun {
    /// The run: its id, error and progress.
    #[serde(flatten)]
    pub run: Run,
    /// Each conversation's end, once the run has ended.
    #[serde(default)]
    pub conversations: Vec<TeamsConversationEnd>,
}
