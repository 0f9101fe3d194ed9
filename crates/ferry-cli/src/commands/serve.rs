//! `ferry serve`.

use std::process::ExitCode;

/// Arguments of `ferry serve`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `ferry serve`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ferry serve` is not built yet")
}
