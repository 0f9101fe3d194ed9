//! Sandbox-only paths, for tests and rehearsals: `GET /sandbox/v1/stats` (counters, see [`crate::Stats`]) and
//! `POST /sandbox/v1/sessions/expire` (ends every session now, so clients must authenticate again — the way
//! a test proves a client re-authenticates after 401). They need no token: the sandbox listens on 127.0.0.1.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;

use crate::error::AppError;
use crate::Sandbox;

pub(crate) async fn stats(State(sandbox): State<Arc<Sandbox>>) -> Result<Json<crate::Stats>, AppError> {
    Ok(Json(sandbox.stats()?))
}

pub(crate) async fn expire_sessions(State(sandbox): State<Arc<Sandbox>>) -> Json<serde_json::Value> {
    let expired = sandbox.expire_sessions();
    Json(serde_json::json!({ "expired": expired }))
}
