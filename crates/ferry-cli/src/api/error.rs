//! The API's one error type: every error answer is `{"code", "message"}` (and, for a refused batch, its
//! `diagnostics`) with a JSON content type.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ferry_proxy::ProxyError;

/// An error answer.
#[derive(Debug)]
pub struct AppError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code, e.g. `missing_token`.
    pub code: &'static str,
    /// What went wrong and what to do, for people.
    pub message: String,
    /// Findings, for a refused batch.
    pub diagnostics: Option<serde_json::Value>,
}

impl AppError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            diagnostics: None,
        }
    }

    /// 400.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::CONFLICT, code, message)
    }

    /// 500, for failures of the server itself (the journal, a task).
    pub fn internal(message: impl Into<String>) -> AppError {
        AppError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// Adds findings.
    #[must_use]
    pub fn with_diagnostics(mut self, diagnostics: serde_json::Value) -> AppError {
        self.diagnostics = Some(diagnostics);
        self
    }
}

impl From<ProxyError> for AppError {
    fn from(error: ProxyError) -> AppError {
        match error {
            // The pod failed or refused a look-up: the upstream's fault, not this server's.
            ProxyError::Call(error) => AppError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_failed",
                error.to_string(),
            ),
            ProxyError::Refused(message) => AppError::conflict("refused", message),
            other => AppError::internal(other.to_string()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({ "code": self.code, "message": self.message });
        if let Some(diagnostics) = self.diagnostics {
            body["diagnostics"] = diagnostics;
        }
        (self.status, Json(body)).into_response()
    }
}
