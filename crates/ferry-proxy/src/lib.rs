//! Ferry's one client of a Symphony pod and of Microsoft Graph, and what an import needs around them.
//!
//! - [`config`]: the BDK's own configuration file.
//! - [`auth`] and [`client`]: RS512 login, the import call, the pod's look-ups and provisioning calls, with
//!   retries in one place.
//! - [`intake`]: input files checked by ferry-core and taken into the journal.
//! - [`preflight`]: read-only look-ups in the pod turned into diagnostics (`POD` rules), and provisioning.
//! - [`journal`]: every record's fate in SQLite, so each message lands exactly once through crashes.
//! - [`prepare`]: intake and pre-flight together, as `ferry import` and the HTTP API run them.
//! - [`report`]: every record's fate as CSV or JSON.
//! - [`run`]: the runner: planned requests, several in flight, each stream's order kept.
//! - [`teams`]: the same for Microsoft Teams: Graph's client, the Teams journal, the runner through migration mode.
//!
//! Invariants: the configured pod is the only upstream; keys, tokens and message bodies are never logged.

pub mod auth;
pub mod client;
pub mod config;
pub mod error;
pub mod intake;
pub mod journal;
pub mod preflight;
pub mod prepare;
pub mod report;
pub mod run;
pub mod teams;

pub use client::PodClient;
pub use config::PodConfig;
pub use error::{CallError, ProxyError};
pub use journal::Journal;
