//! The Symphony BDK's own configuration file, read as the BDK reads it, so a user's existing `config.yaml`
//! works unchanged.
//!
//! Keys (BDK `core/config/model`): global `scheme` (default `https`), `host`, `port` (default 443 for https,
//! 80 for http), `context`, `proxy`, `defaultHeaders`; per-component overrides `pod`, `agent`, `keyManager`,
//! `sessionAuth` (each may set any of those keys; what it leaves out comes from the global ones);
//! `bot.username`, `bot.privateKey.path` or `bot.privateKey.content` (PKCS#1 or PKCS#8 PEM; the legacy
//! `bot.privateKeyPath` too); `ssl.trustStore.path` (a PEM bundle of extra CA certificates); `retry`
//! (`maxAttempts`, `initialIntervalMillis`, `multiplier`, `maxIntervalMillis`). Unknown keys are ignored, as
//! the BDK ignores them; `sessionAuth` (and `bot.certificate`) are read by the BDK only for certificate
//! authentication, which Ferry does not do, so they are accepted and left unused. Ferry's own settings live
//! under an extra `ferry:` key the BDK ignores in turn
//! (`requestTimeoutSeconds`, `connectTimeoutSeconds`).
//!
//! Base URLs are `{scheme}://{host}:{port}{context}`; the pod's calls go to `{pod}/pod/...` and
//! `{pod}/login/...`, the key manager's to `{keyManager}/relay/...`, the Agent's to `{agent}/agent/...`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::ProxyError;

/// A resolved configuration: every URL known, the key read.
#[derive(Clone)]
pub struct PodConfig {
    /// Base URL of the pod (login and pod API), without a trailing slash.
    pub pod_url: String,
    /// Base URL of the key manager (relay).
    pub key_manager_url: String,
    /// Base URL of the Agent.
    pub agent_url: String,
    /// The service user's username, the JWT's `sub`.
    pub username: String,
    /// The service user's private key, PEM (PKCS#1 or PKCS#8). Never logged.
    pub private_key_pem: String,
    /// Where the key came from, for error messages.
    pub private_key_source: String,
    /// Retry policy of every call.
    pub retry: RetryPolicy,
    /// Timeout of one whole request (an import of 5,000 messages takes about 90 s on a real pod).
    pub request_timeout: Duration,
    /// Timeout to establish a connection.
    pub connect_timeout: Duration,
    /// Extra CA certificates (PEM), from `ssl.trustStore.path`.
    pub trust_store_pem: Option<Vec<u8>>,
    /// An HTTP proxy URL, from the global `proxy` block.
    pub http_proxy: Option<ProxySettings>,
    /// Headers sent with every call, from `defaultHeaders`.
    pub default_headers: BTreeMap<String, String>,
}

impl std::fmt::Debug for PodConfig {
    // By hand so the private key can never reach a log line.
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("PodConfig")
            .field("pod_url", &self.pod_url)
            .field("key_manager_url", &self.key_manager_url)
            .field("agent_url", &self.agent_url)
            .field("username", &self.username)
            .field("private_key_source", &self.private_key_source)
            .field("retry", &self.retry)
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// An HTTP proxy between Ferry and the pod.
#[derive(Clone, Debug)]
pub struct ProxySettings {
    /// `http://host:port`.
    pub url: String,
    /// Basic authentication, when given.
    pub username: Option<String>,
    /// Never logged.
    pub password: Option<String>,
}

/// The BDK's `retry` block, with Ferry's reading of it: the first wait is `initial_interval`, each next one
/// `multiplier` times longer, at most `max_interval`, each with random jitter; a `Retry-After` from the server
/// is honoured when longer. `max_attempts` counts the first try; `None` retries for ever (BDK `-1`).
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; `None` for no limit.
    pub max_attempts: Option<u32>,
    /// First wait.
    pub initial_interval: Duration,
    /// Growth of each wait.
    pub multiplier: f32,
    /// Longest wait.
    pub max_interval: Duration,
}

impl Default for RetryPolicy {
    /// The BDK's defaults: 10 attempts, 500 ms, ×2, at most 5 minutes.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: Some(10),
            initial_interval: Duration::from_millis(500),
            multiplier: 2.0,
            max_interval: Duration::from_secs(300),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    #[serde(flatten)]
    global: RawEndpoint,
    pod: Option<RawEndpoint>,
    agent: Option<RawEndpoint>,
    key_manager: Option<RawEndpoint>,
    bot: Option<RawBot>,
    ssl: Option<RawSsl>,
    retry: Option<RawRetry>,
    ferry: Option<RawFerry>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(rename_all = "camelCase")]
struct RawEndpoint {
    scheme: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    context: Option<String>,
    proxy: Option<RawProxy>,
    default_headers: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Clone)]
struct RawProxy {
    host: String,
    port: u16,
    username: Option<String>,
    password: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBot {
    username: Option<String>,
    private_key: Option<RawKey>,
    private_key_path: Option<String>,
}

#[derive(Deserialize)]
struct RawKey {
    path: Option<String>,
    content: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSsl {
    trust_store: Option<RawTrustStore>,
}

#[derive(Deserialize)]
struct RawTrustStore {
    path: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRetry {
    max_attempts: Option<i64>,
    initial_interval_millis: Option<u64>,
    multiplier: Option<f32>,
    max_interval_millis: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawFerry {
    request_timeout_seconds: Option<u64>,
    connect_timeout_seconds: Option<u64>,
}

/// Default timeout of one request: three times the ~90 s a real pod takes for 5,000 messages.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
/// Default timeout to connect.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

impl PodConfig {
    /// Reads a BDK configuration file (YAML or JSON); relative key and trust store paths are resolved against
    /// the file's folder, as the BDK resolves them against its working folder when that is where the file is.
    ///
    /// # Errors
    /// [`ProxyError::Config`] naming the file and what is wrong: unreadable, not YAML, no host, no
    /// `bot.username`, no key, a key file that is missing or not an RSA private key.
    pub fn load(path: &Path) -> Result<PodConfig, ProxyError> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            ProxyError::Config(format!("cannot read the BDK configuration {}: {error}", path.display()))
        })?;
        let folder = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, &folder).map_err(|message| ProxyError::Config(format!("{}: {message}", path.display())))
    }

    /// Parses configuration text; `folder` resolves relative paths.
    ///
    /// # Errors
    /// A message saying what is wrong (the caller adds the file name).
    pub fn parse(text: &str, folder: &Path) -> Result<PodConfig, String> {
        let raw: RawConfig =
            serde_yaml_ng::from_str(text).map_err(|error| format!("not a valid BDK configuration: {error}"))?;
        let global = raw.global.clone();
        let resolve = |component: &Option<RawEndpoint>, name: &str| -> Result<String, String> {
            let local = component.clone().unwrap_or_default();
            let scheme = local.scheme.or_else(|| global.scheme.clone()).unwrap_or_else(|| "https".into());
            if scheme != "http" && scheme != "https" {
                return Err(format!("`{name}` scheme `{scheme}`: only http and https are supported"));
            }
            let host = local
                .host
                .or_else(|| global.host.clone())
                .ok_or_else(|| format!("no `host` for `{name}` (set the global `host` or `{name}.host`)"))?;
            let default_port = if scheme == "https" { 443 } else { 80 };
            let port = local.port.or(global.port).unwrap_or(default_port);
            let context = local.context.or_else(|| global.context.clone()).unwrap_or_default();
            let context = context.trim_end_matches('/');
            let context =
                if context.is_empty() || context.starts_with('/') { context.to_owned() } else { format!("/{context}") };
            Ok(format!("{scheme}://{host}:{port}{context}"))
        };
        let pod_url = resolve(&raw.pod, "pod")?;
        let agent_url = resolve(&raw.agent, "agent")?;
        let key_manager_url = resolve(&raw.key_manager, "keyManager")?;

        let bot = raw
            .bot
            .ok_or("no `bot` section: Ferry authenticates as the BDK does, with `bot.username` and `bot.privateKey`")?;
        let username = bot.username.filter(|name| !name.is_empty()).ok_or("no `bot.username`")?;
        let (private_key_pem, private_key_source) = match (bot.private_key, bot.private_key_path) {
            (Some(RawKey { path: Some(_), content: Some(_) }), _) => {
                return Err("`bot.privateKey` sets both `path` and `content`; the BDK refuses that too".into())
            }
            (Some(RawKey { content: Some(content), .. }), _) => (content, "bot.privateKey.content".to_owned()),
            (Some(RawKey { path: Some(path), .. }), _) | (_, Some(path)) => {
                let full = folder.join(&path);
                let text = std::fs::read_to_string(&full)
                    .map_err(|error| format!("cannot read the private key file {}: {error}", full.display()))?;
                (text, full.display().to_string())
            }
            _ => return Err("no `bot.privateKey.path` (or `content`)".into()),
        };
        // Read it now, so a bad key is reported before anything is looked up or sent.
        crate::auth::read_private_key(&private_key_pem).map_err(|error| format!("{private_key_source}: {error}"))?;

        let trust_store_pem = match raw.ssl.and_then(|ssl| ssl.trust_store).and_then(|store| store.path) {
            Some(path) => {
                let full: PathBuf = folder.join(path);
                Some(
                    std::fs::read(&full)
                        .map_err(|error| format!("cannot read the trust store {}: {error}", full.display()))?,
                )
            }
            None => None,
        };
        let http_proxy = global.proxy.map(|proxy| ProxySettings {
            url: format!("http://{}:{}", proxy.host, proxy.port),
            username: proxy.username,
            password: proxy.password,
        });
        let mut retry = RetryPolicy::default();
        if let Some(raw_retry) = raw.retry {
            if let Some(attempts) = raw_retry.max_attempts {
                retry.max_attempts =
                    if attempts < 0 { None } else { Some(u32::try_from(attempts.max(1)).unwrap_or(u32::MAX)) };
            }
            if let Some(millis) = raw_retry.initial_interval_millis {
                retry.initial_interval = Duration::from_millis(millis);
            }
            if let Some(multiplier) = raw_retry.multiplier {
                if !(multiplier.is_finite() && multiplier >= 1.0) {
                    return Err(format!("`retry.multiplier` {multiplier}: it must be at least 1"));
                }
                retry.multiplier = multiplier;
            }
            if let Some(millis) = raw_retry.max_interval_millis {
                retry.max_interval = Duration::from_millis(millis);
            }
        }
        let ferry = raw.ferry;
        let seconds =
            |value: Option<u64>, default: Duration| value.filter(|&s| s > 0).map_or(default, Duration::from_secs);
        Ok(PodConfig {
            pod_url,
            key_manager_url,
            agent_url,
            username,
            private_key_pem,
            private_key_source,
            retry,
            request_timeout: seconds(ferry.as_ref().and_then(|f| f.request_timeout_seconds), DEFAULT_REQUEST_TIMEOUT),
            connect_timeout: seconds(ferry.as_ref().and_then(|f| f.connect_timeout_seconds), DEFAULT_CONNECT_TIMEOUT),
            trust_store_pem,
            http_proxy,
            default_headers: global.default_headers.unwrap_or_default(),
        })
    }

    /// A configuration for a pod on one local port over plain HTTP (the embedded sandbox).
    pub fn local(port: u16, username: &str, private_key_pem: String) -> PodConfig {
        let base = format!("http://127.0.0.1:{port}");
        PodConfig {
            pod_url: base.clone(),
            key_manager_url: base.clone(),
            agent_url: base,
            username: username.to_owned(),
            private_key_pem,
            private_key_source: "generated key".into(),
            retry: RetryPolicy::default(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            trust_store_pem: None,
            http_proxy: None,
            default_headers: BTreeMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../tests/fixtures/service-user.key.pem");

    fn folder() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
    }

    #[test]
    fn the_bdk_documented_local_config_works_unchanged() {
        // apis-and-peers.md §1.4, verbatim but for the key path.
        let text = "scheme: http            # TLS not required\nhost: 127.0.0.1\nport: 18765\n# context: /sim\nbot:\n  username: import-bot\n  privateKey:\n    path: service-user.key.pem      # PKCS#8 or PKCS#1\nretry:\n  maxAttempts: 4\n  initialIntervalMillis: 100\n  multiplier: 2\n  maxIntervalMillis: 1000\n";
        let config = PodConfig::parse(text, &folder()).unwrap();
        assert_eq!(config.pod_url, "http://127.0.0.1:18765");
        assert_eq!(config.agent_url, "http://127.0.0.1:18765");
        assert_eq!(config.key_manager_url, "http://127.0.0.1:18765");
        assert_eq!(config.username, "import-bot");
        assert_eq!(config.retry.max_attempts, Some(4));
        assert_eq!(config.retry.initial_interval, Duration::from_millis(100));
        assert_eq!(config.retry.max_interval, Duration::from_millis(1000));
    }

    #[test]
    fn components_override_the_global_keys_and_unknown_keys_are_ignored() {
        let text = "host: pod.example.com\ncontext: sym/\nagent:\n  host: agent.example.com\n  port: 8443\nkeyManager:\n  scheme: http\n  host: km\nsessionAuth:\n  host: sa.example.com\ndatafeed:\n  version: v2\napp:\n  appId: x\nbot:\n  username: bot\n  certificate:\n    path: cert.p12\n  privateKey:\n    content: |\n"
            .to_owned()
            + &KEY.lines().map(|line| format!("      {line}\n")).collect::<String>();
        let config = PodConfig::parse(&text, &folder()).unwrap();
        assert_eq!(config.pod_url, "https://pod.example.com:443/sym");
        assert_eq!(config.agent_url, "https://agent.example.com:8443/sym");
        assert_eq!(config.key_manager_url, "http://km:80/sym");
        assert_eq!(config.retry, RetryPolicy::default());
        assert_eq!(config.request_timeout, DEFAULT_REQUEST_TIMEOUT);
    }

    #[test]
    fn pkcs1_keys_and_the_legacy_key_path_are_read() {
        let text = "host: h\nbot:\n  username: bot\n  privateKeyPath: service-user.pkcs1.pem\nferry:\n  requestTimeoutSeconds: 900\n";
        let config = PodConfig::parse(text, &folder()).unwrap();
        assert!(config.private_key_source.ends_with("service-user.pkcs1.pem"));
        assert_eq!(config.request_timeout, Duration::from_secs(900));
    }

    #[test]
    fn bad_configurations_say_what_and_where() {
        let cases = [
            ("host: h\n", "no `bot` section"),
            ("bot:\n  username: b\n  privateKey:\n    path: k.pem\n", "no `host` for `pod`"),
            ("host: h\nbot:\n  privateKey:\n    path: k.pem\n", "no `bot.username`"),
            ("host: h\nbot:\n  username: b\n  privateKey:\n    path: missing.pem\n", "cannot read the private key file"),
            ("host: h\nbot:\n  username: b\n  privateKey:\n    path: service-user.pub.pem\n", "service-user.pub.pem"),
            ("host: h\nbot:\n  username: b\n  privateKey:\n    path: a\n    content: b\n", "both `path` and `content`"),
            ("host: h\nscheme: ftp\nbot:\n  username: b\n", "only http and https"),
            ("host: [unclosed\n", "not a valid BDK configuration"),
            ("host: h\nbot:\n  username: b\n  privateKey:\n    path: service-user.key.pem\nretry:\n  multiplier: 0.5\n", "at least 1"),
        ];
        for (text, expected) in cases {
            let error = PodConfig::parse(text, &folder()).err().unwrap_or_default();
            assert!(error.contains(expected), "{text:?}: {error}");
        }
    }

    #[test]
    fn a_missing_file_is_named() {
        let error = PodConfig::load(Path::new("/nonexistent/config.yaml")).unwrap_err().to_string();
        assert!(error.contains("/nonexistent/config.yaml"), "{error}");
    }

    #[test]
    fn debug_output_never_shows_the_key() {
        let config = PodConfig::local(1, "bot", KEY.to_owned());
        assert!(!format!("{config:?}").contains("PRIVATE"));
    }
}
