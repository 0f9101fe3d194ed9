//! [`PodClient`]: the one client of a Symphony pod. Every call Ferry makes to a pod goes through here, so
//! authentication, retries and the choice of upstream are in one place.
//!
//! - URLs are the configured base URLs plus fixed paths; path parameters are percent-encoded segments, so no
//!   input can point a call at another host or path.
//! - Login as the BDK: lazily, on the first call; `/login` then `/relay` with one JWT; the tokens are shared by
//!   every concurrent call, and a 401 from the pod or Agent re-authenticates once (once per token generation,
//!   however many calls saw the 401) and retries the call.
//! - Retries ([`RetryPolicy`]): 429, 5xx, connection errors and timeouts, with exponential backoff and jitter,
//!   waiting at least what `Retry-After` asks. 400 and 403 are never retried. Authentication answering 401 is
//!   never retried (the key is wrong; retrying cannot help).
//! - Tokens, keys and message bodies are never logged.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::auth::Authenticator;
use crate::config::{PodConfig, RetryPolicy};
use crate::error::{CallError, ProxyError};

/// The session and key manager tokens, and which login produced them.
#[derive(Clone)]
struct Tokens {
    session: String,
    key_manager: String,
    generation: u64,
}

/// One answer of `POST /agent/v4/message/import` (`V4ImportResponse`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ImportAnswer {
    /// Set when the message was imported.
    pub message_id: Option<String>,
    /// Echoed.
    pub originating_system_id: Option<String>,
    /// Echoed.
    pub original_message_id: Option<String>,
    /// Why the message failed, or a narrative on success.
    pub diagnostic: Option<String>,
}

/// The service user, from `GET /pod/v2/sessioninfo`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUser {
    /// User id.
    pub id: i64,
    /// Username.
    #[serde(default)]
    pub username: String,
    /// Roles (`CONTENT_MANAGEMENT`, `USER_PROVISIONING`, ...).
    #[serde(default)]
    pub roles: Vec<String>,
}

/// A user from `GET /pod/v3/users` (`UserV2`, the fields Ferry reads).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryUser {
    /// User id.
    pub id: i64,
    /// Email, when the pod gives it.
    pub email_address: Option<String>,
}

/// A stream from `GET /pod/v2/streams/{sid}/info` (`V2StreamAttributes`, the fields Ferry reads).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamInfo {
    /// Whether the stream is active.
    #[serde(default)]
    pub active: bool,
    /// `ROOM`, `IM`, `MIM`, `POST`.
    #[serde(default)]
    pub stream_type: Option<StreamType>,
}

/// `V2StreamType`.
#[derive(Clone, Debug, Deserialize)]
pub struct StreamType {
    /// The type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Deserialize)]
struct UserList {
    #[serde(default)]
    users: Vec<DirectoryUser>,
}

#[derive(Deserialize)]
struct MembershipList {
    #[serde(default)]
    count: Option<u64>,
    #[serde(default)]
    members: Vec<Member>,
}

#[derive(Deserialize)]
struct Member {
    user: MemberUser,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MemberUser {
    user_id: i64,
}

/// Which base URL a call goes to.
#[derive(Clone, Copy, Debug)]
enum Base {
    Pod,
    KeyManager,
    Agent,
}

/// The client of one pod. Cheap to share (`Arc`); safe to use from many tasks at once.
pub struct PodClient {
    http: reqwest::Client,
    config: PodConfig,
    authenticator: Authenticator,
    tokens: Mutex<Option<Tokens>>,
}

impl std::fmt::Debug for PodClient {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("PodClient").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Most ids per `GET /pod/v3/users` (the pod's documented limit).
pub const USERS_PER_LOOKUP: usize = 100;
/// Members per page of the membership list (the pod's documented maximum).
const MEMBERS_PER_PAGE: u64 = 1000;
/// Longest error text kept from a body that is not `{"code","message"}`.
const MAX_ERROR_TEXT: usize = 300;

impl PodClient {
    /// A client for the configured pod.
    ///
    /// # Errors
    /// [`ProxyError::Config`] for an unusable key, trust store or proxy.
    pub fn new(config: PodConfig) -> Result<Arc<PodClient>, ProxyError> {
        let authenticator = Authenticator::new(&config.username, &config.private_key_pem)
            .map_err(|error| ProxyError::Config(format!("{}: {error}", config.private_key_source)))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &config.default_headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|error| ProxyError::Config(format!("defaultHeaders: `{name}`: {error}")))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|error| ProxyError::Config(format!("defaultHeaders: value of `{name}`: {error}")))?;
            headers.insert(name, value);
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("ferry/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // A pod is reached at the configured address only: no redirect may take a call elsewhere.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &config.trust_store_pem {
            for certificate in reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|error| ProxyError::Config(format!("ssl.trustStore: not a PEM bundle: {error}")))?
            {
                builder = builder.add_root_certificate(certificate);
            }
        }
        match &config.http_proxy {
            Some(proxy) => {
                let mut settings = reqwest::Proxy::all(&proxy.url)
                    .map_err(|error| ProxyError::Config(format!("proxy {}: {error}", proxy.url)))?;
                if let (Some(username), Some(password)) = (&proxy.username, &proxy.password) {
                    settings = settings.basic_auth(username, password);
                }
                builder = builder.proxy(settings);
            }
            // The configured pod is the only upstream: no proxy from the environment either.
            None => builder = builder.no_proxy(),
        }
        let http = builder.build().map_err(|error| ProxyError::Config(format!("HTTP client: {error}")))?;
        Ok(Arc::new(PodClient { http, config, authenticator, tokens: Mutex::new(None) }))
    }

    /// Where the Agent is, for messages (`http://host:port/context`).
    pub fn agent_url(&self) -> &str {
        &self.config.agent_url
    }

    fn url(&self, base: Base, segments: &[&str], query: &[(&str, String)]) -> Result<Url, CallError> {
        let root = match base {
            Base::Pod => &self.config.pod_url,
            Base::KeyManager => &self.config.key_manager_url,
            Base::Agent => &self.config.agent_url,
        };
        let invalid = |message: String| CallError::Decode { what: root.clone(), message };
        let mut url = Url::parse(root).map_err(|error| invalid(format!("invalid base URL: {error}")))?;
        {
            let mut path = url.path_segments_mut().map_err(|()| invalid("base URL cannot hold a path".into()))?;
            path.pop_if_empty();
            // Each segment is percent-encoded by `push`: a `/` or `..` inside an id stays inside its segment.
            for segment in segments {
                path.push(segment);
            }
        }
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        Ok(url)
    }

    /// Sends one request once and reads the answer; an error status becomes [`CallError::Status`].
    async fn send_once(
        &self,
        method: Method,
        url: Url,
        what: &str,
        body: Option<&[u8]>,
        tokens: Option<&Tokens>,
    ) -> Result<(StatusCode, Vec<u8>), CallError> {
        let mut request = self.http.request(method, url).header("Accept", "application/json");
        if let Some(tokens) = tokens {
            request = request.header("sessionToken", &tokens.session).header("keyManagerToken", &tokens.key_manager);
        }
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body.to_vec());
        }
        send_and_read(request, what).await
    }

    /// Retries `attempt` as the configuration's policy says ([`with_retries`]).
    async fn with_retries<T, F, Fut>(&self, what: &str, attempt: F) -> Result<T, CallError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, Attempt>>,
    {
        with_retries(&self.config.retry, what, attempt).await
    }

    /// Logs in at `/login` and `/relay` with one JWT (as the BDK does), each retried on transient errors.
    async fn authenticate(&self, generation: u64) -> Result<Tokens, CallError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
        let jwt = self.authenticator.jwt(now).map_err(|message| CallError::Decode { what: "JWT".into(), message })?;
        let body = serde_json::json!({ "token": jwt }).to_string();
        let mut tokens = Vec::with_capacity(2);
        for (base, segments, what) in [
            (Base::Pod, ["login", "pubkey", "authenticate"], "POST /login/pubkey/authenticate"),
            (Base::KeyManager, ["relay", "pubkey", "authenticate"], "POST /relay/pubkey/authenticate"),
        ] {
            let url = self.url(base, &segments, &[])?;
            let (_, answer) = self
                .with_retries(what, || async {
                    self.send_once(Method::POST, url.clone(), what, Some(body.as_bytes()), None)
                        .await
                        .map_err(Attempt::Retryable)
                })
                .await?;
            let token = serde_json::from_slice::<serde_json::Value>(&answer)
                .ok()
                .and_then(|value| value.get("token")?.as_str().map(str::to_owned))
                .ok_or_else(|| CallError::Decode {
                    what: what.to_owned(),
                    message: "no `token` in the answer".into(),
                })?;
            tokens.push(token);
        }
        let key_manager = tokens.pop().unwrap_or_default();
        let session = tokens.pop().unwrap_or_default();
        tracing::info!(username = self.authenticator.username(), "authenticated");
        Ok(Tokens { session, key_manager, generation })
    }

    /// The current tokens, logging in when there are none, or when `stale` is the generation that was just
    /// refused (only the first caller to see a refusal logs in again; the others reuse its tokens).
    async fn tokens(&self, stale: Option<u64>) -> Result<Tokens, CallError> {
        let mut guard = self.tokens.lock().await;
        match (&*guard, stale) {
            (Some(tokens), Some(refused)) if tokens.generation != refused => Ok(tokens.clone()),
            (Some(tokens), None) => Ok(tokens.clone()),
            (current, _) => {
                let generation = current.as_ref().map_or(0, |tokens| tokens.generation + 1);
                let tokens = self.authenticate(generation).await?;
                *guard = Some(tokens.clone());
                Ok(tokens)
            }
        }
    }

    /// One authenticated call, with retries, re-authenticating once on 401.
    async fn call(
        &self,
        method: Method,
        url: Url,
        what: &str,
        body: Option<&[u8]>,
    ) -> Result<(StatusCode, Vec<u8>), CallError> {
        self.with_retries(what, || async {
            // Logins retry on their own: their failure ends the call.
            let tokens = self.tokens(None).await.map_err(Attempt::Final)?;
            match self.send_once(method.clone(), url.clone(), what, body, Some(&tokens)).await {
                Err(CallError::Unauthorized { .. }) => {
                    tracing::info!(call = what, "session refused (401): authenticating again");
                    let fresh = self.tokens(Some(tokens.generation)).await.map_err(Attempt::Final)?;
                    self.send_once(method.clone(), url.clone(), what, body, Some(&fresh))
                        .await
                        .map_err(Attempt::Retryable)
                }
                other => other.map_err(Attempt::Retryable),
            }
        })
        .await
    }

    fn decode<T: for<'de> Deserialize<'de>>(what: &str, bytes: &[u8]) -> Result<T, CallError> {
        serde_json::from_slice(bytes)
            .map_err(|error| CallError::Decode { what: what.to_owned(), message: error.to_string() })
    }

    /// `POST /agent/v4/message/import` with `body`, a JSON array of `V4ImportedMessage` objects of `records`
    /// messages. The answers are read in order, one per message.
    ///
    /// # Errors
    /// The call's error once retries are spent; [`CallError::Decode`] when the Agent answers a different number
    /// of results than messages sent (the outcome of each is then unknown).
    pub async fn import(&self, body: &[u8], records: usize) -> Result<Vec<ImportAnswer>, CallError> {
        let what = "POST /agent/v4/message/import";
        let url = self.url(Base::Agent, &["agent", "v4", "message", "import"], &[])?;
        let (_, answer) = self.call(Method::POST, url, what, Some(body)).await?;
        let answers: Vec<ImportAnswer> = Self::decode(what, &answer)?;
        if answers.len() != records {
            return Err(CallError::Decode {
                what: what.to_owned(),
                message: format!("{} answers for {records} messages", answers.len()),
            });
        }
        Ok(answers)
    }

    /// `GET /pod/v2/sessioninfo`: the service user and its roles.
    ///
    /// # Errors
    /// The call's error.
    pub async fn session_info(&self) -> Result<SessionUser, CallError> {
        let what = "GET /pod/v2/sessioninfo";
        let url = self.url(Base::Pod, &["pod", "v2", "sessioninfo"], &[])?;
        let (_, answer) = self.call(Method::GET, url, what, None).await?;
        Self::decode(what, &answer)
    }

    /// `GET /pod/v3/users` for at most [`USERS_PER_LOOKUP`] ids or emails; `active_only` asks for active
    /// users only (the answer does not say whether a user is active, so callers ask twice).
    ///
    /// # Errors
    /// The call's error.
    pub async fn users(
        &self,
        by: UserKey,
        values: &[String],
        active_only: bool,
    ) -> Result<Vec<DirectoryUser>, CallError> {
        let what = "GET /pod/v3/users";
        let mut query = vec![(by.parameter(), values.join(",")), ("local", "true".to_owned())];
        if active_only {
            query.push(("active", "true".to_owned()));
        }
        let url = self.url(Base::Pod, &["pod", "v3", "users"], &query)?;
        let (status, answer) = self.call(Method::GET, url, what, None).await?;
        if status == StatusCode::NO_CONTENT || answer.is_empty() {
            return Ok(Vec::new());
        }
        Ok(Self::decode::<UserList>(what, &answer)?.users)
    }

    /// `GET /pod/v2/streams/{sid}/info`; `None` when the pod does not know the stream (400 or 404).
    ///
    /// # Errors
    /// Any other failure.
    pub async fn stream_info(&self, stream_id: &str) -> Result<Option<StreamInfo>, CallError> {
        let what = "GET /pod/v2/streams/{sid}/info";
        let url = self.url(Base::Pod, &["pod", "v2", "streams", stream_id, "info"], &[])?;
        match self.call(Method::GET, url, what, None).await {
            Ok((_, answer)) => Ok(Some(Self::decode(what, &answer)?)),
            Err(CallError::Status { status: 400 | 404, .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Every member of a stream, from the paginated `GET /pod/v1/admin/stream/{id}/membership/list`; `None`
    /// when the service user may not list them (403: it lacks User Provisioning).
    ///
    /// # Errors
    /// Any other failure.
    pub async fn stream_members(&self, stream_id: &str) -> Result<Option<HashSet<i64>>, CallError> {
        let what = "GET /pod/v1/admin/stream/{id}/membership/list";
        let mut members = HashSet::new();
        let mut skip = 0u64;
        loop {
            let query = [("skip", skip.to_string()), ("limit", MEMBERS_PER_PAGE.to_string())];
            let url =
                self.url(Base::Pod, &["pod", "v1", "admin", "stream", stream_id, "membership", "list"], &query)?;
            let page: MembershipList = match self.call(Method::GET, url, what, None).await {
                Ok((_, answer)) => Self::decode(what, &answer)?,
                Err(CallError::Status { status: 403, .. }) => return Ok(None),
                Err(error) => return Err(error),
            };
            let received = page.members.len() as u64;
            members.extend(page.members.into_iter().map(|member| member.user.user_id));
            skip += received;
            let total = page.count.unwrap_or(0);
            if received == 0 || skip >= total {
                return Ok(Some(members));
            }
        }
    }

    /// `POST /pod/v1/admin/room/{id}/membership/add`.
    ///
    /// # Errors
    /// The call's error.
    pub async fn add_member(&self, stream_id: &str, user_id: i64) -> Result<(), CallError> {
        let url = self.url(Base::Pod, &["pod", "v1", "admin", "room", stream_id, "membership", "add"], &[])?;
        let body = serde_json::json!({ "id": user_id }).to_string();
        self.call(Method::POST, url, "POST /pod/v1/admin/room/{id}/membership/add", Some(body.as_bytes()))
            .await
            .map(drop)
    }

    /// `POST /pod/v1/admin/room/{id}/setActive?active=true|false`.
    ///
    /// # Errors
    /// The call's error.
    pub async fn set_stream_active(&self, stream_id: &str, active: bool) -> Result<(), CallError> {
        let url = self.url(
            Base::Pod,
            &["pod", "v1", "admin", "room", stream_id, "setActive"],
            &[("active", active.to_string())],
        )?;
        self.call(Method::POST, url, "POST /pod/v1/admin/room/{id}/setActive", None).await.map(drop)
    }

    /// `POST /pod/v1/admin/user/{uid}/status/update` with `ENABLED` or `DISABLED`.
    ///
    /// # Errors
    /// The call's error.
    pub async fn set_user_active(&self, user_id: i64, active: bool) -> Result<(), CallError> {
        let url =
            self.url(Base::Pod, &["pod", "v1", "admin", "user", &user_id.to_string(), "status", "update"], &[])?;
        let body = serde_json::json!({ "status": if active { "ENABLED" } else { "DISABLED" } }).to_string();
        self.call(Method::POST, url, "POST /pod/v1/admin/user/{uid}/status/update", Some(body.as_bytes()))
            .await
            .map(drop)
    }

    /// `POST /pod/v2/admin/user/create`: a normal, active user with this email; returns its id.
    ///
    /// # Errors
    /// The call's error.
    pub async fn create_user(&self, email: &str) -> Result<i64, CallError> {
        let what = "POST /pod/v2/admin/user/create";
        let url = self.url(Base::Pod, &["pod", "v2", "admin", "user", "create"], &[])?;
        let name = email.split('@').next().unwrap_or(email);
        let body = serde_json::json!({
            "userAttributes": {"accountType": "NORMAL", "emailAddress": email, "userName": email, "displayName": name},
            "roles": ["INDIVIDUAL"],
        })
        .to_string();
        let (_, answer) = self.call(Method::POST, url, what, Some(body.as_bytes())).await?;
        let detail: serde_json::Value = Self::decode(what, &answer)?;
        detail
            .pointer("/userSystemInfo/id")
            .and_then(serde_json::Value::as_i64)
            .ok_or_else(|| CallError::Decode { what: what.to_owned(), message: "no `userSystemInfo.id`".into() })
    }
}

/// Sends `request` once and reads the answer: 2xx gives the status and body; 401 [`CallError::Unauthorized`];
/// any other status [`CallError::Status`] with the body's message and `Retry-After`; no answer
/// [`CallError::Transport`]. Every client of an upstream reads its answers through here.
pub(crate) async fn send_and_read(
    request: reqwest::RequestBuilder,
    what: &str,
) -> Result<(StatusCode, Vec<u8>), CallError> {
    let transport = |error: reqwest::Error| CallError::Transport {
        what: what.to_owned(),
        message: describe_transport_error(&error),
        timeout: error.is_timeout(),
    };
    let response = request.send().await.map_err(transport)?;
    let status = response.status();
    let retry_after = response.headers().get(RETRY_AFTER).and_then(|value| parse_retry_after(value.to_str().ok()?));
    let bytes = response.bytes().await.map_err(transport)?.to_vec();
    if status.is_success() {
        return Ok((status, bytes));
    }
    let message = error_message(&bytes);
    if status == StatusCode::UNAUTHORIZED {
        return Err(CallError::Unauthorized { what: what.to_owned(), message });
    }
    Err(CallError::Status { what: what.to_owned(), status: status.as_u16(), message, retry_after })
}

/// The backoff of `policy`: exponential with jitter, capped, at most `max_attempts` tries in all.
fn retry_builder(policy: &RetryPolicy) -> ExponentialBuilder {
    let builder = ExponentialBuilder::default()
        .with_min_delay(policy.initial_interval)
        .with_factor(policy.multiplier)
        .with_max_delay(policy.max_interval)
        .with_jitter();
    match policy.max_attempts {
        Some(attempts) => builder.with_max_times(attempts.saturating_sub(1) as usize),
        None => builder.without_max_times(),
    }
}

/// Retries `attempt` on transient errors as `policy` says, waiting at least what `Retry-After` asks. An
/// attempt may mark its error final ([`Attempt::Final`]): a failed login inside a call was already retried by
/// the login. Every client of an upstream (the pod's, Graph's) retries through here.
pub(crate) async fn with_retries<T, F, Fut>(policy: &RetryPolicy, what: &str, attempt: F) -> Result<T, CallError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Attempt>>,
{
    attempt
        .retry(retry_builder(policy))
        .sleep(tokio::time::sleep)
        .when(|failure: &Attempt| matches!(failure, Attempt::Retryable(error) if error.is_transient()))
        .adjust(|failure, next| {
            let retry_after = match failure {
                Attempt::Retryable(CallError::Status { retry_after, .. }) => *retry_after,
                _ => None,
            };
            next.map(|wait| retry_after.map_or(wait, |asked| asked.max(wait)))
        })
        .notify(|failure, wait| tracing::warn!(call = what, error = %failure.error(), wait_ms = wait.as_millis() as u64, "retrying"))
        .await
        .map_err(Attempt::into_error)
}

/// A failed attempt: retried when transient, unless final.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// Retried when transient.
    Retryable(CallError),
    /// Never retried.
    Final(CallError),
}

impl Attempt {
    fn error(&self) -> &CallError {
        match self {
            Attempt::Retryable(error) | Attempt::Final(error) => error,
        }
    }

    fn into_error(self) -> CallError {
        match self {
            Attempt::Retryable(error) | Attempt::Final(error) => error,
        }
    }
}

/// How users are looked up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserKey {
    /// By user id.
    Id,
    /// By email.
    Email,
}

impl UserKey {
    fn parameter(self) -> &'static str {
        match self {
            UserKey::Id => "uid",
            UserKey::Email => "email",
        }
    }
}

/// `Retry-After` as seconds or an HTTP date, capped at an hour (a longer wait is a misbehaving server).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let wait = match value.trim().parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => httpdate::parse_http_date(value.trim()).ok()?.duration_since(SystemTime::now()).unwrap_or_default(),
    };
    Some(wait.min(Duration::from_secs(3600)))
}

/// The `message` of a `{"code","message"}` body (Symphony's), `code: message` of a
/// `{"error":{"code","message"}}` body (Graph's), or the start of the body as text.
pub(crate) fn error_message(bytes: &[u8]) -> String {
    let value = serde_json::from_slice::<serde_json::Value>(bytes).ok();
    let text_at = |pointer: &str| value.as_ref()?.pointer(pointer)?.as_str().map(str::to_owned);
    if let Some(message) = text_at("/message") {
        return message;
    }
    if let Some(message) = text_at("/error/message") {
        return match text_at("/error/code") {
            Some(code) => format!("{code}: {message}"),
            None => message,
        };
    }
    let text = String::from_utf8_lossy(bytes);
    let mut end = text.len().min(MAX_ERROR_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if text.trim().is_empty() {
        "(empty body)".to_owned()
    } else {
        text[..end].trim().to_owned()
    }
}

pub(crate) fn describe_transport_error(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out (the outcome is unknown: the server may have applied the request)".to_owned()
    } else if error.is_connect() {
        format!("cannot connect: {}", root_cause(error))
    } else {
        format!("connection failed: {}", root_cause(error))
    }
}

fn root_cause(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_read_as_seconds_or_a_date_and_capped() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("999999"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn error_bodies_give_their_message_or_their_start() {
        assert_eq!(error_message(br#"{"code":400,"message":"bad"}"#), "bad");
        assert_eq!(error_message(b""), "(empty body)");
        assert_eq!(error_message(br#"{"error":{"code":"Conflict","message":"taken"}}"#), "Conflict: taken");
        assert_eq!(error_message("é".repeat(400).as_bytes()).len(), 300);
    }

    #[test]
    fn path_parameters_cannot_leave_their_segment() {
        let config = PodConfig::local(9, "bot", include_str!("../tests/fixtures/service-user.key.pem").to_owned());
        let client = PodClient::new(config).unwrap();
        let url =
            client.url(Base::Pod, &["pod", "v2", "streams", "../../evil.example.com/x?y#z", "info"], &[]).unwrap();
        assert_eq!(url.host_str(), Some("127.0.0.1"));
        assert_eq!(url.path(), "/pod/v2/streams/..%2F..%2Fevil.example.com%2Fx%3Fy%23z/info");
    }

    #[test]
    fn which_failures_are_retried() {
        let status =
            |status| CallError::Status { what: String::new(), status, message: String::new(), retry_after: None };
        assert!(status(429).is_transient() && status(500).is_transient() && status(503).is_transient());
        assert!(!status(400).is_transient() && !status(403).is_transient());
        assert!(CallError::Transport { what: String::new(), message: String::new(), timeout: true }.is_transient());
        assert!(!status(400).outcome_unknown() && status(502).outcome_unknown());
    }
}
