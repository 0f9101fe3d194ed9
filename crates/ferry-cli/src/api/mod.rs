//! `ferry serve`'s router: the web app, and the HTTP API under `/api/v1/` (documented in `docs/api.md`).
//!
//! Layers, outermost first: security headers on every answer ([`guard::security_headers`]); the `Host` check
//! against the bound address (DNS rebinding; 421); the `Origin` check on state-changing requests (403); then,
//! under `/api/` only, the access token in header `x-ferry-token` (401, compared in constant time) and the
//! body limit ([`MAX_BODY_BYTES`], 413).
//!
//! The only upstream is the pod the server was started with ([`Settings::client`]): no route takes a URL, a
//! host or a path to call, and every query or body with a member the route does not know is refused (400), so
//! a request naming another upstream never reaches a handler's logic.

mod error;
pub mod guard;
mod handlers;
pub mod teams;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::extract::DefaultBodyLimit;
use axum::http::HeaderValue;
use axum::routing::{get, post};
use axum::{middleware, Router};
use ferry_proxy::run::{Control, Progress};
use ferry_proxy::{Journal, PodClient};
use tokio::sync::watch;

pub use error::AppError;
pub use teams::TeamsSettings;

use crate::web_app::{content_security_policy, WebApp};

/// Largest request body the API reads (a batch of 5,000 records with attachments).
pub const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Most records in one `POST /api/v1/batches` (the Agent's documented recommendation per request).
pub const MAX_RECORDS_PER_BATCH: usize = 5_000;
/// The header carrying the access token.
pub const TOKEN_HEADER: &str = "x-ferry-token";

/// What the server is built from.
pub struct Settings {
    /// The access token every `/api/` call must carry (hex; see [`new_token`]).
    pub token: String,
    /// The address the listener is bound to (its real port).
    pub address: SocketAddr,
    /// The upstream pod; `None` serves the app without an import API (`--no-sandbox`).
    pub client: Option<Arc<PodClient>>,
    /// The journal of every record's fate.
    pub journal: Journal,
    /// Where the web app comes from.
    pub web: WebApp,
    /// What the upstream is, for `GET /api/v1/status` (`sandbox` or `pod`).
    pub upstream_kind: &'static str,
}

/// A run started through the API.
pub(crate) struct CurrentRun {
    pub id: i64,
    pub control: Arc<Control>,
    pub progress: watch::Receiver<Progress>,
    /// Set when the run ended with an error (the journal could not be written).
    pub error: Arc<Mutex<Option<String>>>,
    /// Set once the run's task has returned, whatever its progress says (a run that failed before its first
    /// request never published a final state).
    pub finished: Arc<AtomicBool>,
}

/// The server's state.
pub struct AppState {
    pub(crate) token: String,
    pub(crate) hosts: Vec<String>,
    pub(crate) origins: Vec<String>,
    pub(crate) client: Option<Arc<PodClient>>,
    pub(crate) journal: Arc<Mutex<Journal>>,
    pub(crate) run: Mutex<Option<CurrentRun>>,
    /// Held while a batch is taken in and while a run is being started: intake and runs never overlap.
    pub(crate) busy: tokio::sync::Mutex<()>,
    pub(crate) batches: AtomicUsize,
    pub(crate) web: WebApp,
    pub(crate) csp: HeaderValue,
    pub(crate) upstream_kind: &'static str,
    /// The Teams import, when the server has a Graph ([`AppState::set_teams`]).
    pub(crate) teams: OnceLock<teams::TeamsState>,
    /// A Teams run started through the API.
    pub(crate) teams_run: Mutex<Option<CurrentRun>>,
}

impl AppState {
    /// The state for `settings`.
    ///
    /// # Errors
    /// When the Content-Security-Policy cannot be a header value (it always can).
    pub fn new(settings: Settings) -> Result<Arc<AppState>, String> {
        let hosts = guard::allowed_hosts(settings.address);
        let origins = hosts.iter().map(|host| format!("http://{host}")).collect();
        let csp = content_security_policy(settings.web.index_html().as_deref());
        let csp = HeaderValue::try_from(csp)
            .map_err(|error| format!("Content-Security-Policy: {error}"))?;
        Ok(Arc::new(AppState {
            token: settings.token,
            hosts,
            origins,
            client: settings.client,
            journal: Arc::new(Mutex::new(settings.journal)),
            run: Mutex::new(None),
            busy: tokio::sync::Mutex::new(()),
            batches: AtomicUsize::new(0),
            web: settings.web,
            csp,
            upstream_kind: settings.upstream_kind,
            teams: OnceLock::new(),
            teams_run: Mutex::new(None),
        }))
    }

    /// Gives the server a Graph to import into Teams with (`/api/v1/teams/...`); once.
    ///
    /// # Errors
    /// When it was already given.
    pub fn set_teams(&self, settings: TeamsSettings) -> Result<(), String> {
        self.teams
            .set(teams::TeamsState::new(settings))
            .map_err(|_| "the server's Teams upstream is already set".to_owned())
    }

    pub(crate) fn teams_run(&self) -> MutexGuard<'_, Option<CurrentRun>> {
        self.teams_run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn current_run(&self) -> MutexGuard<'_, Option<CurrentRun>> {
        self.run
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A new access token: 32 random bytes from the OS's generator, as 64 hex digits.
pub fn new_token() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// The router: the API under `/api/` and the web app for everything else, behind the checks.
pub fn app(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/v1/status", get(handlers::status))
        .route("/v1/batches", post(handlers::post_batch))
        .route("/v1/runs", post(handlers::start_run))
        .route("/v1/runs/current", get(handlers::current_run))
        .route("/v1/runs/current/pause", post(handlers::pause_run))
        .route("/v1/runs/current/resume", post(handlers::resume_run))
        .route("/v1/runs/current/cancel", post(handlers::cancel_run))
        .route("/v1/records", get(handlers::records))
        .route("/v1/report.csv", get(handlers::report_csv))
        .route("/v1/report.json", get(handlers::report_json))
        .route("/v1/teams/status", get(teams::status))
        .route("/v1/teams/maps", post(teams::post_maps))
        .route("/v1/teams/batches", post(teams::post_batch))
        .route("/v1/teams/plan", get(teams::plan))
        .route("/v1/teams/preflight", get(teams::preflight))
        .route("/v1/teams/runs", post(teams::start_run))
        .route("/v1/teams/runs/current", get(teams::current_run))
        .route("/v1/teams/runs/current/pause", post(teams::pause_run))
        .route("/v1/teams/runs/current/resume", post(teams::resume_run))
        .route("/v1/teams/runs/current/cancel", post(teams::cancel_run))
        .route("/v1/teams/records", get(teams::records))
        .route("/v1/teams/report.csv", get(teams::report_csv))
        .route("/v1/teams/report.json", get(teams::report_json))
        .fallback(|| async {
            AppError::not_found("no_such_endpoint", "No such API endpoint (see docs/api.md)")
        })
        .method_not_allowed_fallback(|| async {
            AppError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "Method not allowed on this endpoint",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            guard::require_token,
        ))
        .with_state(Arc::clone(&state));
    let web_state = Arc::clone(&state);
    Router::new()
        .nest("/api", api)
        .fallback(move |method: axum::http::Method, uri: axum::http::Uri| {
            let state = Arc::clone(&web_state);
            async move { state.web.serve(&method, uri).await }
        })
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            guard::check_origin,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            guard::check_host,
        ))
        .layer(middleware::from_fn_with_state(
            state,
            guard::security_headers,
        ))
}
