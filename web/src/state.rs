//! The app's state: one [`Reducible`] changed only through [`Action`]s.
//!
//! Invariants:
//! - A result is shown only for the batch most recently chosen. Each check gets a run number; an outcome
//!   carrying an older number arrives after the user moved on and is dropped, so a slow check of a big batch
//!   can never overwrite the report of a small one chosen after it.
//! - A check in progress never hides or drops the last checked batch: cancelling it leaves the page as it was
//!   before, and only a finished check replaces the batch (and with it the selection and the decisions, which
//!   are about the old batch's records).

use std::rc::Rc;

use ferry_core::{Diagnostic, Severity, Summary, Target};
use yew::Reducible;

use crate::import::PageFates;
use crate::listing::{Filters, Period, SortOrder};
use crate::model::{CheckedBatch, Decisions, RecordIndex};
use crate::services::api::RecordState;
use crate::teams_maps::TeamsMaps;

/// Identifies one check of one batch; increases with every check started.
pub type RunId = u64;

/// The files being or last checked: one batch, in the order given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChosenBatch {
    /// The files' names as the browser gives them (no path), by file index.
    pub file_names: Vec<String>,
    /// Total size in bytes.
    pub size_bytes: u64,
}

impl ChosenBatch {
    /// How the batch is named on the page: the file's name, or the number of files and the first name.
    pub fn title(&self) -> String {
        title_of(&self.file_names)
    }
}

/// How a batch of files named `file_names` is named on the page.
pub fn title_of(file_names: &[String]) -> String {
    match file_names {
        [] => "no file".to_owned(),
        [only] => only.clone(),
        [first, rest @ ..] => format!("{} files ({first} and {} more)", rest.len() + 1, rest.len()),
    }
}

/// The number of findings of `severity` in a run.
pub fn severity_count(summary: &Summary, severity: Severity) -> usize {
    match severity {
        Severity::Error => summary.errors,
        Severity::Warning => summary.warnings,
        Severity::Info => summary.infos,
    }
}

/// A check in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checking {
    /// Its run number.
    pub run: RunId,
    /// What is checked.
    pub batch: ChosenBatch,
    /// Bytes read and checked so far.
    pub bytes_checked: u64,
    /// Records checked so far.
    pub records_checked: usize,
}

/// A check that could not finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What was checked.
    pub batch: ChosenBatch,
    /// Why, in words for the user.
    pub message: String,
}

/// What the next check runs against; the user's options.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct CheckOptions {
    /// The platform whose rules apply.
    pub target: Target,
    /// "Now" in milliseconds since the Unix epoch; `None` takes the page's clock when the check starts.
    pub now_millis: Option<i64>,
    /// The Teams maps loaded (used when the target is Teams).
    pub teams_maps: TeamsMaps,
}

impl CheckOptions {
    /// Whether a batch checked with `self` must be checked again with `next`: the rules that apply changed
    /// (another target, or other maps for Teams). A new "now" waits for the user's "Check again".
    pub fn changes_rules(&self, next: &CheckOptions) -> bool {
        self.target != next.target || (next.target == Target::Teams && self.teams_maps != next.teams_maps)
    }
}

/// Everything the page shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppState {
    /// The run of the check most recently started; outcomes of other runs are stale.
    pub current_run: RunId,
    /// The check in progress, if any.
    pub checking: Option<Checking>,
    /// The last check that failed, until another starts.
    pub failure: Option<Failure>,
    /// The last batch checked to its end.
    pub batch: Option<Rc<CheckedBatch>>,
    /// What the user decided about the batch's records.
    pub decisions: Decisions,
    /// The record whose view is open.
    pub selected: Option<RecordIndex>,
    /// What the list shows.
    pub filters: Filters,
    /// The list's order.
    pub sort: SortOrder,
    /// The options of the next check.
    pub options: CheckOptions,
    /// The server's and the pod's findings about the batch's records (by the page's record numbers).
    pub server_findings: Rc<Vec<Diagnostic>>,
    /// The batch's records' fates in the journal, by the page's record numbers.
    pub fates: Rc<PageFates>,
}

/// Everything that can happen to the state.
#[derive(Debug)]
pub enum Action {
    /// The user chose files forming a batch; its check is run number `run`.
    BatchChosen {
        /// The run number, larger than every earlier one.
        run: RunId,
        /// The chosen files.
        batch: ChosenBatch,
    },
    /// The check of run `run` progressed.
    Progress {
        /// Which run progressed.
        run: RunId,
        /// Bytes read and checked so far.
        bytes_checked: u64,
        /// Records checked so far.
        records_checked: usize,
    },
    /// The check of run `run` finished.
    Checked {
        /// Which run finished.
        run: RunId,
        /// The checked batch.
        batch: Rc<CheckedBatch>,
    },
    /// The check of run `run` could not finish.
    CheckFailed {
        /// Which run failed.
        run: RunId,
        /// Why, in words for the user.
        message: String,
    },
    /// The user cancelled the check in progress.
    CancelCheck,
    /// Open record `index`'s view.
    SelectRecord(RecordIndex),
    /// Close the record view.
    CloseRecord,
    /// Show or hide records whose worst finding has this severity (`None`: records without findings).
    ToggleSeverity(Option<Severity>),
    /// List only records with a finding of this rule code (`None`: any).
    FilterCode(Option<String>),
    /// List only records of this stream index (`None`: any).
    FilterStream(Option<u32>),
    /// List only records of this sender index (`None`: any).
    FilterSender(Option<u32>),
    /// List only records matching this text (empty: any).
    FilterText(String),
    /// List only records dated in this period (`None`: any).
    FilterPeriod(Option<Period>),
    /// List only records in this import state (`None`: any).
    FilterFate(Option<RecordState>),
    /// The server's and the pod's findings about the batch's records, all of them so far.
    ServerFindings(Rc<Vec<Diagnostic>>),
    /// The batch's records' fates in the journal, all of them known so far.
    Fates(Rc<PageFates>),
    /// Show or hide the records of a group of infos of one rule (by its code).
    ToggleGroup(String),
    /// Clear every filter.
    ClearFilters,
    /// Order the list.
    Sort(SortOrder),
    /// Change the options of the next check.
    SetOptions(CheckOptions),
    /// Records now have these texts (fixes applied); the files are not changed.
    ReplaceRecords(Vec<(RecordIndex, Rc<str>)>),
    /// Leave a record out of the import (`true`) or put it back (`false`).
    SetExcluded(RecordIndex, bool),
    /// Forget the batch and go back to the drop zone.
    Reset,
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let current =
            |run: RunId| self.checking.as_ref().filter(|checking| checking.run == run && run == self.current_run);
        let mut next = (*self).clone();
        match action {
            Action::BatchChosen { run, batch } => {
                next.current_run = run.max(self.current_run);
                next.checking = Some(Checking { run: next.current_run, batch, bytes_checked: 0, records_checked: 0 });
                next.failure = None;
            }
            Action::Progress { run, bytes_checked, records_checked } => {
                let Some(checking) = current(run) else { return self };
                next.checking = Some(Checking { bytes_checked, records_checked, ..checking.clone() });
            }
            Action::Checked { run, batch } => {
                if current(run).is_none() {
                    return self;
                }
                next.checking = None;
                next.batch = Some(batch);
                next.decisions = Decisions::default();
                next.selected = None;
                next.filters = Filters::default();
                next.server_findings = Rc::default();
                next.fates = Rc::default();
            }
            Action::CheckFailed { run, message } => {
                let Some(checking) = current(run) else { return self };
                next.failure = Some(Failure { batch: checking.batch.clone(), message });
                next.checking = None;
            }
            Action::CancelCheck => next.checking = None,
            Action::SelectRecord(index) => {
                let exists = self.batch.as_ref().is_some_and(|batch| index < batch.rows.len());
                next.selected = exists.then_some(index);
            }
            Action::CloseRecord => next.selected = None,
            Action::ToggleSeverity(severity) => next.filters.toggle_severity(severity),
            Action::FilterCode(code) => next.filters.code = code,
            Action::FilterStream(stream) => next.filters.stream = stream,
            Action::FilterSender(sender) => next.filters.sender = sender,
            Action::FilterText(text) => next.filters.text = text,
            Action::FilterPeriod(period) => next.filters.period = period,
            Action::FilterFate(fate) => next.filters.fate = fate,
            Action::ServerFindings(findings) => next.server_findings = findings,
            Action::Fates(fates) => next.fates = fates,
            Action::ToggleGroup(code) => {
                if !next.filters.expanded_groups.remove(&code) {
                    next.filters.expanded_groups.insert(code);
                }
            }
            Action::ClearFilters => next.filters = Filters::default(),
            Action::Sort(sort) => next.sort = sort,
            Action::SetOptions(options) => next.options = options,
            Action::ReplaceRecords(texts) => next.decisions.replaced.extend(texts),
            Action::SetExcluded(index, excluded) => {
                if excluded {
                    next.decisions.excluded.insert(index);
                } else {
                    next.decisions.excluded.remove(&index);
                }
            }
            Action::Reset => {
                next.checking = None;
                next.failure = None;
                next.batch = None;
                next.decisions = Decisions::default();
                next.selected = None;
                next.filters = Filters::default();
                next.server_findings = Rc::default();
                next.fates = Rc::default();
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::{Plan, Summary};

    use crate::model::RecordRow;

    fn chosen(name: &str) -> ChosenBatch {
        ChosenBatch { file_names: vec![name.to_owned()], size_bytes: 10 }
    }

    /// A checked batch of `records` empty rows whose first file is `name`.
    fn checked(name: &str, records: usize) -> Rc<CheckedBatch> {
        Rc::new(CheckedBatch {
            files: Vec::new(),
            file_names: vec![name.to_owned()],
            rows: vec![RecordRow::EMPTY; records],
            streams: Vec::new(),
            senders: Vec::new(),
            findings: Vec::new(),
            positions: Vec::new(),
            summary: Summary { records, ..Summary::default() },
            plan: Plan::default(),
            target: Target::Symphony,
            now_millis: 0,
            teams_directory: None,
        })
    }

    fn apply(actions: Vec<Action>) -> Rc<AppState> {
        actions.into_iter().fold(Rc::new(AppState::default()), |state, action| state.reduce(action))
    }

    /// The shown batch's first file name, and whether a check is running.
    fn shown(state: &AppState) -> (Option<String>, bool) {
        (state.batch.as_ref().map(|batch| batch.file_names[0].clone()), state.checking.is_some())
    }

    /// A case's name, its actions, and the batch shown and whether a check runs after them.
    type Case = (&'static str, Vec<Action>, (Option<&'static str>, bool));

    #[test]
    fn only_a_change_of_the_rules_checks_again() {
        let users = "symphonyUserId,entraUserId,displayName\n1,5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60,A\n";
        let with_users = TeamsMaps::default().with(crate::teams_maps::MapKind::Users, "u.csv", users).unwrap();
        let symphony = CheckOptions::default();
        let teams = CheckOptions { target: Target::Teams, ..CheckOptions::default() };
        // (case, before, after, checks again)
        let cases = [
            ("nothing changed", symphony.clone(), symphony.clone(), false),
            ("another target", symphony.clone(), teams.clone(), true),
            ("back to Symphony", teams.clone(), symphony.clone(), true),
            (
                "a map loaded for Teams",
                teams.clone(),
                CheckOptions { teams_maps: with_users.clone(), ..teams.clone() },
                true,
            ),
            (
                "a map loaded while Symphony is the target",
                symphony.clone(),
                CheckOptions { teams_maps: with_users, ..symphony.clone() },
                false,
            ),
            ("another now", teams.clone(), CheckOptions { now_millis: Some(5), ..teams.clone() }, false),
        ];
        for (name, before, after, expected) in cases {
            assert_eq!(before.changes_rules(&after), expected, "{name}");
        }
    }

    #[test]
    fn checks_follow_the_actions_and_stale_outcomes_are_dropped() {
        let cases: Vec<Case> = vec![
            ("nothing chosen", vec![], (None, false)),
            (
                "one batch checked",
                vec![
                    Action::BatchChosen { run: 1, batch: chosen("a") },
                    Action::Checked { run: 1, batch: checked("a", 1) },
                ],
                (Some("a"), false),
            ),
            (
                "a stale outcome is dropped",
                vec![
                    Action::BatchChosen { run: 1, batch: chosen("big") },
                    Action::BatchChosen { run: 2, batch: chosen("small") },
                    Action::Checked { run: 1, batch: checked("big", 1) },
                ],
                (None, true),
            ),
            (
                "the newest batch wins whatever order outcomes arrive in",
                vec![
                    Action::BatchChosen { run: 1, batch: chosen("big") },
                    Action::BatchChosen { run: 2, batch: chosen("small") },
                    Action::Checked { run: 2, batch: checked("small", 1) },
                    Action::Checked { run: 1, batch: checked("big", 1) },
                ],
                (Some("small"), false),
            ),
            (
                "a cancelled check leaves the last batch shown",
                vec![
                    Action::BatchChosen { run: 1, batch: chosen("a") },
                    Action::Checked { run: 1, batch: checked("a", 1) },
                    Action::BatchChosen { run: 2, batch: chosen("b") },
                    Action::Progress { run: 2, bytes_checked: 5, records_checked: 1 },
                    Action::CancelCheck,
                    Action::Checked { run: 2, batch: checked("b", 1) },
                ],
                (Some("a"), false),
            ),
            (
                "a failure keeps the last batch",
                vec![
                    Action::BatchChosen { run: 1, batch: chosen("a") },
                    Action::Checked { run: 1, batch: checked("a", 1) },
                    Action::BatchChosen { run: 2, batch: chosen("b") },
                    Action::CheckFailed { run: 2, message: "gone".to_owned() },
                ],
                (Some("a"), false),
            ),
            (
                "reset forgets the batch",
                vec![
                    Action::BatchChosen { run: 1, batch: chosen("a") },
                    Action::Checked { run: 1, batch: checked("a", 1) },
                    Action::Reset,
                ],
                (None, false),
            ),
        ];
        for (name, actions, (expected_batch, expected_checking)) in cases {
            let state = apply(actions);
            assert_eq!(shown(&state), (expected_batch.map(str::to_owned), expected_checking), "{name}");
        }
    }

    #[test]
    fn progress_and_failures_of_the_current_run_are_shown() {
        let state = apply(vec![
            Action::BatchChosen { run: 1, batch: chosen("a") },
            Action::Progress { run: 1, bytes_checked: 4, records_checked: 2 },
        ]);
        assert_eq!(state.checking, Some(Checking { run: 1, batch: chosen("a"), bytes_checked: 4, records_checked: 2 }));
        let state = state.reduce(Action::CheckFailed { run: 1, message: "unreadable".to_owned() });
        assert_eq!(state.failure, Some(Failure { batch: chosen("a"), message: "unreadable".to_owned() }));
        assert_eq!(state.checking, None);
    }

    #[test]
    fn selection_filters_and_groups() {
        let state = apply(vec![
            Action::BatchChosen { run: 1, batch: chosen("a") },
            Action::Checked { run: 1, batch: checked("a", 3) },
            Action::SelectRecord(2),
            Action::FilterCode(Some("TS003".to_owned())),
            Action::ToggleGroup("MML022".to_owned()),
            Action::ToggleSeverity(None),
            Action::Sort(SortOrder::Time),
        ]);
        assert_eq!(state.selected, Some(2));
        assert_eq!(state.filters.code.as_deref(), Some("TS003"));
        assert!(state.filters.expanded_groups.contains("MML022"));
        assert!(!state.filters.severities.shows(None));
        assert_eq!(state.sort, SortOrder::Time);
        // A record past the batch cannot be selected; toggling a group twice closes it.
        let state = state.reduce(Action::SelectRecord(3)).reduce(Action::ToggleGroup("MML022".to_owned()));
        assert_eq!(state.selected, None);
        assert!(state.filters.expanded_groups.is_empty());
        // A new batch starts with no selection and no filters.
        let state = state
            .reduce(Action::SelectRecord(1))
            .reduce(Action::BatchChosen { run: 2, batch: chosen("b") })
            .reduce(Action::Checked { run: 2, batch: checked("b", 1) });
        assert_eq!((state.selected, state.filters.clone()), (None, Filters::default()));
        assert_eq!(state.sort, SortOrder::Time, "the order is the user's preference and stays");
    }

    #[test]
    fn a_batch_is_titled_by_its_files() {
        let cases: [(&[&str], &str); 4] = [
            (&[], "no file"),
            (&["a.json"], "a.json"),
            (&["a.json", "b.json"], "2 files (a.json and 1 more)"),
            (&["a.json", "b.json", "c.json"], "3 files (a.json and 2 more)"),
        ];
        for (names, expected) in cases {
            let names: Vec<String> = names.iter().map(|name| (*name).to_owned()).collect();
            assert_eq!(title_of(&names), expected);
        }
    }
}
