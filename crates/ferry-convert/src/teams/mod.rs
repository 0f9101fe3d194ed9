//! Checked Symphony import records (`V4ImportedMessage`) into Microsoft Graph import requests for Teams.
//!
//! - `maps`: the user map (Symphony user → Entra user) and the stream map (Symphony stream → channel or chat),
//!   CSV files the user writes, read into a [`ferry_core::teams::Directory`].
//! - `request`: one record into one `chatMessage` (the MessageML rendered by ferry-core's
//!   [`ferry_core::teams::render_post`], the mentions, the inline images as hosted contents), and the body of
//!   `startMigration`.
//! - `schedule`: the requests ordered by conversation then time, each message on a millisecond of its own
//!   (moves reported), and each conversation's duration at the documented rate.
//!
//! Pure, like the rest of the crate: text in, requests and what was lost out; the CLI, the proxy and the browser
//! share it. What a message loses on the way (a PDF, a form, a structured object) is in each request's
//! `losses`, as the core's Teams rules report it.

pub mod maps;
pub mod request;
pub mod schedule;

pub use maps::{read_streams_csv, read_users_csv, MapError};
pub use request::{request_for_record, start_migration_body, GraphRequest, RecordError};
pub use schedule::{schedule, ConversationPlan, Schedule, StandIn, TimeMove, Timed};
