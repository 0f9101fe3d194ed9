//! An embedded Symphony for rehearsals and tests: the pod's RSA login, the key manager's relay, the Agent's
//! message import and read-back, and the pod calls a migration needs, on one port, faithful enough that the
//! official BDK works against it unchanged.
//!
//! Build the router with [`app`] over a [`Sandbox`] (the state), and serve it with [`server::serve`] or
//! [`server::spawn`]. Paths (one port; the BDK's `scheme`/`host`/`port` config points all of them here):
//!
//! | path | what |
//! |---|---|
//! | `POST /login/pubkey/authenticate`, `POST /relay/pubkey/authenticate` | RSA JWT → opaque token |
//! | `POST /agent/v4/message/import` | import (see [`import`]) |
//! | `GET /agent/v4/stream/{sid}/message?since&until&skip&limit` | read back imported messages (`V4Message`) |
//! | `GET /agent/v1/stream/{sid}/attachment?messageId&fileId` | download an imported attachment (base64) |
//! | `GET /pod/v2/sessioninfo` | who the session belongs to (`UserV2` with `roles`) |
//! | `GET /pod/v3/users?uid=\|email=\|username=&local=&active=` | look users up (`V2UserList`; 204 when none) |
//! | `GET /pod/v2/admin/user/{uid}` | a user's admin record (`V2UserDetail`, status `ENABLED`/`DISABLED`) |
//! | `GET /pod/v2/streams/{sid}/info` | a stream's attributes (`V2StreamAttributes`) |
//! | `GET /pod/v1/admin/stream/{id}/membership/list?skip&limit` | a stream's members (`V2MembershipList`) |
//! | `POST /pod/v2/admin/user/create`, `POST /pod/v1/admin/user/{uid}/status/update` | provision, (de)activate users |
//! | `POST /pod/v3/room/create`, `POST /pod/v1/admin/im/create` | create rooms and admin IMs |
//! | `POST /pod/v1/room/{id}/membership/add`, `.../remove` (and under `/pod/v1/admin/room/`) | room membership |
//! | `POST /pod/v1/admin/room/{id}/setActive?active=`, `POST /pod/v1/room/{id}/setActive?active=` | (de)activate streams |
//! | `GET /sandbox/v1/stats`, `POST /sandbox/v1/sessions/expire` | sandbox-only: counters, end every session now; behind `x-ferry-token` when [`Config::control_token`] is set |
//! | `POST /oauth/{tenantId}/oauth2/v2.0/token`, `/graph/v1.0/...` | a simulated Microsoft Graph for Teams import, when the manifest has a `graph` section (see [`graph`]) |
//!
//! Invariants:
//! - Every error answer of the Symphony paths is `{"code", "message"}` with a JSON content type ([`AppError`]);
//!   the Graph paths answer in Graph's shape ([`graph::GraphError`]).
//! - A request that fails as a whole stores nothing; a failing message never fails the others.
//! - Never panics on request input; bodies are bounded ([`Config::max_body_bytes`]) and so is the number of
//!   messages per import ([`Config::max_messages_per_request`]).
//! - Tokens and message bodies are never logged.

pub mod auth;
pub mod bench;
pub mod error;
pub mod faults;
pub mod graph;
pub mod ids;
pub mod import;
pub mod manifest;
pub mod server;
pub mod store;

mod agent;
mod control;
mod login;
mod pod;
mod request;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;

pub use control::CONTROL_TOKEN_HEADER;
pub use error::{AppError, SandboxError};
pub use faults::FaultConfig;
pub use graph::Clock;
pub use manifest::{BatchNeeds, Manifest, ProvisionSummary};
pub use store::Storage;

use auth::{Sessions, TokenKind};
use faults::Faults;
use store::Store;

/// How the sandbox behaves.
#[derive(Clone, PartialEq)]
pub struct Config {
    /// How long a session or key manager token stays valid. Real pods use 1 hour to 2 weeks.
    pub session_lifetime: Duration,
    /// Largest request body accepted, in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// Most messages accepted in one import request; more get 400.
    pub max_messages_per_request: usize,
    /// Faults on demand; `None` (the default) injects none.
    pub faults: Option<FaultConfig>,
    /// When set, the sandbox-only control paths (`/sandbox/v1/...`) require header `x-ferry-token` with this
    /// value (compared in constant time), and answer 401 otherwise. `None` (the default) leaves them open, as
    /// suits a sandbox listening on 127.0.0.1 for one user.
    pub control_token: Option<String>,
    /// The clock the Graph side reads (token expiry, throttling, "not in the future"): the system's by default,
    /// a manual one in tests. The Symphony side reads the system clock.
    pub clock: Clock,
}

/// Written by hand so that the control token never reaches a log through `{:?}`.
impl std::fmt::Debug for Config {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Config")
            .field("session_lifetime", &self.session_lifetime)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("max_messages_per_request", &self.max_messages_per_request)
            .field("faults", &self.faults)
            .field("control_token", &self.control_token.as_ref().map(|_| "<redacted>"))
            .field("clock", &self.clock)
            .finish()
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            session_lifetime: Duration::from_secs(60 * 60),
            // A 5,000-message batch without attachments is a few MB; attachments may make a batch large,
            // and 100 MiB still refuses runaway bodies before they exhaust memory.
            max_body_bytes: 100 * 1024 * 1024,
            // Twice the documented recommendation of 5,000 per request.
            max_messages_per_request: 10_000,
            faults: None,
            control_token: None,
            clock: Clock::System,
        }
    }
}

/// Counters, for tests and the bench.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// Successful `/login/pubkey/authenticate` calls.
    pub session_logins: u64,
    /// Successful `/relay/pubkey/authenticate` calls.
    pub key_manager_logins: u64,
    /// Import requests that passed authentication.
    pub import_requests: u64,
    /// Messages stored by imports since start.
    pub messages_imported: u64,
    /// Faults injected.
    pub faults_injected: u64,
    /// Messages in the state (including earlier runs).
    pub messages_stored: u64,
    /// Graph message POSTs that passed authentication and throttling (including those answered with an
    /// injected fault).
    pub graph_message_posts: u64,
    /// Messages stored by Graph imports since start.
    pub graph_messages_imported: u64,
    /// Graph messages in the state (including earlier runs).
    pub graph_messages_stored: u64,
}

#[derive(Debug, Default)]
struct Counters {
    session_logins: AtomicU64,
    key_manager_logins: AtomicU64,
    import_requests: AtomicU64,
    messages_imported: AtomicU64,
    faults_injected: AtomicU64,
    graph_message_posts: AtomicU64,
    graph_messages_imported: AtomicU64,
}

/// The sandbox's state: configuration, storage, live sessions, fault injection, Graph's throttle and counters.
pub struct Sandbox {
    config: Config,
    store: Mutex<Store>,
    sessions: Mutex<Sessions>,
    faults: Option<Faults>,
    graph_throttle: graph::throttle::Throttle,
    counters: Counters,
}

impl Sandbox {
    /// Opens the state (creating it when needed).
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when the state cannot be opened; [`SandboxError::Invalid`] for a fault rate
    /// outside 0..=1.
    pub fn open(storage: &Storage, config: Config) -> Result<Arc<Sandbox>, SandboxError> {
        let store = Store::open(storage)?;
        let faults = config.faults.map(Faults::new).transpose()?;
        Ok(Arc::new(Sandbox {
            config,
            store: Mutex::new(store),
            sessions: Mutex::new(Sessions::default()),
            faults,
            graph_throttle: graph::throttle::Throttle::new(ferry_core::teams::MESSAGES_PER_SECOND_PER_CONVERSATION),
            counters: Counters::default(),
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Applies a manifest (idempotent; see [`manifest`]).
    ///
    /// # Errors
    /// As [`manifest::apply_manifest`].
    pub fn apply_manifest(&self, manifest: &Manifest) -> Result<ProvisionSummary, SandboxError> {
        manifest::apply_manifest(&mut *self.lock_store()?, manifest)
    }

    /// Creates the users, streams and memberships that batches need (see [`manifest::provision_needs`]).
    ///
    /// # Errors
    /// As [`manifest::provision_needs`].
    pub fn provision(&self, needs: &BatchNeeds) -> Result<ProvisionSummary, SandboxError> {
        manifest::provision_needs(&mut *self.lock_store()?, needs, now_millis())
    }

    /// Ends every live session, so each client's next call gets 401 and it must authenticate again.
    /// Returns how many tokens were ended.
    pub fn expire_sessions(&self) -> usize {
        lock_or_recover(&self.sessions).expire_all()
    }

    /// Issues a session token and a key manager token for `username` without a JWT, for in-process callers
    /// that hold the sandbox itself (the bench, tests).
    ///
    /// # Errors
    /// [`SandboxError::Invalid`] for an unknown username.
    pub fn issue_tokens(&self, username: &str) -> Result<(String, String), SandboxError> {
        let user_id = self
            .lock_store()?
            .directory()
            .user_by_name(username)
            .map(|user| user.id)
            .ok_or_else(|| SandboxError::Invalid(format!("unknown user `{username}`")))?;
        let mut sessions = lock_or_recover(&self.sessions);
        let lifetime = self.config.session_lifetime;
        Ok((sessions.issue(user_id, TokenKind::Session, lifetime), sessions.issue(user_id, TokenKind::KeyManager, lifetime)))
    }

    /// Current counters.
    ///
    /// # Errors
    /// [`SandboxError::Storage`] when the stored message count cannot be read.
    pub fn stats(&self) -> Result<Stats, SandboxError> {
        let (messages_stored, graph_messages_stored) = {
            let store = self.lock_store()?;
            (store.message_count()?, graph::store::message_count(store.connection())?)
        };
        let counters = &self.counters;
        Ok(Stats {
            session_logins: counters.session_logins.load(Ordering::Relaxed),
            key_manager_logins: counters.key_manager_logins.load(Ordering::Relaxed),
            import_requests: counters.import_requests.load(Ordering::Relaxed),
            messages_imported: counters.messages_imported.load(Ordering::Relaxed),
            faults_injected: counters.faults_injected.load(Ordering::Relaxed),
            messages_stored,
            graph_message_posts: counters.graph_message_posts.load(Ordering::Relaxed),
            graph_messages_imported: counters.graph_messages_imported.load(Ordering::Relaxed),
            graph_messages_stored,
        })
    }

    /// The state, with the directory reloaded if another process changed the file.
    fn lock_store(&self) -> Result<MutexGuard<'_, Store>, SandboxError> {
        lock_fresh_store(&self.store)
    }
}

/// Locks the state and reloads the directory if another process changed the file.
///
/// # Errors
/// [`SandboxError::Poisoned`] after a panic while the lock was held; [`SandboxError::Storage`] when SQLite
/// fails.
fn lock_fresh_store(store: &Mutex<Store>) -> Result<MutexGuard<'_, Store>, SandboxError> {
    let mut guard = store.lock().map_err(|_| SandboxError::Poisoned)?;
    guard.refresh_if_changed()?;
    Ok(guard)
}

/// Sessions hold no invariant a panic could break halfway (each operation is one map call), so a poisoned
/// lock is still usable.
fn lock_or_recover<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// The current time in milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
}

/// The router: every path of the table in the crate docs, with JSON 404/405 answers for anything else.
pub fn app(sandbox: Arc<Sandbox>) -> Router {
    routes(sandbox)
        .fallback(|| async { AppError::not_found("No such endpoint in the sandbox") })
        .method_not_allowed_fallback(|| async {
            AppError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, "Method not allowed on this endpoint")
        })
}

/// The sandbox's paths without fallbacks, to merge into another router (`ferry serve` serves the web app and
/// the sandbox on one port: `Router::merge` refuses two routers that both have a fallback). Served by anything
/// other than [`server::serve`], the connection-dropping faults answer 500 instead, having no connection handle.
pub fn routes(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .route("/login/pubkey/authenticate", post(login::session_authenticate))
        .route("/relay/pubkey/authenticate", post(login::key_manager_authenticate))
        .route("/agent/v4/message/import", post(agent::import_messages))
        .route("/agent/v4/stream/{sid}/message", get(agent::list_messages))
        .route("/agent/v1/stream/{sid}/attachment", get(agent::download_attachment))
        .route("/pod/v2/sessioninfo", get(pod::session_info))
        .route("/pod/v2/admin/user/create", post(pod::create_user))
        .route("/pod/v1/admin/user/{uid}/status/update", post(pod::update_user_status))
        .route("/pod/v3/room/create", post(pod::create_room))
        .route("/pod/v1/admin/im/create", post(pod::create_admin_im))
        .route("/pod/v1/room/{id}/membership/{action}", post(pod::change_member))
        .route("/pod/v1/admin/room/{id}/membership/{action}", post(pod::change_member))
        .route("/pod/v1/admin/room/{id}/setActive", post(pod::admin_set_stream_active))
        .route("/pod/v1/room/{id}/setActive", post(pod::set_room_active))
        .route("/pod/v3/users", get(pod::list_users))
        .route("/pod/v2/admin/user/{uid}", get(pod::user_detail))
        .route("/pod/v2/streams/{sid}/info", get(pod::stream_info))
        .route("/pod/v1/admin/stream/{id}/membership/list", get(pod::stream_members))
        .merge(graph::routes())
        .merge(control::routes(&sandbox))
        .with_state(sandbox)
}
