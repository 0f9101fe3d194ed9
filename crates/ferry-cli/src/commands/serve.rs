//! `ferry serve`: serves the built web app (trunk's `dist/`) and, by default, the embedded sandbox Symphony
//! (pod login, key manager, Agent import) on one port of 127.0.0.1.
//!
//! Binds 127.0.0.1 only, never another interface: the app checks files that must not leave the machine.
//! Prints `Ferry is running at http://127.0.0.1:PORT/` once the socket is bound, so a caller that starts it
//! with `--port 0` can read the address from the first line of stdout. The sandbox answers on the same address
//! (`/login`, `/relay`, `/agent`, `/pod`), so a BDK configured with that host and port imports into it.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use axum::Router;
use ferry_sandbox::{Config as SandboxConfig, Sandbox};
use std::sync::Arc;
use tower_http::services::ServeDir;

use super::sandbox::{open_sandbox, StorageArgs};

/// Arguments of `ferry serve`.
#[derive(clap::Args)]
pub struct Args {
    /// Port on 127.0.0.1; 0 picks a free one (the address is printed).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Folder of the built web app (`trunk build --release` writes `dist/`).
    #[arg(long, default_value = "dist")]
    pub dist: PathBuf,
    /// Serve the web app only, without the embedded sandbox Symphony.
    #[arg(long)]
    pub no_sandbox: bool,
    /// Manifest of service users, users and streams to provision in the sandbox at start (JSON).
    #[arg(long, value_name = "FILE", conflicts_with = "no_sandbox")]
    pub manifest: Option<PathBuf>,
    #[command(flatten)]
    pub storage: StorageArgs,
}

/// The router serving `dist` (its files, and `index.html` for `/` and for every folder), behind the sandbox's
/// paths when there is a sandbox.
pub fn app(dist: &Path, sandbox: Option<Arc<Sandbox>>) -> Router {
    let files = ServeDir::new(dist).append_index_html_on_directories(true);
    match sandbox {
        Some(sandbox) => ferry_sandbox::routes(sandbox).fallback_service(files),
        None => Router::new().fallback_service(files),
    }
}

/// Runs `ferry serve` until interrupted (Ctrl-C).
///
/// # Errors
/// When `dist` holds no `index.html` (the app was not built), the port cannot be bound, or serving fails.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    if !args.dist.join("index.html").is_file() {
        bail!(
            "{} holds no index.html: build the web app first (`cargo xtask serve` does it, or `trunk build --release`)",
            args.dist.display()
        );
    }
    let sandbox = if args.no_sandbox {
        None
    } else {
        Some(open_sandbox(&args.storage, args.manifest.as_deref(), SandboxConfig::default())?)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(serve(args.port, app(&args.dist, sandbox.clone()), sandbox.is_some()))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(port: u16, router: Router, with_sandbox: bool) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .with_context(|| format!("could not listen on 127.0.0.1:{port}"))?;
    let address = listener.local_addr().context("the bound socket has no address")?;
    println!("Ferry is running at http://{address}/");
    if with_sandbox {
        println!("The sandbox Symphony answers at the same address: POST http://{address}/agent/v4/message/import");
    }
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            // An error here means no signal handler could be installed: then serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await
        .context("serving the web app failed")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    /// A fresh folder holding a built app's shape: `index.html`, a wasm file, and a sub-folder with its own index.
    fn built_app(name: &str) -> PathBuf {
        let dist = std::env::temp_dir().join(format!("ferry-serve-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dist);
        std::fs::create_dir_all(dist.join("plain-js")).unwrap();
        std::fs::write(dist.join("index.html"), "<!doctype html><title>app</title>").unwrap();
        std::fs::write(dist.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        std::fs::write(dist.join("plain-js/index.html"), "plain").unwrap();
        dist
    }

    #[tokio::test]
    async fn serves_files_with_their_types_and_index_for_folders() {
        let dist = built_app("types");
        let cases = [
            ("/", StatusCode::OK, Some("text/html"), Some("<!doctype html><title>app</title>")),
            ("/index.html", StatusCode::OK, Some("text/html"), None),
            ("/app_bg.wasm", StatusCode::OK, Some("application/wasm"), None),
            ("/plain-js/", StatusCode::OK, Some("text/html"), Some("plain")),
            ("/missing.js", StatusCode::NOT_FOUND, None, None),
            ("/../Cargo.toml", StatusCode::NOT_FOUND, None, None),
        ];
        for (path, status, content_type, body) in cases {
            let response =
                app(&dist, None).oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
            assert_eq!(response.status(), status, "{path}");
            if let Some(content_type) = content_type {
                let actual = response.headers()["content-type"].to_str().unwrap();
                assert!(actual.starts_with(content_type), "{path}: {actual}");
            }
            if let Some(body) = body {
                let bytes = response.into_body().collect().await.unwrap().to_bytes();
                assert_eq!(bytes, body.as_bytes(), "{path}");
            }
        }
        std::fs::remove_dir_all(&dist).unwrap();
    }

    fn memory_storage() -> StorageArgs {
        StorageArgs { state: None, memory: true }
    }

    #[tokio::test]
    async fn serves_the_sandbox_beside_the_app() {
        let dist = built_app("sandbox");
        let sandbox = open_sandbox(&memory_storage(), None, SandboxConfig::default()).unwrap();
        let router = app(&dist, Some(sandbox));
        let page = router.clone().oneshot(Request::get("/").body(Body::empty()).unwrap()).await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        // A forged token reaches the sandbox's login, which answers 401 with the documented JSON error body.
        let login = Request::post("/login/pubkey/authenticate")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"token":"not.a.jwt"}"#))
            .unwrap();
        let response = router.clone().oneshot(login).await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value =
            serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
        assert_eq!(body["code"], 401, "{body}");
        // Without a session token the Agent import is refused, as the real Agent does.
        let import = Request::post("/agent/v4/message/import").body(Body::from("[]")).unwrap();
        assert_eq!(router.oneshot(import).await.unwrap().status(), StatusCode::UNAUTHORIZED);
        std::fs::remove_dir_all(&dist).unwrap();
    }

    #[test]
    fn refuses_a_folder_without_index_html() {
        let dist = std::env::temp_dir().join(format!("ferry-serve-test-{}-empty", std::process::id()));
        std::fs::create_dir_all(&dist).unwrap();
        let args = Args { port: 0, dist: dist.clone(), no_sandbox: true, manifest: None, storage: memory_storage() };
        let error = run(args).unwrap_err();
        assert!(error.to_string().contains("holds no index.html"), "{error}");
        std::fs::remove_dir_all(&dist).unwrap();
    }
}
