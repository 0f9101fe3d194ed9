//! `ferry`: check an import batch, convert an export, explain a rule, serve the web app, run the sandbox, import.
//!
//! Exit codes: 0 success, 1 the input has errors, 2 the run itself failed (unreadable file, bad arguments).

mod apply;
mod commands;
mod input;
mod output;
mod position;
mod render;
mod store;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ferry", version, about = "Validate and import chat history into Symphony")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check batch files against every rule of the import API.
    Check(commands::check::Args),
    /// Convert an export (a Slack workspace export) into a checked import batch, or records into Teams requests.
    Convert(commands::convert::Args),
    /// Print the documentation of a rule.
    Explain(commands::explain::Args),
    /// Serve the web app on 127.0.0.1.
    Serve(commands::serve::Args),
    /// Import batches into a Symphony pod (or Microsoft Teams, `--target teams`) exactly once: check, pre-flight,
    /// plan; `--apply` sends.
    Import(commands::import::Args),
    /// Run the embedded Symphony (login, key manager, Agent import) on 127.0.0.1, or provision it.
    Sandbox(commands::sandbox::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Check(args) => commands::check::run(args),
        Command::Convert(args) => commands::convert::run(args),
        Command::Explain(args) => commands::explain::run(args),
        Command::Serve(args) => commands::serve::run(args),
        Command::Sandbox(args) => commands::sandbox::run(args),
        Command::Import(args) => commands::import::run(args),
    };
    match outcome {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
