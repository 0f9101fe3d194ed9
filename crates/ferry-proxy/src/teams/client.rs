//! [`GraphClient`]: every call Ferry makes to Microsoft Graph for an import, through one client, so the
//! token, the retries, the pacing and the choice of upstream are in one place.
//!
//! - Token: the client-credentials grant at the configured token endpoint (a secret, or a client assertion
//!   signed with the certificate), obtained lazily, shared by every concurrent call, replaced before it expires
//!   ([`super::token::refresh_margin`]) and at once on a 401 (once per token, however many calls saw it).
//! - Retries: the crate's one retry loop ([`crate::client::with_retries`]): 429, 5xx, connection errors and
//!   timeouts, with backoff, waiting at least what `Retry-After` asks. 400, 403, 404, 409 and 413 are answers.
//! - Pacing: message posts to one conversation leave at most [`MESSAGES_PER_SECOND_PER_CONVERSATION`] per second
//!   (Graph's documented import rate per channel), retries included; conversations are paced independently.
//! - URLs: the configured `graphUrl` plus a conversation path checked by [`check_conversation_path`]; the next
//!   page of a read-back (`@odata.nextLink`) is followed only when it is under `graphUrl`. No redirect, no
//!   proxy from the environment.
//! - The secret, the assertion, tokens and message bodies are never logged.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::RETRY_AFTER;
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use tokio::time::Instant;

use super::config::{Credential, TeamsConfig};
use super::token::{AccessToken, ClientAssertion, CLIENT_ASSERTION_TYPE};
use super::{created_date_time, parse_created_date_time, MESSAGES_PER_SECOND_PER_CONVERSATION};
use crate::client::{describe_transport_error, error_message, parse_retry_after, send_and_read, with_retries, Attempt};
use crate::error::{CallError, ProxyError};

/// Most pages of one read-back (at Graph's default page size, millions of messages): a bound against a
/// server that links pages in a circle.
const MAX_PAGES: usize = 100_000;
/// Longest identifier segment accepted in a conversation path.
const MAX_SEGMENT_BYTES: usize = 512;

/// A conversation as `GET /teams/{t}/channels/{c}` or `GET /chats/{c}` answers it (the fields Ferry reads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationInfo {
    /// `createdDateTime`, in milliseconds since the epoch, when given.
    pub created_millis: Option<i64>,
    /// `migrationMode`: `inProgress`, `completed`, or absent (never migrated).
    pub migration_mode: Option<String>,
}

impl ConversationInfo {
    /// Whether the conversation is in migration mode now.
    pub fn in_migration(&self) -> bool {
        self.migration_mode.as_deref() == Some("inProgress")
    }
}

/// A message read back from a conversation (the fields reconciliation needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedMessage {
    /// Graph's message id.
    pub id: String,
    /// `createdDateTime` in milliseconds.
    pub created_millis: i64,
    /// `from.user.id`.
    pub from_user_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConversation {
    created_date_time: Option<String>,
    migration_mode: Option<String>,
}

#[derive(Deserialize)]
struct RawPage {
    #[serde(default)]
    value: Vec<RawMessage>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    id: String,
    created_date_time: Option<String>,
    from: Option<RawFrom>,
}

#[derive(Deserialize)]
struct RawFrom {
    user: Option<RawUser>,
}

#[derive(Deserialize)]
struct RawUser {
    id: Option<String>,
}

#[derive(Deserialize)]
struct RawToken {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
}

/// Checks that `path` is a conversation path as the streams map gives it: `/teams/{teamId}/channels/{channelId}`
/// or `/chats/{chatId}`, each id one non-empty segment (percent-encoded as needed) that cannot leave its place.
///
/// # Errors
/// A message naming the path and what is wrong with it.
pub fn check_conversation_path(path: &str) -> Result<(), String> {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or("").split('/').collect();
    let shape_ok = matches!(segments.as_slice(), ["teams", _, "channels", _] | ["chats", _]);
    if !shape_ok {
        return Err(format!(
            "{path:?} is not a conversation path (/teams/{{teamId}}/channels/{{channelId}} or /chats/{{chatId}})"
        ));
    }
    for segment in segments {
        let allowed = |byte: u8| byte.is_ascii_alphanumeric() || b"-._~%:@!$&'()*+,;=".contains(&byte);
        if segment.is_empty()
            || segment == "."
            || segment == ".."
            || segment.len() > MAX_SEGMENT_BYTES
            || !segment.bytes().all(allowed)
        {
            return Err(format!(
                "{path:?}: the segment {segment:?} is not a valid id (percent-encode other characters)"
            ));
        }
    }
    Ok(())
}

/// The client of one tenant's Graph. Cheap to share (`Arc`); safe to use from many tasks at once.
pub struct GraphClient {
    http: reqwest::Client,
    config: TeamsConfig,
    assertion: Option<ClientAssertion>,
    token: tokio::sync::Mutex<Option<AccessToken>>,
    /// Per conversation, the earliest instant its next message may leave.
    pacer: std::sync::Mutex<HashMap<String, Instant>>,
    pace_interval: Duration,
    tokens_obtained: AtomicU64,
}

impl std::fmt::Debug for GraphClient {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("GraphClient").field("config", &self.config).finish_non_exhaustive()
    }
}

impl GraphClient {
    /// A client for the configured tenant, pacing each conversation at the documented rate.
    ///
    /// # Errors
    /// [`ProxyError::Config`] for an unusable certificate or HTTP client.
    pub fn new(config: TeamsConfig) -> Result<Arc<GraphClient>, ProxyError> {
        Self::with_rate(config, MESSAGES_PER_SECOND_PER_CONVERSATION)
    }

    /// A client posting at most `messages_per_second` messages per second to each conversation.
    ///
    /// # Errors
    /// As [`GraphClient::new`].
    pub fn with_rate(config: TeamsConfig, messages_per_second: u32) -> Result<Arc<GraphClient>, ProxyError> {
        let assertion = match &config.credential {
            Credential::Secret(_) => None,
            Credential::Certificate { private_key_pem, certificate_der, source } => Some(
                ClientAssertion::new(&config.client_id, private_key_pem, certificate_der)
                    .map_err(|message| ProxyError::Config(format!("{source}: {message}")))?,
            ),
        };
        let http = reqwest::Client::builder()
            .user_agent(concat!("ferry/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            // Graph is reached at the configured address only: no redirect, no proxy from the environment.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .map_err(|error| ProxyError::Config(format!("HTTP client: {error}")))?;
        let pace_interval = Duration::from_secs(1) / messages_per_second.max(1);
        Ok(Arc::new(GraphClient {
            http,
            config,
            assertion,
            token: tokio::sync::Mutex::new(None),
            pacer: std::sync::Mutex::new(HashMap::new()),
            pace_interval,
            tokens_obtained: AtomicU64::new(0),
        }))
    }

    /// Graph's base URL.
    pub fn graph_url(&self) -> &str {
        &self.config.graph_url
    }

    /// Tokens obtained so far (the first one included).
    pub fn tokens_obtained(&self) -> u64 {
        self.tokens_obtained.load(Ordering::SeqCst)
    }

    fn url(&self, path: &str, tail: &str) -> Result<Url, CallError> {
        check_conversation_path(path).map_err(|message| CallError::Decode { what: path.to_owned(), message })?;
        let text = format!("{}{path}{tail}", self.config.graph_url);
        Url::parse(&text).map_err(|error| CallError::Decode { what: text.clone(), message: error.to_string() })
    }

    /// Obtains a token at the token endpoint, retried on transient failures.
    async fn obtain_token(&self, generation: u64) -> Result<AccessToken, CallError> {
        let what = "POST token endpoint";
        let mut form: Vec<(&str, String)> = vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", self.config.client_id.clone()),
            ("scope", self.config.scope.clone()),
        ];
        match (&self.config.credential, &self.assertion) {
            (_, Some(assertion)) => {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs());
                let jwt = assertion
                    .jwt(&self.config.token_url, now)
                    .map_err(|message| CallError::Decode { what: what.to_owned(), message })?;
                form.push(("client_assertion_type", CLIENT_ASSERTION_TYPE.to_owned()));
                form.push(("client_assertion", jwt));
            }
            (Credential::Secret(secret), None) => form.push(("client_secret", secret.clone())),
            (Credential::Certificate { .. }, None) => {}
        }
        let answer = with_retries(&self.config.retry, what, || async {
            let response = self
                .http
                .post(&self.config.token_url)
                .form(&form)
                .send()
                .await
                .map_err(|error| Attempt::Retryable(transport(what, &error)))?;
            let status = response.status();
            let retry_after = retry_after(&response);
            let bytes = response.bytes().await.map_err(|error| Attempt::Retryable(transport(what, &error)))?;
            if status.is_success() {
                return Ok(bytes);
            }
            let message = token_error_message(&bytes);
            if matches!(status.as_u16(), 400 | 401 | 403) {
                // A wrong secret, certificate, tenant or client id: retrying cannot help.
                return Err(Attempt::Final(CallError::Unauthorized { what: what.to_owned(), message }));
            }
            Err(Attempt::Retryable(CallError::Status {
                what: what.to_owned(),
                status: status.as_u16(),
                message,
                retry_after,
            }))
        })
        .await?;
        let raw: RawToken = serde_json::from_slice(&answer)
            .map_err(|error| CallError::Decode { what: what.to_owned(), message: error.to_string() })?;
        let value = raw
            .access_token
            .filter(|token| !token.is_empty())
            .ok_or_else(|| CallError::Decode { what: what.to_owned(), message: "no `access_token`".into() })?;
        // Entra's v2 endpoint answers a number; older answers carry it as a string.
        let seconds = match raw.expires_in {
            Some(serde_json::Value::Number(number)) => number.as_u64(),
            Some(serde_json::Value::String(text)) => text.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| CallError::Decode { what: what.to_owned(), message: "no `expires_in`".into() })?;
        self.tokens_obtained.fetch_add(1, Ordering::SeqCst);
        tracing::info!(client_id = %self.config.client_id, expires_in = seconds, "obtained a Graph token");
        Ok(AccessToken {
            value,
            obtained: Instant::now().into_std(),
            lifetime: Duration::from_secs(seconds),
            generation,
        })
    }

    /// The current token; a new one when there is none, when it is about to expire, or when `refused` is the
    /// generation that just got a 401 (only the first caller to see a refusal obtains a new one).
    async fn token(&self, refused: Option<u64>) -> Result<AccessToken, CallError> {
        let mut guard = self.token.lock().await;
        let now = Instant::now().into_std();
        match &*guard {
            Some(token)
                if token.is_fresh_at(now) && refused.is_none_or(|generation| generation != token.generation) =>
            {
                Ok(token.clone())
            }
            current => {
                let generation = current.as_ref().map_or(0, |token| token.generation + 1);
                let token = self.obtain_token(generation).await?;
                *guard = Some(token.clone());
                Ok(token)
            }
        }
    }

    /// Waits for the conversation's next slot.
    async fn pace(&self, conversation: &str) {
        let slot = {
            let mut next = self.pacer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let slot = next.get(conversation).copied().filter(|slot| *slot > now).unwrap_or(now);
            next.insert(conversation.to_owned(), slot + self.pace_interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    async fn send_once(
        &self,
        method: Method,
        url: Url,
        what: &str,
        body: Option<&[u8]>,
        token: &AccessToken,
    ) -> Result<(StatusCode, Vec<u8>), CallError> {
        let mut request = self.http.request(method, url).header("Accept", "application/json").bearer_auth(&token.value);
        if let Some(body) = body {
            request = request.header("Content-Type", "application/json").body(body.to_vec());
        }
        send_and_read(request, what).await
    }

    /// One call with a token, with retries, a new token once on 401, and pacing when `paced` names the
    /// conversation.
    async fn call(
        &self,
        method: Method,
        url: Url,
        what: &str,
        body: Option<&[u8]>,
        paced: Option<&str>,
    ) -> Result<(StatusCode, Vec<u8>), CallError> {
        with_retries(&self.config.retry, what, || async {
            if let Some(conversation) = paced {
                self.pace(conversation).await;
            }
            let token = self.token(None).await.map_err(Attempt::Final)?;
            match self.send_once(method.clone(), url.clone(), what, body, &token).await {
                Err(CallError::Unauthorized { .. }) => {
                    tracing::info!(call = what, "token refused (401): obtaining a new one");
                    let fresh = self.token(Some(token.generation)).await.map_err(Attempt::Final)?;
                    self.send_once(method.clone(), url.clone(), what, body, &fresh).await.map_err(Attempt::Retryable)
                }
                other => other.map_err(Attempt::Retryable),
            }
        })
        .await
    }

    /// `GET /teams/{t}/channels/{c}` or `GET /chats/{c}`; `None` when Graph does not know it (404).
    ///
    /// # Errors
    /// Any other failure.
    pub async fn conversation(&self, path: &str) -> Result<Option<ConversationInfo>, CallError> {
        let what = format!("GET {path}");
        let url = self.url(path, "")?;
        let answer = match self.call(Method::GET, url, &what, None, None).await {
            Ok((_, answer)) => answer,
            Err(CallError::Status { status: 404, .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        let raw: RawConversation = decode(&what, &answer)?;
        let created_millis = match raw.created_date_time.as_deref() {
            Some(text) => Some(
                parse_created_date_time(text).map_err(|message| CallError::Decode { what: what.clone(), message })?,
            ),
            None => None,
        };
        Ok(Some(ConversationInfo { created_millis, migration_mode: raw.migration_mode }))
    }

    /// `POST {path}/startMigration`, back-dating the conversation to `creation_millis` when given.
    ///
    /// # Errors
    /// The call's error (400 when the conversation is already in migration mode).
    pub async fn start_migration(&self, path: &str, creation_millis: Option<i64>) -> Result<(), CallError> {
        let what = format!("POST {path}/startMigration");
        let url = self.url(path, "/startMigration")?;
        let body = creation_millis
            .map(|millis| serde_json::json!({ "conversationCreationDateTime": created_date_time(millis) }).to_string());
        self.call(Method::POST, url, &what, Some(body.as_deref().unwrap_or("{}").as_bytes()), None).await.map(drop)
    }

    /// `POST {path}/completeMigration`.
    ///
    /// # Errors
    /// The call's error (400 when the conversation is not in migration mode).
    pub async fn complete_migration(&self, path: &str) -> Result<(), CallError> {
        let what = format!("POST {path}/completeMigration");
        let url = self.url(path, "/completeMigration")?;
        self.call(Method::POST, url, &what, Some(b"{}"), None).await.map(drop)
    }

    /// `POST {path}/messages` with a chatMessage; returns the new message's id. Paced per conversation.
    ///
    /// # Errors
    /// The call's error: 400 (refused), 403 (another app's migration), 409 (the millisecond is taken), 413
    /// (too large), or a transient failure once the retries are spent (the outcome is then unknown).
    pub async fn post_message(&self, path: &str, body: &[u8]) -> Result<String, CallError> {
        let what = format!("POST {path}/messages");
        let url = self.url(path, "/messages")?;
        let (_, answer) = self.call(Method::POST, url, &what, Some(body), Some(path)).await?;
        let value: serde_json::Value = decode(&what, &answer)?;
        value
            .get("id")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| CallError::Decode { what, message: "no `id` in the created message".into() })
    }

    /// Every message of a conversation, through `GET {path}/messages` and its `@odata.nextLink` pages.
    ///
    /// # Errors
    /// The call's error; [`CallError::Decode`] for a next link outside `graphUrl` or too many pages.
    pub async fn messages(&self, path: &str) -> Result<Vec<ImportedMessage>, CallError> {
        let what = format!("GET {path}/messages");
        let mut url = self.url(path, "/messages")?;
        let mut messages = Vec::new();
        for _ in 0..MAX_PAGES {
            let (_, answer) = self.call(Method::GET, url.clone(), &what, None, None).await?;
            let page: RawPage = decode(&what, &answer)?;
            for message in page.value {
                let Some(created) = message.created_date_time.as_deref() else { continue };
                let created_millis = parse_created_date_time(created)
                    .map_err(|message| CallError::Decode { what: what.clone(), message })?;
                let from_user_id = message.from.and_then(|from| from.user).and_then(|user| user.id);
                messages.push(ImportedMessage { id: message.id, created_millis, from_user_id });
            }
            match page.next_link {
                None => return Ok(messages),
                Some(next) if next.starts_with(&format!("{}/", self.config.graph_url)) => {
                    url = Url::parse(&next)
                        .map_err(|error| CallError::Decode { what: what.clone(), message: error.to_string() })?;
                }
                Some(next) => {
                    return Err(CallError::Decode {
                        what,
                        message: format!("@odata.nextLink {next:?} is not under graphUrl: not followed"),
                    })
                }
            }
        }
        Err(CallError::Decode { what, message: format!("more than {MAX_PAGES} pages") })
    }
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, bytes: &[u8]) -> Result<T, CallError> {
    serde_json::from_slice(bytes)
        .map_err(|error| CallError::Decode { what: what.to_owned(), message: error.to_string() })
}

fn transport(what: &str, error: &reqwest::Error) -> CallError {
    CallError::Transport {
        what: what.to_owned(),
        message: describe_transport_error(error),
        timeout: error.is_timeout(),
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response.headers().get(RETRY_AFTER).and_then(|value| parse_retry_after(value.to_str().ok()?))
}

/// Entra's `{"error": "invalid_client", "error_description": "..."}`, or what [`error_message`] reads.
fn token_error_message(bytes: &[u8]) -> String {
    let value: Option<serde_json::Value> = serde_json::from_slice(bytes).ok();
    let text = |name: &str| value.as_ref()?.get(name)?.as_str().map(str::to_owned);
    match (text("error"), text("error_description")) {
        (Some(code), Some(description)) => format!("{code}: {description}"),
        (Some(code), None) => code,
        _ => error_message(bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversation_paths_are_checked() {
        let good = ["/teams/T1/channels/19%3Aabc%40thread.tacv2", "/chats/19:abc@thread.v2", "/teams/a-b/channels/c_d"];
        for path in good {
            assert_eq!(check_conversation_path(path), Ok(()), "{path}");
        }
        let bad = [
            "",
            "/",
            "teams/T/channels/C",
            "/teams/T",
            "/teams/T/channels/C/messages",
            "/teams//channels/C",
            "/teams/../channels/C",
            "/chats/a?b",
            "/chats/a#b",
            "/chats/a b",
            "/users/U",
        ];
        for path in bad {
            assert!(check_conversation_path(path).is_err(), "{path}");
        }
    }

    #[test]
    fn token_errors_give_entra_s_description() {
        assert_eq!(
            token_error_message(
                br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret"}"#
            ),
            "invalid_client: AADSTS7000215: Invalid client secret"
        );
        assert_eq!(token_error_message(br#"{"error":{"code":"x","message":"y"}}"#), "x: y");
    }
}
