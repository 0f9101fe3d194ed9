//! Errors: [`SandboxError`] for the library's own operations (opening state, applying a manifest), and
//! [`AppError`], the one error type every HTTP handler returns.
//!
//! Every error answer has the body Symphony documents (`V2Error` in the Agent API, `Error` in the login API):
//! `{"code": <the HTTP status as an integer>, "message": "<one sentence>"}`, content type `application/json`
//! (the BDK only deserializes JSON or plain-text error bodies).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// A failure of the sandbox itself: its state could not be opened, read or written, or a manifest or batch
/// it was asked to provision from is not usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// The SQLite state failed.
    #[error("sandbox state: {0}")]
    Storage(#[from] rusqlite::Error),
    /// A manifest or batch names something inconsistent (an unknown member, an unparsable key, ...).
    #[error("{0}")]
    Invalid(String),
    /// A manifest or batch file is not the JSON it should be.
    #[error("{what}: {source}")]
    Json {
        /// Which document.
        what: String,
        /// The parser's complaint.
        source: serde_json::Error,
    },
    /// A lock was poisoned by a panic in another request; the state can no longer be trusted.
    #[error("sandbox state is unavailable after an internal failure")]
    Poisoned,
}

/// The one error answer of the HTTP API: a status and a message, rendered as `{"code", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppError {
    /// HTTP status; also the `code` of the body.
    pub status: StatusCode,
    /// One sentence saying what was wrong; never contains a token or a message body.
    pub message: String,
    /// Seconds for a `Retry-After` header (429 answers).
    pub retry_after_seconds: Option<u64>,
}

impl AppError {
    /// An error with this status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AppError { status, message: message.into(), retry_after_seconds: None }
    }

    /// 400: the request itself is wrong.
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 401: missing, invalid or expired credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::UNAUTHORIZED, message)
    }

    /// 403: the caller is known but lacks the entitlement.
    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::FORBIDDEN, message)
    }

    /// 404: no such path or object.
    pub fn not_found(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::NOT_FOUND, message)
    }

    /// 413: the body is larger than the sandbox accepts.
    pub fn payload_too_large(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::PAYLOAD_TOO_LARGE, message)
    }

    /// 500: the sandbox failed.
    pub fn internal(message: impl Into<String>) -> Self {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<SandboxError> for AppError {
    fn from(error: SandboxError) -> Self {
        match error {
            SandboxError::Invalid(message) => AppError::bad_request(message),
            SandboxError::Json { what, source } => AppError::bad_request(format!("{what}: {source}")),
            other => {
                tracing::error!(error = %other, "sandbox failure");
                AppError::internal(other.to_string())
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "code": self.status.as_u16(), "message": self.message });
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
