//! `ferry serve`'s HTTP API against the embedded sandbox: every refusal is clear and changes nothing (no
//! import request reaches the sandbox, the journal is as it was), and a batch goes all the way in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use ferry_cli::api::{self, AppState, Settings, MAX_BODY_BYTES, TOKEN_HEADER};
use ferry_cli::local_pod::{self, start_local_pod, Dataset, DEMO_ROOMS, DEMO_USERS};
use ferry_cli::web_app::WebApp;
use ferry_proxy::Journal;
use ferry_sandbox::server::RunningSandbox;
use ferry_sandbox::{Config, Storage};
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const HOST: &str = "127.0.0.1:4000";

/// The server's pieces: its router (for `oneshot`) and the sandbox behind it.
struct Fixture {
    router: Router,
    sandbox: RunningSandbox,
}

async fn start(address: SocketAddr) -> Fixture {
    let storage = Storage::Memory;
    let config = Config {
        control_token: Some(TOKEN.to_owned()),
        ..Config::default()
    };
    let (client, sandbox) = start_local_pod(&storage, config, Dataset::Demo).await.unwrap();
    let journal = Journal::in_memory(&local_pod::journal_upstream(&storage)).unwrap();
    let state = AppState::new(Settings {
        token: TOKEN.to_owned(),
        address,
        client: Some(client),
        journal,
        web: WebApp::Missing,
        upstream_kind: "sandbox",
    })
    .unwrap();
    Fixture {
        router: api::app(state),
        sandbox,
    }
}

/// Records for the demo dataset: `count` messages from its users into its rooms, an hour apart.
fn demo_batch(count: usize, prefix: &str) -> Value {
    let records: Vec<Value> = (0..count)
        .map(|index| {
            json!({
                "message": format!("<messageML>Demo message {index}</messageML>"),
                "intendedMessageTimestamp": 1_700_000_000_000_i64 + i64::try_from(index).unwrap() * 3_600_000,
                "intendedMessageFromUserId": DEMO_USERS[index % 2].0,
                "originatingSystemId": "ferry-test",
                "originalMessageId": format!("{prefix}-{index}"),
                "streamId": DEMO_ROOMS[index % 2].0,
            })
        })
        .collect();
    Value::Array(records)
}

fn request(method: &str, path: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", HOST)
        .header(TOKEN_HEADER, TOKEN)
}

async fn send(
    router: &Router,
    request: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, value)
}

/// What must not change: every record's fate, and the sandbox's import requests.
async fn snapshot(fixture: &Fixture) -> (Value, u64) {
    let (status, _, records) = send(
        &fixture.router,
        request("GET", "/api/v1/records?limit=1000")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{records}");
    (
        records,
        fixture.sandbox.sandbox.stats().unwrap().import_requests,
    )
}

#[tokio::test]
async fn refusals_are_clear_and_change_nothing() {
    let fixture = start(HOST.parse().unwrap()).await;
    // A batch taken in first, so "unchanged" compares a journal that holds something.
    let batch = demo_batch(3, "kept").to_string();
    let (status, _, answer) = send(
        &fixture.router,
        request("POST", "/api/v1/batches")
            .body(Body::from(batch.clone()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["planned"], 3, "{answer}");
    let before = snapshot(&fixture).await;
    assert_eq!(before.0["total"], 3);

    let over_limit = demo_batch(5_001, "many").to_string();
    let oversized = vec![b' '; MAX_BODY_BYTES + 1];
    let cases: Vec<(&str, Request<Body>, StatusCode, &str)> = vec![
        (
            "missing token",
            Request::post("/api/v1/batches").header("host", HOST).body(Body::from(batch.clone())).unwrap(),
            StatusCode::UNAUTHORIZED,
            "missing_token",
        ),
        (
            "wrong token",
            Request::post("/api/v1/batches").header("host", HOST).header(TOKEN_HEADER, "0".repeat(64)).body(Body::from(batch.clone())).unwrap(),
            StatusCode::UNAUTHORIZED,
            "wrong_token",
        ),
        (
            "token in a cookie only",
            Request::post("/api/v1/runs").header("host", HOST).header("cookie", format!("{TOKEN_HEADER}={TOKEN}")).body(Body::empty()).unwrap(),
            StatusCode::UNAUTHORIZED,
            "missing_token",
        ),
        (
            "unknown API path without a token",
            Request::get("/api/v2/anything").header("host", HOST).body(Body::empty()).unwrap(),
            StatusCode::UNAUTHORIZED,
            "missing_token",
        ),
        ("oversized body", request("POST", "/api/v1/batches").body(Body::from(oversized)).unwrap(), StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
        (
            "malformed JSON",
            request("POST", "/api/v1/batches")
                .body(Body::from(r#"[{"message": "<messageML>hi</messageML>", "streamId": "abc"}, {"message": "<messageML>cut"#))
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "malformed_batch",
        ),
        ("empty body", request("POST", "/api/v1/batches").body(Body::empty()).unwrap(), StatusCode::BAD_REQUEST, "malformed_batch"),
        ("over 5,000 records", request("POST", "/api/v1/batches").body(Body::from(over_limit)).unwrap(), StatusCode::PAYLOAD_TOO_LARGE, "too_many_records"),
        (
            "another upstream in the query",
            request("POST", "/api/v1/batches?upstream=http://198.51.100.7/agent").body(Body::from(batch.clone())).unwrap(),
            StatusCode::BAD_REQUEST,
            "bad_query",
        ),
        (
            "another upstream in a run's body",
            request("POST", "/api/v1/runs").body(Body::from(r#"{"url": "http://198.51.100.7"}"#)).unwrap(),
            StatusCode::BAD_REQUEST,
            "bad_body",
        ),
        ("a host in the records query", request("GET", "/api/v1/records?host=example.org").body(Body::empty()).unwrap(), StatusCode::BAD_REQUEST, "bad_query"),
        (
            "foreign Host",
            Request::post("/api/v1/runs").header("host", "rebind.example:4000").header(TOKEN_HEADER, TOKEN).body(Body::empty()).unwrap(),
            StatusCode::MISDIRECTED_REQUEST,
            "foreign_host",
        ),
        (
            "right name, wrong port",
            Request::get("/api/v1/records").header("host", "127.0.0.1:4001").header(TOKEN_HEADER, TOKEN).body(Body::empty()).unwrap(),
            StatusCode::MISDIRECTED_REQUEST,
            "foreign_host",
        ),
        (
            "foreign Origin on POST",
            request("POST", "/api/v1/runs").header("origin", "http://evil.example").body(Body::empty()).unwrap(),
            StatusCode::FORBIDDEN,
            "foreign_origin",
        ),
        (
            "null Origin on POST",
            request("POST", "/api/v1/batches").header("origin", "null").body(Body::from(batch.clone())).unwrap(),
            StatusCode::FORBIDDEN,
            "foreign_origin",
        ),
        ("unknown state", request("GET", "/api/v1/records?state=lost").body(Body::empty()).unwrap(), StatusCode::BAD_REQUEST, "bad_query"),
        ("no run yet", request("POST", "/api/v1/runs/current/pause").body(Body::empty()).unwrap(), StatusCode::NOT_FOUND, "no_run"),
    ];
    for (name, request, status, code) in cases {
        let (actual, headers, body) = send(&fixture.router, request).await;
        assert_eq!(actual, status, "{name}: {body}");
        assert_eq!(body["code"], code, "{name}: {body}");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|message| !message.is_empty()),
            "{name}: {body}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{name}");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'self'"),
            "{name}"
        );
        assert_eq!(snapshot(&fixture).await, before, "{name} changed something");
    }

    // The own origin is welcome; a refused record is reported and never planned.
    let mixed = json!([
        {"message": "<messageML>ok</messageML>", "intendedMessageTimestamp": 1_700_000_000_000_i64,
         "intendedMessageFromUserId": DEMO_USERS[0].0, "originatingSystemId": "ferry-test", "originalMessageId": "mixed-1",
         "streamId": DEMO_ROOMS[0].0},
        {"message": "<messageML>unclosed <b>bold</messageML>", "intendedMessageTimestamp": 1_700_000_000_000_i64,
         "intendedMessageFromUserId": DEMO_USERS[0].0, "originatingSystemId": "ferry-test", "originalMessageId": "mixed-2",
         "streamId": DEMO_ROOMS[0].0}
    ]);
    let (status, _, answer) = send(
        &fixture.router,
        request("POST", "/api/v1/batches?name=mixed.json")
            .header("origin", format!("http://{HOST}"))
            .body(Body::from(mixed.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        (answer["planned"].as_u64(), answer["refused"].as_u64()),
        (Some(1), Some(1)),
        "{answer}"
    );
    assert!(
        answer["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["record"] == 1 && finding["severity"] == "error"),
        "{answer}"
    );
    let (_, _, excluded) = send(
        &fixture.router,
        request("GET", "/api/v1/records?state=excluded")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(excluded["total"], 1, "{excluded}");
    assert_eq!(
        excluded["records"][0]["originalMessageId"], "mixed-2",
        "{excluded}"
    );
    assert_eq!(fixture.sandbox.sandbox.stats().unwrap().import_requests, 0);

    // Pages carry the same headers; without an embedded app, `/` says how to get one.
    let (status, headers, page) = send(
        &fixture.router,
        Request::get("/")
            .header("host", HOST)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        page.as_str().unwrap().contains("cargo xtask dist"),
        "{page}"
    );
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    fixture.sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_batch_goes_all_the_way_in_over_http() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let fixture = start(address).await;
    let sandbox_url = fixture.sandbox.url();
    let router = fixture.router.clone();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let base = format!("http://{address}/api/v1");
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let call = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{base}{path}"))
            .header(TOKEN_HEADER, TOKEN)
    };

    // The sandbox's own control paths sit behind the same token.
    let stats_url = format!("{sandbox_url}/sandbox/v1/stats");
    assert_eq!(
        http.get(&stats_url).send().await.unwrap().status(),
        reqwest::StatusCode::UNAUTHORIZED
    );
    let stats = |http: reqwest::Client, url: String| async move {
        http.get(url)
            .header(TOKEN_HEADER, TOKEN)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    assert_eq!(
        stats(http.clone(), stats_url.clone()).await["messagesStored"],
        0
    );

    let answer: Value = call(reqwest::Method::POST, "/batches?name=demo.json")
        .body(demo_batch(12, "demo").to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["planned"], 12, "{answer}");
    assert_eq!(answer["podDiagnostics"], json!([]), "{answer}");

    let started = call(reqwest::Method::POST, "/runs")
        .body(r#"{"concurrency": 2}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), reqwest::StatusCode::ACCEPTED);
    let mut progress = Value::Null;
    for _ in 0..400 {
        progress = call(reqwest::Method::GET, "/runs/current")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if progress["progress"]["state"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(progress["progress"]["state"], "completed", "{progress}");
    assert_eq!(progress["progress"]["imported"], 12, "{progress}");

    let records: Value = call(
        reqwest::Method::GET,
        "/records?state=imported&offset=10&limit=5",
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        (
            records["total"].as_u64(),
            records["records"].as_array().map(Vec::len)
        ),
        (Some(12), Some(2)),
        "{records}"
    );
    assert!(
        records["records"][0]["messageId"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{records}"
    );
    let csv = call(reqwest::Method::GET, "/report.csv")
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = csv.text().await.unwrap();
    assert_eq!(csv.lines().count(), 13, "{csv}");
    assert_eq!(
        csv.lines()
            .filter(|line| line.contains(",imported,"))
            .count(),
        12,
        "{csv}"
    );
    let report: Value = call(reqwest::Method::GET, "/report.json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["counts"]["imported"], 12, "{report}");

    // The sandbox holds them; a second run has nothing to send; a finished run cannot be paused.
    let stats = stats(http.clone(), stats_url).await;
    assert_eq!(stats["messagesStored"], 12, "{stats}");
    let again = call(reqwest::Method::POST, "/runs").send().await.unwrap();
    assert_eq!(again.status(), reqwest::StatusCode::CONFLICT);
    assert_eq!(
        again.json::<Value>().await.unwrap()["code"],
        "nothing_planned"
    );
    let pause = call(reqwest::Method::POST, "/runs/current/pause")
        .send()
        .await
        .unwrap();
    assert_eq!(pause.status(), reqwest::StatusCode::CONFLICT);

    // Posting the same batch again plans nothing: every record is already imported.
    let answer: Value = call(reqwest::Method::POST, "/batches")
        .body(demo_batch(12, "demo").to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (answer["planned"].as_u64(), answer["alreadyDone"].as_u64()),
        (Some(0), Some(12)),
        "{answer}"
    );

    server.abort();
    fixture.sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_run_pauses_resumes_and_cancels() {
    let fixture = start(HOST.parse().unwrap()).await;
    let (status, _, answer) = send(
        &fixture.router,
        request("POST", "/api/v1/batches")
            .body(Body::from(demo_batch(40, "control").to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // One record per request so the run has several requests to pause between.
    let (status, _, _) = send(
        &fixture.router,
        request("POST", "/api/v1/runs")
            .body(Body::from(r#"{"concurrency": 1}"#))
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _, paused) = send(
        &fixture.router,
        request("POST", "/api/v1/runs/current/pause")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    // The run may already have finished on a fast machine; both answers are clear.
    assert!(
        status == StatusCode::ACCEPTED || status == StatusCode::CONFLICT,
        "{paused}"
    );
    let (status, _, second) = send(
        &fixture.router,
        request("POST", "/api/v1/runs").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(status == StatusCode::CONFLICT, "{second}");
    let (status, _, posted) = send(
        &fixture.router,
        request("POST", "/api/v1/batches")
            .body(Body::from(demo_batch(1, "late").to_string()))
            .unwrap(),
    )
    .await;
    assert!(
        status == StatusCode::CONFLICT || status == StatusCode::OK,
        "{posted}"
    );
    send(
        &fixture.router,
        request("POST", "/api/v1/runs/current/resume")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    send(
        &fixture.router,
        request("POST", "/api/v1/runs/current/cancel")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let mut state = Value::Null;
    for _ in 0..400 {
        let (_, _, current) = send(
            &fixture.router,
            request("GET", "/api/v1/runs/current")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        state = current["progress"]["state"].clone();
        if state == "stopped" || state == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(state == "stopped" || state == "completed", "{state}");
    // Nothing is lost: every record is imported or still planned for the next run.
    let (_, _, status_answer) = send(
        &fixture.router,
        request("GET", "/api/v1/status")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    let counts = &status_answer["counts"];
    assert_eq!(counts["inFlight"], 0, "{status_answer}");
    let total = counts["imported"].as_u64().unwrap() + counts["planned"].as_u64().unwrap();
    assert!(total >= 40, "{status_answer}");
    fixture.sandbox.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_folder_app_is_served_with_its_inline_script_allowed_by_hash() {
    let dist = std::env::temp_dir().join(format!("ferry-serve-api-dist-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dist);
    std::fs::create_dir_all(dist.join("sub")).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><script type=\"module\">import init from '/app.js'; await init();</script>",
    )
    .unwrap();
    std::fs::write(dist.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dist.join("sub/index.html"), "sub").unwrap();
    let state = AppState::new(Settings {
        token: TOKEN.to_owned(),
        address: HOST.parse().unwrap(),
        client: None,
        journal: Journal::in_memory("none").unwrap(),
        web: WebApp::choose(Some(&dist)).unwrap(),
        upstream_kind: "none",
    })
    .unwrap();
    let router = api::app(state);
    let get = |path: &str| {
        Request::get(path)
            .header("host", HOST)
            .body(Body::empty())
            .unwrap()
    };
    for (path, status, content_type) in [
        ("/", StatusCode::OK, Some("text/html")),
        ("/app_bg.wasm", StatusCode::OK, Some("application/wasm")),
        ("/sub/", StatusCode::OK, Some("text/html")),
        ("/missing.js", StatusCode::NOT_FOUND, None),
        ("/../Cargo.toml", StatusCode::NOT_FOUND, None),
    ] {
        let (actual, headers, _) = send(&router, get(path)).await;
        assert_eq!(actual, status, "{path}");
        if let Some(content_type) = content_type {
            assert!(
                headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with(content_type),
                "{path}"
            );
        }
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{policy}"
        );
    }
    // Without an upstream the API answers, but cannot import.
    let (status, _, body) = send(
        &router,
        request("POST", "/api/v1/batches")
            .body(Body::from(demo_batch(1, "x").to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("no_upstream")),
        "{body}"
    );
    std::fs::remove_dir_all(&dist).unwrap();
}
