//! One module per subcommand; each has `Args` (clap) and `run(Args) -> anyhow::Result<ExitCode>`.

pub mod check;
pub mod convert;
pub mod explain;
pub mod import;
mod import_teams;
pub mod sandbox;
pub mod serve;
