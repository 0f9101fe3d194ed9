//! Checking a batch on every core (native builds with the `parallel` feature only; WebAssembly keeps one
//! thread).
//!
//! [`Validator::parallel`] is the same streaming [`Validator`] with one difference: framed records are not
//! checked one by one as they are framed, but copied into a batch (about [`DEFAULT_BATCH_BYTES`] of record
//! text), which goes to a rayon pool when full while the caller frames the next one. Each record is checked
//! on its own (the pure half of the record checks); the outcomes are then taken in, on the caller's thread, in
//! batch order, together with the findings about files that the framing made meanwhile, which is where the
//! batch rules run (duplicate ids, order in a stream, the plan's facts). So the report is byte for byte the
//! one a single thread produces, whatever the chunking, the batch size or the number of threads.
//!
//! The thread pool lives here and nowhere else in the core, behind a cargo feature that the WebAssembly
//! builds do not enable, so that the core's other modules stay free of threads.
//!
//! Invariants:
//! - Memory holds three batches of record texts (of [`DEFAULT_BATCH_BYTES`] by default: the one being filled,
//!   the one being checked, the one being taken in; a batch holds at least one record, so a record larger
//!   than a batch makes its batch that large) and their outcomes, never the file.
//! - Findings, the summary and kept records arrive up to two batches late: after [`Validator::push`] they
//!   cover the batches taken in so far; after [`Validator::end_file`] they cover the whole file.
//! - The framing does not wait for the checks: after a malformed record it runs on, and what it finds in a
//!   file that had stopped is dropped when taken in, as the sequential reader would never have read it.

use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Span};
use crate::reader::{check_record_text, RecordOutcome};
use crate::{Options, Validator};

/// How many bytes of record text a batch holds before it is checked. Large enough that a batch holds about
/// five hundred typical records (so handing it to the threads costs little), small enough that the texts are
/// still in the cache when the pool reads them (measured: 1 MiB and 256 KiB as fast as 4 MiB, 64 KiB slower).
pub const DEFAULT_BATCH_BYTES: usize = 512 * 1024;

/// The records framed but not yet taken in, and the pool that checks them.
#[derive(Debug)]
pub(crate) struct PendingRecords {
    pool: rayon::ThreadPool,
    options: Arc<Options>,
    batch_bytes: usize,
    /// The batch being filled by the framing.
    filling: Batch,
    /// Where the outcomes of the batch on the pool will arrive, when one is there.
    in_flight: Option<mpsc::Receiver<CheckedBatch>>,
    /// The buffers of the last batch taken in, emptied, for the next batch to fill.
    spare: Batch,
}

/// Records framed one after another, and the findings about files framed among them, in batch order.
#[derive(Debug, Default)]
struct Batch {
    /// The texts of the queued records, one after another.
    texts: Vec<u8>,
    /// The queued records: where each one's text is in `texts`.
    records: Vec<QueuedRecord>,
    /// Everything framed, in batch order.
    events: Vec<Event>,
}

/// A batch back from the pool with the outcome of each of its records, or the panic that stopped a check.
type CheckedBatch = (Batch, std::thread::Result<Vec<RecordOutcome>>);

#[derive(Debug)]
struct QueuedRecord {
    file: usize,
    /// File offset of the record's first byte.
    start: usize,
    /// The record's text in [`Batch::texts`].
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
        let shared_options = Arc::new(options.clone());
        let mut validator = Validator::new(options);
        if threads == 1 {
            return validator;
        }
        // Not being able to start threads (a sandbox forbidding them) only costs speed.
        if let Ok(pool) = rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            validator.set_pending(PendingRecords {
                pool,
                options: shared_options,
                batch_bytes,
                filling: Batch::default(),
                in_flight: None,
                spare: Batch::default(),
            });
        }
        validator
    }
}

impl PendingRecords {
    /// Whether the batch being filled holds enough to be checked.
    pub(crate) fn is_full(&self) -> bool {
        self.filling.texts.len() >= self.batch_bytes
    }

    pub(crate) fn queue_record(&mut self, file: usize, start: usize, bytes: &[u8]) {
        let batch = &mut self.filling;
        let from = batch.texts.len();
        // Grown to the size needed, not doubled: the batches in flight are most of the memory this adds.
        batch.texts.reserve_exact(bytes.len().max(self.batch_bytes.saturating_sub(from)));
        batch.texts.extend_from_slice(bytes);
        batch.records.push(QueuedRecord { file, start, text: from..batch.texts.len() });
        batch.events.push(Event::Record);
    }

    pub(crate) fn queue_oversized(&mut self, file: usize, source: Span) {
        self.filling.events.push(Event::Oversized { file, source });
    }

    pub(crate) fn queue_file_finding(&mut self, diagnostic: Diagnostic, stops: bool) {
        self.filling.events.push(Event::FileFinding { diagnostic, stops });
    }

    /// Sends the batch being filled to the pool once the batch there is checked, then takes that one in while
    /// the pool checks the next.
    pub(crate) fn check_in_background(&mut self, validator: &mut Validator) {
        let checked = self.in_flight.take().map(wait_for);
        if !self.filling.events.is_empty() {
            self.send_to_pool();
        }
        if let Some(checked) = checked {
            self.take_in(checked, validator);
        }
    }

    /// Checks everything framed so far and takes it in, in batch order.
    pub(crate) fn check_all(&mut self, validator: &mut Validator) {
        self.check_in_background(validator);
        if let Some(receiver) = self.in_flight.take() {
            self.take_in(wait_for(receiver), validator);
        }
    }

    /// Sends the batch being filled to the pool; the next one fills the spare buffers.
    fn send_to_pool(&mut self) {
        let batch = std::mem::replace(&mut self.filling, std::mem::take(&mut self.spare));
        let options = Arc::clone(&self.options);
        let (sender, receiver) = mpsc::sync_channel(1);
        self.pool.spawn(move || {
            // A panic is carried back to the caller's thread rather than aborting the process.
            let outcomes = std::panic::catch_unwind(AssertUnwindSafe(|| {
                batch
                    .records
                    .par_iter()
                    .map(|record| {
                        check_record_text(&options, record.file, &batch.texts[record.text.clone()], record.start)
                    })
                    .collect()
            }));
            // The receiver is gone only when the validator was dropped: nobody wants the outcomes then.
            let _ = sender.send((batch, outcomes));
        });
        self.in_flight = Some(receiver);
    }

    /// Hands a checked batch's outcomes and findings to `validator` in batch order, and keeps its buffers
    /// for a later batch.
    fn take_in(&mut self, (mut batch, outcomes): (Batch, Vec<RecordOutcome>), validator: &mut Validator) {
        let mut records = batch.records.drain(..);
        let mut outcomes = outcomes.into_iter();
        for event in batch.events.drain(..) {
            match event {
                Event::Record => {
                    // INVARIANT: one queued record and one outcome per `Event::Record`, in order.
                    let (Some(record), Some(outcome)) = (records.next(), outcomes.next()) else { break };
                    validator.take_record(record.file, record.start, &batch.texts[record.text], outcome);
                }
                Event::Oversized { file, source } => validator.take_oversized(file, source),
                Event::FileFinding { diagnostic, stops } => validator.take_file_finding(diagnostic, stops),
            }
        }
        drop(records);
        batch.texts.clear();
        // A batch made large by one large record does not keep that memory.
        if batch.texts.capacity() > 2 * self.batch_bytes {
            batch.texts = Vec::new();
        }
        self.spare = batch;
    }
}

/// Waits for the batch on the pool; a panic in a check goes on in the caller's thread.
fn wait_for(receiver: mpsc::Receiver<CheckedBatch>) -> (Batch, Vec<RecordOutcome>) {
    match receiver.recv() {
        Ok((batch, Ok(outcomes))) => (batch, outcomes),
        Ok((_, Err(panic))) => std::panic::resume_unwind(panic),
        // INVARIANT: the job always sends (a panic in a check is caught and sent), and the pool, owned by the
        // validator, runs every job spawned on it.
        Err(_) => (Batch::default(), Vec::new()),
    }
}
