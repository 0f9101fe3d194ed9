//! The checks in front of every request, and the security headers on every answer.
//!
//! - `Host` (or the HTTP/2 authority) must name the bound address: `127.0.0.1:PORT`, `localhost:PORT`, or the
//!   `--bind` address; anything else is 421 `foreign_host`. A web page on another site whose name was made to
//!   resolve to 127.0.0.1 (DNS rebinding) sends its own name, so it is refused before any handler runs.
//! - `Origin`, when present on a state-changing request (anything but GET, HEAD, OPTIONS), must be this
//!   server's own origin (`http://` and one of those hosts); otherwise 403 `foreign_origin`.
//! - Under `/api/`, header `x-ferry-token` must hold the access token, compared in constant time; 401
//!   `missing_token` or `wrong_token` otherwise. A cookie is never enough: another site can make a browser send
//!   cookies, not a custom header (that needs CORS, which this server never grants).
//! - Every answer carries a strict Content-Security-Policy, `X-Content-Type-Options: nosniff`,
//!   `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` and `Cache-Control: no-store` for the API.
//!
//! Neither the token nor any header value is ever logged.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use subtle::ConstantTimeEq as _;

use super::{AppError, AppState, TOKEN_HEADER};

/// The `Host` values that name `address`: `IP:PORT`, and for a loopback address also `localhost:PORT` (and
/// the names without the port when it is 80, as browsers send them).
pub fn allowed_hosts(address: SocketAddr) -> Vec<String> {
    let port = address.port();
    let mut hosts = vec![address.to_string()];
    if address.ip().is_loopback() {
        hosts.push(format!("localhost:{port}"));
    }
    if port == 80 {
        let without_port: Vec<String> = hosts
            .iter()
            .filter_map(|host| host.rsplit_once(':').map(|(name, _)| name.to_owned()))
            .collect();
        hosts.extend(without_port);
    }
    hosts
}

/// Refuses a request whose `Host` does not name this server (421).
pub async fn check_host(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let host = request
        .uri()
        .authority()
        .map(|authority| authority.as_str().to_ascii_lowercase())
        .or_else(|| {
            request
                .headers()
                .get(header::HOST)
                .and_then(|value| value.to_str().ok())
                .map(str::to_ascii_lowercase)
        });
    match host {
        Some(host) if state.hosts.contains(&host) => next.run(request).await,
        Some(_) => AppError::new(
            StatusCode::MISDIRECTED_REQUEST,
            "foreign_host",
            format!(
                "This server answers only to the Host {}",
                state.hosts.join(" or ")
            ),
        )
        .into_response(),
        None => {
            AppError::bad_request("missing_host", "The request has no Host header").into_response()
        }
    }
}

/// Refuses a state-changing request from another origin (403).
pub async fn check_origin(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe {
        if let Some(origin) = request.headers().get(header::ORIGIN) {
            let origin = origin.to_str().unwrap_or_default().to_ascii_lowercase();
            if !state.origins.contains(&origin) {
                return AppError::new(
                    StatusCode::FORBIDDEN,
                    "foreign_origin",
                    "Requests that change state are accepted from this server's own pages only",
                )
                .into_response();
            }
        }
    }
    next.run(request).await
}

/// Lets an `/api/` request through only with the access token (401 otherwise).
pub async fn require_token(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    match request.headers().get(TOKEN_HEADER) {
        None => AppError::new(
            StatusCode::UNAUTHORIZED,
            "missing_token",
            format!("Give the access token `ferry serve` printed (the #token= part of its address) in header {TOKEN_HEADER}"),
        )
        .into_response(),
        Some(given) if bool::from(given.as_bytes().ct_eq(state.token.as_bytes())) => next.run(request).await,
        Some(_) => AppError::new(StatusCode::UNAUTHORIZED, "wrong_token", format!("Header {TOKEN_HEADER} holds a wrong token"))
            .into_response(),
    }
}

/// Adds the security headers to every answer.
pub async fn security_headers(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, state.csp.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if is_api {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_of_an_address() {
        let hosts = |text: &str| {
            allowed_hosts(
                text.parse()
                    .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0))),
            )
        };
        assert_eq!(
            hosts("127.0.0.1:8080"),
            ["127.0.0.1:8080", "localhost:8080"]
        );
        assert_eq!(hosts("192.168.1.5:9000"), ["192.168.1.5:9000"]);
        assert_eq!(hosts("[::1]:7000"), ["[::1]:7000", "localhost:7000"]);
        assert_eq!(
            hosts("127.0.0.1:80"),
            ["127.0.0.1:80", "localhost:80", "127.0.0.1", "localhost"]
        );
    }
}
