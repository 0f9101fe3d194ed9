//! `POST /login/pubkey/authenticate` (pod) and `POST /relay/pubkey/authenticate` (key manager).
//!
//! Body `{"token": "<JWT>"}`; answer `{"name": "sessionToken" | "keyManagerToken", "token": "<opaque>"}`.
//! Any failure, including a body that is not that JSON, is 401 as the login API documents.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;

use crate::auth::{verify_jwt, TokenKind};
use crate::error::AppError;
use crate::request::read_body;
use crate::{lock_or_recover, now_millis, Sandbox};

/// Authentication bodies are one short JWT; anything longer is refused unread.
const MAX_LOGIN_BODY_BYTES: usize = 64 * 1024;

#[derive(Deserialize)]
struct AuthenticateRequest {
    token: Option<String>,
}

pub(crate) async fn session_authenticate(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, AppError> {
    authenticate(&sandbox, &headers, body, TokenKind::Session).await
}

pub(crate) async fn key_manager_authenticate(
    State(sandbox): State<Arc<Sandbox>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, AppError> {
    authenticate(&sandbox, &headers, body, TokenKind::KeyManager).await
}

async fn authenticate(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: Body,
    kind: TokenKind,
) -> Result<Json<serde_json::Value>, AppError> {
    let outcome = verify_and_issue(sandbox, headers, body, kind).await;
    if let Err(error) = &outcome {
        // The reason never contains the JWT itself.
        tracing::warn!(service = kind.header_name(), reason = error.message, "authentication refused");
    }
    outcome
}

async fn verify_and_issue(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: Body,
    kind: TokenKind,
) -> Result<Json<serde_json::Value>, AppError> {
    let bytes = read_body(headers, body, MAX_LOGIN_BODY_BYTES)
        .await
        .map_err(|error| AppError::unauthorized(error.message))?;
    let request: AuthenticateRequest = serde_json::from_slice(&bytes)
        .map_err(|error| AppError::unauthorized(format!("Request body must be {{\"token\": \"<JWT>\"}}: {error}")))?;
    let jwt = request.token.ok_or_else(|| AppError::unauthorized("Request body has no `token`"))?;
    let user_id = {
        let store = sandbox.lock_store()?;
        verify_jwt(store.directory(), &jwt, now_millis() / 1000)?
    };
    let token = lock_or_recover(&sandbox.sessions).issue(user_id, kind, sandbox.config.session_lifetime);
    let counter = match kind {
        TokenKind::Session => &sandbox.counters.session_logins,
        TokenKind::KeyManager => &sandbox.counters.key_manager_logins,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    tracing::info!(user_id, service = kind.header_name(), "authenticated");
    Ok(Json(serde_json::json!({ "name": kind.header_name(), "token": token })))
}
