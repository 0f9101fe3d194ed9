//! The import's state as the import panel shows it: the server's status, the upload of the checked batch (its
//! [`UploadPlan`] and what the server made of each posted batch), the run and every record's fate.
//!
//! One [`Reducible`] changed only through [`ImportAction`]s, so the panel stays thin and the transitions are
//! tested here. The API names records by (posted batch, 0-based index in it); [`page_findings`] and
//! [`page_fates`] turn its answers into the page's record indices through the upload's map.
//!
//! Invariants: the server is the truth about the journal; the page holds only what it was last told (a run's
//! progress, a page of fates) and asks again after every change it makes. An outcome of an older upload or of a
//! page that was replaced is dropped (`upload` numbers), like the checks' run numbers in `state.rs`.

use std::collections::HashMap;
use std::rc::Rc;

use ferry_core::{Diagnostic, Severity};
use yew::Reducible;

use crate::model::{CheckedBatch, RecordIndex};
use crate::services::api::{BatchAnswer, Counts, Fate, Limits, Provisioned, RecordsPage, Run, Status};
use crate::upload::UploadPlan;

/// Most records per posted batch the user may choose (the API's limit).
pub const MAX_RECORDS_PER_POST: usize = 5_000;
/// Most requests in flight at once a run may ask for (the API's limit).
pub const MAX_CONCURRENCY: usize = 32;

/// What the user chose for the import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportOptions {
    /// Records per posted batch, 1 to [`MAX_RECORDS_PER_POST`].
    pub records_per_post: usize,
    /// Requests at the pod at once, 1 to [`MAX_CONCURRENCY`].
    pub concurrency: usize,
    /// Give records without `originalMessageId` the derived id.
    pub derive_ids: bool,
    /// Create in the pod what the pre-flight finds missing.
    pub provision: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions { records_per_post: MAX_RECORDS_PER_POST, concurrency: 2, derive_ids: false, provision: false }
    }
}

impl ImportOptions {
    /// The options with every number brought within its bounds.
    pub fn bounded(self) -> ImportOptions {
        ImportOptions {
            records_per_post: self.records_per_post.clamp(1, MAX_RECORDS_PER_POST),
            concurrency: self.concurrency.clamp(1, MAX_CONCURRENCY),
            ..self
        }
    }
}

/// What the server made of one posted batch, as the panel lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct PostedBatch {
    /// The batch's name.
    pub name: String,
    /// Records posted.
    pub records: usize,
    /// Planned for the run.
    pub planned: usize,
    /// Refused by the checks or the pre-flight.
    pub refused: usize,
    /// Already imported before.
    pub already_done: usize,
    /// Given a derived `originalMessageId`.
    pub derived_ids: usize,
    /// What provisioning changed.
    pub provisioned: Option<Provisioned>,
    /// Whether the service user may import.
    pub service_user_can_import: bool,
}

impl From<&BatchAnswer> for PostedBatch {
    fn from(answer: &BatchAnswer) -> Self {
        PostedBatch {
            name: answer.name.clone(),
            records: answer.records,
            planned: answer.planned,
            refused: answer.refused,
            already_done: answer.already_done,
            derived_ids: answer.derived_ids,
            provisioned: answer.provisioned.clone(),
            service_user_can_import: answer.service_user_can_import,
        }
    }
}

/// Where the upload is.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum UploadStage {
    /// Nothing posted by this page.
    #[default]
    NotStarted,
    /// Posting batch `posted + 1` of `total`.
    Posting {
        /// Batches answered.
        posted: usize,
        /// Batches to post.
        total: usize,
    },
    /// Every batch was posted and answered.
    Done,
    /// A batch could not be posted; those before it were taken in.
    Failed {
        /// Batches taken in before the failure.
        posted: usize,
        /// Why, in words for people.
        message: String,
    },
}

/// Every record's fate the page knows, by the page's record index.
pub type PageFates = HashMap<RecordIndex, Fate>;

/// The import panel's state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportState {
    /// The user's options.
    pub options: ImportOptions,
    /// The server's last status; `None` until it answered.
    pub status: Option<Status>,
    /// The upload's number; outcomes of another number are stale.
    pub upload_number: u64,
    /// The current upload's plan, once approved.
    pub upload: Option<Rc<UploadPlan>>,
    /// Where the upload is.
    pub stage: UploadStage,
    /// What the server made of each posted batch, in order.
    pub posted: Vec<PostedBatch>,
    /// The server's findings about the page's records (pre-flight, and refusals the page's check did not have).
    pub server_findings: Rc<Vec<Diagnostic>>,
    /// The run the server reports; `None` before one was started since the server started.
    pub run: Option<Run>,
    /// Whether a run is being started or controlled (a button was pressed, its answer not yet in).
    pub run_busy: bool,
    /// Whether this page started a run since its last upload.
    pub started_here: bool,
    /// Fates of the page's records, from the journal.
    pub fates: Rc<PageFates>,
    /// One page of the journal's fates, as listed.
    pub journal_page: Option<RecordsPage>,
    /// The last failure to show, in words for people.
    pub error: Option<String>,
}

impl ImportState {
    /// The journal's counts, as last reported.
    pub fn counts(&self) -> Counts {
        self.status.as_ref().map(|status| status.counts).unwrap_or_default()
    }

    /// The server's limits of a posted batch.
    pub fn limits(&self) -> Limits {
        self.status.as_ref().map(|status| status.limits).unwrap_or_default()
    }

    /// Whether a run is live (it can change without a new `POST /runs`).
    pub fn run_is_live(&self) -> bool {
        self.run.as_ref().is_some_and(|run| run.progress.state.is_live())
    }

    /// Whether batches are being posted.
    pub fn is_posting(&self) -> bool {
        matches!(self.stage, UploadStage::Posting { .. })
    }

    /// Whether the journal holds records a new run would send and nothing stands in the way of starting one.
    pub fn can_start_run(&self) -> bool {
        self.counts().waiting() > 0 && !self.run_is_live() && !self.is_posting() && !self.run_busy
    }

    /// Whether the records waiting were left by a run that ended before them: "continue" rather than "import".
    /// Records this page just posted are imported; records found in the journal when the page opened (after a
    /// reload, after a restart), or left by a run this page started, are continued.
    pub fn is_resumable(&self) -> bool {
        let left_by_a_run = self.upload.is_none() || self.started_here;
        left_by_a_run && self.can_start_run()
    }
}

/// Everything that can happen to the import's state.
#[derive(Debug)]
pub enum ImportAction {
    /// The user changed the options.
    Options(ImportOptions),
    /// The server's status arrived.
    Status(Status),
    /// The user approved: upload number `number` posts `upload`.
    UploadStarted {
        /// The upload's number, larger than every earlier one.
        number: u64,
        /// What is posted.
        upload: Rc<UploadPlan>,
    },
    /// A batch of upload `number` was taken in; `findings` are the server's about the page's records.
    BatchPosted {
        /// The upload it belongs to.
        number: u64,
        /// What the server answered, as listed.
        posted: PostedBatch,
        /// The journal's counts after it.
        journal: Counts,
        /// The server's findings, by the page's record indices.
        findings: Vec<Diagnostic>,
    },
    /// Upload `number` posted its last batch.
    UploadDone {
        /// The upload.
        number: u64,
    },
    /// Upload `number` stopped on a failure.
    UploadFailed {
        /// The upload.
        number: u64,
        /// Why.
        message: String,
    },
    /// This page started a run: the server's answer.
    RunStarted(Run),
    /// A run was pressed or polled: the server's answer.
    RunUpdated(Run),
    /// The server has no run (it was restarted since, or none was started).
    NoRun,
    /// A start, pause, resume or cancel was sent and its answer is awaited.
    RunBusy,
    /// Fates of the page's records, read from the journal.
    Fates(Rc<PageFates>),
    /// A page of the journal's fates, for the list.
    JournalPage(RecordsPage),
    /// A call failed.
    Failed(String),
}

impl Reducible for ImportState {
    type Action = ImportAction;

    fn reduce(self: Rc<Self>, action: ImportAction) -> Rc<Self> {
        let mut next = (*self).clone();
        let current = |number: u64| number == self.upload_number;
        match action {
            ImportAction::Options(options) => next.options = options.bounded(),
            ImportAction::Status(status) => next.status = Some(status),
            ImportAction::UploadStarted { number, upload } => {
                next.upload_number = number.max(self.upload_number);
                next.stage = UploadStage::Posting { posted: 0, total: upload.batches.len() };
                next.upload = Some(upload);
                next.posted = Vec::new();
                next.started_here = false;
                next.server_findings = Rc::new(Vec::new());
                next.fates = Rc::new(PageFates::new());
                next.error = None;
            }
            ImportAction::BatchPosted { number, posted, journal, findings } => {
                if !current(number) {
                    return self;
                }
                if let UploadStage::Posting { posted: answered, .. } = &mut next.stage {
                    *answered += 1;
                }
                next.posted.push(posted);
                if let Some(status) = &mut next.status {
                    status.counts = journal;
                }
                if !findings.is_empty() {
                    let mut all = (*self.server_findings).clone();
                    all.extend(findings);
                    next.server_findings = Rc::new(all);
                }
            }
            ImportAction::UploadDone { number } => {
                if !current(number) {
                    return self;
                }
                next.stage = UploadStage::Done;
            }
            ImportAction::UploadFailed { number, message } => {
                if !current(number) {
                    return self;
                }
                next.stage = UploadStage::Failed { posted: next.posted.len(), message };
            }
            ImportAction::RunStarted(run) => {
                next.run = Some(run);
                next.run_busy = false;
                next.started_here = true;
                next.error = None;
            }
            ImportAction::RunUpdated(run) => {
                next.run = Some(run);
                next.run_busy = false;
                next.error = None;
            }
            ImportAction::NoRun => {
                next.run = None;
                next.run_busy = false;
            }
            ImportAction::RunBusy => next.run_busy = true,
            ImportAction::Fates(fates) => next.fates = fates,
            ImportAction::JournalPage(page) => next.journal_page = Some(page),
            ImportAction::Failed(message) => {
                next.error = Some(message);
                next.run_busy = false;
            }
        }
        Rc::new(next)
    }
}

/// The server's findings about posted batch `answer`, by the page's record indices: every pre-flight finding,
/// and the refusals of its checks that the page's own check did not find (`known(record, code)`; the server
/// runs the same core, so most are known, but its clock and `deriveIds` differ). `file_of(record)` is the
/// record's file in the page's batch. A finding about no record (the service user) is kept without one;
/// a record the upload did not post is dropped.
pub fn page_findings(
    answer: &BatchAnswer,
    upload: &UploadPlan,
    file_of: impl Fn(RecordIndex) -> usize,
    known: impl Fn(RecordIndex, &str) -> bool,
) -> Vec<Diagnostic> {
    let checks =
        answer.diagnostics.iter().filter(|finding| finding.severity == Severity::Error).map(|finding| (finding, true));
    let pod = answer.pod_diagnostics.iter().map(|finding| (finding, false));
    checks
        .chain(pod)
        .filter_map(|(finding, from_checks)| {
            let record = match finding.record {
                Some(in_batch) => Some(upload.page_record(&answer.name, in_batch)?),
                None => None,
            };
            if from_checks && record.is_some_and(|record| known(record, &finding.code)) {
                return None;
            }
            finding.to_diagnostic(record.map_or(0, &file_of), record)
        })
        .collect()
}

/// The fates of `page` that concern the page's records, by the page's record indices.
pub fn page_fates<'a>(page: &'a RecordsPage, upload: &'a UploadPlan) -> impl Iterator<Item = (RecordIndex, Fate)> + 'a {
    page.records.iter().filter_map(|fate| Some((upload.page_record(&fate.file, fate.record_index)?, fate.clone())))
}

/// Whether two optional batches are the same one (the same allocation: a batch is never changed once checked).
pub fn same_batch(one: &Option<Rc<CheckedBatch>>, other: &Option<Rc<CheckedBatch>>) -> bool {
    match (one, other) {
        (Some(one), Some(other)) => Rc::ptr_eq(one, other),
        (None, None) => true,
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::services::api::{ApiDiagnostic, Progress, RecordState, RunState};
    use crate::upload::slice;

    fn finding(record: Option<usize>, code: &str, severity: Severity) -> ApiDiagnostic {
        ApiDiagnostic {
            record,
            code: code.to_owned(),
            severity,
            message: format!("{code} found"),
            help: None,
            pointer: String::new(),
            span: None,
            fix: None,
        }
    }

    fn answer(name: &str, diagnostics: Vec<ApiDiagnostic>, pod_diagnostics: Vec<ApiDiagnostic>) -> BatchAnswer {
        BatchAnswer {
            name: name.to_owned(),
            records: 2,
            planned: 1,
            refused: 1,
            already_done: 0,
            previously_rejected: 0,
            derived_ids: 0,
            diagnostics,
            pod_diagnostics,
            provisioned: None,
            service_user_can_import: true,
            journal: Counts::default(),
        }
    }

    /// A fate of record `record_index` of posted batch `file`, with nothing but its state.
    pub(crate) fn fate(file: &str, record_index: usize, state: RecordState) -> Fate {
        Fate {
            file: file.to_owned(),
            record_index,
            originating_system_id: None,
            original_message_id: None,
            stream_id: None,
            state,
            request: None,
            message_id: None,
            diagnostic: None,
            codes: None,
        }
    }

    #[test]
    fn the_servers_findings_join_the_pages_records() {
        // Page records 10, 11 in part 1; 12 in part 2. Records 10 and 11 are in file 0, 12 in file 1.
        let upload = slice([(10, 5), (11, 5), (12, 5)], 2, 1_000, "x");
        let file_of = |record: RecordIndex| usize::from(record >= 12);
        // The page's check already found MML001 in record 10.
        let known = |record: RecordIndex, code: &str| record == 10 && code == "MML001";
        // (case, answer, expected (code, page record, file))
        /// (code, page record, file) of each finding.
        type Found = Vec<(&'static str, Option<usize>, usize)>;
        let cases: Vec<(&str, BatchAnswer, Found)> = vec![
            (
                "a pre-flight finding on the second record of part 1",
                answer("x.part-1.ndjson", vec![], vec![finding(Some(1), "POD004", Severity::Error)]),
                vec![("POD004", Some(11), 0)],
            ),
            (
                "part 2's first record is the page's 12, in file 1",
                answer("x.part-2.ndjson", vec![], vec![finding(Some(0), "POD002", Severity::Error)]),
                vec![("POD002", Some(12), 1)],
            ),
            (
                "a refusal the page knew is not repeated; a new one and a service-user finding are kept",
                answer(
                    "x.part-1.ndjson",
                    vec![finding(Some(0), "MML001", Severity::Error), finding(Some(1), "TS001", Severity::Error)],
                    vec![finding(None, "POD001", Severity::Error)],
                ),
                vec![("TS001", Some(11), 0), ("POD001", None, 0)],
            ),
            (
                "warnings of the server's check are the page's own",
                answer("x.part-1.ndjson", vec![finding(Some(1), "TS003", Severity::Warning)], vec![]),
                vec![],
            ),
            (
                "a record outside the upload, and another upload's batch, are dropped",
                answer("x.part-2.ndjson", vec![], vec![finding(Some(5), "POD002", Severity::Error)]),
                vec![],
            ),
            (
                "another upload's batch",
                answer("y.part-1.ndjson", vec![], vec![finding(Some(0), "POD002", Severity::Error)]),
                vec![],
            ),
        ];
        for (case, answer, expected) in cases {
            let found: Vec<(&str, Option<usize>, usize)> = page_findings(&answer, &upload, file_of, known)
                .iter()
                .map(|finding| (finding.code(), finding.location.record, finding.location.file))
                .collect();
            assert_eq!(found, expected, "{case}");
        }
    }

    #[test]
    fn fates_are_keyed_by_the_pages_records() {
        let upload = slice([(4, 5), (6, 5), (9, 5)], 2, 1_000, "x");
        let page = RecordsPage {
            total: 4,
            offset: 0,
            limit: 100,
            records: vec![
                fate("x.part-1.ndjson", 1, RecordState::Imported),
                fate("x.part-2.ndjson", 0, RecordState::Rejected),
                fate("earlier.json", 0, RecordState::Imported),
                fate("x.part-1.ndjson", 0, RecordState::Excluded),
            ],
        };
        let mut fates: Vec<(RecordIndex, RecordState)> =
            page_fates(&page, &upload).map(|(record, fate)| (record, fate.state)).collect();
        fates.sort_unstable();
        assert_eq!(fates, vec![(4, RecordState::Excluded), (6, RecordState::Imported), (9, RecordState::Rejected)]);
    }

    fn run(state: RunState) -> Run {
        Run { id: 1, error: None, progress: Progress { state, ..Progress::default() } }
    }

    fn status(planned: usize, in_flight: usize) -> Status {
        Status {
            upstream: "sandbox".to_owned(),
            counts: Counts { planned, in_flight, ..Counts::default() },
            run: None,
            limits: Limits::default(),
        }
    }

    #[test]
    fn what_can_be_done_follows_the_journal_and_the_run() {
        let upload = Rc::new(slice([(0, 5)], 1, 100, "x"));
        // Upload `number`'s batch taken in, leaving `planned` records planned in the journal.
        let posted = |number: u64, planned: usize| ImportAction::BatchPosted {
            number,
            posted: PostedBatch::from(&answer("x.part-1.ndjson", vec![], vec![])),
            journal: Counts { planned, ..Counts::default() },
            findings: vec![],
        };
        let apply = |actions: Vec<ImportAction>| {
            actions.into_iter().fold(Rc::new(ImportState::default()), |state, action| state.reduce(action))
        };
        // (case, actions, can start a run, is a resumption)
        let cases: Vec<(&str, Vec<ImportAction>, bool, bool)> = vec![
            ("an empty journal", vec![ImportAction::Status(status(0, 0))], false, false),
            (
                "after a reload, records wait and no run is known: continue",
                vec![ImportAction::Status(status(3, 0))],
                true,
                true,
            ),
            (
                "after a restart, records in flight: continue",
                vec![ImportAction::Status(status(0, 2)), ImportAction::NoRun],
                true,
                true,
            ),
            (
                "this page posted a batch: import, not continue",
                vec![
                    ImportAction::Status(status(0, 0)),
                    ImportAction::UploadStarted { number: 1, upload: Rc::clone(&upload) },
                    posted(1, 1),
                    ImportAction::UploadDone { number: 1 },
                ],
                true,
                false,
            ),
            (
                "while a batch is posted, nothing starts",
                vec![
                    ImportAction::Status(status(4, 0)),
                    ImportAction::UploadStarted { number: 1, upload: Rc::clone(&upload) },
                ],
                false,
                false,
            ),
            (
                "a live run",
                vec![ImportAction::Status(status(4, 0)), ImportAction::RunUpdated(run(RunState::Running))],
                false,
                false,
            ),
            (
                "a paused run is still live",
                vec![ImportAction::Status(status(4, 0)), ImportAction::RunUpdated(run(RunState::Paused))],
                false,
                false,
            ),
            (
                "a halted run with records waiting: continue",
                vec![ImportAction::Status(status(0, 5)), ImportAction::RunUpdated(run(RunState::Halted))],
                true,
                true,
            ),
            (
                "a completed run, nothing waits",
                vec![ImportAction::Status(status(0, 0)), ImportAction::RunUpdated(run(RunState::Completed))],
                false,
                false,
            ),
            (
                "this page posted after another page's run completed: import",
                vec![
                    ImportAction::Status(status(0, 0)),
                    ImportAction::RunUpdated(run(RunState::Completed)),
                    ImportAction::UploadStarted { number: 1, upload: Rc::clone(&upload) },
                    posted(1, 3),
                    ImportAction::UploadDone { number: 1 },
                ],
                true,
                false,
            ),
            (
                "this page's own run was cancelled: continue",
                vec![
                    ImportAction::Status(status(0, 0)),
                    ImportAction::UploadStarted { number: 1, upload: Rc::clone(&upload) },
                    posted(1, 3),
                    ImportAction::UploadDone { number: 1 },
                    ImportAction::RunStarted(run(RunState::Running)),
                    ImportAction::RunUpdated(run(RunState::Stopped)),
                ],
                true,
                true,
            ),
            (
                "a button pressed, its answer awaited",
                vec![ImportAction::Status(status(4, 0)), ImportAction::RunBusy],
                false,
                false,
            ),
        ];
        for (case, actions, can_start, resumable) in cases {
            let state = apply(actions);
            assert_eq!(state.can_start_run(), can_start, "{case}: can start");
            assert_eq!(state.is_resumable(), resumable, "{case}: resumable");
        }
    }

    #[test]
    fn outcomes_of_an_older_upload_are_dropped() {
        let first = Rc::new(slice([(0, 5)], 1, 100, "a"));
        let second = Rc::new(slice([(0, 5), (1, 5)], 1, 100, "b"));
        let posted = |number: u64, name: &str| ImportAction::BatchPosted {
            number,
            posted: PostedBatch::from(&answer(name, vec![], vec![])),
            journal: Counts::default(),
            findings: vec![],
        };
        let state = [
            ImportAction::UploadStarted { number: 1, upload: first },
            ImportAction::UploadStarted { number: 2, upload: second },
            posted(1, "a.part-1.ndjson"),
            ImportAction::UploadDone { number: 1 },
            posted(2, "b.part-1.ndjson"),
        ]
        .into_iter()
        .fold(Rc::new(ImportState::default()), |state, action| state.reduce(action));
        assert_eq!(state.stage, UploadStage::Posting { posted: 1, total: 2 });
        let names: Vec<&str> = state.posted.iter().map(|batch| batch.name.as_str()).collect();
        assert_eq!(names, vec!["b.part-1.ndjson"]);
    }

    #[test]
    fn options_are_kept_within_the_apis_bounds() {
        let cases = [((0, 0), (1, 1)), ((5_001, 33), (5_000, 32)), ((250, 4), (250, 4))];
        for ((records_per_post, concurrency), expected) in cases {
            let options = ImportOptions { records_per_post, concurrency, ..ImportOptions::default() }.bounded();
            assert_eq!((options.records_per_post, options.concurrency), expected);
        }
    }
}
