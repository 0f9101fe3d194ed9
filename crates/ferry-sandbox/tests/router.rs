//! The sandbox's HTTP API, called through the router with `tower::ServiceExt::oneshot` (and, for faults that
//! drop connections, through a real server on 127.0.0.1:0).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use ferry_sandbox::{app, Config, FaultConfig, Manifest, Sandbox, Storage};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const PUBLIC: &str = include_str!("fixtures/service-user.pub.pem");
const PRIVATE: &str = include_str!("fixtures/service-user.key.pem");
const OTHER_PRIVATE: &str = include_str!("fixtures/other.key.pem");
const STREAM: &str = "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA";
const ALICE: i64 = 7_215_545_057_281;
const BOB: i64 = 7_215_545_057_282;

fn manifest() -> Manifest {
    Manifest::from_json(
        json!({
            "serviceUsers": [
                {"username": "import-bot", "publicKeyPem": PUBLIC, "roles": ["CONTENT_MANAGEMENT", "USER_PROVISIONING"]},
                {"username": "reader-bot", "publicKeyPem": PUBLIC, "roles": []}
            ],
            "users": [{"id": ALICE, "username": "alice", "active": true}, {"id": BOB, "username": "bob", "active": true}],
            "streams": [{"id": STREAM, "type": "ROOM", "active": true, "members": [ALICE]}]
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

fn sandbox_with(config: Config, storage: &Storage) -> Arc<Sandbox> {
    let sandbox = Sandbox::open(storage, config).unwrap();
    sandbox.apply_manifest(&manifest()).unwrap();
    sandbox
}

fn now_seconds() -> i64 {
    ferry_sandbox::now_millis() / 1000
}

fn jwt(subject: &str, exp: i64, key: &str) -> String {
    let claims = json!({"sub": subject, "exp": exp});
    jsonwebtoken::encode(&Header::new(Algorithm::RS512), &claims, &EncodingKey::from_rsa_pem(key.as_bytes()).unwrap()).unwrap()
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    json: Value,
}

async fn call(router: &Router, method: &str, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Answer {
    let (status, headers, bytes) = common::send(router, method, uri, headers, body).await;
    // Attachment downloads are base64 text, not JSON: kept as a string.
    let json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Answer { status, headers, json }
}

async fn login(router: &Router, subject: &str) -> (String, String) {
    let token = jwt(subject, now_seconds() + 240, PRIVATE);
    let body = json!({"token": token}).to_string();
    let session = call(router, "POST", "/login/pubkey/authenticate", &[], body.clone()).await;
    let key_manager = call(router, "POST", "/relay/pubkey/authenticate", &[], body).await;
    assert_eq!(session.status, StatusCode::OK, "{}", session.json);
    assert_eq!(key_manager.status, StatusCode::OK, "{}", key_manager.json);
    (session.json["token"].as_str().unwrap().to_owned(), key_manager.json["token"].as_str().unwrap().to_owned())
}

fn message(original: &str, overrides: Value) -> Value {
    let mut value = json!({
        "message": "<messageML>hello</messageML>",
        "intendedMessageTimestamp": 1_433_045_622_000_i64,
        "intendedMessageFromUserId": ALICE,
        "originatingSystemId": "fooChat",
        "originalMessageId": original,
        "streamId": STREAM,
    });
    for (key, field) in overrides.as_object().unwrap() {
        value[key] = field.clone();
    }
    value
}

async fn import(router: &Router, tokens: &(String, String), body: impl Into<Body>) -> Answer {
    call(
        router,
        "POST",
        "/agent/v4/message/import",
        &[("sessionToken", &tokens.0), ("keyManagerToken", &tokens.1), ("content-type", "application/json")],
        body,
    )
    .await
}

fn assert_error(answer: &Answer, status: StatusCode, fragment: &str, case: &str) {
    assert_eq!(answer.status, status, "{case}: {}", answer.json);
    assert_eq!(answer.json["code"], json!(status.as_u16()), "{case}");
    let message = answer.json["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "{case}: `{message}` lacks `{fragment}`");
    assert_eq!(
        answer.headers.get("content-type").and_then(|value| value.to_str().ok()),
        Some("application/json"),
        "{case}"
    );
}

#[tokio::test]
async fn login_and_relay_accept_the_same_jwt_and_answer_opaque_tokens() {
    let router = app(sandbox_with(Config::default(), &Storage::Memory));
    let body = json!({"token": jwt("import-bot", now_seconds() + 240, PRIVATE)}).to_string();
    let session = call(&router, "POST", "/login/pubkey/authenticate", &[], body.clone()).await;
    let relay = call(&router, "POST", "/relay/pubkey/authenticate", &[], body.clone()).await;
    let again = call(&router, "POST", "/login/pubkey/authenticate", &[], body).await;
    assert_eq!(session.json["name"], "sessionToken");
    assert_eq!(relay.json["name"], "keyManagerToken");
    assert_eq!(again.status, StatusCode::OK, "a JWT is not consumed by use");
    for answer in [&session, &relay] {
        let token = answer.json["token"].as_str().unwrap();
        assert!(!token.contains('.'), "opaque, not a JWT: {token}");
    }
    assert_ne!(session.json["token"], relay.json["token"]);
}

#[tokio::test]
async fn login_failures_are_401_with_code_and_message() {
    let router = app(sandbox_with(Config::default(), &Storage::Memory));
    let now = now_seconds();
    let table: Vec<(&str, String, &str)> = vec![
        ("forged: signed by another key", json!({"token": jwt("import-bot", now + 60, OTHER_PRIVATE)}).to_string(), "rejected"),
        ("expired", json!({"token": jwt("import-bot", now - 10, PRIVATE)}).to_string(), "expired"),
        ("exp beyond five minutes", json!({"token": jwt("import-bot", now + 3600, PRIVATE)}).to_string(), "five minutes"),
        ("unknown user", json!({"token": jwt("nobody", now + 60, PRIVATE)}).to_string(), "unknown user"),
        ("user without key", json!({"token": jwt("alice", now + 60, PRIVATE)}).to_string(), "no public key"),
        ("not a JWT", json!({"token": "abc"}).to_string(), "not a JWT"),
        ("token of wrong type", json!({"token": 5}).to_string(), "token"),
        ("malformed JSON", "{\"token\":".to_owned(), "Request body"),
        ("empty body", String::new(), "Request body"),
    ];
    for path in ["/login/pubkey/authenticate", "/relay/pubkey/authenticate"] {
        for (case, body, fragment) in &table {
            let answer = call(&router, "POST", path, &[], body.clone()).await;
            assert_error(&answer, StatusCode::UNAUTHORIZED, fragment, &format!("{path} {case}"));
        }
    }
}

#[tokio::test]
async fn import_authentication_and_roles() {
    let sandbox = sandbox_with(Config::default(), &Storage::Memory);
    let router = app(Arc::clone(&sandbox));
    let importer = login(&router, "import-bot").await;
    let reader = login(&router, "reader-bot").await;
    let body = json!([message("a", json!({}))]).to_string();
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, StatusCode, &'a str);
    let table: Vec<Case> = vec![
        ("no tokens", vec![], StatusCode::UNAUTHORIZED, "Missing sessionToken"),
        ("no key manager token", vec![("sessionToken", &importer.0)], StatusCode::UNAUTHORIZED, "Missing keyManagerToken"),
        ("invented session", vec![("sessionToken", "x"), ("keyManagerToken", &importer.1)], StatusCode::UNAUTHORIZED, "not a valid"),
        ("tokens swapped", vec![("sessionToken", &importer.1), ("keyManagerToken", &importer.0)], StatusCode::UNAUTHORIZED, "not a valid"),
        (
            "token for another user",
            vec![("sessionToken", &reader.0), ("keyManagerToken", &importer.1)],
            StatusCode::UNAUTHORIZED,
            "different users",
        ),
        ("no Content Management role", vec![("sessionToken", &reader.0), ("keyManagerToken", &reader.1)], StatusCode::FORBIDDEN, "CONTENT_MANAGEMENT"),
        ("lower-case header names", vec![("sessiontoken", &importer.0), ("keymanagertoken", &importer.1)], StatusCode::OK, ""),
    ];
    for (case, headers, status, fragment) in table {
        let answer = call(&router, "POST", "/agent/v4/message/import", &headers, body.clone()).await;
        if status == StatusCode::OK {
            assert_eq!(answer.status, status, "{case}: {}", answer.json);
        } else {
            assert_error(&answer, status, fragment, case);
        }
    }
    assert_eq!(sandbox.expire_sessions(), 4);
    let answer = import(&router, &importer, body).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "not a valid", "after expiry");
}

#[tokio::test]
async fn sessions_expire_after_the_configured_lifetime() {
    let config = Config { session_lifetime: std::time::Duration::ZERO, ..Config::default() };
    let router = app(sandbox_with(config, &Storage::Memory));
    let tokens = login(&router, "import-bot").await;
    let answer = import(&router, &tokens, json!([]).to_string()).await;
    assert_error(&answer, StatusCode::UNAUTHORIZED, "sessionToken", "zero lifetime");
}

#[tokio::test]
async fn import_answers_per_message_in_order_and_dedupes() {
    let router = app(sandbox_with(Config::default(), &Storage::Memory));
    let tokens = login(&router, "import-bot").await;
    let body = json!([
        message("ok-1", json!({"data": null, "attachments": null, "previews": null})),
        message("future", json!({"intendedMessageTimestamp": 4_102_444_800_000_i64})),
        message("not-member", json!({"intendedMessageFromUserId": BOB})),
        message("ok-2", json!({"attachments": [{"filename": "a.txt", "content": "aGVsbG8="}]})),
        message("ok-1", json!({})),
    ])
    .to_string();
    let answer = import(&router, &tokens, body.clone()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    let responses = answer.json.as_array().unwrap();
    let originals: Vec<&str> = responses.iter().map(|r| r["originalMessageId"].as_str().unwrap()).collect();
    assert_eq!(originals, ["ok-1", "future", "not-member", "ok-2", "ok-1"]);
    for response in responses {
        assert_eq!(response["originatingSystemId"], "fooChat");
    }
    let first_id = responses[0]["messageId"].as_str().unwrap();
    assert!(responses[0].get("diagnostic").is_none());
    assert!(responses[1]["diagnostic"].as_str().unwrap().contains("4102444800000"), "{}", responses[1]);
    assert!(responses[1].get("messageId").is_none());
    assert!(responses[2]["diagnostic"].as_str().unwrap().contains("not a member"), "{}", responses[2]);
    assert!(responses[3]["messageId"].is_string());
    assert_eq!(responses[4]["messageId"], first_id, "repeat in the same request");
    assert!(responses[4]["diagnostic"].as_str().unwrap().contains("already imported"));
    let listed = call(&router, "GET", &format!("/agent/v4/stream/{STREAM}/message?since=0"), &[("sessionToken", &tokens.0)], Body::empty()).await;
    let with_file = listed.json.as_array().unwrap().iter().find(|m| m["messageId"] == responses[3]["messageId"]).unwrap().clone();
    assert_eq!(with_file["attachments"][0]["name"], "a.txt");
    assert_eq!(with_file["attachments"][0]["size"], 5);
    let file_id = with_file["attachments"][0]["id"].as_str().unwrap().to_owned();
    let message_id = with_file["messageId"].as_str().unwrap().to_owned();
    let download = |query: String, session: String| {
        let router = router.clone();
        async move {
            call(&router, "GET", &format!("/agent/v1/stream/{STREAM}/attachment?{query}"), &[("sessionToken", &session)], Body::empty()).await
        }
    };
    let file = download(format!("messageId={message_id}&fileId={file_id}"), tokens.0.clone()).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.json, "aGVsbG8=", "the content, base64-encoded as the Agent answers it");
    assert_eq!(file.headers["content-type"], "application/octet-stream");
    let reader = login(&router, "reader-bot").await;
    let table = [
        (format!("messageId={message_id}&fileId=internal_{message_id}_1"), &tokens.0, StatusCode::NOT_FOUND, "No attachment"),
        (format!("messageId={message_id}&fileId=other"), &tokens.0, StatusCode::BAD_REQUEST, "is not an attachment"),
        (format!("messageId={message_id}"), &tokens.0, StatusCode::BAD_REQUEST, "fileId"),
        (format!("messageId={message_id}&fileId={file_id}"), &reader.0, StatusCode::FORBIDDEN, "not a member"),
    ];
    for (query, session, status, fragment) in table {
        assert_error(&download(query.clone(), session.clone()).await, status, fragment, &query);
    }
    let again = import(&router, &tokens, body).await;
    let repeat = again.json.as_array().unwrap();
    assert_eq!(repeat[0]["messageId"], first_id, "repeat of an earlier request");
    assert_eq!(repeat[3]["messageId"], responses[3]["messageId"]);
    assert!(repeat[1].get("messageId").is_none(), "failed messages were not stored, so they fail again");
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_loses_nothing() {
    let sandbox = sandbox_with(Config::default(), &Storage::Memory);
    let router = app(Arc::clone(&sandbox));
    let tokens = login(&router, "import-bot").await;
    let first = import(&router, &tokens, json!([message("kept", json!({}))]).to_string()).await;
    assert_eq!(first.status, StatusCode::OK);
    let read_back_uri = format!("/agent/v4/stream/{STREAM}/message?since=0");
    let read_back_headers = [("sessionToken", tokens.0.as_str())];
    let before = call(&router, "GET", &read_back_uri, &read_back_headers, Body::empty()).await.json;

    let hundred_thousand: Vec<Value> = (0..100_000).map(|index| message(&format!("bulk-{index}"), json!({}))).collect();
    let hundred_thousand = serde_json::to_vec(&hundred_thousand).unwrap();
    let two_hundred_megabytes = Bytes::from(vec![b' '; 200 * 1024 * 1024]);
    type Case<'a> = (&'a str, Body, Vec<(&'a str, String)>, StatusCode, &'a str);
    let table: Vec<Case> = vec![
        ("malformed JSON", Body::from("[{\"message\": "), vec![], StatusCode::BAD_REQUEST, "not valid JSON"),
        ("object, not array", Body::from("{}"), vec![], StatusCode::BAD_REQUEST, "must be a JSON array"),
        ("array of strings", Body::from("[\"hello\"]"), vec![], StatusCode::BAD_REQUEST, "Record 0 must be a JSON object"),
        (
            "wrong type",
            Body::from(json!([message("x", json!({"intendedMessageTimestamp": "2015-05-31"}))]).to_string()),
            vec![],
            StatusCode::BAD_REQUEST,
            "Record 0, field `intendedMessageTimestamp`",
        ),
        ("100,000 messages", Body::from(hundred_thousand), vec![], StatusCode::BAD_REQUEST, "Too many messages in one request: 100000"),
        ("200 MB streamed", Body::from(two_hundred_megabytes.clone()), vec![], StatusCode::PAYLOAD_TOO_LARGE, "larger than"),
        (
            "200 MB declared",
            Body::from(two_hundred_megabytes),
            vec![("content-length", (200 * 1024 * 1024).to_string())],
            StatusCode::PAYLOAD_TOO_LARGE,
            "larger than",
        ),
    ];
    for (case, body, extra_headers, status, fragment) in table {
        let mut headers: Vec<(&str, &str)> = vec![("sessionToken", &tokens.0), ("keyManagerToken", &tokens.1)];
        headers.extend(extra_headers.iter().map(|(name, value)| (*name, value.as_str())));
        let answer = call(&router, "POST", "/agent/v4/message/import", &headers, body).await;
        assert_error(&answer, status, fragment, case);
    }
    let after = call(&router, "GET", &read_back_uri, &read_back_headers, Body::empty()).await.json;
    assert_eq!(after, before, "nothing stored was lost or changed");
    assert_eq!(sandbox.stats().unwrap().messages_stored, 1);
}

#[tokio::test]
async fn read_back_pages_like_the_agent() {
    let router = app(sandbox_with(Config::default(), &Storage::Memory));
    let tokens = login(&router, "import-bot").await;
    let messages: Vec<Value> = (0..5)
        .map(|index| {
            message(
                &format!("m{index}"),
                json!({"intendedMessageTimestamp": 1_000 + (index / 2) * 1_000, "data": "{}",
                       "message": format!("<messageML>m{index}</messageML>")}),
            )
        })
        .collect();
    let imported = import(&router, &tokens, json!(messages).to_string()).await;
    let ids: Vec<Value> = imported.json.as_array().unwrap().iter().map(|r| r["messageId"].clone()).collect();
    let list = |query: &str| {
        let router = router.clone();
        let uri = format!("/agent/v4/stream/{STREAM}/message?{query}");
        let tokens = tokens.clone();
        async move { call(&router, "GET", &uri, &[("sessionToken", &tokens.0), ("keyManagerToken", &tokens.1)], Body::empty()).await }
    };
    let all = list("since=0").await;
    assert_eq!(all.status, StatusCode::OK);
    let all = all.json.as_array().unwrap().clone();
    assert_eq!(all.iter().map(|m| m["messageId"].clone()).collect::<Vec<_>>(), ids);
    let first = &all[0];
    assert_eq!(first["timestamp"], 1_000);
    assert_eq!(first["message"], "<div data-format=\"PresentationML\" data-version=\"2.0\">m0</div>");
    assert_eq!(first["user"]["userId"], ALICE);
    assert_eq!(first["user"]["username"], "alice");
    assert_eq!(first["stream"], json!({"streamId": STREAM, "streamType": "ROOM"}));
    assert_eq!(first["data"], "{}");
    let table: Vec<(&str, Vec<usize>)> = vec![
        ("since=2000", vec![2, 3, 4]),
        ("since=2000&skip=1", vec![3, 4]),
        ("since=0&limit=2", vec![0, 1]),
        ("since=0&skip=1&limit=2", vec![1, 2]),
        ("since=0&until=1000", vec![0, 1]),
    ];
    for (query, expected) in table {
        let answer = list(query).await;
        let got: Vec<Value> = answer.json.as_array().unwrap().iter().map(|m| m["messageId"].clone()).collect();
        let expected: Vec<Value> = expected.iter().map(|index| ids[*index].clone()).collect();
        assert_eq!(got, expected, "{query}");
    }
    assert_eq!(list("since=9999").await.status, StatusCode::NO_CONTENT);
    assert_error(&list("").await, StatusCode::BAD_REQUEST, "since", "no since");
    assert_error(&list("since=0&limit=501").await, StatusCode::BAD_REQUEST, "limit", "limit too big");
    assert_error(&list("since=abc").await, StatusCode::BAD_REQUEST, "Invalid query", "since not a number");
    let unknown = call(&router, "GET", "/agent/v4/stream/nope/message?since=0", &[("sessionToken", &tokens.0)], Body::empty()).await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "does not exist", "unknown stream");
    let reader = login(&router, "reader-bot").await;
    let forbidden = call(&router, "GET", &format!("/agent/v4/stream/{STREAM}/message?since=0"), &[("sessionToken", &reader.0)], Body::empty()).await;
    assert_error(&forbidden, StatusCode::FORBIDDEN, "not a member", "reader not a member");
}

#[tokio::test]
async fn migration_steps_through_the_pod_api() {
    let router = app(sandbox_with(Config::default(), &Storage::Memory));
    let admin = login(&router, "import-bot").await;
    let reader = login(&router, "reader-bot").await;
    let pod = |method: &'static str, uri: String, tokens: &(String, String), body: Value| {
        let router = router.clone();
        let session = tokens.0.clone();
        async move { call(&router, method, &uri, &[("sessionToken", &session)], body.to_string()).await }
    };
    let info = pod("GET", "/pod/v2/sessioninfo".into(), &admin, Value::Null).await;
    assert_eq!(info.json["username"], "import-bot");

    // Step 1: provision a user.
    let created = pod("POST", "/pod/v2/admin/user/create".into(), &admin,
        json!({"userAttributes": {"userName": "carol", "displayName": "Carol", "accountType": "NORMAL"}, "roles": ["INDIVIDUAL"]})).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.json);
    let carol = created.json["userSystemInfo"]["id"].as_i64().unwrap();
    assert_eq!(created.json["userSystemInfo"]["status"], "ENABLED");
    let service = pod("POST", "/pod/v2/admin/user/create".into(), &admin,
        json!({"userAttributes": {"userName": "svc-2", "accountType": "SYSTEM", "currentKey": {"key": PUBLIC}},
               "roles": ["CONTENT_MANAGEMENT"]})).await;
    assert_eq!(service.status, StatusCode::OK, "{}", service.json);
    let service_tokens = login(&router, "svc-2").await;
    let imported_by_new_service_user = import(&router, &service_tokens, json!([message("by-svc-2", json!({}))]).to_string()).await;
    assert!(imported_by_new_service_user.json[0]["messageId"].is_string(), "{}", imported_by_new_service_user.json);
    let bad_key = pod("POST", "/pod/v2/admin/user/create".into(), &admin,
        json!({"userAttributes": {"userName": "svc-3", "accountType": "SYSTEM", "currentKey": {"key": "nope"}}})).await;
    assert_error(&bad_key, StatusCode::BAD_REQUEST, "not an RSA public key", "bad key");
    let duplicate = pod("POST", "/pod/v2/admin/user/create".into(), &admin, json!({"userAttributes": {"userName": "carol"}})).await;
    assert_error(&duplicate, StatusCode::BAD_REQUEST, "already exists", "duplicate username");

    // Step 2: a room with members, and an admin IM.
    let room = pod("POST", "/pod/v3/room/create".into(), &admin, json!({"name": "Migrated #general", "description": "from fooChat"})).await;
    assert_eq!(room.status, StatusCode::OK, "{}", room.json);
    let room_id = room.json["roomSystemInfo"]["id"].as_str().unwrap().to_owned();
    assert_eq!(room_id.len(), 34);
    assert_eq!(room.json["roomAttributes"]["name"], "Migrated #general");
    let same_name = pod("POST", "/pod/v3/room/create".into(), &admin, json!({"name": "Migrated #general"})).await;
    assert_error(&same_name, StatusCode::BAD_REQUEST, "Please choose another name", "room name clash");
    for user in [carol, ALICE] {
        let added = pod("POST", format!("/pod/v1/room/{room_id}/membership/add"), &admin, json!({"id": user})).await;
        assert_eq!(added.json, json!({"format": "TEXT", "message": "Member added"}));
    }
    let im = pod("POST", "/pod/v1/admin/im/create".into(), &admin, json!([carol, BOB])).await;
    let im_id = im.json["id"].as_str().unwrap().to_owned();
    let im_again = pod("POST", "/pod/v1/admin/im/create".into(), &admin, json!([BOB, carol])).await;
    assert_eq!(im_again.json["id"], im_id.as_str(), "the same IM is returned, not a second one");

    // Step 3: import into both.
    let body = json!([
        message("r1", json!({"streamId": room_id, "intendedMessageFromUserId": carol})),
        message("i1", json!({"streamId": im_id, "intendedMessageFromUserId": BOB})),
    ]);
    let imported = import(&router, &admin, body.to_string()).await;
    for response in imported.json.as_array().unwrap() {
        assert!(response["messageId"].is_string(), "{response}");
    }

    // Step 4: deactivate the user and the room; imports from or into them now fail.
    let disabled = pod("POST", format!("/pod/v1/admin/user/{carol}/status/update"), &admin, json!({"status": "DISABLED"})).await;
    assert_eq!(disabled.json["message"], "OK");
    let deactivated = pod("POST", format!("/pod/v1/admin/room/{im_id}/setActive?active=False"), &admin, Value::Null).await;
    assert_eq!(deactivated.json["roomSystemInfo"]["active"], false);
    let after = import(&router, &admin, json!([message("r2", json!({"streamId": room_id, "intendedMessageFromUserId": carol})),
                                                message("i2", json!({"streamId": im_id, "intendedMessageFromUserId": BOB}))]).to_string()).await;
    let after = after.json.as_array().unwrap().clone();
    assert!(after[0]["diagnostic"].as_str().unwrap().contains("is not active"), "{}", after[0]);
    assert!(after[1]["diagnostic"].as_str().unwrap().contains("is not active"), "{}", after[1]);

    // Removing a member; the caller's rights.
    let removed = pod("POST", format!("/pod/v1/room/{room_id}/membership/remove"), &admin, json!({"id": ALICE})).await;
    assert_eq!(removed.json["message"], "Member removed");
    let admin_added = pod("POST", format!("/pod/v1/admin/room/{room_id}/membership/add"), &admin, json!({"id": BOB})).await;
    assert_eq!(admin_added.json["message"], "Member added");
    let admin_removed = pod("POST", format!("/pod/v1/admin/room/{room_id}/membership/remove"), &admin, json!({"id": BOB})).await;
    assert_eq!(admin_removed.json["message"], "Member removed");
    let im_member = pod("POST", format!("/pod/v1/admin/room/{im_id}/membership/add"), &admin, json!({"id": ALICE})).await;
    assert_error(&im_member, StatusCode::BAD_REQUEST, "IM membership cannot change", "IM membership");
    let bad_active = pod("POST", format!("/pod/v1/admin/room/{room_id}/setActive?active=maybe"), &admin, Value::Null).await;
    assert_error(&bad_active, StatusCode::BAD_REQUEST, "true or false", "active=maybe");
    let table: Vec<(&'static str, String, Value, StatusCode, &str)> = vec![
        ("POST", "/pod/v2/admin/user/create".into(), json!({"userAttributes": {"userName": "x"}}), StatusCode::FORBIDDEN, "USER_PROVISIONING"),
        ("POST", "/pod/v1/admin/im/create".into(), json!([ALICE, BOB]), StatusCode::FORBIDDEN, "USER_PROVISIONING"),
        ("POST", format!("/pod/v1/admin/user/{ALICE}/status/update"), json!({"status": "DISABLED"}), StatusCode::FORBIDDEN, "USER_PROVISIONING"),
        ("POST", format!("/pod/v1/room/{room_id}/membership/add"), json!({"id": BOB}), StatusCode::FORBIDDEN, "not a member"),
        ("POST", format!("/pod/v1/admin/room/{room_id}/membership/add"), json!({"id": BOB}), StatusCode::FORBIDDEN, "USER_PROVISIONING"),
        ("POST", format!("/pod/v1/room/{room_id}/setActive?active=false"), Value::Null, StatusCode::FORBIDDEN, "not a member"),
        ("POST", format!("/pod/v1/admin/room/{room_id}/setActive?active=false"), Value::Null, StatusCode::FORBIDDEN, "USER_PROVISIONING"),
    ];
    for (method, uri, body, status, fragment) in table {
        let answer = pod(method, uri.clone(), &reader, body).await;
        assert_error(&answer, status, fragment, &uri);
    }
    let bad_status = pod("POST", format!("/pod/v1/admin/user/{ALICE}/status/update"), &admin, json!({"status": "GONE"})).await;
    assert_error(&bad_status, StatusCode::BAD_REQUEST, "ENABLED or DISABLED", "bad status");
    let unknown_user = pod("POST", "/pod/v1/admin/user/42/status/update".into(), &admin, json!({"status": "DISABLED"})).await;
    assert_error(&unknown_user, StatusCode::NOT_FOUND, "does not exist", "unknown user");
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_json() {
    let router = app(sandbox_with(Config::default(), &Storage::Memory));
    assert_error(&call(&router, "GET", "/agent/v5/nothing", &[], Body::empty()).await, StatusCode::NOT_FOUND, "No such endpoint", "404");
    assert_error(
        &call(&router, "GET", "/agent/v4/message/import", &[], Body::empty()).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        "405",
    );
}

#[tokio::test]
async fn a_file_state_survives_a_restart() {
    let directory = std::env::temp_dir().join(format!("ferry-sandbox-router-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let storage = Storage::File(directory.join("state.sqlite3"));
    let first_id = {
        let router = app(sandbox_with(Config::default(), &storage));
        let tokens = login(&router, "import-bot").await;
        let answer = import(&router, &tokens, json!([message("persisted", json!({}))]).to_string()).await;
        answer.json[0]["messageId"].as_str().unwrap().to_owned()
    };
    let router = app(sandbox_with(Config::default(), &storage));
    let tokens = login(&router, "import-bot").await;
    let answer = import(&router, &tokens, json!([message("persisted", json!({}))]).to_string()).await;
    assert_eq!(answer.json[0]["messageId"], first_id.as_str(), "dedupe remembers the earlier run");
    std::fs::remove_dir_all(&directory).unwrap();
}

/// Faults need a real connection to drop, so this one goes through a server on 127.0.0.1:0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_cover_every_kind_and_drops_after_applying_keep_the_import() {
    use hyper_util::client::legacy::Client;
    use hyper_util::rt::TokioExecutor;

    let config = Config { faults: Some(FaultConfig { rate: 1.0, seed: Some(3) }), ..Config::default() };
    let sandbox = sandbox_with(config, &Storage::Memory);
    let running = ferry_sandbox::server::spawn(Arc::clone(&sandbox), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let (session, key_manager) = sandbox.issue_tokens("import-bot").unwrap();
    let client = Client::builder(TokioExecutor::new()).build_http::<http_body_util::Full<Bytes>>();
    let (mut ok, mut server_errors, mut throttled, mut dropped) = (0, 0, 0, 0);
    for attempt in 0..20 {
        let body = json!([message(&format!("fault-{attempt}"), json!({}))]).to_string();
        let request = Request::post(format!("{}/agent/v4/message/import", running.url()))
            .header("sessionToken", &session)
            .header("keyManagerToken", &key_manager)
            .body(http_body_util::Full::new(Bytes::from(body)))
            .unwrap();
        match client.request(request).await {
            Ok(response) => match response.status() {
                StatusCode::OK => ok += 1,
                StatusCode::INTERNAL_SERVER_ERROR => server_errors += 1,
                StatusCode::TOO_MANY_REQUESTS => {
                    assert!(response.headers().contains_key("retry-after"));
                    throttled += 1;
                }
                other => panic!("unexpected status {other}"),
            },
            Err(_) => dropped += 1,
        }
    }
    let stats = sandbox.stats().unwrap();
    assert_eq!(stats.faults_injected, 20);
    assert!(ok > 0 && server_errors > 0 && throttled > 0 && dropped > 0, "{ok} {server_errors} {throttled} {dropped}");
    // Latency faults are answered; dropped-after-applying ones are stored without an answer.
    assert!(stats.messages_stored > ok, "{} stored, {ok} answered", stats.messages_stored);
    assert!(stats.messages_stored < ok + dropped, "drops before applying store nothing");
    running.shutdown().await.unwrap();
}
