//! `cargo xtask`: Ferry's automation, in Rust so it runs wherever cargo does.
//!
//! - `setup`: installs what the project needs that the machine lacks (see `setup.rs`).
//! - `serve`: setup, release build of the web app and the CLI, then `ferry serve`.
//! - `test`: setup, then every test tier (native, wasm in Node, wasm in Chromium, browser end to end), ending
//!   with one line `N passed, M failed`.

mod setup;
mod shell;
mod test;

use anyhow::{bail, Result};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rest = args.get(1..).unwrap_or(&[]);
    match args.first().map(String::as_str) {
        Some("setup") => setup::run().map(|_| ()),
        Some("serve") => test::serve(rest),
        Some("test") => test::run(rest),
        Some("build-web") => {
            let tools = setup::run()?;
            test::build_web(&tools)
        }
        _ => bail!("usage: cargo xtask <setup|serve|test|build-web>"),
    }
}
