//! `ferry sandbox`: run the embedded Symphony standalone, or provision it from batches.
//!
//! - `ferry sandbox [--port P] [--manifest FILE] [--state FILE | --memory] [--faults RATE]` serves on
//!   127.0.0.1 and prints exactly one line on standard output, `listening on http://127.0.0.1:PORT`, once it
//!   accepts connections (port 0, the default, picks a free port). Anything else goes to standard error.
//! - `ferry sandbox provision --from BATCH... [--state FILE]` creates every user, stream and membership the
//!   batches need and prints what it created.
//!
//! The state defaults to `ferry-sandbox.sqlite3` in the current directory, so a rehearsal survives restarts.

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use ferry_sandbox::{BatchNeeds, Config, FaultConfig, Manifest, Sandbox, Storage};

/// State file used when neither `--state` nor `--memory` is given.
const DEFAULT_STATE_FILE: &str = "ferry-sandbox.sqlite3";

/// Arguments of `ferry sandbox`.
#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    action: Option<Action>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Create every user, stream and membership that import batches need, and print what was created.
    Provision(ProvisionArgs),
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Manifest of service users, users and streams to provision at start, and of the simulated Graph's
    /// tenant in its `graph` section (JSON).
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    #[command(flatten)]
    storage: StorageArgs,
    /// Share of import requests that fail on purpose (0 to 1): the Agent's 500s, 429s, latency, dropped
    /// connections; Graph's message posts 429s, 503s, and connections dropped after the message is stored.
    #[arg(long, value_name = "RATE")]
    faults: Option<f64>,
    /// Seed for a reproducible sequence of faults.
    #[arg(long, value_name = "SEED", requires = "faults")]
    faults_seed: Option<u64>,
    /// Seconds a session token stays valid.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    session_lifetime: u64,
}

/// Where the sandbox keeps its state; shared with `ferry serve`, which runs the sandbox in-process.
#[derive(clap::Args)]
#[group(multiple = false)]
pub struct StorageArgs {
    /// SQLite file holding the sandbox's state (created when missing).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Keep the state in memory only.
    #[arg(long)]
    pub memory: bool,
}

impl StorageArgs {
    /// The storage these arguments choose.
    pub fn storage(&self) -> Storage {
        match (&self.state, self.memory) {
            (_, true) => Storage::Memory,
            (Some(path), false) => Storage::File(path.clone()),
            (None, false) => Storage::File(PathBuf::from(DEFAULT_STATE_FILE)),
        }
    }
}

#[derive(clap::Args)]
struct ProvisionArgs {
    /// Batch files (JSON arrays or JSON Lines of V4ImportedMessage).
    #[arg(long = "from", value_name = "BATCH", num_args = 1.., required = true)]
    batches: Vec<PathBuf>,
    /// SQLite file holding the sandbox's state (created when missing).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_STATE_FILE)]
    state: PathBuf,
}

/// Runs `ferry sandbox`.
///
/// # Errors
/// When the state, the manifest or a batch cannot be read, or the port cannot be bound.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.action {
        Some(Action::Provision(provision)) => run_provision(provision),
        None => run_server(args.serve),
    }
}

fn run_provision(args: ProvisionArgs) -> anyhow::Result<ExitCode> {
    let mut needs = BatchNeeds::default();
    for path in &args.batches {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        needs.add_batch(&path.display().to_string(), &bytes)?;
    }
    let sandbox = Sandbox::open(&Storage::File(args.state.clone()), Config::default())
        .with_context(|| format!("opening sandbox state {}", args.state.display()))?;
    let summary = sandbox.provision(&needs)?;
    println!("{summary}");
    Ok(ExitCode::SUCCESS)
}

/// Opens the sandbox's state and applies a manifest to it, printing what the manifest created on standard error.
///
/// # Errors
/// When the state cannot be opened or the manifest cannot be read or applied.
pub fn open_sandbox(storage: &StorageArgs, manifest: Option<&Path>, config: Config) -> anyhow::Result<Arc<Sandbox>> {
    let sandbox = Sandbox::open(&storage.storage(), config).context("opening sandbox state")?;
    if let Some(path) = manifest {
        let bytes = std::fs::read(path).with_context(|| format!("reading manifest {}", path.display()))?;
        let mut manifest = Manifest::from_json(&bytes)?;
        manifest.resolve_key_paths(path.parent().unwrap_or_else(|| Path::new(".")))?;
        let summary = sandbox.apply_manifest(&manifest)?;
        eprintln!("{summary}");
    }
    Ok(sandbox)
}

fn run_server(args: ServeArgs) -> anyhow::Result<ExitCode> {
    // What the sandbox does (logins, imports, injected faults) goes to standard error, never standard output,
    // which carries only the `listening on` line. Tokens and message bodies are never logged.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .with_target(false)
        .init();
    let config = Config {
        session_lifetime: Duration::from_secs(args.session_lifetime),
        faults: args.faults.map(|rate| FaultConfig { rate, seed: args.faults_seed }),
        ..Config::default()
    };
    let sandbox = open_sandbox(&args.storage, args.manifest.as_deref(), config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, args.port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("binding {address}"))?;
        let bound = listener.local_addr()?;
        // The listener is bound, so connections are accepted (queued) from now on: announce it.
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{bound}")?;
        stdout.flush()?;
        drop(stdout);
        let router = ferry_sandbox::app(sandbox);
        let shutdown = async {
            if let Err(error) = tokio::signal::ctrl_c().await {
                eprintln!("error: cannot wait for Ctrl-C: {error}");
                std::future::pending::<()>().await;
            }
        };
        ferry_sandbox::server::serve(listener, router, shutdown).await?;
        anyhow::Ok(ExitCode::SUCCESS)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: Args,
    }

    fn parse(line: &[&str]) -> Result<Args, clap::Error> {
        Wrapper::try_parse_from(std::iter::once("sandbox").chain(line.iter().copied())).map(|wrapper| wrapper.args)
    }

    #[test]
    fn arguments_table() {
        let default = parse(&[]).unwrap();
        assert_eq!(default.serve.port, 0);
        assert_eq!(default.serve.storage.storage(), Storage::File(PathBuf::from(DEFAULT_STATE_FILE)));
        let memory = parse(&["--port", "8765", "--memory", "--faults", "0.5"]).unwrap();
        assert_eq!(memory.serve.port, 8765);
        assert_eq!(memory.serve.storage.storage(), Storage::Memory);
        assert_eq!(memory.serve.faults, Some(0.5));
        let file = parse(&["--state", "r.sqlite3", "--manifest", "m.json"]).unwrap();
        assert_eq!(file.serve.storage.storage(), Storage::File(PathBuf::from("r.sqlite3")));
        let provision = parse(&["provision", "--from", "a.json", "b.json", "--state", "s.sqlite3"]).unwrap();
        match provision.action {
            Some(Action::Provision(args)) => {
                assert_eq!(args.batches, [PathBuf::from("a.json"), PathBuf::from("b.json")]);
                assert_eq!(args.state, PathBuf::from("s.sqlite3"));
            }
            None => panic!("provision not parsed"),
        }
        for refused in [
            &["--state", "a", "--memory"][..],
            &["--faults-seed", "3"],
            &["--port", "70000"],
            &["provision"],
            &["--memory", "provision", "--from", "a.json"],
        ] {
            assert!(parse(refused).is_err(), "{refused:?}");
        }
    }
}
