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
//! - With [`Validator::keep_records`] on, every record the validator counts (each index of
//!   [`Location::record`], from 0 across files) is also kept as a [`RecordText`] until drained with
//!   [`Validator::drain_records`], in batch order, exactly once. Off (the default), the only cost is one test
//!   of a `bool` per record.

use crate::diagnostic::{Diagnostic, Location, Span};
use crate::json::{self, ParseErrorKind};
use crate::planner::{self, RecordFacts};
use crate::record::{BatchState, RecordChecker};
use crate::registry::Rule;
use crate::{Options, Report, Summary};

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// A record buffer larger than this is freed after use rather than kept for the next record.
const MAX_RETAINED_BUFFER_BYTES: usize = 1024 * 1024;

/// Checks a batch fed in chunks, one file after another.
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
        }
    }

    /// Whether to keep each record's text for [`Validator::drain_records`] (off by default). Records read
    /// while it is off are not kept. Kept texts stay in memory until drained: drain after each
    /// [`push`](Validator::push) to hold one chunk's worth at a time.
    pub fn keep_records(&mut self, keep: bool) {
        self.keep_records = keep;
    }

    /// Takes the records read since the last call, in batch order (see [`RecordText`]). A file's last record
    /// may only be complete once the file ends: drain after [`end_file`](Validator::end_file), before
    /// [`finish`](Validator::finish), which drops what was not drained.
    pub fn drain_records(&mut self) -> Vec<RecordText> {
        std::mem::take(&mut self.records)
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
                let had_element = file.phase == Phase::ArrayElement;
                if had_element && !file.oversized {
                    let pending = std::mem::take(&mut file.pending);
                    // A complete last element without the closing `]` is still checked.
                    if self.try_complete_record(&mut file, &pending) {
                        self.report_truncated(&file, "the file ends before the array is closed with `]`");
                    }
                } else {
                    self.report_truncated(&file, "the file ends before the array is closed with `]`");
                }
            }
            Phase::StreamRecord => {
                let pending = std::mem::take(&mut file.pending);
                if file.oversized || self.try_complete_record(&mut file, &pending) {
                    self.report_truncated(&file, "the file ends inside a record");
                }
            }
            Phase::ArrayClosed | Phase::StreamBetweenRecords | Phase::Stopped => {}
        }
    }

    /// At the end of a file inside an element: checks the element as it is. Returns whether the truncation
    /// still needs reporting: it does not when the element itself was reported as malformed JSON.
    fn try_complete_record(&mut self, file: &mut FileReader, bytes: &[u8]) -> bool {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return true;
        }
        self.check_record(file, bytes, file.record_start);
        file.phase != Phase::Stopped
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
    /// (the summary still counts them).
    pub fn drain_diagnostics(&mut self) -> Vec<Diagnostic> {
        std::mem::take(&mut self.diagnostics)
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
        let plan = planner::plan(self.batch.facts(), &self.options, |_, _| true);
        Report { records: self.summary.records, diagnostics: self.diagnostics, summary: self.summary, plan }
    }

    fn file_diagnostic(&mut self, file: &FileReader, mut diagnostic: Diagnostic, source: Span) {
        diagnostic.location = Location { file: file.index, record: None, pointer: String::new(), span: None, source: Some(source) };
        self.summary.count(&diagnostic);
        self.diagnostics.push(diagnostic);
    }

    /// Reports malformed JSON at `source` (the offending byte, or an empty span at the end of the input) and
    /// stops reading the file.
    fn stop_malformed(&mut self, file: &mut FileReader, message: String, help: &str, source: Span) {
        file.phase = Phase::Stopped;
        file.pending = Vec::new();
        self.file_diagnostic(file, Diagnostic::new(Rule::MalformedJson, message).with_help(help), source);
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
                                format!("expected `[` or `{{` at the start of the file, found {}", describe_byte(&bytes[index..])),
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
            if self.keep_records {
                // Its bytes were not kept, so its span runs to the separator, whitespace before it included.
                let record = self.batch.facts().len();
                self.records.push(RecordText { file: file.index, record, source, text: Vec::new() });
            }
            self.batch.record_too_large(
                &mut self.diagnostics,
                &mut self.summary,
                file.index,
                source,
                self.options.max_record_bytes,
            );
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

    /// Parses and checks one framed record whose text is `bytes`, starting at file offset `record_start`, and
    /// keeps its text when asked to and it counted as a record.
    fn check_record(&mut self, file: &mut FileReader, bytes: &[u8], record_start: usize) {
        if !self.keep_records {
            self.check_framed_record(file, bytes, record_start);
            return;
        }
        let record = self.batch.facts().len();
        self.check_framed_record(file, bytes, record_start);
        if self.batch.facts().len() > record {
            // An array element runs to its separator; the record is its text without the whitespace before it.
            let text = trim_json_whitespace_end(bytes);
            let source = Span::new(record_start, record_start + text.len());
            self.records.push(RecordText { file: file.index, record, source, text: text.to_vec() });
        }
    }

    /// Parses and checks one framed record whose text is `bytes`, starting at file offset `record_start`.
    fn check_framed_record(&mut self, file: &mut FileReader, bytes: &[u8], record_start: usize) {
        let text = match std::str::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let at = record_start + error.valid_up_to();
                let length = error.error_len().unwrap_or(1);
                self.batch.unreadable_record(
                    &mut self.diagnostics,
                    &mut self.summary,
                    file.index,
                    Diagnostic::new(
                        Rule::InvalidUtf8,
                        format!("the record is not valid UTF-8: byte 0x{:02X} cannot appear here", bytes[error.valid_up_to()]),
                    )
                    .with_help("save the file as UTF-8; Latin-1 or Windows-1252 exports need converting first"),
                    Span::new(at, at + length),
                    bytes.len(),
                );
                return;
            }
        };
        if text.trim_ascii().is_empty() {
            let at = record_start + text.len();
            self.stop_malformed(
                file,
                "expected a record, found nothing before the separator".to_owned(),
                "remove the extra `,` (JSON allows no trailing comma)",
                Span::new(at, at + 1),
            );
            return;
        }
        match json::parse(text, self.options.max_depth) {
            Ok(parsed) => {
                let mut checker = RecordChecker::new(
                    &self.options,
                    &mut self.batch,
                    &mut self.diagnostics,
                    &mut self.summary,
                    file.index,
                    record_start,
                    text,
                );
                checker.check(&parsed);
            }
            Err(error) if matches!(error.kind, ParseErrorKind::TooDeep(_)) => {
                let at = record_start + error.offset;
                self.batch.unreadable_record(
                    &mut self.diagnostics,
                    &mut self.summary,
                    file.index,
                    Diagnostic::new(Rule::JsonNestingTooDeep, format!("the record has {}", error.kind))
                        .with_help("a message record needs three levels (record, attachments, attachment)"),
                    Span::new(at, at + 1),
                    bytes.len(),
                );
            }
            Err(error) => {
                let at = record_start + error.offset;
                // The offending byte, or nothing when the input ended.
                let end = (at + 1).min(record_start + bytes.len());
                self.stop_malformed(
                    file,
                    format!("malformed JSON: {}", error.kind),
                    "records before this point were checked; fix this place and run again",
                    Span::new(at, end),
                );
            }
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
