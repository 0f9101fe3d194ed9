//! Ferry's one client of a Symphony pod, and what an import needs around it.
//!
//! - [`config`]: the BDK's own configuration file.
//! - [`auth`] and [`client`]: RS512 login, the import call, the pod's look-ups and provisioning calls, with
//!   retries in one place.
//! - [`journal`]: every record's fate in SQLite, so each message lands exactly once through crashes.
//!
//! Invariants: the configured pod is the only upstream; keys, tokens and message bodies are never logged.

pub mod auth;
pub mod client;
pub mod config;
pub mod error;
pub mod journal;

pub use client::PodClient;
pub use config::PodConfig;
pub use error::{CallError, ProxyError};
pub use journal::Journal;
