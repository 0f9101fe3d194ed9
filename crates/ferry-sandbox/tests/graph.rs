//! The simulated Microsoft Graph over real HTTP: a sandbox served on 127.0.0.1:0, called with reqwest as a
//! Graph client would call it, on a manual clock so that token expiry and throttling are tested by moving time
//! rather than by sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use base64::Engine as _;
use ferry_sandbox::server::RunningSandbox;
use ferry_sandbox::{Clock, Config, FaultConfig, Manifest, Sandbox, Storage};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PUBLIC: &str = include_str!("fixtures/service-user.pub.pem");
const PRIVATE: &str = include_str!("fixtures/service-user.key.pem");
const OTHER_PRIVATE: &str = include_str!("fixtures/other.key.pem");

const TENANT: &str = "9b1c3e5a-7d2f-4a6b-8c0d-1e2f3a4b5c6d";
const IMPORTER: &str = "3c5e7a9b-1d2f-4b6a-8e0c-2f4a6b8c0d1e";
const OTHER_APP: &str = "0f0e0d0c-0b0a-4909-8807-060504030201";
const CERTIFICATE_APP: &str = "c3c3c3c3-c3c3-4c3c-8c3c-c3c3c3c3c3c3";
const SECRET: &str = "importer-secret";
const ALICE: &str = "5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60";
const BOB: &str = "8d9e0f1a-2b3c-4d5e-8f60-718293a4b5c6";
const TEAM: &str = "2a7b9c4d-6e1f-4a3b-8c5d-9e0f1a2b3c4d";
const CHANNEL: &str = "19:general0a1b2c3d@thread.tacv2";
const CHAT: &str = "19:4f1c2d3e5a6b@thread.v2";
/// The channel's path as clients write it, segments percent-encoded.
const CHANNEL_PATH: &str = "/teams/2a7b9c4d-6e1f-4a3b-8c5d-9e0f1a2b3c4d/channels/19%3Ageneral0a1b2c3d%40thread.tacv2";
const CHAT_PATH: &str = "/chats/19%3A4f1c2d3e5a6b%40thread.v2";
/// 2026-01-01T00:00:00Z, the manual clock's start.
const START: i64 = 1_767_225_600_000;
/// 2020-03-02T13:00:00Z, a time after both conversations' creation.
const MARCH_2020: i64 = 1_583_154_000_000;
const TOKEN_LIFETIME_SECONDS: i64 = 60;
/// A 1×1 PNG.
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==";

fn manifest() -> Manifest {
    Manifest::from_json(
        json!({"graph": {
            "tenantId": TENANT,
            "tokenLifetimeSeconds": TOKEN_LIFETIME_SECONDS,
            "apps": [
                {"clientId": IMPORTER, "clientSecret": SECRET},
                {"clientId": OTHER_APP, "clientSecret": "other-secret"},
                {"clientId": CERTIFICATE_APP, "certificate": PUBLIC}
            ],
            "users": [{"id": ALICE, "displayName": "Alice Martin"}, {"id": BOB, "displayName": "Bob Chen"}],
            "teams": [{"id": TEAM, "channels": [{"id": CHANNEL, "createdDateTime": "2015-01-01T00:00:00Z"}]}],
            "chats": [{"id": CHAT, "members": [ALICE, BOB], "createdDateTime": "2016-03-01T00:00:00Z"}]
        }})
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

/// A running sandbox with Graph, its manual clock and an HTTP client.
struct Graph {
    running: RunningSandbox,
    clock: Clock,
    http: reqwest::Client,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

impl Graph {
    async fn start(storage: &Storage, faults: Option<FaultConfig>) -> Graph {
        Graph::start_with(storage, faults, Clock::manual(START), Some(manifest())).await
    }

    async fn start_with(
        storage: &Storage,
        faults: Option<FaultConfig>,
        clock: Clock,
        manifest: Option<Manifest>,
    ) -> Graph {
        let sandbox = Sandbox::open(storage, Config { clock: clock.clone(), faults, ..Config::default() }).unwrap();
        if let Some(manifest) = manifest {
            sandbox.apply_manifest(&manifest).unwrap();
        }
        let running = ferry_sandbox::server::spawn(sandbox, "127.0.0.1:0".parse().unwrap()).await.unwrap();
        Graph { running, clock, http: reqwest::Client::new() }
    }

    fn sandbox(&self) -> &Arc<Sandbox> {
        &self.running.sandbox
    }

    async fn token_answer(&self, tenant: &str, form: &[(&str, &str)]) -> Answer {
        let response = self
            .http
            .post(format!("{}/oauth/{tenant}/oauth2/v2.0/token", self.running.url()))
            .form(form)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    async fn token(&self, client_id: &str, secret: &str) -> String {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
            ("scope", "https://graph.microsoft.com/.default"),
        ];
        let answer = self.token_answer(TENANT, &form).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
        answer.json["access_token"].as_str().unwrap().to_owned()
    }

    async fn call(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let url =
            if path.starts_with("http") { path.to_owned() } else { format!("{}/graph/v1.0{path}", self.running.url()) };
        let mut request = self.http.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        answer(request.send().await.unwrap()).await
    }

    async fn get(&self, path: &str, token: &str) -> Answer {
        self.call(reqwest::Method::GET, path, Some(token), None).await
    }

    async fn post(&self, path: &str, token: &str, body: Option<Value>) -> Answer {
        self.call(reqwest::Method::POST, path, Some(token), body).await
    }

    /// Posts a message after moving the clock on by a fifth of a second, so the throttle never answers.
    async fn import(&self, conversation: &str, token: &str, body: Value) -> Answer {
        self.clock.advance(200);
        self.post(&format!("{conversation}/messages"), token, Some(body)).await
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    let json = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap_or(Value::Null) };
    Answer { status, headers, json }
}

fn assert_graph_error(answer: &Answer, status: StatusCode, code: &str, fragment: &str, case: &str) {
    assert_eq!(answer.status, status, "{case}: {}", answer.json);
    assert_eq!(answer.json["error"]["code"], code, "{case}: {}", answer.json);
    let message = answer.json["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "{case}: `{message}` lacks `{fragment}`");
}

fn created(millis: i64) -> String {
    ferry_core::teams::created_date_time(millis)
}

/// A message from Alice at `millis`, with `overrides` replacing top-level fields (`null` removes one).
fn message(millis: i64, overrides: Value) -> Value {
    let mut value = json!({
        "createdDateTime": created(millis),
        "from": {"user": {"id": ALICE, "displayName": "Alice Martin", "userIdentityType": "aadUser"}},
        "body": {"contentType": "html", "content": "<p>Hello</p>"},
    });
    for (key, field) in overrides.as_object().unwrap() {
        if field.is_null() {
            value.as_object_mut().unwrap().remove(key);
        } else {
            value[key] = field.clone();
        }
    }
    value
}

fn assertion(client_id: &str, audience: &str, expires: i64, key: &str) -> String {
    let claims =
        json!({"aud": audience, "iss": client_id, "sub": client_id, "exp": expires, "nbf": expires - 600, "jti": "1"});
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &EncodingKey::from_rsa_pem(key.as_bytes()).unwrap())
        .unwrap()
}

#[tokio::test]
async fn the_token_endpoint_grants_client_credentials_and_answers_aadsts_errors() {
    let graph = Graph::start(&Storage::Memory, None).await;
    let scope = "https://graph.microsoft.com/.default";
    let granted = graph
        .token_answer(
            TENANT,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", IMPORTER),
                ("client_secret", SECRET),
                ("scope", scope),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(granted.json["token_type"], "Bearer");
    assert_eq!(granted.json["expires_in"], TOKEN_LIFETIME_SECONDS);
    assert!(granted.json["access_token"].as_str().unwrap().len() >= 32);

    let audience = format!("{}/oauth/{TENANT}/oauth2/v2.0/token", graph.running.url());
    let now_seconds = START / 1000;
    let good = assertion(CERTIFICATE_APP, &audience, now_seconds + 300, PRIVATE);
    let wrong_key = assertion(CERTIFICATE_APP, &audience, now_seconds + 300, OTHER_PRIVATE);
    let expired = assertion(CERTIFICATE_APP, &audience, now_seconds - 1, PRIVATE);
    let wrong_audience = assertion(
        CERTIFICATE_APP,
        "https://login.microsoftonline.com/other/oauth2/v2.0/token",
        now_seconds + 300,
        PRIVATE,
    );
    let secret_app_assertion = assertion(IMPORTER, &audience, now_seconds + 300, PRIVATE);
    let jwt_bearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    let with_assertion = |client: &'static str, jwt: &str| {
        vec![
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", client.to_owned()),
            ("client_assertion_type", jwt_bearer.to_owned()),
            ("client_assertion", jwt.to_owned()),
            ("scope", scope.to_owned()),
        ]
    };
    let with_secret = |client: &str, secret: &str, grant: &str, scope: &str| {
        vec![
            ("grant_type", grant.to_owned()),
            ("client_id", client.to_owned()),
            ("client_secret", secret.to_owned()),
            ("scope", scope.to_owned()),
        ]
    };
    /// Case, tenant, form, status, OAuth error, AADSTS number.
    type Case<'a> = (&'a str, &'a str, Vec<(&'a str, String)>, u16, &'a str, u64);
    let table: Vec<Case> = vec![
        ("certificate", TENANT, with_assertion(CERTIFICATE_APP, &good), 200, "", 0),
        (
            "tenant in upper case",
            "9B1C3E5A-7D2F-4A6B-8C0D-1E2F3A4B5C6D",
            with_secret(IMPORTER, SECRET, "client_credentials", scope),
            200,
            "",
            0,
        ),
        (
            "unknown tenant",
            "contoso",
            with_secret(IMPORTER, SECRET, "client_credentials", scope),
            400,
            "invalid_request",
            90_002,
        ),
        (
            "password grant",
            TENANT,
            with_secret(IMPORTER, SECRET, "password", scope),
            400,
            "unsupported_grant_type",
            70_003,
        ),
        (
            "unknown app",
            TENANT,
            with_secret("nobody", SECRET, "client_credentials", scope),
            400,
            "unauthorized_client",
            700_016,
        ),
        (
            "wrong secret",
            TENANT,
            with_secret(IMPORTER, "guess", "client_credentials", scope),
            401,
            "invalid_client",
            7_000_215,
        ),
        (
            "secret of another app",
            TENANT,
            with_secret(IMPORTER, "other-secret", "client_credentials", scope),
            401,
            "invalid_client",
            7_000_215,
        ),
        (
            "delegated scope",
            TENANT,
            with_secret(IMPORTER, SECRET, "client_credentials", "Chat.ReadWrite"),
            400,
            "invalid_scope",
            1_002_012,
        ),
        (
            "no credential",
            TENANT,
            vec![
                ("grant_type", "client_credentials".to_owned()),
                ("client_id", IMPORTER.to_owned()),
                ("scope", scope.to_owned()),
            ],
            401,
            "invalid_client",
            7_000_218,
        ),
        ("no client id", TENANT, with_secret("", SECRET, "client_credentials", scope), 400, "invalid_request", 900_144),
        (
            "assertion with another key",
            TENANT,
            with_assertion(CERTIFICATE_APP, &wrong_key),
            401,
            "invalid_client",
            700_027,
        ),
        ("expired assertion", TENANT, with_assertion(CERTIFICATE_APP, &expired), 401, "invalid_client", 700_024),
        (
            "assertion for another audience",
            TENANT,
            with_assertion(CERTIFICATE_APP, &wrong_audience),
            401,
            "invalid_client",
            700_212,
        ),
        (
            "assertion of an app without certificate",
            TENANT,
            with_assertion(IMPORTER, &secret_app_assertion),
            401,
            "invalid_client",
            700_027,
        ),
        ("not a JWT", TENANT, with_assertion(CERTIFICATE_APP, "not.a.jwt"), 401, "invalid_client", 700_027),
    ];
    for (case, tenant, form, status, error, aadsts) in table {
        let form: Vec<(&str, &str)> = form.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let answer = graph.token_answer(tenant, &form).await;
        assert_eq!(answer.status.as_u16(), status, "{case}: {}", answer.json);
        if status == 200 {
            assert!(answer.json["access_token"].is_string(), "{case}");
            continue;
        }
        assert_eq!(answer.json["error"], error, "{case}: {}", answer.json);
        assert_eq!(answer.json["error_codes"], json!([aadsts]), "{case}");
        let description = answer.json["error_description"].as_str().unwrap();
        assert!(description.starts_with(&format!("AADSTS{aadsts}: ")), "{case}: {description}");
        assert!(!description.contains(SECRET) && !description.contains("guess"), "{case}: a secret is never echoed");
    }
    let not_a_form = graph
        .http
        .post(format!("{}/oauth/{TENANT}/oauth2/v2.0/token", graph.running.url()))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let not_a_form = answer(not_a_form).await;
    assert_eq!(not_a_form.status, StatusCode::BAD_REQUEST);
    assert_eq!(not_a_form.json["error"], "invalid_request");
    let wrong_method =
        graph.http.get(format!("{}/oauth/{TENANT}/oauth2/v2.0/token", graph.running.url())).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn graph_calls_need_a_live_bearer_token() {
    let graph = Graph::start(&Storage::Memory, None).await;
    let token = graph.token(IMPORTER, SECRET).await;
    assert_eq!(graph.get(CHANNEL_PATH, &token).await.status, StatusCode::OK);
    let missing = graph.call(reqwest::Method::GET, CHANNEL_PATH, None, None).await;
    assert_graph_error(&missing, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", "empty", "no header");
    let unknown = graph.get(CHANNEL_PATH, "forged").await;
    assert_graph_error(
        &unknown,
        StatusCode::UNAUTHORIZED,
        "InvalidAuthenticationToken",
        "validation failure",
        "unknown",
    );
    graph.clock.advance(TOKEN_LIFETIME_SECONDS * 1000 - 1);
    assert_eq!(graph.get(CHANNEL_PATH, &token).await.status, StatusCode::OK, "live until its last millisecond");
    graph.clock.advance(1);
    let expired = graph.get(CHANNEL_PATH, &token).await;
    assert_graph_error(&expired, StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", "expired", "expired");
    let fresh = graph.token(IMPORTER, SECRET).await;
    assert_eq!(graph.get(CHANNEL_PATH, &fresh).await.status, StatusCode::OK, "a refreshed token works");
    let unknown_chat = graph.get("/chats/19%3Anope%40thread.v2", &fresh).await;
    assert_graph_error(
        &unknown_chat,
        StatusCode::NOT_FOUND,
        "NotFound",
        "Chat 19:nope@thread.v2 not found",
        "unknown chat",
    );
    let unknown_path = graph.get("/teams/x/installedApps", &fresh).await;
    assert_graph_error(&unknown_path, StatusCode::NOT_FOUND, "NotFound", "no such Graph endpoint", "unknown path");
    let wrong_method = graph.call(reqwest::Method::DELETE, CHANNEL_PATH, Some(&fresh), None).await;
    assert_graph_error(&wrong_method, StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "not supported", "DELETE");
}

#[tokio::test]
async fn without_a_graph_section_graph_answers_404_in_graphs_shape() {
    let symphony_only = Manifest::from_json(br#"{"users": [{"id": 1, "username": "alice"}]}"#).unwrap();
    let graph = Graph::start_with(&Storage::Memory, None, Clock::manual(START), Some(symphony_only)).await;
    for path in [CHANNEL_PATH, CHAT_PATH, &format!("{CHAT_PATH}/messages")] {
        let answer = graph.get(path, "any").await;
        assert_graph_error(&answer, StatusCode::NOT_FOUND, "NotFound", "no `graph` section", path);
    }
    let token = graph
        .token_answer(
            TENANT,
            &[("grant_type", "client_credentials"), ("client_id", IMPORTER), ("client_secret", SECRET)],
        )
        .await;
    assert_eq!(token.status, StatusCode::BAD_REQUEST);
    assert_eq!(token.json["error_codes"], json!([90_002]), "no tenant: AADSTS90002 tenant not found");
}

#[tokio::test]
async fn start_and_complete_migration_answer_as_documented() {
    let graph = Graph::start(&Storage::Memory, None).await;
    let importer = graph.token(IMPORTER, SECRET).await;
    let other = graph.token(OTHER_APP, "other-secret").await;
    for (path, kind_field, kind) in [(CHANNEL_PATH, "membershipType", "standard"), (CHAT_PATH, "chatType", "oneOnOne")]
    {
        let before = graph.get(path, &importer).await;
        assert_eq!(before.status, StatusCode::OK);
        assert_eq!(before.json[kind_field], kind, "{path}");
        assert!(before.json.get("migrationMode").is_none(), "{path}: never started, so absent: {}", before.json);
        assert_eq!(before.json["tenantId"], TENANT);
        let original_creation = before.json["createdDateTime"].as_str().unwrap().to_owned();

        let complete = |token: String| {
            let graph = &graph;
            async move { graph.post(&format!("{path}/completeMigration"), &token, None).await }
        };
        assert_graph_error(
            &complete(importer.clone()).await,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "not in migration mode",
            "complete first",
        );
        let later = json!({"conversationCreationDateTime": "2017-01-01T00:00:00Z"});
        let start_later = graph.post(&format!("{path}/startMigration"), &importer, Some(later)).await;
        assert_graph_error(
            &start_later,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "can only be moved towards the past",
            "later creation",
        );
        let unreadable = graph
            .post(&format!("{path}/startMigration"), &importer, Some(json!({"conversationCreationDateTime": "soon"})))
            .await;
        assert_graph_error(
            &unreadable,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "not a valid date-time",
            "unreadable creation",
        );

        let start = graph.post(&format!("{path}/startMigration"), &importer, None).await;
        assert_eq!(start.status, StatusCode::NO_CONTENT, "{path}: {}", start.json);
        let during = graph.get(path, &importer).await;
        assert_eq!(during.json["migrationMode"], "inProgress");
        assert_eq!(during.json["createdDateTime"], original_creation.as_str(), "no body: createdDateTime stays");
        let again = graph.post(&format!("{path}/startMigration"), &importer, None).await;
        assert_graph_error(&again, StatusCode::BAD_REQUEST, "BadRequest", "already in migration mode", "double start");
        let intruder = graph.post(&format!("{path}/startMigration"), &other, None).await;
        assert_graph_error(&intruder, StatusCode::FORBIDDEN, "Forbidden", "Only 1 application", "start by another app");
        assert_graph_error(
            &complete(other.clone()).await,
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Request Initiator does not match",
            "complete by another app",
        );
        let foreign_import = graph.import(path, &other, message(MARCH_2020, json!({}))).await;
        assert_graph_error(
            &foreign_import,
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Request Initiator does not match the import session intiator.",
            "import by another app",
        );

        assert_eq!(complete(importer.clone()).await.status, StatusCode::NO_CONTENT);
        assert_eq!(graph.get(path, &importer).await.json["migrationMode"], "completed");
        let after = graph.import(path, &importer, message(MARCH_2020, json!({}))).await;
        assert_graph_error(
            &after,
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "not in migration mode",
            "import after completion",
        );

        // A completed migration may start again, by any app, moving createdDateTime to the past.
        let earlier = json!({"conversationCreationDateTime": "2010-06-01T12:00:00.1234567+02:00"});
        let restart = graph.post(&format!("{path}/startMigration"), &other, Some(earlier)).await;
        assert_eq!(restart.status, StatusCode::NO_CONTENT, "{}", restart.json);
        let restarted = graph.get(path, &other).await;
        assert_eq!(restarted.json["migrationMode"], "inProgress");
        assert_eq!(restarted.json["createdDateTime"], "2010-06-01T10:00:00.123Z");
        let import = graph.import(path, &other, message(1_300_000_000_000, json!({}))).await;
        assert_eq!(import.status, StatusCode::CREATED, "2011 is after the new creation: {}", import.json);
        assert_eq!(complete(other.clone()).await.status, StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn imports_are_checked_in_the_documented_order() {
    let graph = Graph::start(&Storage::Memory, None).await;
    let token = graph.token(IMPORTER, SECRET).await;
    assert_eq!(
        graph.post(&format!("{CHANNEL_PATH}/startMigration"), &token, None).await.status,
        StatusCode::NO_CONTENT
    );
    let first = graph
        .import(CHANNEL_PATH, &token, message(MARCH_2020, json!({"createdDateTime": "2020-03-02T13:00:00.0009999Z"})))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.json);
    assert_eq!(first.json["id"], MARCH_2020.to_string(), "the id is the millisecond, digits past it truncated");
    assert_eq!(first.json["createdDateTime"], "2020-03-02T13:00:00.000Z");
    assert_eq!(first.json["from"]["user"]["tenantId"], TENANT);
    assert_eq!(first.json["channelIdentity"], json!({"teamId": TEAM, "channelId": CHANNEL}));
    assert_eq!(first.json["body"], json!({"contentType": "html", "content": "<p>Hello</p>"}));

    let oversized = "x".repeat(ferry_core::teams::MAX_POST_BYTES + 1);
    let at_limit = "x".repeat(ferry_core::teams::MAX_POST_BYTES);
    let mention = |user: &str, id: u64| json!([{"id": id, "mentionText": "Bob", "mentioned": {"user": {"id": user, "displayName": "Bob", "userIdentityType": "aadUser"}}}]);
    let image = |temporary_id: &str, bytes: &str, content_type: &str| json!([{"@microsoft.graph.temporaryId": temporary_id, "contentBytes": bytes, "contentType": content_type}]);
    let img = json!({"contentType": "html", "content": "<p>see</p><img src=\"../hostedContents/1/$value\">"});
    let t = |offset: i64| MARCH_2020 + offset;
    // (case, body, status, Graph code, message fragment); each later check is met only once the earlier pass.
    let table: Vec<(&str, Value, StatusCode, &str, &str)> = vec![
        ("not JSON object", json!(["hello"]), StatusCode::BAD_REQUEST, "BadRequest", "JSON object"),
        (
            "no from",
            message(t(1), json!({"from": null})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "from.user.id is required",
        ),
        (
            "from outside the tenant",
            message(
                t(1),
                json!({"from": {"user": {"id": "ffffffff-0000-0000-0000-000000000000"}}, "createdDateTime": "2099-01-01T00:00:00Z"}),
            ),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "is not a user of tenant",
        ),
        (
            "no createdDateTime",
            message(t(1), json!({"createdDateTime": null})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "createdDateTime is required",
        ),
        (
            "unreadable createdDateTime",
            message(t(1), json!({"createdDateTime": "2020-03-02 13:00"})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "not a valid date-time",
        ),
        (
            "in the future",
            message(START + 60_000, json!({})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "is in the future",
        ),
        (
            "at the channel's creation",
            message(0, json!({"createdDateTime": "2015-01-01T00:00:00Z"})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "must be later than the conversation's createdDateTime 2015-01-01T00:00:00.000Z",
        ),
        (
            "same millisecond, and oversized",
            message(MARCH_2020, json!({"body": {"contentType": "html", "content": oversized}})),
            StatusCode::CONFLICT,
            "Conflict",
            "unique to the millisecond",
        ),
        (
            "oversized",
            message(t(1), json!({"body": {"contentType": "html", "content": oversized}})),
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "28672 bytes",
        ),
        ("no body", message(t(1), json!({"body": null})), StatusCode::BAD_REQUEST, "BadRequest", "body is required"),
        (
            "markdown body",
            message(t(1), json!({"body": {"contentType": "markdown", "content": "*x*"}})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "`html` or `text`",
        ),
        (
            "mention outside the tenant",
            message(
                t(1),
                json!({"body": {"contentType": "html", "content": "<at id=\"0\">Bob</at>"}, "mentions": mention("nobody", 0)}),
            ),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "not a user of the tenant",
        ),
        (
            "mention without <at>",
            message(
                t(1),
                json!({"body": {"contentType": "html", "content": "<at id=\"1\">Bob</at>"}, "mentions": mention(BOB, 0)}),
            ),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "no <at id=\"0\">",
        ),
        (
            "image not base64",
            message(t(1), json!({"body": img, "hostedContents": image("1", "%%%", "image/png")})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "base64",
        ),
        (
            "a PDF",
            message(t(1), json!({"body": img, "hostedContents": image("1", PNG_BASE64, "application/pdf")})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "inline images are the only media",
        ),
        (
            "image not shown",
            message(t(1), json!({"hostedContents": image("1", PNG_BASE64, "image/png")})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "is not shown in the body",
        ),
        (
            "image shown, not given",
            message(t(1), json!({"body": img})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "which hostedContents does not give",
        ),
        (
            "a file attachment",
            message(t(1), json!({"attachments": [{"id": "1", "contentType": "application/pdf", "name": "q3.pdf"}]})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "import takes files only as `reference`",
        ),
        (
            "251 reactions",
            message(t(1), json!({"reactions": vec![json!({"reactionType": "like"}); 251]})),
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "at most 250",
        ),
        (
            "at the size limit",
            message(t(1), json!({"body": {"contentType": "text", "content": at_limit}})),
            StatusCode::CREATED,
            "",
            "",
        ),
        (
            "a mention and an image",
            message(
                t(2),
                json!({"body": {"contentType": "HTML", "content": "<at id=\"0\">Bob</at><img src=\"../hostedContents/1/$value\">"},
                       "mentions": mention(BOB, 0), "hostedContents": image("1", PNG_BASE64, "image/png"),
                       "attachments": [{"id": "a", "contentType": "reference", "contentUrl": "https://contoso.sharepoint.com/q3.pdf", "name": "q3.pdf"}]}),
            ),
            StatusCode::CREATED,
            "",
            "",
        ),
    ];
    for (case, body, status, code, fragment) in table {
        let answer = graph.import(CHANNEL_PATH, &token, body).await;
        if status == StatusCode::CREATED {
            assert_eq!(answer.status, status, "{case}: {}", answer.json);
        } else {
            assert_graph_error(&answer, status, code, fragment, case);
        }
    }
    let stored = graph.get(&format!("{CHANNEL_PATH}/messages"), &token).await;
    let ids: Vec<&str> =
        stored.json["value"].as_array().unwrap().iter().map(|message| message["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [MARCH_2020.to_string(), t(1).to_string(), t(2).to_string()],
        "only the accepted messages are stored"
    );
    let with_image = graph.get(&format!("{CHANNEL_PATH}/messages/{}", t(2)), &token).await;
    assert_eq!(with_image.json["body"]["contentType"], "html");
    assert_eq!(with_image.json["mentions"][0]["mentioned"]["user"]["id"], BOB);
    assert_eq!(with_image.json["attachments"][0]["contentType"], "reference");
    let bytes = graph
        .http
        .get(format!("{}/graph/v1.0{CHANNEL_PATH}/messages/{}/hostedContents/1/$value", graph.running.url(), t(2)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(bytes.headers()["content-type"], "image/png");
    assert_eq!(
        bytes.bytes().await.unwrap().as_ref(),
        base64::engine::general_purpose::STANDARD.decode(PNG_BASE64).unwrap()
    );
    let missing = graph.get(&format!("{CHANNEL_PATH}/messages/{}", t(3)), &token).await;
    assert_graph_error(&missing, StatusCode::NOT_FOUND, "NotFound", "not found", "unknown message");
    let stats = graph.sandbox().stats().unwrap();
    assert_eq!(stats.graph_messages_stored, 3);
    assert_eq!(stats.graph_messages_imported, 3);
}

#[tokio::test]
async fn read_back_is_paged_oldest_first_with_absolute_next_links() {
    let graph = Graph::start(&Storage::Memory, None).await;
    let token = graph.token(IMPORTER, SECRET).await;
    assert_eq!(graph.post(&format!("{CHAT_PATH}/startMigration"), &token, None).await.status, StatusCode::NO_CONTENT);
    // 45 messages sent in a scrambled order (a multiplier coprime with 45 visits every index once).
    let times: Vec<i64> = (0..45_i64).map(|index| MARCH_2020 + (index * 17 % 45) * 1_000).collect();
    for millis in &times {
        let answer = graph.import(CHAT_PATH, &token, message(*millis, json!({}))).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.json);
        assert_eq!(answer.json["chatId"], CHAT);
    }
    let mut pages = Vec::new();
    let mut next = format!("{CHAT_PATH}/messages?$top=20");
    for _ in 0..10 {
        let page = graph.get(&next, &token).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.json);
        pages.push(
            page.json["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|message| message["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>(),
        );
        match page.json["@odata.nextLink"].as_str() {
            Some(link) => {
                assert!(
                    link.starts_with(&format!("{}/graph/v1.0{CHAT_PATH}/messages?", graph.running.url())),
                    "{link}"
                );
                next = link.to_owned();
            }
            None => break,
        }
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [20, 20, 5]);
    let mut expected: Vec<String> = times.iter().map(i64::to_string).collect();
    expected.sort();
    assert_eq!(pages.concat(), expected, "every message once, oldest first");
    let default_page = graph.get(&format!("{CHAT_PATH}/messages"), &token).await;
    assert_eq!(default_page.json["value"].as_array().unwrap().len(), 20, "$top defaults to 20");
    let table = [
        ("$top=51", "Invalid page size"),
        ("$top=0", "Invalid page size"),
        ("$top=ten", "Invalid page size"),
        ("$skiptoken=%21", "Invalid $skiptoken"),
    ];
    for (query, fragment) in table {
        let answer = graph.get(&format!("{CHAT_PATH}/messages?{query}"), &token).await;
        assert_graph_error(&answer, StatusCode::BAD_REQUEST, "BadRequest", fragment, query);
    }
    let empty = graph.get(&format!("{CHANNEL_PATH}/messages"), &token).await;
    assert_eq!(empty.json["value"], json!([]));
    assert!(empty.json.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn throttling_answers_429_with_retry_after_per_conversation() {
    let graph = Graph::start(&Storage::Memory, None).await;
    let token = graph.token(IMPORTER, SECRET).await;
    for path in [CHANNEL_PATH, CHAT_PATH] {
        assert_eq!(graph.post(&format!("{path}/startMigration"), &token, None).await.status, StatusCode::NO_CONTENT);
    }
    graph.clock.advance(1_000);
    // The clock stands still: five posts pass, the sixth is throttled and stores nothing.
    let post = |path: &'static str, millis: i64| {
        let graph = &graph;
        let token = token.clone();
        async move { graph.post(&format!("{path}/messages"), &token, Some(message(millis, json!({})))).await }
    };
    for index in 0..5 {
        assert_eq!(post(CHANNEL_PATH, MARCH_2020 + index).await.status, StatusCode::CREATED, "post {index}");
    }
    let throttled = post(CHANNEL_PATH, MARCH_2020 + 5).await;
    assert_graph_error(
        &throttled,
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequests",
        "5 per second per conversation",
        "sixth",
    );
    assert_eq!(throttled.headers["retry-after"], "1");
    assert_eq!(post(CHAT_PATH, MARCH_2020).await.status, StatusCode::CREATED, "the chat has its own bucket");
    graph.clock.advance(199);
    assert_eq!(
        post(CHANNEL_PATH, MARCH_2020 + 5).await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "199 ms refill less than one"
    );
    graph.clock.advance(1);
    assert_eq!(post(CHANNEL_PATH, MARCH_2020 + 5).await.status, StatusCode::CREATED, "a fifth of a second later");
    // Reads are not throttled.
    for _ in 0..10 {
        assert_eq!(graph.get(&format!("{CHANNEL_PATH}/messages"), &token).await.status, StatusCode::OK);
    }
    let stats = graph.sandbox().stats().unwrap();
    assert_eq!(stats.graph_messages_stored, 7);
    assert_eq!(stats.graph_message_posts, 7, "throttled posts are not counted as posts that reached the conversation");
}

#[tokio::test]
async fn a_restarted_sandbox_keeps_messages_migration_states_and_tokens() {
    let directory = std::env::temp_dir().join(format!("ferry-sandbox-graph-restart-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let storage = Storage::File(directory.join("state.sqlite3"));
    let _ = std::fs::remove_file(directory.join("state.sqlite3"));
    let clock = Clock::manual(START);
    let token = {
        let graph = Graph::start_with(&storage, None, clock.clone(), Some(manifest())).await;
        let token = graph.token(IMPORTER, SECRET).await;
        let backdate = json!({"conversationCreationDateTime": "2014-01-01T00:00:00Z"});
        assert_eq!(
            graph.post(&format!("{CHANNEL_PATH}/startMigration"), &token, Some(backdate)).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            graph.import(CHANNEL_PATH, &token, message(1_400_000_000_000, json!({}))).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            graph.import(CHANNEL_PATH, &token, message(MARCH_2020, json!({}))).await.status,
            StatusCode::CREATED
        );
        graph.running.shutdown().await.unwrap();
        token
    };
    // The same manifest applied again at start, as `ferry sandbox --manifest` does.
    let graph = Graph::start_with(&storage, None, clock, Some(manifest())).await;
    let channel = graph.get(CHANNEL_PATH, &token).await;
    assert_eq!(channel.status, StatusCode::OK, "the token outlives the restart: {}", channel.json);
    assert_eq!(channel.json["migrationMode"], "inProgress");
    assert_eq!(
        channel.json["createdDateTime"], "2014-01-01T00:00:00.000Z",
        "the manifest does not undo the backdating"
    );
    let listed = graph.get(&format!("{CHANNEL_PATH}/messages"), &token).await;
    assert_eq!(listed.json["value"].as_array().unwrap().len(), 2);
    let repeat = graph.import(CHANNEL_PATH, &token, message(MARCH_2020, json!({}))).await;
    assert_graph_error(&repeat, StatusCode::CONFLICT, "Conflict", "unique to the millisecond", "repeat after restart");
    assert_eq!(
        graph.post(&format!("{CHANNEL_PATH}/completeMigration"), &token, None).await.status,
        StatusCode::NO_CONTENT,
        "the same app still owns it"
    );
    assert_eq!(graph.sandbox().stats().unwrap().graph_messages_stored, 2);
    graph.running.shutdown().await.unwrap();
    std::fs::remove_dir_all(&directory).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_answer_429_and_503_or_drop_and_a_retry_after_a_drop_meets_409() {
    let graph = Graph::start(&Storage::Memory, Some(FaultConfig { rate: 1.0, seed: Some(11) })).await;
    let token = graph.token(IMPORTER, SECRET).await;
    assert_eq!(
        graph.post(&format!("{CHANNEL_PATH}/startMigration"), &token, None).await.status,
        StatusCode::NO_CONTENT
    );
    let url = format!("{}/graph/v1.0{CHANNEL_PATH}/messages", graph.running.url());
    let (mut unavailable, mut throttled, mut dropped, mut conflicts_after_drop) = (0, 0, 0, 0);
    let messages = 12;
    for index in 0..messages {
        let body = message(MARCH_2020 + index, json!({}));
        let mut dropped_before = false;
        let mut outcome = None;
        for _attempt in 0..40 {
            graph.clock.advance(200);
            match graph.http.post(&url).bearer_auth(&token).json(&body).send().await {
                Err(_) => {
                    dropped += 1;
                    dropped_before = true;
                }
                Ok(response) => match response.status() {
                    StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
                        assert!(response.headers().contains_key("retry-after"), "{}", response.status());
                        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
                            unavailable += 1;
                        } else {
                            throttled += 1;
                        }
                    }
                    status @ (StatusCode::CREATED | StatusCode::CONFLICT) => {
                        if status == StatusCode::CONFLICT {
                            assert!(dropped_before, "message {index}: 409 only after a connection dropped");
                            conflicts_after_drop += 1;
                        }
                        outcome = Some(status);
                        break;
                    }
                    other => panic!("message {index}: unexpected {other}"),
                },
            }
        }
        assert!(outcome.is_some(), "message {index} neither stored nor met 409 in 40 attempts");
    }
    assert!(
        unavailable > 0 && throttled > 0 && dropped > 0 && conflicts_after_drop > 0,
        "{unavailable} {throttled} {dropped} {conflicts_after_drop}"
    );
    let listed = graph.get(&format!("{CHANNEL_PATH}/messages?$top=50"), &token).await;
    let ids: Vec<&str> =
        listed.json["value"].as_array().unwrap().iter().map(|message| message["id"].as_str().unwrap()).collect();
    let expected: Vec<String> = (0..messages).map(|index| (MARCH_2020 + index).to_string()).collect();
    assert_eq!(ids, expected, "every message stored exactly once");
    assert!(graph.sandbox().stats().unwrap().faults_injected >= u64::try_from(messages).unwrap());
}
