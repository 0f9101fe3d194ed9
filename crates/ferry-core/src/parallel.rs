//! Checking a batch on every core (native builds with the `parallel` feature only; WebAssembly keeps one
//! thread).
//!
//! [`Validator::parallel`] is the same streaming [`Validator`] with one difference: framed records are not
//! checked one by one as they are framed, but copied into a batch of [`PendingRecords`] (about
//! [`DEFAULT_BATCH_BYTES`]), which is checked on a rayon pool when full (and at the end of each file). Each
//! record is checked on its own (the pure half of the record checks); the outcomes are then taken in, on the
//! caller's thread, in batch order, together with the findings about files that the framing made meanwhile,
//! which is where the batch rules run (duplicate ids, order in a stream, the plan's facts). So the report is
//! byte for byte the one a single thread produces, whatever the chunking, the batch size or the number of
//! threads.
//!
//! The thread pool lives here and nowhere else in the core, behind a cargo feature that the WebAssembly
//! builds do not enable, so that the core's other modules stay free of threads.
//!
//! Invariants:
//! - Memory holds one batch of record texts (plus one record, when a record is larger than a batch) and its
//!   outcomes, never the file.
//! - Findings, the summary and kept records arrive a batch late: after [`Validator::push`] they cover the
//!   records of the batches checked so far; after [`Validator::end_file`] they cover the whole file.
//! - The framing does not wait for the checks: after a malformed record it runs on to the end of the batch,
//!   and what it finds in a file that had stopped is dropped when taken in, as the sequential reader would
//!   never have read it.

use std::ops::Range;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Span};
use crate::reader::{check_record_text, RecordOutcome};
use crate::{Options, Validator};

/// How many bytes of record text a batch holds before it is checked. Large enough that a batch holds a few
/// thousand typical records (so the threads' start and join are negligible), small enough to bound memory.
pub const DEFAULT_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Records framed but not yet checked, and the findings about files framed among them, in batch order.
#[derive(Debug)]
pub(crate) struct PendingRecords {
    pool: rayon::ThreadPool,
    batch_bytes: usize,
    /// The texts of the queued records, one after another.
    texts: Vec<u8>,
    /// The queued records: where each one's text is in `texts`.
    records: Vec<QueuedRecord>,
    /// Everything framed since the last check, in batch order.
    events: Vec<Event>,
}

#[derive(Debug)]
struct QueuedRecord {
    file: usize,
    /// File offset of the record's first byte.
    start: usize,
    /// The record's text in [`PendingRecords::texts`].
    text: Range<usize>,
}

/// One thing the framing found, in batch order.
#[derive(Debug)]
enum Event {
    /// The next queued record.
    Record,
    /// A record too large to read.
    Oversized { file: usize, source: Span },
    /// A finding about a file; `stops` when it ends the reading of the file.
    FileFinding { diagnostic: Diagnostic, stops: bool },
}

impl Validator {
    /// A validator that checks records on `threads` threads (0: one per core), in batches of
    /// [`DEFAULT_BATCH_BYTES`]; see the [module](crate::parallel) for what arrives when. With one thread, or
    /// when no thread can be started, it is [`Validator::new`].
    pub fn parallel(options: Options, threads: usize) -> Self {
        Validator::parallel_in_batches(options, threads, DEFAULT_BATCH_BYTES)
    }

    /// [`Validator::parallel`] with batches of `batch_bytes` bytes of record text (at least one record).
    pub fn parallel_in_batches(options: Options, threads: usize, batch_bytes: usize) -> Self {
        let mut validator = Validator::new(options);
        if threads == 1 {
            return validator;
        }
        // Not being able to start threads (a sandbox forbidding them) only costs speed.
        if let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            validator.set_pending(PendingRecords {
                pool,
                batch_bytes,
                texts: Vec::new(),
                records: Vec::new(),
                events: Vec::new(),
            });
        }
        validator
    }
}

impl PendingRecords {
    /// Whether the batch holds enough to be checked.
    pub(crate) fn is_full(&self) -> bool {
        self.texts.len() >= self.batch_bytes
    }

    pub(crate) fn queue_record(&mut self, file: usize, start: usize, bytes: &[u8]) {
        let from = self.texts.len();
        self.texts.extend_from_slice(bytes);
        self.records.push(QueuedRecord { file, start, text: from..self.texts.len() });
        self.events.push(Event::Record);
    }

    pub(crate) fn queue_oversized(&mut self, file: usize, source: Span) {
        self.events.push(Event::Oversized { file, source });
    }

    pub(crate) fn queue_file_finding(&mut self, diagnostic: Diagnostic, stops: bool) {
        self.events.push(Event::FileFinding { diagnostic, stops });
    }

    /// Checks the queued records on the pool, then hands everything to `validator` in batch order, and
    /// empties the batch (keeping its buffers, unless a large record made them large).
    pub(crate) fn check_all(&mut self, validator: &mut Validator) {
        if self.events.is_empty() {
            return;
        }
        let options = validator.options();
        let (texts, records) = (&self.texts, &self.records);
        let outcomes: Vec<RecordOutcome> = self.pool.install(|| {
            records
                .par_iter()
                .map(|record| check_record_text(options, record.file, &texts[record.text.clone()], record.start))
                .collect()
        });
        let mut records = self.records.drain(..);
        let mut outcomes = outcomes.into_iter();
        for event in self.events.drain(..) {
            match event {
                Event::Record => {
                    // INVARIANT: one queued record and one outcome per `Event::Record`, in order.
                    let (Some(record), Some(outcome)) = (records.next(), outcomes.next()) else { break };
                    validator.take_record(record.file, record.start, &self.texts[record.text], outcome);
                }
                Event::Oversized { file, source } => validator.take_oversized(file, source),
                Event::FileFinding { diagnostic, stops } => validator.take_file_finding(diagnostic, stops),
            }
        }
        drop(records);
        self.texts.clear();
        if self.texts.capacity() > 2 * self.batch_bytes {
            self.texts = Vec::with_capacity(self.batch_bytes);
        }
    }
}
