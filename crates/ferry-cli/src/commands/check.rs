//! `ferry check`.

use std::process::ExitCode;

/// Arguments of `ferry check`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `ferry check`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ferry check` is not built yet")
}
