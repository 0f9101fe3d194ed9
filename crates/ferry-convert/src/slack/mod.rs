//! A Slack workspace export (a ZIP or an unpacked folder) into `V4ImportedMessage` records.
//!
//! - `markup`: the MessageML writer (one escape, balanced tags).
//! - `content` (the entry point), `mrkdwn`, `blocks`, `emoji`, `legacy`: a message's content (rich-text
//!   blocks, else mrkdwn `text`, then legacy attachments) into MessageML, with the losses noted.
//! - `export`, `layout`: the export read entry by entry (a ZIP here, a folder in the command line) and laid out
//!   from its metadata.
//! - `maps`: the user and stream maps (CSV). `survey`: pass 1, who and what the messages use.
//! - `convert` (with `time`, `threads`, `files`): pass 2, each conversation in time order into records;
//!   `report`: what was written, skipped and lost.

pub mod blocks;
pub mod content;
pub mod convert;
pub mod directory;
pub mod emoji;
pub mod export;
pub mod files;
pub mod layout;
pub mod legacy;
pub mod maps;
pub mod markup;
pub mod mrkdwn;
pub mod report;
pub mod survey;
pub mod threads;
pub mod time;

pub use content::message_content;
pub use convert::{convert, ConvertError, ConvertOptions};
pub use directory::{Directory, Lossy};
pub use export::{ExportSource, Limits, ZipExport};
pub use layout::{lay_out, Layout, LayoutError};
pub use markup::MessageMl;
pub use report::ConversionReport;
pub use survey::{initial_streams, initial_users, survey, Survey};
