//! The streaming batch reader: frames records out of byte chunks and hands each one to the record checks.
//!
//! A batch is one or more files; each file is a JSON array of records or a stream of JSON objects (NDJSON, or
//! objects separated by any whitespace), UTF-8, with an optional byte-order mark. Files arrive in chunks of any
//! size ([`Validator::push`]); a small state machine finds where each record starts and ends (tracking strings,
//! escapes and bracket depth, nothing else), and the record is parsed and checked as soon as its last byte
//! arrives.
//!
//! Invariants:
//! - Memory holds the record in hand only: bytes of a record that spans chunks are buffered until it ends,
//!   and a record longer than [`Options::max_record_bytes`] is not buffered at all (it is reported and
//!   skipped).
//! - Source spans are byte offsets in the file as given (a byte-order mark counts), 0-based.
//! - The first malformed place in a file ends the reading of that file with one [`Rule::MalformedJson`]
//!   diagnostic; every record before it has been checked.
//! - Checking is split in two: [`check_record_text`] checks a framed record on its own (pure, so it can run
//!   ahead or on another thread), and [`Validator::take_record`] takes the outcome in, in batch order, with the
//!   findings about files; a file stopped at malformed JSON drops what comes after it at that point.
//! - With [`Validator::keep_records`] on, every record the validator counts (each index of
//!   [`Location::record`], from 0 across files) is also kept as a [`RecordText`] until drained with
//!   [`Validator::drain_records`], in batch order, exactly once. Off (the default), the only cost is one test
//!   of a `bool` per record.

use crate::diagnostic::{Diagnostic, Location, Span};
use crate::json::{self, ParseErrorKind};
use crate::planner::{self, RecordFacts};
use crate::record::{BatchState, CheckedRecord, RecordChecker};
use crate::registry::Rule;
use crate::{Options, Report, Summary};

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// A record buffer larger than this is freed after use rather than kept for the next record.
const MAX_RETAINED_BUFFER_BYTES: usize = 1024 * 1024;

/// Checks a batch fed in chunks, one file after another. [`Validator::new`] checks each record as soon as it is
/// framed; with the `parallel` feature, `Validator::parallel` checks them in batches on several threads, with
/// the same report.
///
/// ```
/// use ferry_core::{Options, Target, Validator};
/// let mut validator = Validator::new(Options::new(Target::Symphony, 1_700_000_000_000));
/// validator.begin_file("part-1.ndjson");
/// validator.push(br#"{"message": "<messageML>hi</messageML>", "#);
/// validator.push(br#""intendedMessageTimestamp": 1600000000000}"#);
/// validator.end_file();
/// let report = validator.finish();
/// assert_eq!(report.records, 1);
/// ```
#[derive(Debug)]
pub struct Validator {
    options: Options,
    batch: BatchState,
    file: Option<FileReader>,
    file_names: Vec<String>,
    diagnostics: Vec<Diagnostic>,
    summary: Summary,
    /// Whether records' texts are kept for [`Validator::drain_records`].
    keep_records: bool,
    /// Records' texts not yet drained, in batch order.
    records: Vec<RecordText>,
    /// The file whose reading stopped at malformed JSON: what comes after in it is dropped. Framing stops
    /// there too when records are checked as they are framed; when they are checked in batches, the framing
    /// runs ahead and this is where its findings are dropped.
    stopped_file: Option<usize>,
    /// Records framed but not yet checked, when they are checked in batches on several threads.
    #[cfg(feature = "parallel")]
    pending: Option<crate::parallel::PendingRecords>,
}

/// One record of the batch as it appears in its file, handed over by [`Validator::drain_records`].
///
/// Every record the validator counts comes out once, those with errors included. A record longer than
/// [`Options::max_record_bytes`] (reported as [`Rule::RecordTooLarge`]) was never held in memory: it comes
/// out with an empty `text`, and a `source` that runs to the separator after it (in an array, whitespace
/// before the `,` or `]` included); a caller treats it as excluded (it has an error, so it is not planned).
/// Malformed JSON is not a record (the file stops there) and does not come out, nor does a record cut short
/// by the end of its file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordText {
    /// Which input file, 0-based, as in [`Location::file`].
    pub file: usize,
    /// Which record of the batch, 0-based and counted across files, as in [`Location::record`].
    pub record: usize,
    /// The record's bytes in its file (0-based, half-open; a byte-order mark counts), without the
    /// whitespace and `,` around it (but see above for an oversized record).
    pub source: Span,
    /// The record's JSON exactly as in the file (`source`'s bytes); empty for an oversized record.
    pub text: Vec<u8>,
}

/// Where the framing state machine is inside the current file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Before the first byte that is not whitespace (and before the byte-order mark check).
    Start,
    /// Inside the top-level array, before an element.
    ArrayBeforeElement,
    /// Inside an element of the top-level array.
    ArrayElement,
    /// After the closing `]`: only whitespace may follow.
    ArrayClosed,
    /// Between records of an object stream.
    StreamBetweenRecords,
    /// Inside a record of an object stream.
    StreamRecord,
    /// The file was found malformed; the rest is ignored.
    Stopped,
}

#[derive(Debug)]
struct FileReader {
    index: usize,
    /// File offset of the next byte to arrive.
    offset: usize,
    /// The first bytes, held until it is known whether they are a byte-order mark.
    head: Vec<u8>,
    head_checked: bool,
    phase: Phase,
    /// The array had a `,` after its last element (so the next element must exist).
    after_comma: bool,
    /// File offset where the current record starts.
    record_start: usize,
    /// Bytes of the current record that arrived in earlier chunks.
    pending: Vec<u8>,
    /// The current record is longer than allowed and is being skipped.
    oversized: bool,
    /// Bracket depth inside the current record, outside strings.
    depth: u32,
    in_string: bool,
    /// The previous byte was a backslash inside a string.
    escaped: bool,
}

impl FileReader {
    fn new(index: usize) -> Self {
        FileReader {
            index,
            offset: 0,
            head: Vec::with_capacity(BYTE_ORDER_MARK.len()),
            head_checked: false,
            phase: Phase::Start,
            after_comma: false,
            record_start: 0,
            pending: Vec::new(),
            oversized: false,
            depth: 0,
            in_string: false,
            escaped: false,
        }
    }

    fn in_record(&self) -> bool {
        matches!(self.phase, Phase::ArrayElement | Phase::StreamRecord)
    }

    fn start_record(&mut self, at: usize, phase: Phase) {
        self.phase = phase;
        self.record_start = at;
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        self.oversized = false;
        self.pending.clear();
    }
}

/// How an element of the framing ended.
enum Boundary {
    /// The element ended before this byte (a `,` or `]` of the array), which is not part of it.
    Before(usize),
    /// The element ended with this byte (the `}` closing a streamed object), which is part of it.
    After(usize),
}

impl Validator {
    /// A validator for one batch.
    pub fn new(options: Options) -> Self {
        Validator {
            batch: BatchState::default(),
            options,
            file: None,
            file_names: Vec::new(),
            diagnostics: Vec::new(),
            summary: Summary::default(),
            keep_records: false,
            records: Vec::new(),
            stopped_file: None,
            #[cfg(feature = "parallel")]
            pending: None,
        }
    }

    /// Whether to keep each record's text for [`Validator::drain_records`] (off by default). Records read
    /// while it is off are not kept. Kept texts stay in memory until drained: drain after each
    /// [`push`](Validator::push) to hold one chunk's worth at a time.
    pub fn keep_records(&mut self, keep: bool) {
        self.check_pending();
        self.keep_records = keep;
    }

    /// Takes the records read since the last call, in batch order (see [`RecordText`]). A file's last record
    /// may only be complete once the file ends: drain after [`end_file`](Validator::end_file), before
    /// [`finish`](Validator::finish), which drops what was not drained.
    pub fn drain_records(&mut self) -> Vec<RecordText> {
        std::mem::take(&mut self.records)
    }

    /// Makes the validator check records in batches (see [`crate::parallel`]).
    #[cfg(feature = "parallel")]
    pub(crate) fn set_pending(&mut self, pending: crate::parallel::PendingRecords) {
        self.pending = Some(pending);
    }

    /// The options of the run.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Starts the next file of the batch; ends the current one first if it was not ended.
    pub fn begin_file(&mut self, name: &str) {
        if self.file.is_some() {
            self.end_file();
        }
        self.file_names.push(name.to_owned());
        self.summary.files += 1;
        self.file = Some(FileReader::new(self.file_names.len() - 1));
    }

    /// Names of the files begun so far, by file index.
    pub fn file_names(&self) -> &[String] {
        &self.file_names
    }

    /// Feeds the next bytes of the current file (starting a file named `input` if none was begun).
    pub fn push(&mut self, chunk: &[u8]) {
        if self.file.is_none() {
            self.begin_file("input");
        }
        self.summary.bytes += chunk.len() as u64;
        let Some(mut file) = self.file.take() else { return };
        let mut rest = chunk;
        if !file.head_checked {
            let wanted = BYTE_ORDER_MARK.len() - file.head.len();
            let taken = wanted.min(rest.len());
            file.head.extend_from_slice(&rest[..taken]);
            rest = &rest[taken..];
            if file.head.len() == BYTE_ORDER_MARK.len() {
                self.release_head(&mut file);
            }
        }
        if !rest.is_empty() {
            self.feed(&mut file, rest);
        }
        self.file = Some(file);
        #[cfg(feature = "parallel")]
        if let Some(mut pending) = self.pending.take() {
            if pending.is_full() {
                pending.check_in_background(self);
            }
            self.pending = Some(pending);
        }
    }

    /// Decides whether the held first bytes are a byte-order mark, and feeds them if they are not.
    fn release_head(&mut self, file: &mut FileReader) {
        file.head_checked = true;
        let head = std::mem::take(&mut file.head);
        if head == BYTE_ORDER_MARK {
            file.offset = head.len();
        } else if !head.is_empty() {
            self.feed(file, &head);
        }
    }

    /// Ends the current file: reports a truncated record or array, and an empty file.
    pub fn end_file(&mut self) {
        let Some(mut file) = self.file.take() else { return };
        if !file.head_checked {
            self.release_head(&mut file);
        }
        match file.phase {
            Phase::Start => {
                self.file_diagnostic(
                    &file,
                    Diagnostic::new(Rule::EmptyInput, "the file holds no record: it is empty or only whitespace")
                        .with_help("give a JSON array of records, or one JSON object per line"),
                    Span::new(file.offset, file.offset),
                );
            }
            Phase::ArrayBeforeElement | Phase::ArrayElement => {
                if file.phase == Phase::ArrayElement && !file.oversized {
                    // A complete last element without the closing `]` is still checked.
                    self.check_last_element(&mut file);
                }
                // Not reported when the element itself was malformed JSON: that stopped the file.
                self.report_truncated(&file, "the file ends before the array is closed with `]`");
            }
            Phase::StreamRecord => {
                if !file.oversized {
                    self.check_last_element(&mut file);
                }
                self.report_truncated(&file, "the file ends inside a record");
            }
            Phase::ArrayClosed | Phase::StreamBetweenRecords | Phase::Stopped => {}
        }
        self.check_pending();
    }

    /// At the end of a file inside an element: checks the element as it is, unless it is only whitespace.
    fn check_last_element(&mut self, file: &mut FileReader) {
        let pending = std::mem::take(&mut file.pending);
        if !pending.iter().all(u8::is_ascii_whitespace) {
            self.check_record(file, &pending, file.record_start);
        }
    }

    /// Checks the records framed but not yet checked (when they are checked in batches) and takes in their
    /// findings, in batch order.
    fn check_pending(&mut self) {
        #[cfg(feature = "parallel")]
        if let Some(mut pending) = self.pending.take() {
            pending.check_all(self);
            self.pending = Some(pending);
        }
    }

    fn report_truncated(&mut self, file: &FileReader, message: &str) {
        self.file_diagnostic(
            file,
            Diagnostic::new(Rule::MalformedJson, message)
                .with_help("the file is probably truncated: check that the export or the copy finished"),
            Span::new(file.offset, file.offset),
        );
    }

    /// Takes the diagnostics found so far, for progress reporting; they are then not in the final report
    /// (the summary still counts them). With the Teams target, a `TEAMS001` finding whose fix depends on the
    /// conversation's next record is held back, with every finding after it, until that record comes (or
    /// `finish`).
    pub fn drain_diagnostics(&mut self) -> Vec<Diagnostic> {
        let settled = match self.batch.teams.earliest_open() {
            Some(first) => first.saturating_sub(self.batch.drained_diagnostics).min(self.diagnostics.len()),
            None => self.diagnostics.len(),
        };
        let drained: Vec<Diagnostic> = self.diagnostics.drain(..settled).collect();
        self.batch.drained_diagnostics += drained.len();
        drained
    }

    /// The summary so far (every count is up to date after each `push`, for progress reporting).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// What the planner knows of every record read so far, indexed by record.
    pub fn record_facts(&self) -> &[RecordFacts] {
        self.batch.facts()
    }

    /// Ends the run: ends the current file and plans the records without errors.
    pub fn finish(mut self) -> Report {
        self.end_file();
        self.check_pending();
        let plan = planner::plan(self.batch.facts(), &self.options, |_, _| true);
        Report { records: self.summary.records, diagnostics: self.diagnostics, summary: self.summary, plan }
    }

    fn file_diagnostic(&mut self, file: &FileReader, diagnostic: Diagnostic, source: Span) {
        self.file_finding(located_in_file(diagnostic, file.index, source), false);
    }

    /// Takes in a finding about a file (not a record), in batch order; `stops` when it ends the reading of the
    /// file. Dropped when the file had already stopped.
    pub(crate) fn file_finding(&mut self, diagnostic: Diagnostic, stops: bool) {
        #[cfg(feature = "parallel")]
        if let Some(pending) = &mut self.pending {
            pending.queue_file_finding(diagnostic, stops);
            return;
        }
        self.take_file_finding(diagnostic, stops);
    }

    /// Takes in a finding about a file now (see [`Validator::file_finding`]).
    pub(crate) fn take_file_finding(&mut self, diagnostic: Diagnostic, stops: bool) {
        let file = diagnostic.location.file;
        if self.stopped_file == Some(file) {
            return;
        }
        if stops {
            self.stopped_file = Some(file);
        }
        self.summary.count(&diagnostic);
        self.diagnostics.push(diagnostic);
    }

    /// Reports malformed JSON at `source` (the offending byte, or an empty span at the end of the input) and
    /// stops reading the file.
    fn stop_malformed(&mut self, file: &mut FileReader, message: String, help: &str, source: Span) {
        file.phase = Phase::Stopped;
        file.pending = Vec::new();
        let diagnostic = Diagnostic::new(Rule::MalformedJson, message).with_help(help);
        self.file_finding(located_in_file(diagnostic, file.index, source), true);
    }

    /// Runs the framing state machine over `bytes`, which start at `file.offset`.
    fn feed(&mut self, file: &mut FileReader, bytes: &[u8]) {
        let base = file.offset;
        let mut index = 0;
        // Start of the current record inside `bytes`, when it started in this chunk.
        let mut record_start_here: Option<usize> = None;
        while index < bytes.len() {
            match file.phase {
                Phase::Stopped => break,
                Phase::Start => {
                    index = skip_whitespace(bytes, index);
                    let Some(&byte) = bytes.get(index) else { break };
                    match byte {
                        b'[' => {
                            file.phase = Phase::ArrayBeforeElement;
                            index += 1;
                        }
                        b'{' => {
                            file.start_record(base + index, Phase::StreamRecord);
                            record_start_here = Some(index);
                        }
                        b'n' | b't' | b'f' | b'"' | b'-' | b'0'..=b'9' => {
                            file.phase = Phase::Stopped;
                            let found = describe_scalar(&bytes[index..]);
                            self.file_diagnostic(
                                file,
                                Diagnostic::new(
                                    Rule::TopLevelNotBatch,
                                    format!("the file holds {found}, not a batch of records"),
                                )
                                .with_help("give a JSON array of records, or one JSON object per line"),
                                Span::new(base + index, base + index + 1),
                            );
                            break;
                        }
                        other => {
                            let help = if matches!(other, 0xFE | 0xFF | 0) {
                                "the file looks UTF-16 encoded; save it as UTF-8"
                            } else {
                                "a batch starts with `[` (a JSON array) or `{` (one object per line)"
                            };
                            self.stop_malformed(
                                file,
                                format!(
                                    "expected `[` or `{{` at the start of the file, found {}",
                                    describe_byte(&bytes[index..])
                                ),
                                help,
                                Span::new(base + index, base + index + 1),
                            );
                            break;
                        }
                    }
                }
                Phase::ArrayBeforeElement => {
                    index = skip_whitespace(bytes, index);
                    let Some(&byte) = bytes.get(index) else { break };
                    if byte == b']' && !file.after_comma {
                        file.phase = Phase::ArrayClosed;
                        index += 1;
                    } else {
                        file.start_record(base + index, Phase::ArrayElement);
                        record_start_here = Some(index);
                    }
                }
                Phase::ArrayClosed => {
                    index = skip_whitespace(bytes, index);
                    if index < bytes.len() {
                        self.stop_malformed(
                            file,
                            format!("unexpected {} after the closing `]` of the array", describe_byte(&bytes[index..])),
                            "a batch file holds one JSON array; merge arrays or give them as separate files",
                            Span::new(base + index, base + index + 1),
                        );
                        break;
                    }
                }
                Phase::StreamBetweenRecords => {
                    index = skip_whitespace(bytes, index);
                    let Some(&byte) = bytes.get(index) else { break };
                    if byte == b'{' {
                        file.start_record(base + index, Phase::StreamRecord);
                        record_start_here = Some(index);
                    } else {
                        self.stop_malformed(
                            file,
                            format!("expected `{{` starting the next record, found {}", describe_byte(&bytes[index..])),
                            "an NDJSON file holds one JSON object per line",
                            Span::new(base + index, base + index + 1),
                        );
                        break;
                    }
                }
                Phase::ArrayElement | Phase::StreamRecord => {
                    let (next_index, boundary) = scan_record(file, bytes, index);
                    index = next_index;
                    let Some(boundary) = boundary else { break };
                    let end_here = match boundary {
                        Boundary::Before(at) => at,
                        Boundary::After(at) => at + 1,
                    };
                    self.complete_record(file, bytes, record_start_here.take(), end_here);
                    if file.phase == Phase::Stopped {
                        break;
                    }
                    match boundary {
                        Boundary::After(_) => file.phase = Phase::StreamBetweenRecords,
                        Boundary::Before(at) => {
                            index = at + 1;
                            if bytes[at] == b']' {
                                file.phase = Phase::ArrayClosed;
                            } else {
                                file.phase = Phase::ArrayBeforeElement;
                                file.after_comma = true;
                                continue;
                            }
                        }
                    }
                    file.after_comma = false;
                }
            }
        }
        // Keep the unfinished record's bytes for the next chunk, unless it is already too long.
        if file.in_record() && !file.oversized {
            let from = record_start_here.unwrap_or(0);
            let kept = file.pending.len() + (bytes.len() - from);
            if kept > self.options.max_record_bytes {
                file.oversized = true;
                file.pending = Vec::new();
            } else {
                file.pending.extend_from_slice(&bytes[from..]);
            }
        }
        file.offset = base + bytes.len();
    }

    /// A record ended at `end_here` in `bytes`: checks it.
    fn complete_record(&mut self, file: &mut FileReader, bytes: &[u8], start_here: Option<usize>, end_here: usize) {
        let record_start = file.record_start;
        let record_length = file.offset + end_here - record_start;
        if file.oversized || record_length > self.options.max_record_bytes {
            let source = Span::new(record_start, record_start + record_length);
            self.oversized_record(file.index, source);
            file.pending.clear();
            file.oversized = false;
            return;
        }
        match start_here {
            Some(start) => self.check_record(file, &bytes[start..end_here], record_start),
            None => {
                let mut pending = std::mem::take(&mut file.pending);
                pending.extend_from_slice(&bytes[..end_here]);
                self.check_record(file, &pending, record_start);
                pending.clear();
                // Keep the buffer for the next record unless a large record left it holding much memory.
                if file.phase != Phase::Stopped && pending.capacity() <= MAX_RETAINED_BUFFER_BYTES {
                    file.pending = pending;
                }
            }
        }
    }

    /// Takes in a record longer than allowed, which was skipped unread, in batch order.
    fn oversized_record(&mut self, file_index: usize, source: Span) {
        #[cfg(feature = "parallel")]
        if let Some(pending) = &mut self.pending {
            pending.queue_oversized(file_index, source);
            return;
        }
        self.take_oversized(file_index, source);
    }

    /// Takes in an oversized record now (see [`Validator::oversized_record`]).
    pub(crate) fn take_oversized(&mut self, file_index: usize, source: Span) {
        if self.stopped_file == Some(file_index) {
            return;
        }
        if self.keep_records {
            // Its bytes were not kept, so its span runs to the separator, whitespace before it included.
            let record = self.batch.facts().len();
            self.records.push(RecordText { file: file_index, record, source, text: Vec::new() });
        }
        let checked = CheckedRecord::too_large(file_index, source, self.options.max_record_bytes);
        self.batch.absorb(checked, file_index, &self.options, &[], &mut self.diagnostics, &mut self.summary);
    }

    /// Checks one framed record whose text is `bytes`, starting at file offset `record_start`, now or in the
    /// next batch; stops the framing of the file when the record is malformed JSON and was checked now.
    fn check_record(&mut self, file: &mut FileReader, bytes: &[u8], record_start: usize) {
        #[cfg(feature = "parallel")]
        if let Some(pending) = &mut self.pending {
            pending.queue_record(file.index, record_start, bytes);
            return;
        }
        let outcome = check_record_text(&self.options, file.index, bytes, record_start);
        self.take_record(file.index, record_start, bytes, outcome);
        if self.stopped_file == Some(file.index) {
            file.phase = Phase::Stopped;
            file.pending = Vec::new();
        }
    }

    /// Takes in the outcome of checking a record (text `bytes` at file offset `record_start`), in batch
    /// order: keeps its text when asked to and it counts as a record.
    pub(crate) fn take_record(&mut self, file_index: usize, record_start: usize, bytes: &[u8], outcome: RecordOutcome) {
        if self.stopped_file == Some(file_index) {
            return;
        }
        match outcome {
            RecordOutcome::Malformed(diagnostic) => self.take_file_finding(diagnostic, true),
            RecordOutcome::Checked(checked) => {
                if self.keep_records {
                    // An array element runs to its separator; the record is its text without the whitespace
                    // before it.
                    let record = self.batch.facts().len();
                    let text = trim_json_whitespace_end(bytes);
                    let source = Span::new(record_start, record_start + text.len());
                    self.records.push(RecordText { file: file_index, record, source, text: text.to_vec() });
                }
                self.batch.absorb(checked, file_index, &self.options, bytes, &mut self.diagnostics, &mut self.summary);
            }
        }
    }
}

/// The outcome of checking one framed record on its own.
#[derive(Debug)]
pub(crate) enum RecordOutcome {
    /// It is a record (readable or not): its findings and facts, waiting for the batch's.
    Checked(CheckedRecord),
    /// It is malformed JSON: this finding ends the reading of its file.
    Malformed(Diagnostic),
}

/// `diagnostic` located at `source` in file `file_index`, about no record.
fn located_in_file(mut diagnostic: Diagnostic, file_index: usize, source: Span) -> Diagnostic {
    diagnostic.location =
        Location { file: file_index, record: None, pointer: String::new(), span: None, source: Some(source) };
    diagnostic
}

/// Parses and checks one framed record whose text is `bytes`, starting at file offset `record_start` of file
/// `file_index`. Pure: needs nothing of the batch, so records can be checked on any thread in any order.
pub(crate) fn check_record_text(
    options: &Options,
    file_index: usize,
    bytes: &[u8],
    record_start: usize,
) -> RecordOutcome {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            let at = record_start + error.valid_up_to();
            let length = error.error_len().unwrap_or(1);
            let diagnostic = Diagnostic::new(
                Rule::InvalidUtf8,
                format!("the record is not valid UTF-8: byte 0x{:02X} cannot appear here", bytes[error.valid_up_to()]),
            )
            .with_help("save the file as UTF-8; Latin-1 or Windows-1252 exports need converting first");
            return RecordOutcome::Checked(CheckedRecord::unreadable(
                file_index,
                diagnostic,
                Span::new(at, at + length),
                bytes.len(),
            ));
        }
    };
    if text.trim_ascii().is_empty() {
        let at = record_start + text.len();
        let diagnostic = Diagnostic::new(Rule::MalformedJson, "expected a record, found nothing before the separator")
            .with_help("remove the extra `,` (JSON allows no trailing comma)");
        return RecordOutcome::Malformed(located_in_file(diagnostic, file_index, Span::new(at, at + 1)));
    }
    match json::parse(text, options.max_depth) {
        Ok(parsed) => {
            RecordOutcome::Checked(RecordChecker::new(options, file_index, record_start, text).check(&parsed))
        }
        Err(error) if matches!(error.kind, ParseErrorKind::TooDeep(_)) => {
            let at = record_start + error.offset;
            let diagnostic = Diagnostic::new(Rule::JsonNestingTooDeep, format!("the record has {}", error.kind))
                .with_help("a message record needs three levels (record, attachments, attachment)");
            RecordOutcome::Checked(CheckedRecord::unreadable(
                file_index,
                diagnostic,
                Span::new(at, at + 1),
                bytes.len(),
            ))
        }
        Err(error) => {
            let at = record_start + error.offset;
            // The offending byte, or nothing when the input ended.
            let end = (at + 1).min(record_start + bytes.len());
            let diagnostic = Diagnostic::new(Rule::MalformedJson, format!("malformed JSON: {}", error.kind))
                .with_help("records before this point were checked; fix this place and run again");
            RecordOutcome::Malformed(located_in_file(diagnostic, file_index, Span::new(at, end)))
        }
    }
}

/// `bytes` without the JSON whitespace at its end.
fn trim_json_whitespace_end(bytes: &[u8]) -> &[u8] {
    let end = bytes.iter().rposition(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r')).map_or(0, |last| last + 1);
    &bytes[..end]
}

/// Advances past JSON whitespace.
fn skip_whitespace(bytes: &[u8], mut index: usize) -> usize {
    while index < bytes.len() && matches!(bytes[index], b' ' | b'\t' | b'\n' | b'\r') {
        index += 1;
    }
    index
}

/// Scans the current record from `index`; returns where scanning stopped and the boundary if the record
/// ended in `bytes`.
fn scan_record(file: &mut FileReader, bytes: &[u8], mut index: usize) -> (usize, Option<Boundary>) {
    let in_array = file.phase == Phase::ArrayElement;
    while index < bytes.len() {
        if file.in_string {
            if file.escaped {
                file.escaped = false;
                index += 1;
                continue;
            }
            match memchr::memchr2(b'"', b'\\', &bytes[index..]) {
                None => return (bytes.len(), None),
                Some(found) => {
                    let at = index + found;
                    if bytes[at] == b'"' {
                        file.in_string = false;
                    } else {
                        file.escaped = true;
                    }
                    index = at + 1;
                }
            }
            continue;
        }
        match bytes[index] {
            b'"' => file.in_string = true,
            b'{' | b'[' => file.depth = file.depth.saturating_add(1),
            b']' if in_array && file.depth == 0 => return (index, Some(Boundary::Before(index))),
            b',' if in_array && file.depth == 0 => return (index, Some(Boundary::Before(index))),
            // A stray closer at depth 0 inside an array element stays in the element; the parser reports it.
            b'}' | b']' if file.depth > 0 => {
                file.depth -= 1;
                if !in_array && file.depth == 0 {
                    return (index + 1, Some(Boundary::After(index)));
                }
            }
            _ => {}
        }
        index += 1;
    }
    (index, None)
}

/// Names the scalar a file starts with, for the top-level diagnostic.
fn describe_scalar(bytes: &[u8]) -> &'static str {
    match bytes.first() {
        Some(b'n') => "`null`",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        _ => "a number",
    }
}

/// Shows the byte at the start of `bytes`: the character when it is ASCII, else its value. Looking at one
/// byte only keeps the wording the same however the input was cut into chunks.
fn describe_byte(bytes: &[u8]) -> String {
    match bytes.first() {
        Some(&byte) if byte.is_ascii_graphic() || byte == b' ' => format!("`{}`", byte as char),
        Some(&byte) => format!("byte 0x{byte:02X}"),
        None => "the end of the input".to_owned(),
    }
}
