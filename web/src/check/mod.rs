//! The check of a batch, split between the worker and the page.
//!
//! - [`session`] runs in the worker: it feeds the files' bytes to ferry-core's streaming `Validator` (the same
//!   code as `ferry check`) and turns what comes out into [`protocol::WorkerReply`] messages: each record's
//!   row, the kept findings, progress, and at the end the summary, the plan and where each kept finding is.
//! - [`assemble`] runs on the page: it gathers those messages into a [`crate::model::CheckedBatch`].
//! - [`positions`] finds the line and column of a byte offset by scanning a file's bytes once.
//!
//! Everything here is plain Rust over bytes, so it is unit tested natively; the browser glue (the `Worker`,
//! `FileReaderSync`, `postMessage`) is in the two programs' `main`s and is tested end to end.

pub mod assemble;
pub mod positions;
pub mod protocol;
pub mod session;
