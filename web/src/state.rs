//! The app's state: one [`Reducible`] changed only through [`Action`]s.
//!
//! Invariant: a result is shown only for the file most recently chosen. Each chosen file gets a run number;
//! an outcome carrying an older number arrives after the user moved on and is dropped, so a slow check of a
//! big file can never overwrite the report of a small one dropped after it.

use std::rc::Rc;

use ferry_core::{Report, Severity, Summary};

use crate::validation::{CheckedBatch, Position};
use yew::Reducible;

/// Identifies one check of one file; increases with every file chosen.
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
        match self.file_names.as_slice() {
            [] => "no file".to_owned(),
            [only] => only.clone(),
            [first, rest @ ..] => format!("{} files ({first} and {} more)", rest.len() + 1, rest.len()),
        }
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

/// A finished check of a batch.
#[derive(Debug, PartialEq)]
pub struct CheckedFile {
    /// What was checked.
    pub batch: ChosenBatch,
    /// The core's report; its summary counts every finding, its list may hold only the first ones.
    pub report: Report,
    /// Where each listed finding starts in its file (same order as `report.diagnostics`).
    pub positions: Vec<Option<Position>>,
}

/// Where the app is.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Phase {
    /// Nothing chosen yet.
    #[default]
    Idle,
    /// A batch is being read and checked.
    Checking {
        /// The batch.
        batch: ChosenBatch,
        /// Bytes read and checked so far.
        bytes_checked: u64,
    },
    /// The last chosen file was checked.
    Checked(Rc<CheckedFile>),
    /// A file of the last chosen batch could not be read.
    Failed {
        /// The batch.
        batch: ChosenBatch,
        /// Why, in words for the user.
        message: String,
    },
}

/// Everything the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct AppState {
    /// Where the app is.
    pub phase: Phase,
    /// The run of the file most recently chosen; outcomes of other runs are stale.
    pub current_run: RunId,
    /// Which severities the diagnostics list shows.
    pub shown_severities: ShownSeverities,
}

impl Default for AppState {
    fn default() -> Self {
        AppState { phase: Phase::Idle, current_run: 0, shown_severities: ShownSeverities::ALL }
    }
}

/// Which severities the diagnostics list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShownSeverities {
    errors: bool,
    warnings: bool,
    infos: bool,
}

impl ShownSeverities {
    /// Every severity shown.
    pub const ALL: ShownSeverities = ShownSeverities { errors: true, warnings: true, infos: true };

    /// Whether findings of `severity` are shown.
    pub fn shows(&self, severity: Severity) -> bool {
        match severity {
            Severity::Error => self.errors,
            Severity::Warning => self.warnings,
            Severity::Info => self.infos,
        }
    }

    /// Shows `severity` when hidden, hides it when shown.
    fn toggle(&mut self, severity: Severity) {
        let shown = match severity {
            Severity::Error => &mut self.errors,
            Severity::Warning => &mut self.warnings,
            Severity::Info => &mut self.infos,
        };
        *shown = !*shown;
    }
}

/// Everything that can happen to the state.
#[derive(Debug)]
pub enum Action {
    /// The user chose one or more files forming a batch; its check is run number `run`.
    BatchChosen {
        /// The run number, larger than every earlier one.
        run: RunId,
        /// The chosen files.
        batch: ChosenBatch,
    },
    /// The check of run `run` has read `bytes_checked` bytes.
    Progress {
        /// Which run progressed.
        run: RunId,
        /// Bytes read and checked so far.
        bytes_checked: u64,
    },
    /// The check of run `run` finished.
    Checked {
        /// Which run finished.
        run: RunId,
        /// Its report and the positions of its findings.
        checked: CheckedBatch,
    },
    /// The file of run `run` could not be read.
    ReadFailed {
        /// Which run failed.
        run: RunId,
        /// Why, in words for the user.
        message: String,
    },
    /// Show or hide findings of one severity.
    ToggleSeverity(Severity),
    /// Forget the file and go back to the drop zone.
    Reset,
}

impl AppState {
    /// The batch being checked, when its run is `run`; `None` when `run` is stale or nothing is being checked.
    fn checking(&self, run: RunId) -> Option<&ChosenBatch> {
        match &self.phase {
            Phase::Checking { batch, .. } if run == self.current_run => Some(batch),
            _ => None,
        }
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::BatchChosen { run, batch } => {
                next.current_run = run.max(self.current_run);
                next.phase = Phase::Checking { batch, bytes_checked: 0 };
            }
            Action::Progress { run, bytes_checked } => {
                let Some(batch) = self.checking(run) else { return self };
                next.phase = Phase::Checking { batch: batch.clone(), bytes_checked };
            }
            Action::Checked { run, checked } => {
                let Some(batch) = self.checking(run) else { return self };
                let CheckedBatch { report, positions } = checked;
                next.phase = Phase::Checked(Rc::new(CheckedFile { batch: batch.clone(), report, positions }));
            }
            Action::ReadFailed { run, message } => {
                let Some(batch) = self.checking(run) else { return self };
                next.phase = Phase::Failed { batch: batch.clone(), message };
            }
            Action::ToggleSeverity(severity) => next.shown_severities.toggle(severity),
            Action::Reset => next.phase = Phase::Idle,
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::{Diagnostic, Rule};

    fn file(name: &str) -> ChosenBatch {
        ChosenBatch { file_names: vec![name.to_owned()], size_bytes: 10 }
    }

    fn report(severities: &[Severity]) -> CheckedBatch {
        let diagnostics: Vec<Diagnostic> = severities
            .iter()
            .map(|&severity| Diagnostic::new(Rule::MalformedJson, "finding").with_severity(severity))
            .collect();
        let count = |wanted: Severity| severities.iter().filter(|&&severity| severity == wanted).count();
        let summary = Summary {
            records: 3,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            infos: count(Severity::Info),
            ..Summary::default()
        };
        let positions = vec![None; diagnostics.len()];
        CheckedBatch { report: Report { records: 3, diagnostics, summary, ..Report::default() }, positions }
    }

    fn apply(actions: Vec<Action>) -> Rc<AppState> {
        actions.into_iter().fold(Rc::new(AppState::default()), |state, action| state.reduce(action))
    }

    #[test]
    fn phases_follow_the_actions() {
        let checked = |state: &AppState| match &state.phase {
            Phase::Checked(checked) => Some((checked.batch.title(), checked.report.summary.errors)),
            _ => None,
        };
        /// The file shown and its error count, when a check is shown.
        type Shown = Option<(String, usize)>;
        // (case, actions, what is shown, whether a check is still running)
        let cases: Vec<(&str, Vec<Action>, Shown, bool)> = vec![
            ("nothing chosen", vec![], None, false),
            (
                "one file checked",
                vec![
                    Action::BatchChosen { run: 1, batch: file("a.json") },
                    Action::Checked { run: 1, checked: report(&[Severity::Error]) },
                ],
                Some(("a.json".to_owned(), 1)),
                false,
            ),
            (
                "a stale outcome is dropped",
                vec![
                    Action::BatchChosen { run: 1, batch: file("big.json") },
                    Action::BatchChosen { run: 2, batch: file("small.json") },
                    Action::Checked { run: 1, checked: report(&[Severity::Error]) },
                ],
                None,
                true,
            ),
            (
                "the newest file wins whatever order outcomes arrive in",
                vec![
                    Action::BatchChosen { run: 1, batch: file("big.json") },
                    Action::BatchChosen { run: 2, batch: file("small.json") },
                    Action::Checked { run: 2, checked: report(&[]) },
                    Action::Checked { run: 1, checked: report(&[Severity::Error]) },
                ],
                Some(("small.json".to_owned(), 0)),
                false,
            ),
            (
                "progress of a stale run is dropped",
                vec![
                    Action::BatchChosen { run: 1, batch: file("a.json") },
                    Action::BatchChosen { run: 2, batch: file("b.json") },
                    Action::Progress { run: 1, bytes_checked: 5 },
                    Action::Checked { run: 2, checked: report(&[]) },
                ],
                Some(("b.json".to_owned(), 0)),
                false,
            ),
            (
                "a stale read failure is dropped",
                vec![
                    Action::BatchChosen { run: 1, batch: file("a.json") },
                    Action::BatchChosen { run: 2, batch: file("b.json") },
                    Action::ReadFailed { run: 1, message: "gone".to_owned() },
                ],
                None,
                true,
            ),
            (
                "reset forgets the report",
                vec![
                    Action::BatchChosen { run: 1, batch: file("a.json") },
                    Action::Checked { run: 1, checked: report(&[]) },
                    Action::Reset,
                ],
                None,
                false,
            ),
        ];
        for (name, actions, expected_checked, expected_still_checking) in cases {
            let state = apply(actions);
            assert_eq!(checked(&state), expected_checked, "{name}");
            assert_eq!(matches!(state.phase, Phase::Checking { .. }), expected_still_checking, "{name}");
        }
    }

    #[test]
    fn a_batch_is_titled_by_its_files() {
        let batch = |names: &[&str]| ChosenBatch { file_names: names.iter().map(|name| (*name).to_owned()).collect(), size_bytes: 0 };
        let cases: [(&[&str], &str); 4] = [
            (&[], "no file"),
            (&["a.json"], "a.json"),
            (&["a.json", "b.json"], "2 files (a.json and 1 more)"),
            (&["a.json", "b.json", "c.json"], "3 files (a.json and 2 more)"),
        ];
        for (names, expected) in cases {
            assert_eq!(batch(names).title(), expected);
        }
    }

    #[test]
    fn progress_of_the_current_run_is_shown() {
        let state = apply(vec![
            Action::BatchChosen { run: 1, batch: file("a.json") },
            Action::Progress { run: 1, bytes_checked: 4 },
        ]);
        assert_eq!(state.phase, Phase::Checking { batch: file("a.json"), bytes_checked: 4 });
    }

    #[test]
    fn severity_counts_come_from_the_summary() {
        let summary = report(&[Severity::Warning, Severity::Error, Severity::Info, Severity::Warning]).report.summary;
        let counts: Vec<usize> =
            [Severity::Error, Severity::Warning, Severity::Info].map(|severity| severity_count(&summary, severity)).to_vec();
        assert_eq!(counts, vec![1, 2, 1]);
    }

    #[test]
    fn read_failure_of_the_current_file_is_shown() {
        let state = apply(vec![
            Action::BatchChosen { run: 1, batch: file("a.json") },
            Action::ReadFailed { run: 1, message: "unreadable".to_owned() },
        ]);
        assert_eq!(state.phase, Phase::Failed { batch: file("a.json"), message: "unreadable".to_owned() });
    }

    #[test]
    fn severities_toggle_independently() {
        let state = apply(vec![Action::ToggleSeverity(Severity::Warning)]);
        let shown = state.shown_severities;
        assert!(shown.shows(Severity::Error));
        assert!(!shown.shows(Severity::Warning));
        assert!(shown.shows(Severity::Info));
        let state = state.reduce(Action::ToggleSeverity(Severity::Warning));
        assert_eq!(state.shown_severities, ShownSeverities::ALL);
    }
}
