//! A Slack workspace export (a ZIP or an unpacked folder) into `V4ImportedMessage` records.
//!
//! - `markup`: the MessageML writer (one escape, balanced tags).
//! - `text`, `blocks`, `emoji`, `legacy`: a message's content (rich-text blocks, else mrkdwn `text`, then
//!   legacy attachments) into MessageML, with the losses noted.
//! - `export`, `maps`, `convert`, `report`: the export read entry by entry, the user and stream maps, the
//!   conversion of each conversation in time order (threads, files, events) and its report.

pub mod directory;
pub mod markup;

pub use directory::{Directory, Lossy};
pub use markup::MessageMl;
