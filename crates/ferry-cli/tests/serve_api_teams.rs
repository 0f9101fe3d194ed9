//! `ferry serve`'s Teams API (`/api/v1/teams/...`) against the embedded sandbox's simulated Graph: refusals are
//! clear and change nothing; the Teams fixture goes in through the maps, a batch, the plan and a run, every
//! conversation completed, and the same batch again is all already imported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use ferry_cli::api::{self, AppState, Settings, TeamsSettings, TOKEN_HEADER};
use ferry_cli::local_pod::{self, start_local_pod, Dataset};
use ferry_cli::web_app::WebApp;
use ferry_proxy::teams::{GraphClient, TeamsConfig, TeamsJournal};
use ferry_proxy::Journal;
use ferry_sandbox::server::RunningSandbox;
use ferry_sandbox::{Config, Manifest, Storage};
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;

const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const HOST: &str = "127.0.0.1:4000";
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/teams");

async fn start(with_graph: bool) -> (Router, RunningSandbox) {
    let storage = Storage::Memory;
    let (client, sandbox) = start_local_pod(&storage, Config::default(), Dataset::Demo).await.unwrap();
    let journal = Journal::in_memory(&local_pod::journal_upstream(&storage)).unwrap();
    let state = AppState::new(Settings {
        token: TOKEN.to_owned(),
        address: HOST.parse().unwrap(),
        client: Some(client),
        journal,
        web: WebApp::Missing,
        upstream_kind: "sandbox",
    })
    .unwrap();
    if with_graph {
        let manifest: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURE}/sandbox.json")).unwrap()).unwrap();
        let graph = manifest["graph"].clone();
        sandbox
            .sandbox
            .apply_manifest(&serde_json::from_value::<Manifest>(json!({ "graph": graph })).unwrap())
            .unwrap();
        let address = sandbox.address;
        let tenant = graph["tenantId"].as_str().unwrap();
        let config = json!({
            "tenantId": tenant,
            "clientId": graph["apps"][0]["clientId"],
            "clientSecret": graph["apps"][0]["clientSecret"],
            "graphUrl": format!("http://{address}/graph/v1.0"),
            "tokenUrl": format!("http://{address}/oauth/{tenant}/oauth2/v2.0/token"),
        });
        let config = TeamsConfig::parse(&config.to_string(), std::path::Path::new(".")).unwrap();
        let journal = TeamsJournal::in_memory(&config.upstream()).unwrap();
        let client = GraphClient::new(config).unwrap();
        state.set_teams(TeamsSettings { client, journal, upstream_kind: "sandbox" }).unwrap();
    }
    (api::app(state), sandbox)
}

async fn send(router: &Router, method: &str, path: &str, body: impl Into<Body>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("host", HOST)
        .header("origin", format!("http://{HOST}"))
        .header(TOKEN_HEADER, TOKEN)
        .body(body.into())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value =
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, value)
}

fn maps() -> String {
    let read = |name: &str| std::fs::read_to_string(format!("{FIXTURE}/{name}")).unwrap();
    json!({ "users": read("users.csv"), "streams": read("streams.csv") }).to_string()
}

fn fixture_batch() -> String {
    std::fs::read_to_string(format!("{FIXTURE}/batch.ndjson")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_graph_the_teams_api_says_so() {
    let (router, _sandbox) = start(false).await;
    let (status, answer) = send(&router, "GET", "/api/v1/teams/status", Body::empty()).await;
    assert_eq!((status, answer["upstream"].clone()), (StatusCode::OK, json!("none")));
    let (status, answer) = send(&router, "POST", "/api/v1/teams/batches", fixture_batch()).await;
    assert_eq!((status, answer["code"].clone()), (StatusCode::SERVICE_UNAVAILABLE, json!("no_teams_upstream")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_change_nothing_and_the_fixture_goes_in_exactly_once() {
    let (router, sandbox) = start(true).await;
    let cases: Vec<(&str, &str, String, StatusCode, &str)> = vec![
        ("POST", "/api/v1/teams/batches", fixture_batch(), StatusCode::CONFLICT, "no_maps"),
        ("POST", "/api/v1/teams/maps", "{\"users\": \"a,b\"}".into(), StatusCode::BAD_REQUEST, "bad_body"),
        (
            "POST",
            "/api/v1/teams/maps",
            json!({"users": "x,y\n", "streams": ""}).to_string(),
            StatusCode::BAD_REQUEST,
            "bad_maps",
        ),
        ("POST", "/api/v1/teams/runs", String::new(), StatusCode::CONFLICT, "nothing_planned"),
        ("GET", "/api/v1/teams/records?upstream=http://evil", String::new(), StatusCode::BAD_REQUEST, "bad_query"),
        ("GET", "/api/v1/teams/records?state=lost", String::new(), StatusCode::BAD_REQUEST, "bad_query"),
        ("GET", "/api/v1/teams/runs/current", String::new(), StatusCode::NOT_FOUND, "no_run"),
    ];
    for (method, path, body, expected, code) in cases {
        let (status, answer) = send(&router, method, path, body).await;
        assert_eq!(
            (status, answer["code"].as_str().unwrap_or_default()),
            (expected, code),
            "{method} {path}: {answer}"
        );
    }
    let (_, records) = send(&router, "GET", "/api/v1/teams/records", Body::empty()).await;
    assert_eq!(records["total"], 0);

    let (status, answer) = send(&router, "POST", "/api/v1/teams/maps", maps()).await;
    assert_eq!((status, answer.clone()), (StatusCode::OK, json!({"users": 4, "streams": 3})), "{answer}");
    let (status, answer) = send(&router, "POST", "/api/v1/teams/batches?name=fixture.ndjson", fixture_batch()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        (answer["records"].clone(), answer["planned"].clone(), answer["refused"].clone()),
        (json!(40), json!(40), json!(0))
    );
    assert_eq!(answer["plan"]["messages"], 40, "{answer}");
    assert_eq!(answer["plan"]["conversations"].as_array().unwrap().len(), 3);
    let (_, plan) = send(&router, "GET", "/api/v1/teams/plan?concurrency=3", Body::empty()).await;
    assert_eq!(plan["requests"], 46, "{plan}");

    let (status, preflight) = send(&router, "GET", "/api/v1/teams/preflight", Body::empty()).await;
    assert_eq!(status, StatusCode::OK, "{preflight}");
    let checks = preflight["conversations"].as_array().unwrap();
    assert_eq!(checks.len(), 3, "{preflight}");
    assert!(checks.iter().all(|check| check["assessment"]["action"] == "start"), "{preflight}");
    let (status, run) = send(&router, "POST", "/api/v1/teams/runs", json!({"concurrency": 3}).to_string()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{run}");
    let started = Instant::now();
    let run = loop {
        let (_, run) = send(&router, "GET", "/api/v1/teams/runs/current", Body::empty()).await;
        if !matches!(run["progress"]["state"].as_str(), Some("running" | "idle" | "stopping")) {
            break run;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{run}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(run["progress"]["state"], "completed", "{run}");
    assert_eq!(run["progress"]["imported"], 40, "{run}");
    let conversations = run["conversations"].as_array().unwrap();
    assert_eq!(conversations.len(), 3);
    assert!(conversations.iter().all(|conversation| conversation["end"] == "completed"), "{run}");
    assert_eq!(sandbox.sandbox.stats().unwrap().graph_messages_stored, 40);

    let (_, imported) = send(&router, "GET", "/api/v1/teams/records?state=imported&limit=1000", Body::empty()).await;
    assert_eq!(imported["total"], 40);
    let (status, again) = send(&router, "POST", "/api/v1/teams/batches", fixture_batch()).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!((again["planned"].clone(), again["alreadyDone"].clone()), (json!(0), json!(40)), "{again}");
    let (status, answer) = send(&router, "POST", "/api/v1/teams/runs", Body::empty()).await;
    assert_eq!((status, answer["code"].clone()), (StatusCode::CONFLICT, json!("nothing_planned")));
    let request = Request::get("/api/v1/teams/report.csv")
        .header("host", HOST)
        .header(TOKEN_HEADER, TOKEN)
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.into_body().collect().await.unwrap().to_bytes();
    let csv = String::from_utf8(csv.to_vec()).unwrap();
    assert_eq!(csv.lines().count(), 41, "{csv}");
    assert!(csv.starts_with("file,record,originatingSystemId,originalMessageId,conversation,createdDateTime,state"));
}

/// `ferry serve --manifest` with the fixture's manifest (Symphony users named like the demo dataset's, and a
/// `graph` section): the manifest replaces the demo dataset, so the server starts, and it imports into the
/// sandbox's Graph, as its first lines and `GET /api/v1/teams/status` say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ferry_serve_with_a_graph_manifest_offers_the_teams_api() {
    use std::io::{BufRead as _, BufReader};
    let manifest = format!("{FIXTURE}/sandbox.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["serve", "--port", "0", "--memory", "--manifest"])
        .arg(&manifest)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let (address, token) = first
        .strip_prefix("Ferry is running at http://")
        .and_then(|rest| rest.split_once("/#token="))
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    let (address, token) = (address.to_owned(), token.to_owned());
    let said: Vec<String> = lines.by_ref().take(2).map(Result::unwrap).collect();
    assert!(said.iter().any(|line| line.starts_with("Teams imports go to the Graph at http://127.0.0.1:")), "{said:?}");
    let status: Value = reqwest::Client::new()
        .get(format!("http://{address}/api/v1/teams/status"))
        .header(TOKEN_HEADER, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(status["upstream"], "sandbox", "{status}");
    assert_eq!(status["counts"]["imported"], 0, "{status}");
}
