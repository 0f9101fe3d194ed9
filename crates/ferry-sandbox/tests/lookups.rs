//! The pod's read-only look-ups (session info, users, a user's admin record, stream info, stream members) and
//! the control token, called through the router with `tower::ServiceExt::oneshot`; and every look-up's answer
//! compared with the pod API's OpenAPI schema when `../shared/spec/openapi/pod-api-public.yaml` is there.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::StatusCode;
use axum::Router;
use ferry_sandbox::{app, Config, Manifest, Sandbox, Storage};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

const PUBLIC: &str = include_str!("fixtures/service-user.pub.pem");
const PRIVATE: &str = include_str!("fixtures/service-user.key.pem");
/// A room whose members are Alice and the reader bot.
const ROOM: &str = "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA";
/// The same id in standard base64, padded, with `/` percent-encoded as a path segment needs.
const ROOM_STANDARD_ENCODED: &str = "Z3oQRAZGTCNl5KjiUH2G1n%2F%2F%2Fqr9lLT8dA%3D%3D";
/// An IM between Alice and Bob; `MIM` below is between three users.
const IM: &str = "Im000000000000000000000000000000AA";
const MIM: &str = "Mim00000000000000000000000000000AA";
const ALICE: i64 = 7_215_545_057_281;
const BOB: i64 = 7_215_545_057_282;
/// Deactivated.
const DAVE: i64 = 7_215_545_057_284;
const READER_BOT: i64 = 7_215_545_057_290;

fn manifest() -> Manifest {
    Manifest::from_json(
        json!({
            "serviceUsers": [
                {"username": "import-bot", "publicKeyPem": PUBLIC, "roles": ["CONTENT_MANAGEMENT", "USER_PROVISIONING"]},
                {"username": "reader-bot", "id": READER_BOT, "publicKeyPem": PUBLIC, "roles": []}
            ],
            "users": [
                {"id": ALICE, "username": "alice", "displayName": "Alice Liddell", "email": "alice@example.com"},
                {"id": BOB, "username": "bob", "email": "bob@example.com"},
                {"id": DAVE, "username": "dave", "active": false}
            ],
            "streams": [
                {"id": ROOM, "type": "ROOM", "name": "general", "members": [ALICE, READER_BOT]},
                {"id": IM, "type": "IM", "members": [ALICE, BOB]},
                {"id": MIM, "type": "IM", "members": [ALICE, BOB, DAVE], "active": false}
            ]
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

fn router_with(config: Config) -> Router {
    let sandbox = Sandbox::open(&Storage::Memory, config).unwrap();
    sandbox.apply_manifest(&manifest()).unwrap();
    app(sandbox)
}

struct Answer {
    status: StatusCode,
    json: Value,
    body_len: usize,
}

async fn call(router: &Router, method: &str, uri: &str, headers: &[(&str, &str)], body: impl Into<Body>) -> Answer {
    let (status, _, bytes) = common::send(router, method, uri, headers, body).await;
    let json = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).unwrap() };
    Answer { status, json, body_len: bytes.len() }
}

async fn login(router: &Router, subject: &str) -> (String, String) {
    let exp = ferry_sandbox::now_millis() / 1000 + 240;
    let key = EncodingKey::from_rsa_pem(PRIVATE.as_bytes()).unwrap();
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::RS512), &json!({"sub": subject, "exp": exp}), &key).unwrap();
    let body = json!({"token": token}).to_string();
    let session = call(router, "POST", "/login/pubkey/authenticate", &[], body.clone()).await;
    let key_manager = call(router, "POST", "/relay/pubkey/authenticate", &[], body).await;
    (session.json["token"].as_str().unwrap().to_owned(), key_manager.json["token"].as_str().unwrap().to_owned())
}

/// A GET with a session token.
async fn get(router: &Router, uri: &str, session: &str) -> Answer {
    call(router, "GET", uri, &[("sessionToken", session)], Body::empty()).await
}

fn assert_error(answer: &Answer, status: StatusCode, fragment: &str, case: &str) {
    assert_eq!(answer.status, status, "{case}: {}", answer.json);
    assert_eq!(answer.json["code"], json!(status.as_u16()), "{case}");
    let message = answer.json["message"].as_str().unwrap_or_default();
    assert!(message.contains(fragment), "{case}: `{message}` lacks `{fragment}`");
}

fn ids_of(answer: &Answer) -> Vec<i64> {
    answer.json["users"]
        .as_array()
        .map_or_else(Vec::new, |users| users.iter().map(|user| user["id"].as_i64().unwrap()).collect())
}

/// Every look-up path, for the 401 test.
const LOOKUP_PATHS: &[&str] = &[
    "/pod/v2/sessioninfo",
    "/pod/v3/users?uid=7215545057281",
    "/pod/v2/admin/user/7215545057281",
    "/pod/v2/streams/Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA/info",
    "/pod/v1/admin/stream/Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA/membership/list",
];

#[tokio::test]
async fn every_look_up_needs_a_live_session() {
    let router = router_with(Config::default());
    for path in LOOKUP_PATHS {
        let missing = call(&router, "GET", path, &[], Body::empty()).await;
        assert_error(&missing, StatusCode::UNAUTHORIZED, "Missing sessionToken", path);
        let invented = get(&router, path, "not-a-session").await;
        assert_error(&invented, StatusCode::UNAUTHORIZED, "not a valid", path);
    }
}

#[tokio::test]
async fn session_info_is_the_callers_user_v2_with_roles() {
    let router = router_with(Config::default());
    let (session, _) = login(&router, "import-bot").await;
    let info = get(&router, "/pod/v2/sessioninfo", &session).await;
    assert_eq!(info.status, StatusCode::OK, "{}", info.json);
    assert!(info.json["id"].as_i64().is_some_and(|id| id > 0), "{}", info.json);
    assert_eq!(info.json["username"], "import-bot");
    assert_eq!(info.json["displayName"], "import-bot");
    assert_eq!(info.json["accountType"], "SYSTEM");
    assert_eq!(info.json["roles"], json!(["CONTENT_MANAGEMENT", "USER_PROVISIONING"]));
    assert!(info.json.get("emailAddress").is_none(), "no null members: {}", info.json);
    let (reader, _) = login(&router, "reader-bot").await;
    let reader_info = get(&router, "/pod/v2/sessioninfo", &reader).await;
    assert_eq!(reader_info.json["id"], READER_BOT);
    assert_eq!(reader_info.json["roles"], json!([]));
}

#[tokio::test]
async fn users_are_looked_up_by_one_list() {
    let router = router_with(Config::default());
    let (session, _) = login(&router, "reader-bot").await;
    let hundred_ids = (1..=100).map(|id| id.to_string()).collect::<Vec<_>>().join(",");
    let hundred_and_one_ids = format!("{hundred_ids},101");
    // (query, status, users found in order, errors)
    let table: Vec<(String, StatusCode, Vec<i64>, Value)> = vec![
        (format!("uid={ALICE},{BOB}"), StatusCode::OK, vec![ALICE, BOB], json!([])),
        (format!("uid={BOB},%20{ALICE}%20,{BOB}"), StatusCode::OK, vec![BOB, ALICE], json!([])),
        (
            format!("uid={ALICE},abc,-3"),
            StatusCode::OK,
            vec![ALICE],
            json!([{"error": "invalid.format", "id": "abc"}, {"error": "invalid.format", "id": "-3"}]),
        ),
        ("uid=abc".to_owned(), StatusCode::OK, vec![], json!([{"error": "invalid.format", "id": "abc"}])),
        ("email=alice@example.com,BOB@Example.COM".to_owned(), StatusCode::OK, vec![ALICE, BOB], json!([])),
        (
            "email=notanemail,alice@example.com".to_owned(),
            StatusCode::OK,
            vec![ALICE],
            json!([{"error": "invalid.format", "email": "notanemail"}]),
        ),
        ("username=bob,alice,nobody".to_owned(), StatusCode::OK, vec![BOB, ALICE], json!([])),
        ("uid=42".to_owned(), StatusCode::NO_CONTENT, vec![], Value::Null),
        ("email=nobody@example.com".to_owned(), StatusCode::NO_CONTENT, vec![], Value::Null),
        (format!("uid={hundred_ids}"), StatusCode::NO_CONTENT, vec![], Value::Null),
        // An inactive user is told apart by asking with and without `active=true`.
        (format!("uid={DAVE}"), StatusCode::OK, vec![DAVE], json!([])),
        (format!("uid={DAVE}&active=true"), StatusCode::NO_CONTENT, vec![], Value::Null),
        (format!("uid={DAVE}&active=false"), StatusCode::OK, vec![DAVE], json!([])),
        (format!("uid={ALICE},{DAVE}&active=True"), StatusCode::OK, vec![ALICE], json!([])),
        (format!("uid={ALICE},{DAVE}&active=FALSE"), StatusCode::OK, vec![DAVE], json!([])),
        (format!("uid={ALICE}&local=true"), StatusCode::OK, vec![ALICE], json!([])),
        (format!("uid={ALICE}&local=false"), StatusCode::OK, vec![ALICE], json!([])),
    ];
    for (query, status, users, errors) in table {
        let answer = get(&router, &format!("/pod/v3/users?{query}"), &session).await;
        assert_eq!(answer.status, status, "{query}: {}", answer.json);
        if status == StatusCode::NO_CONTENT {
            assert_eq!(answer.body_len, 0, "{query}: 204 has no body");
            continue;
        }
        assert_eq!(ids_of(&answer), users, "{query}");
        assert_eq!(answer.json["errors"], errors, "{query}");
    }
    let bad: Vec<(String, &str)> = vec![
        (String::new(), "One of the search lists"),
        ("uid=".to_owned(), "One of the search lists"),
        ("local=true".to_owned(), "One of the search lists"),
        (format!("uid={ALICE}&email=alice@example.com"), "Only one of the search lists"),
        (format!("username=alice&uid={ALICE}"), "Only one of the search lists"),
        (format!("uid={hundred_and_one_ids}"), "at most 100"),
        (format!("uid={ALICE}&active=maybe"), "`active` must be true or false"),
        (format!("uid={ALICE}&local=1"), "`local` must be true or false"),
    ];
    for (query, fragment) in bad {
        let answer = get(&router, &format!("/pod/v3/users?{query}"), &session).await;
        assert_error(&answer, StatusCode::BAD_REQUEST, fragment, &query);
    }
}

#[tokio::test]
async fn a_listed_user_has_the_directory_fields_and_no_roles() {
    let router = router_with(Config::default());
    let (session, _) = login(&router, "reader-bot").await;
    let answer = get(&router, &format!("/pod/v3/users?uid={ALICE},{READER_BOT}"), &session).await;
    assert_eq!(
        answer.json["users"],
        json!([
            {"id": ALICE, "emailAddress": "alice@example.com", "displayName": "Alice Liddell", "username": "alice",
             "accountType": "NORMAL"},
            {"id": READER_BOT, "displayName": "reader-bot", "username": "reader-bot", "accountType": "SYSTEM"},
        ])
    );
}

#[tokio::test]
async fn deactivating_a_user_shows_in_the_look_ups() {
    let router = router_with(Config::default());
    let (admin, _) = login(&router, "import-bot").await;
    let disabled = call(
        &router,
        "POST",
        &format!("/pod/v1/admin/user/{BOB}/status/update"),
        &[("sessionToken", &admin)],
        json!({"status": "DISABLED"}).to_string(),
    )
    .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.json);
    let all = get(&router, &format!("/pod/v3/users?uid={BOB}"), &admin).await;
    assert_eq!(ids_of(&all), vec![BOB]);
    let active = get(&router, &format!("/pod/v3/users?uid={BOB}&active=true"), &admin).await;
    assert_eq!(active.status, StatusCode::NO_CONTENT);
    let detail = get(&router, &format!("/pod/v2/admin/user/{BOB}"), &admin).await;
    assert_eq!(detail.json["userSystemInfo"]["status"], "DISABLED");
}

#[tokio::test]
async fn a_users_admin_record_needs_user_provisioning() {
    let router = router_with(Config::default());
    let (admin, _) = login(&router, "import-bot").await;
    let (reader, _) = login(&router, "reader-bot").await;
    let alice = get(&router, &format!("/pod/v2/admin/user/{ALICE}"), &admin).await;
    assert_eq!(alice.status, StatusCode::OK, "{}", alice.json);
    assert_eq!(
        alice.json,
        json!({
            "userAttributes": {"emailAddress": "alice@example.com", "userName": "alice", "displayName": "Alice Liddell",
                               "accountType": "NORMAL"},
            "userSystemInfo": {"id": ALICE, "status": "ENABLED"},
            "roles": [],
        })
    );
    let dave = get(&router, &format!("/pod/v2/admin/user/{DAVE}"), &admin).await;
    assert_eq!(dave.json["userSystemInfo"]["status"], "DISABLED");
    let bot = get(&router, &format!("/pod/v2/admin/user/{READER_BOT}"), &admin).await;
    assert_eq!(bot.json["userAttributes"]["accountType"], "SYSTEM");
    let table: Vec<(String, &str, StatusCode, &str)> = vec![
        (format!("/pod/v2/admin/user/{ALICE}"), reader.as_str(), StatusCode::FORBIDDEN, "USER_PROVISIONING"),
        ("/pod/v2/admin/user/42".to_owned(), admin.as_str(), StatusCode::BAD_REQUEST, "User 42 not found"),
        ("/pod/v2/admin/user/abc".to_owned(), admin.as_str(), StatusCode::BAD_REQUEST, "must be an integer"),
    ];
    for (uri, session, status, fragment) in table {
        assert_error(&get(&router, &uri, session).await, status, fragment, &uri);
    }
}

#[tokio::test]
async fn stream_info_answers_rooms_ims_and_mims() {
    let sandbox = Sandbox::open(&Storage::Memory, Config::default()).unwrap();
    sandbox.apply_manifest(&manifest()).unwrap();
    let router = app(Arc::clone(&sandbox));
    let (admin, key_manager) = login(&router, "import-bot").await;
    let (reader, _) = login(&router, "reader-bot").await;

    let room = get(&router, &format!("/pod/v2/streams/{ROOM}/info"), &admin).await;
    assert_eq!(
        room.json,
        json!({"id": ROOM, "crossPod": false, "origin": "INTERNAL", "active": true, "streamType": {"type": "ROOM"},
               "roomAttributes": {"name": "general"}})
    );
    let standard = get(&router, &format!("/pod/v2/streams/{ROOM_STANDARD_ENCODED}/info"), &admin).await;
    assert_eq!(standard.json, room.json, "standard base64 names the same stream");
    let im = get(&router, &format!("/pod/v2/streams/{IM}/info"), &admin).await;
    assert_eq!(im.json["streamType"]["type"], "IM");
    assert_eq!(im.json["streamAttributes"]["members"], json!([ALICE, BOB]));
    assert!(im.json.get("roomAttributes").is_none(), "{}", im.json);
    let mim = get(&router, &format!("/pod/v2/streams/{MIM}/info"), &admin).await;
    assert_eq!(mim.json["streamType"]["type"], "MIM");
    assert_eq!(mim.json["active"], false);

    // lastMessageDate follows imports.
    let message = json!([{"message": "<messageML>hi</messageML>", "intendedMessageTimestamp": 1_433_045_622_000_i64,
        "intendedMessageFromUserId": ALICE, "originatingSystemId": "fooChat", "originalMessageId": "m1", "streamId": ROOM}]);
    let imported = call(
        &router,
        "POST",
        "/agent/v4/message/import",
        &[("sessionToken", &admin), ("keyManagerToken", &key_manager)],
        message.to_string(),
    )
    .await;
    assert!(imported.json[0]["messageId"].is_string(), "{}", imported.json);
    let after = get(&router, &format!("/pod/v2/streams/{ROOM}/info"), &admin).await;
    assert_eq!(after.json["lastMessageDate"], 1_433_045_622_000_i64);

    // A member without roles may read it; a non-member without roles may not.
    assert_eq!(get(&router, &format!("/pod/v2/streams/{ROOM}/info"), &reader).await.status, StatusCode::OK);
    let outsider = get(&router, &format!("/pod/v2/streams/{IM}/info"), &reader).await;
    assert_error(&outsider, StatusCode::FORBIDDEN, "not a member", "non-member");
    let unknown = get(&router, "/pod/v2/streams/nope/info", &admin).await;
    assert_error(&unknown, StatusCode::BAD_REQUEST, "Stream nope not found", "unknown stream");
}

#[tokio::test]
async fn stream_members_are_paged_for_user_provisioning() {
    let router = router_with(Config::default());
    let (admin, _) = login(&router, "import-bot").await;
    let (reader, _) = login(&router, "reader-bot").await;
    let all = get(&router, &format!("/pod/v1/admin/stream/{MIM}/membership/list"), &admin).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.json);
    assert_eq!(
        (all.json["count"].as_i64(), all.json["skip"].as_i64(), all.json["limit"].as_i64()),
        (Some(3), Some(0), Some(100))
    );
    let member_ids: Vec<i64> = all.json["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["user"]["userId"].as_i64().unwrap())
        .collect();
    assert_eq!(member_ids, vec![ALICE, BOB, DAVE]);
    assert_eq!(
        all.json["members"][0],
        json!({"user": {"userId": ALICE, "email": "alice@example.com", "displayName": "Alice Liddell", "isExternal": false},
               "isOwner": false, "isCreator": false})
    );
    let page = get(&router, &format!("/pod/v1/admin/stream/{MIM}/membership/list?skip=1&limit=1"), &admin).await;
    assert_eq!(
        (page.json["count"].as_i64(), page.json["skip"].as_i64(), page.json["limit"].as_i64()),
        (Some(3), Some(1), Some(1))
    );
    assert_eq!(page.json["members"].as_array().map(Vec::len), Some(1));
    assert_eq!(page.json["members"][0]["user"]["userId"], BOB);
    let past_the_end =
        get(&router, &format!("/pod/v1/admin/stream/{MIM}/membership/list?skip=5&limit=1000"), &admin).await;
    assert_eq!(past_the_end.json["members"], json!([]));
    assert_eq!(past_the_end.json["count"], 3);
    let standard = get(&router, &format!("/pod/v1/admin/stream/{ROOM_STANDARD_ENCODED}/membership/list"), &admin).await;
    assert_eq!(standard.json["count"], 2, "{}", standard.json);

    // A room created through the API: its creator is owner and creator.
    let created =
        call(&router, "POST", "/pod/v3/room/create", &[("sessionToken", &admin)], json!({"name": "made"}).to_string())
            .await;
    let created_id = created.json["roomSystemInfo"]["id"].as_str().unwrap().to_owned();
    let made = get(&router, &format!("/pod/v1/admin/stream/{created_id}/membership/list"), &admin).await;
    assert_eq!(made.json["members"][0]["isOwner"], true);
    assert_eq!(made.json["members"][0]["isCreator"], true);

    let table: Vec<(String, &str, StatusCode, &str)> = vec![
        (
            format!("/pod/v1/admin/stream/{ROOM}/membership/list"),
            reader.as_str(),
            StatusCode::FORBIDDEN,
            "USER_PROVISIONING",
        ),
        ("/pod/v1/admin/stream/nope/membership/list".to_owned(), admin.as_str(), StatusCode::BAD_REQUEST, "not found"),
        (
            format!("/pod/v1/admin/stream/{ROOM}/membership/list?limit=1001"),
            admin.as_str(),
            StatusCode::BAD_REQUEST,
            "between 0 and 1000",
        ),
        (
            format!("/pod/v1/admin/stream/{ROOM}/membership/list?limit=-1"),
            admin.as_str(),
            StatusCode::BAD_REQUEST,
            "between 0 and 1000",
        ),
        (
            format!("/pod/v1/admin/stream/{ROOM}/membership/list?skip=-1"),
            admin.as_str(),
            StatusCode::BAD_REQUEST,
            "negative",
        ),
        (
            format!("/pod/v1/admin/stream/{ROOM}/membership/list?skip=x"),
            admin.as_str(),
            StatusCode::BAD_REQUEST,
            "Invalid query",
        ),
    ];
    for (uri, session, status, fragment) in table {
        assert_error(&get(&router, &uri, session).await, status, fragment, &uri);
    }
}

#[tokio::test]
async fn control_paths_need_the_token_only_when_one_is_configured() {
    let open = router_with(Config::default());
    assert_eq!(call(&open, "GET", "/sandbox/v1/stats", &[], Body::empty()).await.status, StatusCode::OK);

    let token = "s3cret-token";
    let guarded = router_with(Config { control_token: Some(token.to_owned()), ..Config::default() });
    for (method, path) in [("GET", "/sandbox/v1/stats"), ("POST", "/sandbox/v1/sessions/expire")] {
        let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
            ("no header", vec![]),
            ("wrong token", vec![("x-ferry-token", "s3cret-tokeX")]),
            ("a prefix of the token", vec![("x-ferry-token", "s3cret")]),
            ("the token and more", vec![("x-ferry-token", "s3cret-token-and-more")]),
            ("empty", vec![("x-ferry-token", "")]),
        ];
        for (case, headers) in cases {
            let answer = call(&guarded, method, path, &headers, Body::empty()).await;
            assert_error(&answer, StatusCode::UNAUTHORIZED, "x-ferry-token", &format!("{path}: {case}"));
        }
        let right = call(&guarded, method, path, &[("X-Ferry-Token", token)], Body::empty()).await;
        assert_eq!(right.status, StatusCode::OK, "{path}: {}", right.json);
    }
    // The pod and Agent paths are not affected by the control token, nor are unknown paths.
    let (session, _) = login(&guarded, "import-bot").await;
    assert_eq!(get(&guarded, "/pod/v2/sessioninfo", &session).await.status, StatusCode::OK);
    assert_eq!(call(&guarded, "GET", "/sandbox/v1/nothing", &[], Body::empty()).await.status, StatusCode::NOT_FOUND);
    let debug = format!("{:?}", Config { control_token: Some(token.to_owned()), ..Config::default() });
    assert!(!debug.contains(token) && debug.contains("<redacted>"), "{debug}");
}

// ---- The answers against the pod API's OpenAPI schema ----

fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec/openapi/pod-api-public.yaml")
}

/// Follows a `$ref` (`#/definitions/Name`) to its schema.
fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name =
                reference.strip_prefix("#/definitions/").unwrap_or_else(|| panic!("unexpected $ref {reference}"));
            resolve(spec, &spec["definitions"][name])
        }
        None => schema,
    }
}

/// Every problem of `value` against `schema`: members the schema does not name, and values of another type
/// than the schema's, at any depth (each array element is checked against `items`).
fn schema_problems(spec: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(spec, schema);
    let expected_type = schema.get("type").and_then(Value::as_str);
    let type_matches = match expected_type {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !type_matches {
        problems.push(format!("{at}: {value} is not of type {}", expected_type.unwrap_or("?")));
        return;
    }
    if let Some(enumerated) = schema.get("enum").and_then(Value::as_array) {
        if !enumerated.contains(value) {
            problems.push(format!("{at}: {value} is not one of {enumerated:?}"));
        }
    }
    if let (Some(properties), Some(members)) = (schema.get("properties").and_then(Value::as_object), value.as_object())
    {
        for (name, member) in members {
            match properties.get(name) {
                Some(property) => schema_problems(spec, property, member, &format!("{at}/{name}"), problems),
                None => problems.push(format!("{at}: member `{name}` is not a property of the schema")),
            }
        }
    }
    if let (Some(items), Some(elements)) = (schema.get("items"), value.as_array()) {
        for (index, element) in elements.iter().enumerate() {
            schema_problems(spec, items, element, &format!("{at}/{index}"), problems);
        }
    }
}

#[tokio::test]
async fn every_look_up_answers_its_schema() {
    let path = spec_path();
    if !path.exists() {
        println!("skipped: ../shared absent ({} not found)", path.display());
        return;
    }
    let spec: Value = serde_norway::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let router = router_with(Config::default());
    let (admin, _) = login(&router, "import-bot").await;
    // (the spec's path, the request, the definition its 200 answer must be)
    let cases = [
        ("/v2/sessioninfo", "/pod/v2/sessioninfo".to_owned(), "UserV2"),
        ("/v3/users", format!("/pod/v3/users?uid={ALICE},{READER_BOT},{DAVE},bad"), "V2UserList"),
        ("/v3/users", "/pod/v3/users?email=alice@example.com,nope".to_owned(), "V2UserList"),
        ("/v2/admin/user/{uid}", format!("/pod/v2/admin/user/{ALICE}"), "V2UserDetail"),
        ("/v2/admin/user/{uid}", format!("/pod/v2/admin/user/{DAVE}"), "V2UserDetail"),
        ("/v2/streams/{sid}/info", format!("/pod/v2/streams/{ROOM}/info"), "V2StreamAttributes"),
        ("/v2/streams/{sid}/info", format!("/pod/v2/streams/{MIM}/info"), "V2StreamAttributes"),
        (
            "/v1/admin/stream/{id}/membership/list",
            format!("/pod/v1/admin/stream/{ROOM}/membership/list"),
            "V2MembershipList",
        ),
    ];
    // The check itself finds an unknown member, a wrong type and a value outside an enum.
    let mut problems = Vec::new();
    let wrong = json!({"id": "7", "accountType": "ROBOT", "bogus": 1});
    schema_problems(&spec, &json!({"$ref": "#/definitions/UserV2"}), &wrong, "self-check", &mut problems);
    assert_eq!(problems.len(), 3, "{problems:?}");
    problems.clear();
    for (spec_path, uri, definition) in cases {
        let operation = &spec["paths"][spec_path]["get"];
        let schema = &operation["responses"]["200"]["schema"];
        assert_eq!(schema["$ref"], format!("#/definitions/{definition}"), "{spec_path}: the spec's 200 answer");
        let answer = get(&router, &uri, &admin).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.json);
        let properties = resolve(&spec, schema)["properties"].as_object().unwrap();
        let top_level: Vec<&String> = answer.json.as_object().unwrap().keys().collect();
        assert!(
            top_level.iter().all(|name| properties.contains_key(name.as_str())),
            "{uri}: {top_level:?} vs {:?}",
            properties.keys()
        );
        schema_problems(&spec, schema, &answer.json, &uri, &mut problems);
        // Every error answer this call may give is the spec's `Error` shape.
        for status in ["400", "401", "403"] {
            let error_schema = &operation["responses"][status]["schema"];
            assert_eq!(error_schema["$ref"], "#/definitions/Error", "{spec_path} {status}");
        }
    }
    let errors = [
        get(&router, "/pod/v2/admin/user/42", &admin).await,
        get(&router, "/pod/v2/streams/nope/info", "invented").await,
        get(&router, "/pod/v3/users", &admin).await,
    ];
    for error in &errors {
        schema_problems(&spec, &json!({"$ref": "#/definitions/Error"}), &error.json, "error", &mut problems);
        assert_eq!(error.json.as_object().map(|members| members.len()), Some(2), "{}", error.json);
    }
    assert!(problems.is_empty(), "answers differ from the schema:\n{}", problems.join("\n"));
}
