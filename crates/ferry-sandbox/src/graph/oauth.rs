//! The token endpoint, `POST /oauth/{tenantId}/oauth2/v2.0/token` (the identity platform's
//! `https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token`), for the OAuth 2.0 client credentials grant
//! that application permissions such as `Teamwork.Migrate.All` need, and the check of the bearer tokens it
//! issues on every Graph call.
//!
//! The form (`application/x-www-form-urlencoded`): `grant_type=client_credentials`, `client_id`, `scope` (a
//! resource's `/.default`, here Graph's: `https://graph.microsoft.com/.default`), and either `client_secret` or
//! `client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer` with `client_assertion`, a JWT
//! signed RS256 with the private key of a certificate registered for the app (claims `aud` = the token endpoint,
//! `iss` = `sub` = the client id, `exp`, optionally `nbf`; `aud` is accepted at any host, so a client pointed at
//! the sandbox signs for the sandbox's address). Answer: `{"token_type": "Bearer", "expires_in": N,
//! "ext_expires_in": N, "access_token": "..."}`. Errors carry the identity platform's AADSTS numbers (see
//! [`super::error::OAuthError`]). Tokens are opaque (the real ones are JWTs that clients must not read anyway)
//! and expire after the manifest's `tokenLifetimeSeconds` on the sandbox's clock; a Graph call with no token,
//! an unknown one or an expired one gets 401 `InvalidAuthenticationToken`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use super::error::{GraphError, OAuthError};
use super::store::{self, App};
use crate::Sandbox;

/// The only scope a Graph app-only token is asked with.
const GRAPH_DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

/// The `client_assertion_type` of a certificate credential.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest client assertion accepted, in bytes (an RS256 JWT with a 4096-bit key and an `x5c` chain is a few KiB).
const MAX_ASSERTION_BYTES: usize = 16 * 1024;

pub(crate) async fn token(
    State(sandbox): State<Arc<Sandbox>>,
    Path(tenant_id): Path<String>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Result<Json<serde_json::Value>, OAuthError> {
    let Form(form) = form.map_err(|rejection| {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900_144,
            format!("The request body must be an application/x-www-form-urlencoded form: {}", rejection.body_text()),
        )
    })?;
    let now = sandbox.config.clock.now_millis();
    let worker = Arc::clone(&sandbox);
    tokio::task::spawn_blocking(move || issue_token(&worker, &tenant_id, &form, now)).await.map_err(|error| {
        OAuthError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", 90_000, error.to_string())
    })?
}

fn issue_token(
    sandbox: &Sandbox,
    tenant_id: &str,
    form: &HashMap<String, String>,
    now: i64,
) -> Result<Json<serde_json::Value>, OAuthError> {
    let storage_failure = |error: crate::SandboxError| {
        OAuthError::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", 90_000, error.to_string())
    };
    let store = sandbox.lock_store().map_err(storage_failure)?;
    let tenant = store::tenant(store.connection()).map_err(storage_failure)?;
    let tenant = tenant.filter(|tenant| tenant.tenant_id.eq_ignore_ascii_case(tenant_id)).ok_or_else(|| {
        let description = format!(
            "Tenant '{tenant_id}' not found. Check to make sure you have the correct tenant ID and are signing into \
             the correct cloud."
        );
        OAuthError::new(StatusCode::BAD_REQUEST, "invalid_request", 90_002, description)
    })?;
    let field = |name: &'static str| form.get(name).map(String::as_str).filter(|value| !value.is_empty());
    let missing = |name: &str| {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            900_144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    };
    let grant_type = field("grant_type").ok_or_else(|| missing("grant_type"))?;
    if grant_type != "client_credentials" {
        let description = format!(
            "The app requested an unsupported grant type '{grant_type}'; the sandbox grants client_credentials only."
        );
        return Err(OAuthError::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", 70_003, description));
    }
    let client_id = field("client_id").ok_or_else(|| missing("client_id"))?;
    let scope = field("scope").ok_or_else(|| missing("scope"))?;
    if scope != GRAPH_DEFAULT_SCOPE {
        let description = format!(
            "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with \
             /.default suffixed to the resource identifier ({GRAPH_DEFAULT_SCOPE})."
        );
        return Err(OAuthError::new(StatusCode::BAD_REQUEST, "invalid_scope", 1_002_012, description));
    }
    let app = store::app(store.connection(), client_id).map_err(storage_failure)?.ok_or_else(|| {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unauthorized_client",
            700_016,
            format!("Application with identifier '{client_id}' was not found in the directory '{}'.", tenant.tenant_id),
        )
    })?;
    match (field("client_secret"), field("client_assertion")) {
        (Some(secret), _) => check_secret(&app, secret)?,
        (None, Some(assertion)) => {
            if field("client_assertion_type") != Some(JWT_BEARER) {
                return Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    90_014,
                    format!("The client_assertion_type must be '{JWT_BEARER}'."),
                ));
            }
            check_assertion(&app, &tenant.tenant_id, assertion, now)?;
        }
        (None, None) => {
            return Err(OAuthError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                7_000_218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            ))
        }
    }
    let access_token = crate::ids::new_session_token();
    let lifetime = tenant.token_lifetime_seconds;
    store::insert_token(
        store.connection(),
        &access_token,
        &app.client_id,
        now,
        now.saturating_add(lifetime.saturating_mul(1000)),
    )
    .map_err(storage_failure)?;
    tracing::info!(client_id = app.client_id, "Graph token issued");
    Ok(Json(serde_json::json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": access_token,
    })))
}

fn check_secret(app: &App, secret: &str) -> Result<(), OAuthError> {
    let matches =
        app.client_secret.as_ref().is_some_and(|expected| bool::from(expected.as_bytes().ct_eq(secret.as_bytes())));
    if matches {
        Ok(())
    } else {
        let description = format!(
            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, \
             not the client secret ID, for a secret added to app '{}'.",
            app.client_id
        );
        Err(OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", 7_000_215, description))
    }
}

#[derive(Deserialize)]
struct AssertionClaims {
    aud: String,
    iss: String,
    sub: String,
    exp: i64,
    nbf: Option<i64>,
}

fn check_assertion(app: &App, tenant_id: &str, assertion: &str, now_millis: i64) -> Result<(), OAuthError> {
    let refused = |aadsts: u32, description: String| {
        OAuthError::new(StatusCode::UNAUTHORIZED, "invalid_client", aadsts, description)
    };
    let pem = app.certificate_pem.as_deref().ok_or_else(|| {
        refused(
            700_027,
            format!(
                "Client assertion contains an invalid signature: app '{}' has no certificate registered.",
                app.client_id
            ),
        )
    })?;
    if assertion.len() > MAX_ASSERTION_BYTES {
        return Err(refused(50_027, format!("Invalid JWT token: longer than {MAX_ASSERTION_BYTES} bytes.")));
    }
    let key = DecodingKey::from_rsa_pem(pem.as_bytes())
        .map_err(|error| refused(700_027, format!("The registered certificate cannot be read: {error}")))?;
    // Times are checked here against the sandbox's clock, not by the library against the system's.
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation)
        .map_err(|error| refused(700_027, format!("Client assertion failed signature validation: {error}")))?
        .claims;
    if claims.iss != app.client_id || claims.sub != app.client_id {
        return Err(refused(
            700_021,
            format!(
                "Client assertion application identifier doesn't match 'client_id' parameter: iss and sub must be '{}'.",
                app.client_id
            ),
        ));
    }
    let audience_suffix = format!("/{tenant_id}/oauth2/v2.0/token");
    if !claims.aud.to_ascii_lowercase().ends_with(&audience_suffix.to_ascii_lowercase()) {
        return Err(refused(
            700_212,
            format!(
                "No matching federated identity record found for presented assertion audience '{}'; it must be the \
                 token endpoint, ending in {audience_suffix}.",
                claims.aud
            ),
        ));
    }
    let now_seconds = now_millis.div_euclid(1000);
    if claims.exp <= now_seconds || claims.nbf.is_some_and(|nbf| nbf > now_seconds) {
        return Err(refused(700_024, "Client assertion is not within its valid time range.".to_owned()));
    }
    Ok(())
}

/// The client id of the app whose live bearer token is in `Authorization`.
///
/// # Errors
/// 401 `InvalidAuthenticationToken` when the header is missing or not `Bearer`, the token is unknown, expired,
/// or its app is no longer registered.
pub(crate) fn caller(
    connection: &rusqlite::Connection,
    headers: &HeaderMap,
    now_millis: i64,
) -> Result<String, GraphError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or_else(|| GraphError::unauthenticated("Access token is empty."))?;
    let (client_id, expires_at) = store::token(connection, presented)?.ok_or_else(|| {
        GraphError::unauthenticated("Access token validation failure. Invalid audience or unknown token.")
    })?;
    if expires_at <= now_millis {
        return Err(GraphError::unauthenticated("Lifetime validation failed, the token is expired."));
    }
    if store::app(connection, &client_id)?.is_none() {
        return Err(GraphError::unauthenticated(
            "Access token validation failure: its application is no longer registered.",
        ));
    }
    Ok(client_id)
}
