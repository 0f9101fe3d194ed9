//! `ferry serve`: one self-contained server: the web app (embedded by `cargo xtask dist`, or `--dist DIR`), the
//! HTTP API under `/api/v1/` (see `docs/api.md` and [`ferry_cli::api`]), and its upstream: the pod of
//! `--config BDK.yaml`, or by default the embedded sandbox Symphony on its own 127.0.0.1 port
//! ([`ferry_cli::local_pod`]), reached through the same client either way.
//!
//! Binds 127.0.0.1 unless `--bind` names another address. Prints `Ferry is running at
//! http://127.0.0.1:PORT/#token=TOKEN` once the socket is bound (so a caller that starts it with `--port 0`
//! reads the address from the first line of stdout); the token is a fresh random one each start, in the URL's
//! fragment so it never reaches a server log, and every `/api/` call must carry it in header `x-ferry-token`.
//! The journal is `--journal FILE` (default `ferry-journal.sqlite3` here); `--memory` keeps the journal and the
//! sandbox in memory.
//!
//! Teams (`/api/v1/teams/...`): with `--teams-config teams.yaml` the server imports into that tenant's Graph;
//! without it, into the sandbox's simulated Graph when `--manifest` has a `graph` section (as its first app
//! with a client secret). Its journal is `--teams-journal FILE` (default `ferry-teams-journal.sqlite3`).

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context as _};
use ferry_cli::api::{self, AppState, Settings};
use ferry_cli::local_pod::{self, start_local_pod, Dataset, SERVICE_USER};
use ferry_cli::web_app::{WebApp, HOW_TO_GET_THE_APP};
use ferry_proxy::teams::{GraphClient, TeamsConfig, TeamsJournal};
use ferry_proxy::{Journal, PodClient, PodConfig};
use ferry_sandbox::{Config as SandboxConfig, Manifest, CONTROL_TOKEN_HEADER};

use super::sandbox::StorageArgs;

/// The journal used when `--journal` is not given.
const DEFAULT_JOURNAL: &str = "ferry-journal.sqlite3";
/// The Teams journal used when `--teams-journal` is not given.
const DEFAULT_TEAMS_JOURNAL: &str = "ferry-teams-journal.sqlite3";

/// Arguments of `ferry serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Port; 0 picks a free one (the address is printed).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on; 127.0.0.1 unless given. Requests must name it (or localhost) in `Host`.
    #[arg(long, value_name = "ADDR", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub bind: IpAddr,
    /// The Symphony BDK configuration of the pod to import into; without it, the embedded sandbox.
    #[arg(long, value_name = "BDK.yaml", conflicts_with_all = ["no_sandbox", "manifest"])]
    pub config: Option<PathBuf>,
    /// The journal of every record's fate (SQLite); a later start with the same journal resumes.
    #[arg(long, value_name = "FILE", conflicts_with = "memory")]
    pub journal: Option<PathBuf>,
    /// Folder of a built web app to serve instead of the embedded one (development).
    #[arg(long, value_name = "DIR")]
    pub dist: Option<PathBuf>,
    /// Serve the web app only: no upstream, so the API cannot import.
    #[arg(long)]
    pub no_sandbox: bool,
    /// Manifest of service users, users and streams to provision in the sandbox at start (JSON), instead of
    /// the demo dataset.
    #[arg(long, value_name = "FILE", conflicts_with = "no_sandbox")]
    pub manifest: Option<PathBuf>,
    #[command(flatten)]
    pub storage: StorageArgs,
    /// `teams.yaml` of the Microsoft Teams tenant to import into through `/api/v1/teams/`; without it, the
    /// sandbox's simulated Graph when the manifest has a `graph` section.
    #[arg(long, value_name = "teams.yaml", conflicts_with = "no_sandbox")]
    pub teams_config: Option<PathBuf>,
    /// The Teams journal (SQLite); a later start with the same journal resumes.
    #[arg(long, value_name = "FILE", conflicts_with = "memory")]
    pub teams_journal: Option<PathBuf>,
}

/// Runs `ferry serve` until interrupted (Ctrl-C).
///
/// # Errors
/// When `--dist` holds no app, the address cannot be bound, the upstream or the journal cannot be opened, or
/// serving fails.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let web = WebApp::choose(args.dist.as_deref()).map_err(|message| anyhow!(message))?;
    if matches!(web, WebApp::Missing) {
        eprintln!("note: {HOW_TO_GET_THE_APP}; serving the API only");
    }
    if args.bind.is_unspecified() {
        bail!(
            "--bind {}: give the address of one interface (requests are checked against it)",
            args.bind
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(serve(args, web))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: Args, web: WebApp) -> anyhow::Result<()> {
    let address = SocketAddr::new(args.bind, args.port);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("could not listen on {address}"))?;
    let address = listener
        .local_addr()
        .context("the bound socket has no address")?;
    let token = api::new_token();
    let storage = args.storage.storage();
    let mut graph_manifest = None;
    let (client, sandbox, upstream, upstream_kind) = if args.no_sandbox {
        (None, None, "none".to_owned(), "none")
    } else if let Some(config) = &args.config {
        let client = PodClient::new(PodConfig::load(config)?)?;
        let upstream = client.agent_url().to_owned();
        (Some(client), None, upstream, "pod")
    } else {
        let config = SandboxConfig {
            control_token: Some(token.clone()),
            ..SandboxConfig::default()
        };
        // A manifest of the user's own replaces the demo dataset, whose usernames it may hold.
        let dataset = if args.manifest.is_some() { Dataset::None } else { Dataset::Demo };
        let (client, running) = start_local_pod(&storage, config, dataset).await?;
        if let Some(path) = &args.manifest {
            graph_manifest = apply_manifest(&running.sandbox, path)?.graph;
        }
        (
            Some(client),
            Some(running),
            local_pod::journal_upstream(&storage),
            "sandbox",
        )
    };
    let journal = if args.storage.memory {
        Journal::in_memory(&upstream)?
    } else {
        Journal::open(
            args.journal
                .as_deref()
                .unwrap_or(Path::new(DEFAULT_JOURNAL)),
            &upstream,
        )?
    };
    let state = AppState::new(Settings {
        token: token.clone(),
        address,
        client,
        journal,
        web,
        upstream_kind,
    })
    .map_err(|message| anyhow!(message))?;
    let teams = match (&args.teams_config, &sandbox, graph_manifest) {
        (Some(path), _, _) => {
            let config = TeamsConfig::load(path)?;
            Some((config.upstream(), config, "tenant"))
        }
        (None, Some(running), Some(graph)) => sandbox_teams_config(running.address, &graph)?
            .map(|config| (format!("{} (Graph)", local_pod::journal_upstream(&storage)), config, "sandbox")),
        _ => None,
    };
    let teams_line = teams.as_ref().map(|(_, config, _)| config.graph_url.clone());
    if let Some((upstream, config, upstream_kind)) = teams {
        let journal = if args.storage.memory {
            TeamsJournal::in_memory(&upstream)?
        } else {
            TeamsJournal::open(
                args.teams_journal
                    .as_deref()
                    .unwrap_or(Path::new(DEFAULT_TEAMS_JOURNAL)),
                &upstream,
            )?
        };
        let client = GraphClient::new(config)?;
        state
            .set_teams(api::TeamsSettings {
                client,
                journal,
                upstream_kind,
            })
            .map_err(|message| anyhow!(message))?;
    }
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "Ferry is running at http://{address}/#token={token}"
    )?;
    if let Some(graph_url) = teams_line {
        writeln!(stdout, "Teams imports go to the Graph at {graph_url}")?;
    }
    if let Some(running) = &sandbox {
        writeln!(
            stdout,
            "The sandbox Symphony answers at http://{} (service user {SERVICE_USER}; its /sandbox/v1/ paths need header {CONTROL_TOKEN_HEADER})",
            running.address
        )?;
    }
    stdout.flush()?;
    drop(stdout);
    let served = axum::serve(listener, api::app(state))
        .with_graceful_shutdown(async {
            // An error here means no signal handler could be installed: then serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .context("serving failed");
    if let Some(running) = sandbox {
        running.shutdown().await.context("stopping the sandbox")?;
    }
    served
}

/// The sandbox's simulated Graph as its first app with a client secret sees it; `None` without such an app.
fn sandbox_teams_config(
    address: SocketAddr,
    graph: &ferry_sandbox::graph::GraphManifest,
) -> anyhow::Result<Option<TeamsConfig>> {
    let Some((client_id, secret)) = graph
        .apps
        .iter()
        .find_map(|app| Some((app.client_id.clone(), app.client_secret.clone()?)))
    else {
        return Ok(None);
    };
    let tenant = &graph.tenant_id;
    let text = serde_json::json!({
        "tenantId": tenant,
        "clientId": client_id,
        "clientSecret": secret,
        "graphUrl": format!("http://{address}/graph/v1.0"),
        "tokenUrl": format!("http://{address}/oauth/{tenant}/oauth2/v2.0/token"),
    })
    .to_string();
    TeamsConfig::parse(&text, Path::new("."))
        .map(Some)
        .map_err(|message| anyhow!("the manifest's graph section: {message}"))
}

fn apply_manifest(sandbox: &ferry_sandbox::Sandbox, path: &Path) -> anyhow::Result<Manifest> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading manifest {}", path.display()))?;
    let mut manifest = Manifest::from_json(&bytes)?;
    manifest.resolve_key_paths(path.parent().unwrap_or_else(|| Path::new(".")))?;
    let summary = sandbox.apply_manifest(&manifest)?;
    eprintln!("{summary}");
    Ok(manifest)
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
        Wrapper::try_parse_from(std::iter::once("serve").chain(line.iter().copied()))
            .map(|wrapper| wrapper.args)
    }

    #[test]
    fn arguments_table() {
        let default = parse(&[]).unwrap();
        assert_eq!(default.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert!(default.config.is_none() && default.journal.is_none() && default.dist.is_none());
        let pod = parse(&[
            "--config",
            "bdk.yaml",
            "--journal",
            "j.sqlite3",
            "--port",
            "8080",
        ])
        .unwrap();
        assert_eq!(pod.config, Some(PathBuf::from("bdk.yaml")));
        for refused in [
            &["--journal", "j", "--memory"][..],
            &["--config", "a.yaml", "--no-sandbox"],
            &["--config", "a.yaml", "--manifest", "m.json"],
            &["--bind", "localhost"],
        ] {
            assert!(parse(refused).is_err(), "{refused:?}");
        }
    }

    #[test]
    fn refuses_a_folder_without_index_html_and_an_unspecified_bind() {
        let dist =
            std::env::temp_dir().join(format!("ferry-serve-test-{}-empty", std::process::id()));
        std::fs::create_dir_all(&dist).unwrap();
        let args = parse(&["--no-sandbox", "--dist", dist.to_str().unwrap()]).unwrap();
        let error = run(args).unwrap_err();
        assert!(error.to_string().contains("holds no index.html"), "{error}");
        std::fs::remove_dir_all(&dist).unwrap();
        let error = run(parse(&["--bind", "0.0.0.0", "--memory"]).unwrap()).unwrap_err();
        assert!(error.to_string().contains("one interface"), "{error}");
    }
}
