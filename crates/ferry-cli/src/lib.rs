//! The parts of `ferry` that other code embeds and tests drive directly (the binary's commands live in
//! `main.rs`'s modules):
//!
//! - [`api`]: `ferry serve`'s router: the web app (embedded or from a folder), the HTTP API under `/api/v1/`,
//!   and the checks in front of both (access token, `Host`, `Origin`, body limit, security headers).
//! - [`local_pod`]: the embedded sandbox Symphony started on its own 127.0.0.1 port with its service user and
//!   demo dataset, and the [`ferry_proxy::PodClient`] that reaches it over HTTP (`ferry serve` and
//!   `ferry import` without `--config`).
//! - [`web_app`]: the web app's files embedded at build time (`cargo xtask dist`), or read from a folder.

pub mod api;
pub mod local_pod;
pub mod web_app;
