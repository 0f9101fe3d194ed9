//! `cargo xtask dist`: the self-contained `ferry` binary: the web app built in release mode by trunk into
//! `dist/`, then `cargo build --release -p ferry-cli` with `FERRY_WEB_DIST` naming that folder, so ferry-cli's
//! build script embeds the app. The binary then serves the app from any folder (`ferry serve`).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Result};

use crate::setup::Tools;
use crate::shell::{self, workspace_root};
use crate::test::build_web;

/// The environment variable ferry-cli's build script reads.
pub const WEB_DIST_ENV: &str = "FERRY_WEB_DIST";

/// Builds the web app, then `ferry` (release or debug) with the app embedded; returns the binary's path.
///
/// # Errors
/// When a build fails or trunk wrote no `dist/index.html`.
pub fn build(tools: &Tools, release: bool) -> Result<PathBuf> {
    build_web(tools)?;
    let root = workspace_root();
    let dist = root.join("dist");
    if !dist.join("index.html").is_file() {
        bail!("trunk wrote no {}", dist.join("index.html").display());
    }
    let mut command = Command::new("cargo");
    command.arg("build");
    if release {
        command.arg("--release");
    }
    // Always rustup's toolchain (a native build): only the web app goes through the wasm environment.
    command
        .args(["-p", "ferry-cli"])
        .env(WEB_DIST_ENV, &dist)
        .current_dir(&root);
    shell::run(&mut command)?;
    Ok(shell::target_dir().join(if release {
        "release/ferry"
    } else {
        "debug/ferry"
    }))
}

/// `cargo xtask dist`.
///
/// # Errors
/// As [`build`].
pub fn run(tools: &Tools) -> Result<()> {
    let ferry = build(tools, true)?;
    println!(
        "dist: {} serves the web app from any folder: `ferry serve`",
        ferry.display()
    );
    Ok(())
}
