//! `teams.yaml`: the Entra application Ferry imports into Teams as, and where Graph is.
//!
//! Keys: `tenantId`, `clientId`, `clientSecret` or `certificatePath` (one of the two: a PEM file holding the
//! application's private key and its certificate), `graphUrl` (default `https://graph.microsoft.com/v1.0`),
//! `tokenUrl` (default `https://login.microsoftonline.com/{tenantId}/oauth2/v2.0/token`), and optionally
//! `scope` (default `https://graph.microsoft.com/.default`), `requestTimeoutSeconds`, `connectTimeoutSeconds`.
//! YAML or JSON. Unknown keys are refused: a misspelt `clientSecret` would otherwise surface as a confusing
//! authentication failure.
//!
//! Invariant: the secret and the private key never reach a log line ([`TeamsConfig`]'s `Debug` leaves them out).

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;

use crate::config::{RetryPolicy, DEFAULT_CONNECT_TIMEOUT};
use crate::error::ProxyError;

/// Graph's base URL when `graphUrl` is not given.
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com/v1.0";
/// The scope of an application token for Graph.
pub const DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";
/// Timeout of one Graph request when the file does not say: a message import answers in well under a second.
pub const DEFAULT_GRAPH_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// How the application proves who it is.
#[derive(Clone)]
pub enum Credential {
    /// A client secret. Never logged.
    Secret(String),
    /// A certificate: the private key (PEM) signs a client assertion; the certificate's SHA-256 thumbprint
    /// names it (`x5t#S256`).
    Certificate {
        /// The private key, PEM. Never logged.
        private_key_pem: String,
        /// The certificate, DER.
        certificate_der: Vec<u8>,
        /// The file they came from, for messages.
        source: String,
    },
}

/// A resolved `teams.yaml`.
#[derive(Clone)]
pub struct TeamsConfig {
    /// The Entra tenant (directory) id.
    pub tenant_id: String,
    /// The application (client) id.
    pub client_id: String,
    /// The secret or certificate.
    pub credential: Credential,
    /// Graph's base URL, without a trailing slash.
    pub graph_url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The token's scope.
    pub scope: String,
    /// Retries of every call (the BDK's defaults).
    pub retry: RetryPolicy,
    /// Timeout of one request.
    pub request_timeout: Duration,
    /// Timeout to connect.
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for TeamsConfig {
    // By hand, so the secret and the key can never reach a log line.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let credential = match &self.credential {
            Credential::Secret(_) => "client secret".to_owned(),
            Credential::Certificate { source, .. } => format!("certificate {source}"),
        };
        formatter
            .debug_struct("TeamsConfig")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("credential", &credential)
            .field("graph_url", &self.graph_url)
            .field("token_url", &self.token_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawTeamsConfig {
    tenant_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    certificate_path: Option<String>,
    graph_url: Option<String>,
    token_url: Option<String>,
    scope: Option<String>,
    request_timeout_seconds: Option<u64>,
    connect_timeout_seconds: Option<u64>,
}

impl TeamsConfig {
    /// Reads `teams.yaml` (YAML or JSON); a relative `certificatePath` is resolved against the file's folder.
    ///
    /// # Errors
    /// [`ProxyError::Config`] naming the file and the field: unreadable, not YAML, a field missing or empty,
    /// both or neither of `clientSecret` and `certificatePath`, a URL that is not http(s), a certificate file
    /// without a private key or a certificate.
    pub fn load(path: &Path) -> Result<TeamsConfig, ProxyError> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            ProxyError::Config(format!("cannot read the Teams configuration {}: {error}", path.display()))
        })?;
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, &folder).map_err(|message| ProxyError::Config(format!("{}: {message}", path.display())))
    }

    /// Parses configuration text; `folder` resolves a relative `certificatePath`.
    ///
    /// # Errors
    /// A message naming the field that is wrong (the caller adds the file name).
    pub fn parse(text: &str, folder: &Path) -> Result<TeamsConfig, String> {
        let raw: RawTeamsConfig =
            serde_yaml_ng::from_str(text).map_err(|error| format!("not a valid Teams configuration: {error}"))?;
        let required = |value: Option<String>, name: &str| -> Result<String, String> {
            value
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| format!("`{name}` is missing or empty"))
        };
        let tenant_id = required(raw.tenant_id, "tenantId")?;
        let client_id = required(raw.client_id, "clientId")?;
        let credential = match (raw.client_secret, raw.certificate_path) {
            (Some(_), Some(_)) => return Err("give `clientSecret` or `certificatePath`, not both".into()),
            (None, None) => return Err("`clientSecret` or `certificatePath` is missing".into()),
            (Some(secret), None) => Credential::Secret(required(Some(secret), "clientSecret")?),
            (None, Some(path)) => {
                let full = folder.join(required(Some(path), "certificatePath")?);
                let text = std::fs::read_to_string(&full)
                    .map_err(|error| format!("`certificatePath`: cannot read {}: {error}", full.display()))?;
                let (private_key_pem, certificate_der) = super::token::read_certificate_file(&text)
                    .map_err(|message| format!("`certificatePath` {}: {message}", full.display()))?;
                Credential::Certificate { private_key_pem, certificate_der, source: full.display().to_string() }
            }
        };
        let url = |value: Option<String>, default: String, name: &str| -> Result<String, String> {
            let url = value.map(|value| value.trim().to_owned()).filter(|value| !value.is_empty()).unwrap_or(default);
            let parsed = reqwest::Url::parse(&url).map_err(|error| format!("`{name}` {url:?}: {error}"))?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                return Err(format!("`{name}` {url:?}: an http or https URL with a host is needed"));
            }
            Ok(url.trim_end_matches('/').to_owned())
        };
        let graph_url = url(raw.graph_url, DEFAULT_GRAPH_URL.to_owned(), "graphUrl")?;
        let default_token_url = format!("https://login.microsoftonline.com/{tenant_id}/oauth2/v2.0/token");
        let token_url = url(raw.token_url, default_token_url, "tokenUrl")?;
        let seconds =
            |value: Option<u64>, default: Duration| value.filter(|&s| s > 0).map_or(default, Duration::from_secs);
        Ok(TeamsConfig {
            tenant_id,
            client_id,
            credential,
            graph_url,
            token_url,
            scope: raw.scope.filter(|scope| !scope.trim().is_empty()).unwrap_or_else(|| DEFAULT_SCOPE.to_owned()),
            retry: RetryPolicy::default(),
            request_timeout: seconds(raw.request_timeout_seconds, DEFAULT_GRAPH_REQUEST_TIMEOUT),
            connect_timeout: seconds(raw.connect_timeout_seconds, DEFAULT_CONNECT_TIMEOUT),
        })
    }

    /// What a journal of imports through this configuration records as its upstream: the Graph URL and the
    /// tenant, so a rehearsal's journal is never taken for a real tenant's.
    pub fn upstream(&self) -> String {
        format!("{} tenant {}", self.graph_url, self.tenant_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn folder() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
    }

    #[test]
    fn defaults_are_the_real_endpoints() {
        let config = TeamsConfig::parse("tenantId: t1\nclientId: c1\nclientSecret: s\n", &folder()).unwrap();
        assert_eq!(config.graph_url, "https://graph.microsoft.com/v1.0");
        assert_eq!(config.token_url, "https://login.microsoftonline.com/t1/oauth2/v2.0/token");
        assert_eq!(config.scope, DEFAULT_SCOPE);
        assert_eq!(config.upstream(), "https://graph.microsoft.com/v1.0 tenant t1");
        assert!(!format!("{config:?}").contains("\"s\""));
    }

    #[test]
    fn the_sandbox_urls_and_json_are_accepted() {
        let text = r#"{"tenantId":"t","clientId":"c","clientSecret":"s","graphUrl":"http://127.0.0.1:9/graph/v1.0/","tokenUrl":"http://127.0.0.1:9/oauth/t/oauth2/v2.0/token"}"#;
        let config = TeamsConfig::parse(text, &folder()).unwrap();
        assert_eq!(config.graph_url, "http://127.0.0.1:9/graph/v1.0");
        assert_eq!(config.token_url, "http://127.0.0.1:9/oauth/t/oauth2/v2.0/token");
    }

    #[test]
    fn a_certificate_file_gives_the_key_and_the_certificate() {
        let config =
            TeamsConfig::parse("tenantId: t\nclientId: c\ncertificatePath: teams-app.pem\n", &folder()).unwrap();
        assert!(
            matches!(config.credential, Credential::Certificate { ref certificate_der, .. } if !certificate_der.is_empty())
        );
        assert!(!format!("{config:?}").contains("PRIVATE"));
    }

    #[test]
    fn bad_configurations_name_the_field() {
        let cases = [
            ("clientId: c\nclientSecret: s\n", "`tenantId` is missing"),
            ("tenantId: t\nclientId: ' '\nclientSecret: s\n", "`clientId` is missing or empty"),
            ("tenantId: t\nclientId: c\n", "`clientSecret` or `certificatePath` is missing"),
            ("tenantId: t\nclientId: c\nclientSecret: s\ncertificatePath: x\n", "not both"),
            ("tenantId: t\nclientId: c\ncertificatePath: missing.pem\n", "`certificatePath`: cannot read"),
            ("tenantId: t\nclientId: c\ncertificatePath: service-user.pub.pem\n", "no private key"),
            ("tenantId: t\nclientId: c\ncertificatePath: service-user.key.pem\n", "no certificate"),
            ("tenantId: t\nclientId: c\nclientSecret: s\ngraphUrl: ftp://x\n", "`graphUrl`"),
            ("tenantId: t\nclientId: c\nclientSecret: s\ntokenUrl: nowhere\n", "`tokenUrl`"),
            ("tenantId: t\nclientId: c\nclientSecrets: s\n", "unknown field `clientSecrets`"),
            ("tenantId: [\n", "not a valid Teams configuration"),
        ];
        for (text, expected) in cases {
            let error = TeamsConfig::parse(text, &folder()).err().unwrap_or_default();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }
}
