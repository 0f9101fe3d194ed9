//! Conversions from the exports people hold into Symphony import records (`V4ImportedMessage`), and from those
//! records into another service's import requests (Microsoft Teams through Graph).
//!
//! Pure code, like ferry-core: bytes in, records and a report of what was lossy out. No file system, no clock,
//! no HTTP, no threads, so the same conversion runs in the CLI and, compiled to WebAssembly, in the browser.
//! Whatever is not understood is reported with the record it concerns; nothing is dropped without a word.

pub mod slack;
pub mod teams;
