//! Sandbox-only paths, for tests and rehearsals: `GET /sandbox/v1/stats` (counters, see [`crate::Stats`]) and
//! `POST /sandbox/v1/sessions/expire` (ends every session now, so clients must authenticate again — the way
//! a test proves a client re-authenticates after 401).
//!
//! By default they need no token: the sandbox listens on 127.0.0.1. When [`crate::Config::control_token`] is
//! set (a sandbox merged into a router that others can reach), each of them requires header
//! [`CONTROL_TOKEN_HEADER`] with that value, compared in constant time, and answers 401 otherwise.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use subtle::ConstantTimeEq as _;

use crate::error::AppError;
use crate::Sandbox;

/// The header that carries the control token.
pub const CONTROL_TOKEN_HEADER: &str = "x-ferry-token";

/// The control paths, behind the token check when the configuration has a token.
pub(crate) fn routes(sandbox: &Arc<Sandbox>) -> Router<Arc<Sandbox>> {
    let router = Router::new()
        .route("/sandbox/v1/stats", get(stats))
        .route("/sandbox/v1/sessions/expire", post(expire_sessions));
    if sandbox.config().control_token.is_some() {
        router.route_layer(middleware::from_fn_with_state(Arc::clone(sandbox), require_control_token))
    } else {
        router
    }
}

/// Lets the request through only with the configured token in [`CONTROL_TOKEN_HEADER`].
async fn require_control_token(
    State(sandbox): State<Arc<Sandbox>>,
    request: Request,
    next: Next,
) -> Result<Response, AppError> {
    if let Some(expected) = &sandbox.config().control_token {
        let given = request.headers().get(CONTROL_TOKEN_HEADER).map(axum::http::HeaderValue::as_bytes);
        if !given.is_some_and(|given| bool::from(given.ct_eq(expected.as_bytes()))) {
            return Err(AppError::unauthorized(format!("Missing or wrong {CONTROL_TOKEN_HEADER} header")));
        }
    }
    Ok(next.run(request).await)
}

pub(crate) async fn stats(State(sandbox): State<Arc<Sandbox>>) -> Result<Json<crate::Stats>, AppError> {
    Ok(Json(sandbox.stats()?))
}

pub(crate) async fn expire_sessions(State(sandbox): State<Arc<Sandbox>>) -> Json<serde_json::Value> {
    let expired = sandbox.expire_sessions();
    Json(serde_json::json!({ "expired": expired }))
}
