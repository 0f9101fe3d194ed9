//! The pod client over real HTTP on 127.0.0.1: against the sandbox (login, 401 and re-authentication, 403
//! never retried, look-ups) and against bare sockets for what a sandbox does not do on demand (a server that
//! never answers, a 429 with `Retry-After`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferry_proxy::client::UserKey;
use ferry_proxy::config::RetryPolicy;
use ferry_proxy::{CallError, PodClient, PodConfig};
use ferry_sandbox::{Config, Manifest, Sandbox, Storage};

const PUBLIC_KEY: &str = include_str!("fixtures/service-user.pub.pem");
const PRIVATE_KEY: &str = include_str!("fixtures/service-user.key.pem");
const STREAM: &str = "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA";

fn manifest(roles: &[&str]) -> Manifest {
    serde_json::from_value(serde_json::json!({
        "serviceUsers": [{"username": "import-bot", "publicKeyPem": PUBLIC_KEY, "roles": roles}],
        "users": [{"id": 7, "username": "alice", "active": true, "email": "alice@example.com"},
                  {"id": 8, "username": "bob", "active": false}],
        "streams": [{"id": STREAM, "type": "ROOM", "active": true, "members": [7]}],
    }))
    .unwrap()
}

async fn sandbox(roles: &[&str]) -> (Arc<Sandbox>, ferry_sandbox::server::RunningSandbox) {
    let sandbox = Sandbox::open(&Storage::Memory, Config::default()).unwrap();
    sandbox.apply_manifest(&manifest(roles)).unwrap();
    let running = ferry_sandbox::server::spawn(Arc::clone(&sandbox), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    (sandbox, running)
}

fn fast_retries(mut config: PodConfig) -> PodConfig {
    config.retry = RetryPolicy {
        max_attempts: Some(3),
        initial_interval: Duration::from_millis(10),
        multiplier: 2.0,
        max_interval: Duration::from_millis(50),
    };
    config
}

fn message(id: &str) -> String {
    format!(
        r#"{{"message":"<messageML>hi</messageML>","intendedMessageTimestamp":1433045622000,"intendedMessageFromUserId":7,"originatingSystemId":"chat","originalMessageId":"{id}","streamId":"{STREAM}"}}"#
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_session_is_renewed_once_and_the_import_goes_through() {
    let (sandbox, running) = sandbox(&["CONTENT_MANAGEMENT", "USER_PROVISIONING"]).await;
    let client =
        PodClient::new(fast_retries(PodConfig::local(running.address.port(), "import-bot", PRIVATE_KEY.into())))
            .unwrap();
    let answers = client.import(format!("[{}]", message("a")).as_bytes(), 1).await.unwrap();
    assert!(answers[0].message_id.is_some(), "{answers:?}");
    sandbox.expire_sessions();
    let answers = client.import(format!("[{},{}]", message("b"), message("a")).as_bytes(), 2).await.unwrap();
    assert!(answers[0].message_id.is_some());
    assert!(answers[1].diagnostic.as_deref().unwrap_or_default().starts_with("Duplicate ignored"), "{answers:?}");
    let stats = sandbox.stats().unwrap();
    assert_eq!((stats.session_logins, stats.key_manager_logins, stats.import_requests), (2, 2, 2));
    assert_eq!(stats.messages_stored, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_is_reported_at_once_and_never_retried() {
    let (sandbox, running) = sandbox(&[]).await;
    let client =
        PodClient::new(fast_retries(PodConfig::local(running.address.port(), "import-bot", PRIVATE_KEY.into())))
            .unwrap();
    let error = client.import(format!("[{}]", message("a")).as_bytes(), 1).await.unwrap_err();
    assert_eq!(error.status(), Some(403), "{error}");
    assert!(!error.outcome_unknown());
    assert_eq!(sandbox.stats().unwrap().import_requests, 0, "the Agent refused before importing: nothing counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_fails_authentication_without_retrying() {
    let (sandbox, running) = sandbox(&["CONTENT_MANAGEMENT"]).await;
    let other = include_str!("../../ferry-sandbox/tests/fixtures/other.key.pem");
    let client =
        PodClient::new(fast_retries(PodConfig::local(running.address.port(), "import-bot", other.into()))).unwrap();
    let error = client.session_info().await.unwrap_err();
    assert!(matches!(error, CallError::Unauthorized { .. }), "{error}");
    assert_eq!(sandbox.stats().unwrap().session_logins, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_ups_read_the_pod_as_its_api_documents() {
    let (_sandbox, running) = sandbox(&["CONTENT_MANAGEMENT", "USER_PROVISIONING"]).await;
    let client = PodClient::new(PodConfig::local(running.address.port(), "import-bot", PRIVATE_KEY.into())).unwrap();
    let me = client.session_info().await.unwrap();
    assert_eq!(me.username, "import-bot");
    assert!(me.roles.contains(&"CONTENT_MANAGEMENT".to_owned()), "{me:?}");
    let ids = ["7".to_owned(), "8".to_owned(), "9".to_owned()];
    let all: Vec<i64> = client.users(UserKey::Id, &ids, false).await.unwrap().iter().map(|user| user.id).collect();
    let active: Vec<i64> = client.users(UserKey::Id, &ids, true).await.unwrap().iter().map(|user| user.id).collect();
    assert_eq!((all, active), (vec![7, 8], vec![7]));
    let by_email = client.users(UserKey::Email, &["alice@example.com".to_owned()], false).await.unwrap();
    assert_eq!(by_email[0].id, 7);
    assert!(client.users(UserKey::Email, &["nobody@example.com".to_owned()], false).await.unwrap().is_empty());
    let info = client.stream_info(STREAM).await.unwrap().unwrap();
    assert!(info.active);
    assert!(client.stream_info("nope").await.unwrap().is_none());
    assert_eq!(client.stream_members(STREAM).await.unwrap(), Some([7].into()));
}

/// A server that accepts connections and never answers, for three seconds; returns how many it accepted.
fn silent_server() -> (u16, std::thread::JoinHandle<usize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut held = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            match listener.accept() {
                Ok((stream, _)) => held.push(stream),
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        held.len()
    });
    (port, handle)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_import_has_an_unknown_outcome_not_a_failure() {
    let (port, server) = silent_server();
    let mut config = fast_retries(PodConfig::local(port, "import-bot", PRIVATE_KEY.into()));
    config.request_timeout = Duration::from_millis(200);
    let client = PodClient::new(config).unwrap();
    let error = client.session_info().await.unwrap_err();
    assert!(matches!(error, CallError::Transport { timeout: true, .. }), "{error}");
    assert!(error.outcome_unknown() && error.is_transient());
    // Three attempts of the login, none repeated by the call around it.
    assert_eq!(server.join().unwrap(), 3);
}

/// Answers each connection with the next canned response (bounded by the list).
fn scripted_server(responses: Vec<String>) -> (u16, std::thread::JoinHandle<Vec<Instant>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut arrivals = Vec::new();
        for response in responses {
            let (mut stream, _) = listener.accept().unwrap();
            arrivals.push(Instant::now());
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                let read = stream.read(&mut buffer).unwrap();
                if read == 0 {
                    break;
                }
                request.extend_from_slice(&buffer[..read]);
            }
            stream.write_all(response.as_bytes()).unwrap();
        }
        arrivals
    });
    (port, handle)
}

fn response(status: &str, headers: &str, body: &str) -> String {
    format!("HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}", body.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_when_longer_than_the_backoff() {
    let token = r#"{"token":"t"}"#;
    let (port, server) = scripted_server(vec![
        response("200 OK", "", token),
        response("200 OK", "", token),
        response("429 Too Many Requests", "Retry-After: 1\r\n", r#"{"code":429,"message":"slow down"}"#),
        response("200 OK", "", r#"{"id":1,"username":"import-bot","roles":[]}"#),
    ]);
    let client = PodClient::new(fast_retries(PodConfig::local(port, "import-bot", PRIVATE_KEY.into()))).unwrap();
    let me = client.session_info().await.unwrap();
    assert_eq!(me.id, 1);
    let arrivals = server.join().unwrap();
    // The backoff alone would wait at most 50 ms; the server asked for a second.
    let waited = arrivals[3] - arrivals[2];
    assert!(waited >= Duration::from_millis(950), "retried after {waited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_is_never_retried() {
    let token = r#"{"token":"t"}"#;
    let (port, server) = scripted_server(vec![
        response("200 OK", "", token),
        response("200 OK", "", token),
        response("400 Bad Request", "", r#"{"code":400,"message":"bad batch"}"#),
    ]);
    let client = PodClient::new(fast_retries(PodConfig::local(port, "import-bot", PRIVATE_KEY.into()))).unwrap();
    let error = client.import(b"[]", 0).await.unwrap_err();
    assert_eq!(error.status(), Some(400));
    assert!(error.to_string().contains("bad batch"), "{error}");
    assert_eq!(server.join().unwrap().len(), 3, "no fourth request");
}
