//! What Ferry's page and its check worker share: the model of a checked batch and the check itself.
//!
//! The web crate builds two WebAssembly programs from this library: the page (`src/main.rs`, yew) and the
//! check worker (`src/bin/ferry-check-worker.rs`), which runs ferry-core's streaming validator on the dropped
//! files off the page's thread. They talk through the messages of [`check::protocol`].

pub mod check;
pub mod model;
