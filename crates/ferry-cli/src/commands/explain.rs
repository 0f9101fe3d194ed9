//! `ferry explain`.

use std::process::ExitCode;

/// Arguments of `ferry explain`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `ferry explain`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`ferry explain` is not built yet")
}
