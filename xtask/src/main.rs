//! `cargo xtask`: Ferry's automation, in Rust so it runs wherever cargo does.
//!
//! - `setup`: installs what the project needs that the machine lacks (see `setup.rs`).
//! - `dist`: the self-contained `ferry` binary: the web app built in release mode and embedded in a release
//!   build of the CLI (see `dist.rs`).
//! - `serve`: `dist`, then that binary's `ferry serve` (arguments after `serve` are passed on).
//! - `test`: setup, then every test tier (native, wasm in Node, wasm in Chromium, browser end to end), ending
//!   with one line `N passed, M failed`.
//! - `build-web`: the web app's release build into `dist/`.
//! - `package`: the npm package of `ferry-wasm` (wasm-pack layout) into `crates/ferry-wasm/pkg`, and a copy next
//!   to `examples/plain-js/index.html`.
//! - `docs`: generates `docs/rules.md` from the rule table (see `docs.rs`).
//! - `tidy`: fails when a rule lacks a doc section, a fixture or a snapshot, or `docs/rules.md` is stale.
//! - `bench`: builds in release mode and prints throughput and memory figures (see `bench.rs`);
//!   `bench-convert` prints only the Slack export conversion's (see `bench/convert.rs`).
//! - `gen`: writes a seeded, realistic batch (the bench's) to a file, for trying `ferry check` at scale.
//! - `gen-slack`: writes a seeded, realistic Slack workspace export (see `gen_slack.rs`), for trying
//!   `ferry convert slack` at scale.

mod bench;
mod dist;
mod docs;
mod gen;
mod gen_slack;
mod setup;
mod shell;
mod test;
mod tidy;

use anyhow::{bail, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    match args.first().map(String::as_str) {
        Some("setup") => setup::run().map(|_| ()),
        Some("dist") => {
            let tools = setup::run()?;
            dist::run(&tools)
        }
        Some("serve") => test::serve(rest),
        Some("test") => test::run(rest),
        Some("build-web") => {
            let tools = setup::run()?;
            test::build_web(&tools)
        }
        Some("package") => {
            let tools = setup::run()?;
            test::build_wasm_package(&tools)
        }
        Some("docs") => docs::run(),
        Some("gen") => gen::run(rest),
        Some("gen-slack") => gen_slack::run(rest),
        Some("tidy") => tidy::run(),
        Some("bench") => bench::run(rest),
        Some("bench-run") => bench::run_measurements(rest),
        Some("bench-stream") => bench::run_stream_child(rest),
        Some("bench-convert") => bench::convert::run(rest),
        _ => bail!("usage: cargo xtask <setup|dist|serve|test|build-web|package|docs|tidy|bench|gen|gen-slack>"),
    }
}
