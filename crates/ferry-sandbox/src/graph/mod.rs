//! A simulated Microsoft Graph for importing messages into Teams, on the sandbox's port beside the simulated
//! Symphony, faithful to what the import documentation and the Graph v1.0 reference say (sources: the seed
//! `teams-import-messages.txt` and `spec/apis-and-peers.md` §3; each module names its own):
//!
//! | path | what |
//! |---|---|
//! | `POST /oauth/{tenantId}/oauth2/v2.0/token` | client credentials → bearer token ([`oauth`]) |
//! | `GET /graph/v1.0/teams/{teamId}/channels/{channelId}`, `GET /graph/v1.0/chats/{chatId}` | the conversation, with `migrationMode` ([`conversations`]) |
//! | `POST .../startMigration`, `POST .../completeMigration` | migration mode on and off ([`conversations`]) |
//! | `POST .../messages` | import one message ([`messages`]) |
//! | `GET .../messages?$top&$skiptoken`, `GET .../messages/{id}`, `GET .../messages/{id}/hostedContents/{temporaryId}/$value` | read-back ([`messages`]) |
//!
//! (`...` is either conversation's path.) Real services: `https://graph.microsoft.com/v1.0` and
//! `https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token`; a client configured with the sandbox's
//! `http://127.0.0.1:PORT/graph/v1.0` and `http://127.0.0.1:PORT/oauth/{tenantId}/oauth2/v2.0/token` sends the
//! same requests.
//!
//! Invariants:
//! - Without a manifest `graph` section every path here answers 404 in Graph's (or the token endpoint's) error
//!   shape; so does any other path under `/graph/`.
//! - Every Graph error is `{"error": {"code", "message", "innerError"}}` ([`GraphError`]); every token endpoint
//!   error is the identity platform's `{"error", "error_description", "error_codes"}` ([`OAuthError`]).
//! - State is in the sandbox's SQLite database ([`store`]); only the throttle's buckets are in memory.
//! - Times (token expiry, throttling, "not in the future") are read from [`crate::Config::clock`].
//! - Never panics on request input; bodies are bounded; tokens, secrets and message bodies are never logged.

pub mod clock;
pub mod error;
pub mod manifest;

mod conversations;
mod messages;
mod oauth;
pub(crate) mod store;
pub(crate) mod throttle;
mod time;

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{any, get, post, MethodRouter};
use axum::Router;
use ferry_core::teams::Conversation;

pub use clock::Clock;
pub use error::{GraphError, OAuthError};
pub use manifest::{GraphApp, GraphChannel, GraphChat, GraphManifest, GraphTeam, GraphUser};

use crate::store::Store;
use crate::Sandbox;
use store::StoredConversation;

/// The prefix of Graph's paths in the sandbox, standing for `https://graph.microsoft.com/v1.0`.
pub const GRAPH_PREFIX: &str = "/graph/v1.0";

/// The Graph paths and the token endpoint.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    let mut router = Router::new()
        .route(
            "/oauth/{tenant_id}/oauth2/v2.0/token",
            post(oauth::token).fallback(|| async {
                OAuthError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "invalid_request",
                    900_561,
                    "The endpoint only accepts POST requests.",
                )
            }),
        )
        .route(
            "/graph/{*rest}",
            any(|| async { GraphError::not_found("Resource not found: no such Graph endpoint in the sandbox") }),
        );
    for conversation in ["/teams/{team_id}/channels/{channel_id}", "/chats/{chat_id}"] {
        let at = |suffix: &str| format!("{GRAPH_PREFIX}{conversation}{suffix}");
        router = router
            .route(&at(""), graph_method(get(conversations::get_conversation)))
            .route(&at("/startMigration"), graph_method(post(conversations::start_migration)))
            .route(&at("/completeMigration"), graph_method(post(conversations::complete_migration)))
            .route(&at("/messages"), graph_method(get(messages::list_messages).post(messages::post_message)))
            .route(&at("/messages/{message_id}"), graph_method(get(messages::get_message)))
            .route(
                &at("/messages/{message_id}/hostedContents/{hosted_content_id}/$value"),
                graph_method(get(messages::get_hosted_content)),
            );
    }
    router
}

/// A method router answering other methods with 405 in Graph's shape.
fn graph_method(router: MethodRouter<Arc<Sandbox>>) -> MethodRouter<Arc<Sandbox>> {
    router.fallback(|| async {
        GraphError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The HTTP method is not supported on this resource",
        )
    })
}

/// The conversation a request's path names: `{team_id}` and `{channel_id}`, or `{chat_id}` (decoded).
pub(crate) struct Target(pub(crate) Conversation);

impl<S: Send + Sync> FromRequestParts<S> for Target {
    type Rejection = GraphError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Target, GraphError> {
        let Path(mut ids) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| GraphError::bad_request(format!("Invalid path: {}", rejection.body_text())))?;
        match (ids.remove("team_id"), ids.remove("channel_id"), ids.remove("chat_id")) {
            (Some(team_id), Some(channel_id), None) => Ok(Target(Conversation::Channel { team_id, channel_id })),
            (None, None, Some(chat_id)) => Ok(Target(Conversation::Chat { chat_id })),
            _ => Err(GraphError::not_found("Resource not found: the path names no channel or chat")),
        }
    }
}

/// Runs `work` on the blocking pool with the state locked and the current time of [`crate::Config::clock`].
///
/// # Errors
/// What `work` answers; 500 when the state is unavailable or the task failed.
pub(crate) async fn with_store<T: Send + 'static>(
    sandbox: &Arc<Sandbox>,
    work: impl FnOnce(&mut Store, i64) -> Result<T, GraphError> + Send + 'static,
) -> Result<T, GraphError> {
    let sandbox = Arc::clone(sandbox);
    tokio::task::spawn_blocking(move || {
        let mut store = sandbox.lock_store()?;
        let now = sandbox.config.clock.now_millis();
        work(&mut store, now)
    })
    .await
    .map_err(|error| GraphError::internal(format!("The sandbox failed: {error}")))?
}

/// What every conversation path checks first, in Graph's order: Graph is configured (else 404), the bearer
/// token is live (else 401), the conversation exists (else 404). Answers the calling app's client id, the
/// conversation and the tenant id.
///
/// # Errors
/// As listed; 500 when SQLite fails.
pub(crate) fn resolve(
    store: &Store,
    headers: &HeaderMap,
    now: i64,
    conversation: &Conversation,
) -> Result<(String, StoredConversation, String), GraphError> {
    let connection = store.connection();
    let tenant = store::tenant(connection)?.ok_or_else(|| {
        GraphError::not_found("Graph is not configured in this sandbox: its manifest has no `graph` section")
    })?;
    let app = oauth::caller(connection, headers, now)?;
    let stored = store::load_conversation(connection, &conversation.path())?.ok_or_else(|| match conversation {
        Conversation::Channel { team_id, channel_id } => {
            GraphError::not_found(format!("Channel {channel_id} of team {team_id} not found"))
        }
        Conversation::Chat { chat_id } => GraphError::not_found(format!("Chat {chat_id} not found")),
    })?;
    Ok((app, stored, tenant.tenant_id))
}

/// `http://{Host}/graph/v1.0`: the Graph root as the client called it, for `@odata.nextLink` and contexts.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| !host.is_empty() && host.bytes().all(|byte| byte.is_ascii_graphic() && byte != b'/'))
        .unwrap_or("localhost");
    format!("http://{host}{GRAPH_PREFIX}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_base_url_is_the_address_the_client_called_when_it_is_a_plain_host() {
        let table = [
            (Some("127.0.0.1:8765"), "http://127.0.0.1:8765/graph/v1.0"),
            (Some("localhost"), "http://localhost/graph/v1.0"),
            (None, "http://localhost/graph/v1.0"),
            (Some(""), "http://localhost/graph/v1.0"),
            (Some("evil.example/path"), "http://localhost/graph/v1.0"),
            (Some("a b"), "http://localhost/graph/v1.0"),
        ];
        for (host, expected) in table {
            let mut headers = HeaderMap::new();
            if let Some(host) = host {
                headers.insert(header::HOST, host.parse().unwrap());
            }
            assert_eq!(base_url(&headers), expected, "{host:?}");
        }
    }
}
