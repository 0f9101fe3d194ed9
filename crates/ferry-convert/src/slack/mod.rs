//! A Slack workspace export (a ZIP or an unpacked folder) into `V4ImportedMessage` records.
//!
//! - `markup`: the MessageML writer (one escape, balanced tags).
//! - `content` (the entry point), `mrkdwn`, `blocks`, `emoji`, `legacy`: a message's content (rich-text
//!   blocks, else mrkdwn `text`, then legacy attachments) into MessageML, with the losses noted.
//! - `export`, `maps`, `convert`, `report`: the export read entry by entry, the user and stream maps, the
//!   conversion of each conversation in time order (threads, files, events) and its report.

pub mod blocks;
pub mod content;
pub mod directory;
pub mod emoji;
pub mod legacy;
pub mod markup;
pub mod mrkdwn;

pub use content::message_content;
pub use directory::{Directory, Lossy};
pub use markup::MessageMl;
