//! The error answers of the simulated Microsoft Graph and of its token endpoint, each in the shape its real
//! counterpart uses, so a Graph client's own error handling is what gets tested:
//!
//! - Graph (`/graph/v1.0/...`): `{"error": {"code": "...", "message": "...", "innerError": {"date", "request-id",
//!   "client-request-id"}}}` with the HTTP status, `Retry-After` (seconds) on 429 and 503 (the Graph error
//!   responses reference, learn.microsoft.com/graph/errors).
//! - The Microsoft identity platform's token endpoint (`/oauth/{tenant}/oauth2/v2.0/token`): `{"error":
//!   "invalid_client", "error_description": "AADSTS7000215: ...", "error_codes": [7000215], "timestamp": "..."}`
//!   (the OAuth 2.0 client credentials flow reference, learn.microsoft.com/entra/identity-platform).
//!
//! Messages never contain a token, a secret or a message body.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::RngCore as _;

use crate::error::{AppError, SandboxError};

/// One error answer of the Graph paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Graph's error code, e.g. `BadRequest`, `Conflict`, `InvalidAuthenticationToken`.
    pub code: &'static str,
    /// One sentence saying what was wrong.
    pub message: String,
    /// Seconds for a `Retry-After` header (429 and 503 answers).
    pub retry_after_seconds: Option<u64>,
}

impl GraphError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> GraphError {
        GraphError { status, code, message: message.into(), retry_after_seconds: None }
    }

    /// 400 `BadRequest`: the request is wrong.
    pub fn bad_request(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 401 `InvalidAuthenticationToken`: no bearer token, or not a live one.
    pub fn unauthenticated(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", message)
    }

    /// 403 `Forbidden`: the caller may not do this.
    pub fn forbidden(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::FORBIDDEN, "Forbidden", message)
    }

    /// 404 `NotFound`.
    pub fn not_found(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::NOT_FOUND, "NotFound", message)
    }

    /// 409 `Conflict`.
    pub fn conflict(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::CONFLICT, "Conflict", message)
    }

    /// 413 `RequestEntityTooLarge`.
    pub fn too_large(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::PAYLOAD_TOO_LARGE, "RequestEntityTooLarge", message)
    }

    /// 429 `TooManyRequests` with `Retry-After`.
    pub fn throttled(retry_after_seconds: u64, message: impl Into<String>) -> GraphError {
        GraphError {
            retry_after_seconds: Some(retry_after_seconds),
            ..GraphError::new(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", message)
        }
    }

    /// 503 `ServiceNotAvailable` with `Retry-After`.
    pub fn unavailable(retry_after_seconds: u64, message: impl Into<String>) -> GraphError {
        GraphError {
            retry_after_seconds: Some(retry_after_seconds),
            ..GraphError::new(StatusCode::SERVICE_UNAVAILABLE, "ServiceNotAvailable", message)
        }
    }

    /// 500 `InternalServerError`: the sandbox failed.
    pub fn internal(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerError", message)
    }
}

impl From<SandboxError> for GraphError {
    fn from(error: SandboxError) -> GraphError {
        GraphError::from(AppError::from(error))
    }
}

/// The sandbox's shared helpers (bounded bodies, storage) answer [`AppError`]; on a Graph path the same status
/// is answered in Graph's shape.
impl From<AppError> for GraphError {
    fn from(error: AppError) -> GraphError {
        let code = match error.status {
            StatusCode::BAD_REQUEST => "BadRequest",
            StatusCode::UNAUTHORIZED => "InvalidAuthenticationToken",
            StatusCode::FORBIDDEN => "Forbidden",
            StatusCode::NOT_FOUND => "NotFound",
            StatusCode::PAYLOAD_TOO_LARGE => "RequestEntityTooLarge",
            StatusCode::TOO_MANY_REQUESTS => "TooManyRequests",
            _ => "InternalServerError",
        };
        GraphError {
            status: error.status,
            code,
            message: error.message,
            retry_after_seconds: error.retry_after_seconds,
        }
    }
}

impl IntoResponse for GraphError {
    fn into_response(self) -> Response {
        let request_id = request_id();
        let body = serde_json::json!({"error": {
            "code": self.code,
            "message": self.message,
            "innerError": {
                "date": ferry_core::teams::created_date_time(crate::now_millis()),
                "request-id": request_id,
                "client-request-id": request_id,
            },
        }});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// One error answer of the token endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OAuthError {
    /// 400 or 401.
    pub status: StatusCode,
    /// The OAuth 2.0 error, e.g. `invalid_client`, `invalid_request`, `unsupported_grant_type`.
    pub error: &'static str,
    /// The `AADSTS` number of the identity platform's error, e.g. 7000215 for a wrong client secret.
    pub aadsts: u32,
    /// What was wrong, after the `AADSTS<number>: ` prefix.
    pub description: String,
}

impl OAuthError {
    /// An error with this status, OAuth error, AADSTS number and description.
    pub fn new(status: StatusCode, error: &'static str, aadsts: u32, description: impl Into<String>) -> OAuthError {
        OAuthError { status, error, aadsts, description: description.into() }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let request_id = request_id();
        let body = serde_json::json!({
            "error": self.error,
            "error_description": format!("AADSTS{}: {} Trace ID: {request_id}", self.aadsts, self.description),
            "error_codes": [self.aadsts],
            "timestamp": ferry_core::teams::created_date_time(crate::now_millis()),
            "trace_id": request_id,
            "correlation_id": request_id,
        });
        (self.status, Json(body)).into_response()
    }
}

/// A random id in a GUID's layout, as Microsoft's services name each request.
pub(crate) fn request_id() -> String {
    let mut bytes = [0_u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    async fn answer(response: Response) -> (StatusCode, Option<String>, serde_json::Value) {
        let status = response.status();
        let retry_after = response.headers().get(header::RETRY_AFTER).map(|value| value.to_str().unwrap().to_owned());
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, retry_after, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn graph_errors_have_graphs_shape() {
        let table = [
            (GraphError::bad_request("x"), 400, "BadRequest", None),
            (GraphError::unauthenticated("x"), 401, "InvalidAuthenticationToken", None),
            (GraphError::conflict("x"), 409, "Conflict", None),
            (GraphError::throttled(2, "x"), 429, "TooManyRequests", Some("2")),
            (GraphError::unavailable(1, "x"), 503, "ServiceNotAvailable", Some("1")),
            (GraphError::from(AppError::payload_too_large("x")), 413, "RequestEntityTooLarge", None),
        ];
        for (error, status, code, retry_after) in table {
            let (answered, header, json) = answer(error.into_response()).await;
            assert_eq!(answered.as_u16(), status, "{code}");
            assert_eq!(header.as_deref(), retry_after, "{code}");
            assert_eq!(json["error"]["code"], code);
            assert_eq!(json["error"]["message"], "x");
            assert_eq!(json["error"]["innerError"]["request-id"].as_str().unwrap().len(), 36);
        }
    }

    #[tokio::test]
    async fn oauth_errors_have_the_identity_platforms_shape() {
        let error =
            OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7_000_215, "Invalid client secret provided.");
        let (status, _, json) = answer(error.into_response()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(json["error"], "invalid_client");
        assert!(json["error_description"].as_str().unwrap().starts_with("AADSTS7000215: Invalid client secret"));
        assert_eq!(json["error_codes"], serde_json::json!([7_000_215]));
    }
}
