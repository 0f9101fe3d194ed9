//! What the list shows: the records that pass the filters, in the chosen order, with the many infos of one
//! rule (and the records without findings) folded into group rows.
//!
//! Errors and warnings are listed first, one row per record; then one group row per rule among the records
//! whose worst finding is an info ("MML022 · 3,412 records · show"), then one for the records without findings.
//! A group's records follow its row once the user opens it, or when it is all the list holds. So a batch of
//! 500,000 records with thousands of mentions still opens on its errors.
//!
//! Everything here is pure and computed from the batch, what happened to its records since the check
//! ([`Amendments`]: fixes re-checked, the pod's findings, records left out, fates in the journal), the filters
//! and the order: [`list_entries`] is O(n log n) in the records that pass, and [`FindingIndex`] (built once per
//! batch) gives each record's kept findings.
//!
//! Invariant: a record's severity, finding count and lead rule in the list are those of its current findings:
//! the re-check of its fixed text when it was fixed (instead of the check's), plus the pod's findings about it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::rc::Rc;

use ferry_core::{Diagnostic, Rule, Severity};

use crate::model::{CheckedBatch, RecordIndex, RecordRow, NONE};
use crate::services::api::{Fate, RecordState};

/// What happened to a batch's records after its check; the list reads records through it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Amendments {
    /// For each fixed record, the core's findings about its new text: they replace the check's.
    pub rechecked: BTreeMap<RecordIndex, Rc<Vec<Diagnostic>>>,
    /// Findings the server and the pod's pre-flight added about records, by record.
    pub added: BTreeMap<RecordIndex, Vec<Diagnostic>>,
    /// Records the user left out of the import.
    pub excluded: BTreeSet<RecordIndex>,
    /// Each record's fate in the journal, by the page's record index.
    pub fates: Rc<HashMap<RecordIndex, Fate>>,
}

impl Amendments {
    /// Groups `findings` (the server's, with the page's record numbers) by record; a finding about no record
    /// belongs to no row and is left out.
    pub fn group_added(findings: &[Diagnostic]) -> BTreeMap<RecordIndex, Vec<Diagnostic>> {
        let mut added: BTreeMap<RecordIndex, Vec<Diagnostic>> = BTreeMap::new();
        for finding in findings {
            if let Some(record) = finding.location.record {
                added.entry(record).or_default().push(finding.clone());
            }
        }
        added
    }

    /// Whether the amendments change any record's findings (when not, the check's rows are read as they are).
    fn changes_findings(&self) -> bool {
        !self.rechecked.is_empty() || !self.added.is_empty()
    }

    /// Record `record`'s current findings: the re-check of its fixed text or the check's kept findings, then
    /// the server's.
    pub fn findings<'a>(
        &'a self,
        batch: &'a CheckedBatch,
        index: &'a FindingIndex,
        record: RecordIndex,
    ) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        let rechecked = self.rechecked.get(&record);
        let checked = rechecked.is_none().then(|| index.of(batch, record)).into_iter().flatten();
        rechecked
            .into_iter()
            .flat_map(|findings| findings.iter())
            .chain(checked)
            .chain(self.added.get(&record).into_iter().flatten())
    }

    /// Record `record`'s row with its severity, count and lead rule following its current findings.
    pub fn row(&self, batch: &CheckedBatch, record: RecordIndex) -> Option<RecordRow> {
        let checked = *batch.rows.get(record)?;
        if !self.changes_findings() {
            return Some(checked);
        }
        let rechecked = self.rechecked.get(&record);
        let added = self.added.get(&record).map_or(&[][..], Vec::as_slice);
        if rechecked.is_none() && added.is_empty() {
            return Some(checked);
        }
        // The check counted every finding, kept or not; a re-check keeps all of its findings.
        let base_count = rechecked.map_or(checked.findings as usize, |findings| findings.len());
        let count = base_count.saturating_add(added.len());
        let mut worst = if rechecked.is_some() { None } else { checked.worst };
        let mut lead = if rechecked.is_some() { None } else { checked.lead };
        let current = rechecked.into_iter().flat_map(|findings| findings.iter()).chain(added);
        for finding in current {
            if worst.is_none_or(|worst| finding.severity > worst) {
                worst = Some(finding.severity);
                lead = Some(finding.rule);
            }
        }
        Some(RecordRow { worst, lead, findings: u32::try_from(count).unwrap_or(u32::MAX), ..checked })
    }

    /// Where record `record` stands: its fate in the journal, or excluded when the user left it out.
    pub fn state(&self, record: RecordIndex) -> Option<RecordState> {
        match self.fates.get(&record) {
            Some(fate) => Some(fate.state),
            None => self.excluded.contains(&record).then_some(RecordState::Excluded),
        }
    }
}

/// A half-open period of time, in milliseconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// First millisecond in the period.
    pub start_millis: i64,
    /// First millisecond after it.
    pub end_millis: i64,
}

impl Period {
    /// Whether `millis` is inside.
    pub fn contains(&self, millis: i64) -> bool {
        (self.start_millis..self.end_millis).contains(&millis)
    }
}

/// Which records the list shows, by the worst severity of their findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShownSeverities {
    /// Records with an error.
    pub errors: bool,
    /// Records whose worst finding is a warning.
    pub warnings: bool,
    /// Records whose worst finding is an info.
    pub infos: bool,
    /// Records without findings.
    pub clean: bool,
}

impl Default for ShownSeverities {
    fn default() -> Self {
        ShownSeverities { errors: true, warnings: true, infos: true, clean: true }
    }
}

impl ShownSeverities {
    /// The flag of records whose worst finding is `worst` (`None`: without findings).
    fn flag(&mut self, worst: Option<Severity>) -> &mut bool {
        match worst {
            Some(Severity::Error) => &mut self.errors,
            Some(Severity::Warning) => &mut self.warnings,
            Some(Severity::Info) => &mut self.infos,
            None => &mut self.clean,
        }
    }

    /// Whether records whose worst finding is `worst` are shown.
    pub fn shows(&self, worst: Option<Severity>) -> bool {
        *self.clone().flag(worst)
    }
}

/// The list's filters; the default shows every record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    /// By worst severity.
    pub severities: ShownSeverities,
    /// Only records with a finding of this rule code.
    pub code: Option<String>,
    /// Only records of this stream index.
    pub stream: Option<u32>,
    /// Only records of this sender index.
    pub sender: Option<u32>,
    /// Only records whose findings' messages, stream, sender or file name contain this text (any case).
    pub text: String,
    /// Only records dated in this period.
    pub period: Option<Period>,
    /// Only records in this state (their fate in the journal, or excluded by the user).
    pub fate: Option<RecordState>,
    /// The groups (by key, see [`Entry::Group`]) whose records are listed.
    pub expanded_groups: BTreeSet<String>,
}

impl Filters {
    /// Shows or hides records whose worst finding is `worst`.
    pub fn toggle_severity(&mut self, worst: Option<Severity>) {
        let flag = self.severities.flag(worst);
        *flag = !*flag;
    }

    /// Whether any filter narrows the list.
    pub fn narrows(&self) -> bool {
        let Filters { severities, code, stream, sender, text, period, fate, expanded_groups: _ } = self;
        *severities != ShownSeverities::default()
            || fate.is_some()
            || code.is_some()
            || stream.is_some()
            || sender.is_some()
            || !text.trim().is_empty()
            || period.is_some()
    }
}

/// The list's order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortOrder {
    /// Worst severity first, then by record number.
    #[default]
    Severity,
    /// By record number.
    RecordNumber,
    /// By timestamp (records without one last), then by record number.
    Time,
}

/// The key of the group of records without findings.
pub const CLEAN_GROUP: &str = "";

/// One row of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// One record.
    Record(RecordIndex),
    /// A group of records: those whose worst finding is an info of rule `key`, or those without findings
    /// (`key` is [`CLEAN_GROUP`]).
    Group {
        /// The rule's code, or [`CLEAN_GROUP`].
        key: String,
        /// Records in the group (after the filters).
        records: usize,
        /// Findings on those records.
        findings: usize,
        /// Whether its records are listed after it.
        expanded: bool,
    },
}

/// Each record's kept findings, found without scanning them all.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FindingIndex {
    /// For each record with kept findings, in ascending record order: the record and where its findings are
    /// in [`CheckedBatch::findings`] (a record's findings are contiguous, and records come in order). A sorted
    /// vector rather than a hash map: built in one pass, searched by bisection.
    by_record: Vec<(RecordIndex, Range<usize>)>,
}

impl FindingIndex {
    /// The index of `findings`.
    pub fn new(findings: &[Diagnostic]) -> Self {
        let mut by_record: Vec<(RecordIndex, Range<usize>)> = Vec::new();
        for (position, finding) in findings.iter().enumerate() {
            let Some(record) = finding.location.record else { continue };
            match by_record.last_mut() {
                Some((last, range)) if *last == record => range.end = position + 1,
                _ => by_record.push((record, position..position + 1)),
            }
        }
        // Findings out of record order (none are expected) would leave the vector unsorted: sort it then, and
        // give a record split in several places one range spanning them (`of` filters by record).
        if !by_record.is_sorted_by_key(|(record, _)| *record) {
            by_record.sort_by_key(|(record, range)| (*record, range.start));
            by_record.dedup_by(|later, earlier| {
                let same = later.0 == earlier.0;
                if same {
                    earlier.1.end = earlier.1.end.max(later.1.end);
                }
                same
            });
        }
        FindingIndex { by_record }
    }

    /// The kept findings of record `index`, in order.
    pub fn of<'batch>(
        &self,
        batch: &'batch CheckedBatch,
        index: RecordIndex,
    ) -> impl Iterator<Item = &'batch Diagnostic> {
        let range = match self.by_record.binary_search_by_key(&index, |(record, _)| *record) {
            Ok(found) => self.by_record[found].1.clone(),
            Err(_) => 0..0,
        };
        batch
            .findings
            .get(range)
            .unwrap_or_default()
            .iter()
            .filter(move |finding| finding.location.record == Some(index))
    }
}

/// The group a row belongs to, if any: `Some(None)` for the records without findings, `Some(Some(rule))` for
/// those whose worst finding is an info of `rule`.
fn group_of(row: &RecordRow) -> Option<Option<Rule>> {
    match row.worst {
        None => Some(None),
        Some(Severity::Info) => Some(row.lead),
        Some(_) => None,
    }
}

/// The key of a group, as [`Entry::Group`] names it.
fn group_key(group: Option<Rule>) -> String {
    group.map_or_else(|| CLEAN_GROUP.to_owned(), |rule| rule.code().to_owned())
}

/// `names[at]`, or `""` for [`NONE`] or an index past the end.
pub fn name_at(names: &[String], at: u32) -> &str {
    if at == NONE {
        return "";
    }
    names.get(at as usize).map_or("", String::as_str)
}

/// What [`list_entries`] reads: the batch, its finding index and what happened to its records since.
#[derive(Clone, Copy)]
pub struct Listed<'a> {
    /// The checked batch.
    pub batch: &'a CheckedBatch,
    /// Its finding index.
    pub index: &'a FindingIndex,
    /// What happened to its records.
    pub amendments: &'a Amendments,
}

impl<'a> Listed<'a> {
    /// Record `record`'s current row (see [`Amendments::row`]).
    pub fn row(&self, record: RecordIndex) -> Option<RecordRow> {
        self.amendments.row(self.batch, record)
    }

    /// Record `record`'s current findings (see [`Amendments::findings`]).
    pub fn findings(&self, record: RecordIndex) -> impl Iterator<Item = &'a Diagnostic> + 'a {
        self.amendments.findings(self.batch, self.index, record)
    }
}

/// Whether record `record`, whose current row is `row`, passes `filters`.
fn passes(listed: Listed<'_>, row: &RecordRow, filters: &Filters, lowered_text: &str, record: RecordIndex) -> bool {
    let batch = listed.batch;
    if !filters.severities.shows(row.worst) {
        return false;
    }
    if filters.stream.is_some_and(|stream| stream != row.stream)
        || filters.sender.is_some_and(|sender| sender != row.sender)
    {
        return false;
    }
    if let Some(period) = filters.period {
        if !row.timestamp.is_some_and(|millis| period.contains(millis)) {
            return false;
        }
    }
    if filters.fate.is_some() && listed.amendments.state(record) != filters.fate {
        return false;
    }
    if let Some(code) = &filters.code {
        let lead_matches = row.lead.is_some_and(|rule| rule.code() == code);
        if !lead_matches && !listed.findings(record).any(|finding| finding.code() == code) {
            return false;
        }
    }
    if !lowered_text.is_empty() {
        let contains = |text: &str| text.to_lowercase().contains(lowered_text);
        let fate = listed.amendments.fates.get(&record);
        let found = contains(name_at(&batch.streams, row.stream))
            || contains(name_at(&batch.senders, row.sender))
            || contains(name_at(&batch.file_names, row.file))
            || fate.is_some_and(|fate| {
                fate.message_id.as_deref().is_some_and(contains) || fate.diagnostic.as_deref().is_some_and(contains)
            })
            || listed.findings(record).any(|finding| contains(&finding.message) || contains(finding.code()));
        if !found {
            return false;
        }
    }
    true
}

/// A record listed, with its current row.
type ListedRecord = (RecordIndex, RecordRow);

/// Orders `records` (given with their current rows) by `sort`.
fn sort_records(records: &mut [ListedRecord], sort: SortOrder) {
    match sort {
        SortOrder::RecordNumber => {}
        SortOrder::Severity => {
            // Worst first: a reversed severity, records without findings last.
            records.sort_by_key(|&(record, row)| (std::cmp::Reverse(row.worst.map(|worst| worst as u8 + 1)), record));
        }
        SortOrder::Time => {
            records.sort_by_key(|&(record, row)| (row.timestamp.is_none(), row.timestamp, record));
        }
    }
}

/// The list's rows: records passing `filters` in `sort` order, with groups (see the module's documentation).
pub fn list_entries(listed: Listed<'_>, filters: &Filters, sort: SortOrder) -> Vec<Entry> {
    let lowered_text = filters.text.trim().to_lowercase();
    let mut shown: Vec<ListedRecord> = Vec::new();
    // Few groups (one per info rule, and the clean one): a linear search beats hashing every record.
    let mut groups: Vec<(Option<Rule>, Vec<ListedRecord>)> = Vec::new();
    let every_record_passes = !filters.narrows();
    for record in 0..listed.batch.rows.len() {
        let Some(row) = listed.row(record) else { continue };
        if !every_record_passes && !passes(listed, &row, filters, &lowered_text, record) {
            continue;
        }
        match group_of(&row) {
            None => shown.push((record, row)),
            Some(group) => match groups.iter_mut().find(|(key, _)| *key == group) {
                Some((_, records)) => records.push((record, row)),
                None => groups.push((group, vec![(record, row)])),
            },
        }
    }
    let mut groups: Vec<(String, Vec<ListedRecord>)> =
        groups.into_iter().map(|(group, records)| (group_key(group), records)).collect();
    sort_records(&mut shown, sort);
    // Infos of the most frequent rules first; the records without findings last.
    groups.sort_by_key(|(key, records)| (key == CLEAN_GROUP, std::cmp::Reverse(records.len()), key.clone()));
    let only_one_thing = shown.is_empty() && groups.len() == 1;
    let mut entries: Vec<Entry> = shown.into_iter().map(|(record, _)| Entry::Record(record)).collect();
    for (key, mut records) in groups {
        let expanded = only_one_thing || filters.expanded_groups.contains(&key);
        let findings = records.iter().map(|(_, row)| row.findings as usize).sum();
        entries.push(Entry::Group { key, records: records.len(), findings, expanded });
        if expanded {
            sort_records(&mut records, sort);
            entries.extend(records.into_iter().map(|(record, _)| Entry::Record(record)));
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::tests::fate;
    use ferry_core::{Plan, Summary, Target};

    /// A row's stream, sender, timestamp, and worst severity with its rule.
    type RowFacts = (u32, u32, Option<i64>, Option<(Severity, Rule)>);

    /// A batch of rows with one kept finding per row with a finding, its message `message <record>`.
    fn batch(rows: &[RowFacts]) -> CheckedBatch {
        let rows: Vec<RecordRow> = rows
            .iter()
            .map(|&(stream, sender, timestamp, worst)| RecordRow {
                stream,
                sender,
                timestamp,
                worst: worst.map(|(severity, _)| severity),
                findings: u32::from(worst.is_some()),
                lead: worst.map(|(_, rule)| rule),
                ..RecordRow::EMPTY
            })
            .collect();
        let findings = rows
            .iter()
            .enumerate()
            .filter_map(|(record, row)| {
                let mut finding = Diagnostic::new(row.lead?, format!("message {record}")).with_severity(row.worst?);
                finding.location.record = Some(record);
                Some(finding)
            })
            .collect::<Vec<_>>();
        CheckedBatch {
            files: Vec::new(),
            file_names: vec!["export.json".to_owned()],
            positions: vec![None; findings.len()],
            rows,
            streams: vec!["Room=A".to_owned(), "roomB".to_owned()],
            senders: vec!["1001".to_owned(), "1002".to_owned()],
            findings,
            summary: Summary::default(),
            plan: Plan::default(),
            target: Target::Symphony,
            now_millis: 0,
            teams_directory: None,
        }
    }

    const ERROR: Option<(Severity, Rule)> = Some((Severity::Error, Rule::MalformedJson));
    const WARNING: Option<(Severity, Rule)> = Some((Severity::Warning, Rule::TimestampInSeconds));
    const MENTION: Option<(Severity, Rule)> = Some((Severity::Info, Rule::MalformedJson));

    fn example() -> CheckedBatch {
        batch(&[
            (0, 0, Some(3_000), None),
            (1, 1, Some(1_000), MENTION),
            (0, 1, Some(2_000), WARNING),
            (1, 0, None, ERROR),
            (0, 0, Some(500), MENTION),
            (1, 1, Some(4_000), ERROR),
        ])
    }

    /// Entries as short strings: record numbers as `#index`, groups as `key:records[+]`.
    fn shown(entries: &[Entry]) -> Vec<String> {
        entries
            .iter()
            .map(|entry| match entry {
                Entry::Record(index) => format!("#{index}"),
                Entry::Group { key, records, expanded, .. } => {
                    format!("{key}:{records}{}", if *expanded { "+" } else { "" })
                }
            })
            .collect()
    }

    #[test]
    fn filters_sorts_and_groups() {
        let batch = example();
        let index = FindingIndex::new(&batch.findings);
        let with = |change: fn(&mut Filters)| {
            let mut filters = Filters::default();
            change(&mut filters);
            filters
        };
        let info_code = Rule::MalformedJson.code();
        // (case, filters, order, expected)
        let cases: Vec<(&str, Filters, SortOrder, Vec<String>)> = vec![
            (
                "errors and warnings first, then groups",
                Filters::default(),
                SortOrder::Severity,
                vec!["#3", "#5", "#2", &format!("{info_code}:2"), ":1"].into_iter().map(String::from).collect(),
            ),
            (
                "by record number",
                Filters::default(),
                SortOrder::RecordNumber,
                vec!["#2", "#3", "#5", &format!("{info_code}:2"), ":1"].into_iter().map(String::from).collect(),
            ),
            (
                "by time, undated last",
                Filters::default(),
                SortOrder::Time,
                vec!["#2", "#5", "#3", &format!("{info_code}:2"), ":1"].into_iter().map(String::from).collect(),
            ),
            (
                "an opened group lists its records",
                with(|filters| {
                    filters.expanded_groups.insert(CLEAN_GROUP.to_owned());
                }),
                SortOrder::Severity,
                vec!["#3", "#5", "#2", &format!("{info_code}:2"), ":1+", "#0"].into_iter().map(String::from).collect(),
            ),
            (
                "a lone group is open",
                with(|filters| {
                    filters.severities = ShownSeverities { errors: false, warnings: false, infos: true, clean: false }
                }),
                SortOrder::Time,
                vec![format!("{info_code}:2+"), "#4".to_owned(), "#1".to_owned()],
            ),
            (
                "stream",
                with(|filters| filters.stream = Some(1)),
                SortOrder::RecordNumber,
                vec!["#3", "#5", &format!("{info_code}:1")].into_iter().map(String::from).collect(),
            ),
            (
                "sender",
                with(|filters| filters.sender = Some(0)),
                SortOrder::RecordNumber,
                vec!["#3", &format!("{info_code}:1"), ":1"].into_iter().map(String::from).collect(),
            ),
            (
                "period",
                with(|filters| filters.period = Some(Period { start_millis: 1_000, end_millis: 3_000 })),
                SortOrder::RecordNumber,
                vec!["#2", &format!("{info_code}:1")].into_iter().map(String::from).collect(),
            ),
            (
                "code",
                with(|filters| filters.code = Some(Rule::TimestampInSeconds.code().to_owned())),
                SortOrder::RecordNumber,
                vec!["#2".to_owned()],
            ),
            (
                "text in a finding's message",
                with(|filters| filters.text = " MESSAGE 5 ".to_owned()),
                SortOrder::RecordNumber,
                vec!["#5".to_owned()],
            ),
            (
                "text in a stream",
                with(|filters| filters.text = "room=a".to_owned()),
                SortOrder::RecordNumber,
                vec!["#2", &format!("{info_code}:1"), ":1"].into_iter().map(String::from).collect(),
            ),
            (
                "text in a file name matches all",
                with(|filters| filters.text = "export".to_owned()),
                SortOrder::RecordNumber,
                vec!["#2", "#3", "#5", &format!("{info_code}:2"), ":1"].into_iter().map(String::from).collect(),
            ),
            ("nothing", with(|filters| filters.text = "absent".to_owned()), SortOrder::RecordNumber, vec![]),
        ];
        let amendments = Amendments::default();
        let listed = Listed { batch: &batch, index: &index, amendments: &amendments };
        for (name, filters, sort, expected) in cases {
            assert_eq!(shown(&list_entries(listed, &filters, sort)), expected, "{name}");
        }
    }

    #[test]
    fn fixes_the_pods_findings_exclusions_and_fates_change_the_list() {
        let batch = example();
        let index = FindingIndex::new(&batch.findings);
        let finding = |rule: Rule, severity: Severity, record: RecordIndex, message: &str| {
            let mut finding = Diagnostic::new(rule, message).with_severity(severity);
            finding.location.record = Some(record);
            finding
        };
        let imported = Fate { message_id: Some("msg-5".to_owned()), ..fate("x", 5, RecordState::Imported) };
        let amendments = Amendments {
            // Record 3's error was fixed away; record 5's fix left a warning.
            rechecked: [
                (3, Rc::new(Vec::new())),
                (5, Rc::new(vec![finding(Rule::TimestampInSeconds, Severity::Warning, 5, "seconds")])),
            ]
            .into_iter()
            .collect(),
            // The pod refused record 0, which the check found clean.
            added: Amendments::group_added(&[
                finding(Rule::MalformedJson, Severity::Error, 0, "the pod says no"),
                finding(Rule::MalformedJson, Severity::Error, 99, "past the batch"),
            ]),
            excluded: [2].into_iter().collect(),
            fates: Rc::new([(5, imported)].into_iter().collect()),
        };
        let listed = Listed { batch: &batch, index: &index, amendments: &amendments };
        let row = |record| listed.row(record).map(|row| (row.worst, row.findings, row.lead));
        // (case, record, expected (worst, findings, lead))
        let rows = [
            ("untouched", 2, Some((Some(Severity::Warning), 1, Some(Rule::TimestampInSeconds)))),
            ("fixed clean", 3, Some((None, 0, None))),
            ("fixed to a warning", 5, Some((Some(Severity::Warning), 1, Some(Rule::TimestampInSeconds)))),
            ("the pod's error joins", 0, Some((Some(Severity::Error), 1, Some(Rule::MalformedJson)))),
            ("past the batch", 99, None),
        ];
        for (name, record, expected) in rows {
            assert_eq!(row(record), expected, "{name}");
        }
        let pods: Vec<&str> = listed.findings(0).map(|finding| finding.message.as_str()).collect();
        assert_eq!(pods, ["the pod says no"]);
        let with = |change: fn(&mut Filters)| {
            let mut filters = Filters::default();
            change(&mut filters);
            filters
        };
        let info_code = Rule::MalformedJson.code();
        // (case, filters, expected)
        let cases: Vec<(&str, Filters, Vec<String>)> = vec![
            (
                "worst first follows the current findings",
                Filters::default(),
                vec!["#0", "#2", "#5", &format!("{info_code}:2"), ":1"].into_iter().map(String::from).collect(),
            ),
            (
                "errors only",
                with(|filters| {
                    filters.severities = ShownSeverities { errors: true, warnings: false, infos: false, clean: false }
                }),
                vec!["#0".to_owned()],
            ),
            ("excluded by the user", with(|filters| filters.fate = Some(RecordState::Excluded)), vec!["#2".to_owned()]),
            ("imported", with(|filters| filters.fate = Some(RecordState::Imported)), vec!["#5".to_owned()]),
            ("rejected", with(|filters| filters.fate = Some(RecordState::Rejected)), vec![]),
            ("a message id", with(|filters| filters.text = "MSG-5".to_owned()), vec!["#5".to_owned()]),
            ("a pod's message", with(|filters| filters.text = "pod says".to_owned()), vec!["#0".to_owned()]),
        ];
        for (name, filters, expected) in cases {
            assert_eq!(shown(&list_entries(listed, &filters, SortOrder::Severity)), expected, "{name}");
        }
        let by_code = Filters { code: Some(info_code.to_owned()), ..Filters::default() };
        let records: Vec<String> = shown(&list_entries(listed, &by_code, SortOrder::RecordNumber));
        assert_eq!(records, ["#0".to_owned(), format!("{info_code}:2")], "the pod's finding is found by its code");
    }

    #[test]
    fn severities_toggle_and_narrow() {
        let mut filters = Filters::default();
        assert!(!filters.narrows());
        filters.toggle_severity(Some(Severity::Warning));
        assert!(!filters.severities.shows(Some(Severity::Warning)));
        assert!(filters.severities.shows(None));
        assert!(filters.narrows());
        filters.toggle_severity(Some(Severity::Warning));
        assert!(!filters.narrows());
    }

    #[test]
    fn a_records_findings_are_found_by_index() {
        let batch = example();
        let index = FindingIndex::new(&batch.findings);
        let messages: Vec<&str> = index.of(&batch, 5).map(|finding| finding.message.as_str()).collect();
        assert_eq!(messages, ["message 5"]);
        assert_eq!(index.of(&batch, 0).count(), 0);
        assert_eq!(index.of(&batch, 99).count(), 0);
    }
}
