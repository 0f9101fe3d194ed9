//! What every handler needs from a request: a bounded body, parsed JSON with a clear 400, and the caller
//! identified from its token headers.

use axum::body::Body;
use axum::http::{header, HeaderMap};
use http_body_util::{BodyExt as _, LengthLimitError, Limited};
use serde::de::DeserializeOwned;

use crate::auth::TokenKind;
use crate::error::AppError;
use crate::store::User;
use crate::{lock_or_recover, Sandbox};

/// Reads the whole body, refusing more than `limit` bytes with 413 (before reading, when `Content-Length`
/// already says so).
///
/// # Errors
/// 413 when the body is too large; 400 when it cannot be read.
pub(crate) async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<axum::body::Bytes, AppError> {
    let too_large = || {
        AppError::payload_too_large(format!("Request body is larger than the sandbox accepts ({limit} bytes)"))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok());
    if declared.is_some_and(|length| length > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(too_large());
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(error) => Err(AppError::bad_request(format!("Request body could not be read: {error}"))),
    }
}

/// Reads and parses a JSON body.
///
/// # Errors
/// As [`read_body`]; 400 when the body is not the JSON expected, naming what was wrong.
pub(crate) async fn read_json<T: DeserializeOwned>(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    body: Body,
    what: &str,
) -> Result<T, AppError> {
    let bytes = read_body(headers, body, sandbox.config().max_body_bytes).await?;
    serde_json::from_slice(&bytes).map_err(|error| AppError::bad_request(format!("Request body is not a valid {what}: {error}")))
}

/// The token in header `kind.header_name()` (matched case-insensitively, as HTTP header names are).
fn token(headers: &HeaderMap, kind: TokenKind) -> Result<&str, AppError> {
    headers
        .get(kind.header_name())
        .and_then(|value| value.to_str().ok())
        .filter(|value| !value.is_empty())
        .ok_or_else(|| AppError::unauthorized(format!("Missing {} header", kind.header_name())))
}

/// The user whose live session token is in `sessionToken`.
///
/// # Errors
/// 401 when the header is missing or the token is not a live session token.
pub(crate) fn session_user(sandbox: &Sandbox, headers: &HeaderMap) -> Result<User, AppError> {
    let session = token(headers, TokenKind::Session)?;
    let user_id = lock_or_recover(&sandbox.sessions).user_of(session, TokenKind::Session)?;
    user_record(sandbox, user_id)
}

/// The user calling the Agent: `sessionToken` and `keyManagerToken` both required, live, and of the same
/// user.
///
/// # Errors
/// 401 when either header is missing, either token is not live, or they belong to different users.
pub(crate) fn agent_user(sandbox: &Sandbox, headers: &HeaderMap) -> Result<User, AppError> {
    let session = token(headers, TokenKind::Session)?;
    let key_manager = token(headers, TokenKind::KeyManager)?;
    let (session_user, key_manager_user) = {
        let sessions = lock_or_recover(&sandbox.sessions);
        (sessions.user_of(session, TokenKind::Session)?, sessions.user_of(key_manager, TokenKind::KeyManager)?)
    };
    if session_user != key_manager_user {
        return Err(AppError::unauthorized("sessionToken and keyManagerToken belong to different users"));
    }
    user_record(sandbox, session_user)
}

fn user_record(sandbox: &Sandbox, user_id: i64) -> Result<User, AppError> {
    let store = sandbox.lock_store()?;
    match store.directory().user(user_id) {
        Some(user) if user.active => Ok(user.clone()),
        Some(_) => Err(AppError::unauthorized("The session's user has been deactivated")),
        None => Err(AppError::unauthorized("The session's user no longer exists")),
    }
}

/// Fails with 403 unless `user` holds `role`.
///
/// # Errors
/// 403 naming the missing role.
pub(crate) fn require_role(user: &User, role: &str, action: &str) -> Result<(), AppError> {
    if user.has_role(role) {
        Ok(())
    } else {
        Err(AppError::forbidden(format!("Caller lacks necessary entitlement: {action} requires the {role} role")))
    }
}

/// `value` without `null` members, at any depth: answers leave out fields that have no value, as BDK 2.x's
/// generated models refuse `null` for most fields.
pub(crate) fn without_nulls(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(members) => serde_json::Value::Object(
            members
                .into_iter()
                .filter(|(_, member)| !member.is_null())
                .map(|(name, member)| (name, without_nulls(member)))
                .collect(),
        ),
        serde_json::Value::Array(items) => serde_json::Value::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// The parsed query string, or 400 saying what was wrong with it.
///
/// # Errors
/// 400 when the query string does not parse into `T`.
pub(crate) fn query<T>(
    query: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, AppError> {
    query
        .map(|axum::extract::Query(value)| value)
        .map_err(|rejection| AppError::bad_request(format!("Invalid query: {}", rejection.body_text())))
}
