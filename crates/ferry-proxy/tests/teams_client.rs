//! Graph's client over real HTTP on 127.0.0.1, against the sandbox's simulated Graph: tokens (a secret and a
//! certificate), a token replaced before it expires and once on a 401, the pacing of one conversation's
//! messages at the documented rate, and read-back through `@odata.nextLink` pages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferry_proxy::teams::{GraphClient, TeamsConfig};
use ferry_proxy::CallError;
use ferry_sandbox::{Clock, Config, Manifest, Sandbox, Storage};

const TENANT: &str = "9b1c3e5a-7d2f-4a6b-8c0d-1e2f3a4b5c6d";
const APP: &str = "3c5e7a9b-1d2f-4b6a-8e0c-2f4a6b8c0d1e";
const CERTIFICATE_APP: &str = "5a6b7c8d-1d2f-4b6a-8e0c-2f4a6b8c0d1e";
const SECRET: &str = "sandbox-secret";
const ALICE: &str = "5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60";
const CHAT: &str = "/chats/19%3Achat%40thread.v2";
const APP_PUBLIC_KEY: &str = include_str!("fixtures/teams-app.pub.pem");

fn manifest(token_lifetime_seconds: u32) -> Manifest {
    serde_json::from_value(serde_json::json!({
        "graph": {
            "tenantId": TENANT,
            "tokenLifetimeSeconds": token_lifetime_seconds,
            "apps": [{"clientId": APP, "clientSecret": SECRET}, {"clientId": CERTIFICATE_APP, "certificate": APP_PUBLIC_KEY}],
            "users": [{"id": ALICE, "displayName": "Alice Martin"}],
            "chats": [{"id": "19:chat@thread.v2", "members": [ALICE], "createdDateTime": "2016-03-01T00:00:00Z"}],
        }
    }))
    .unwrap()
}

async fn sandbox(token_lifetime_seconds: u32, clock: Clock) -> (Arc<Sandbox>, ferry_sandbox::server::RunningSandbox) {
    let sandbox = Sandbox::open(&Storage::Memory, Config { clock, ..Config::default() }).unwrap();
    sandbox.apply_manifest(&manifest(token_lifetime_seconds)).unwrap();
    let running = ferry_sandbox::server::spawn(Arc::clone(&sandbox), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    (sandbox, running)
}

fn config(port: u16, credential: &str) -> TeamsConfig {
    let text = format!(
        "tenantId: {TENANT}\n{credential}\ngraphUrl: http://127.0.0.1:{port}/graph/v1.0\ntokenUrl: http://127.0.0.1:{port}/oauth/{TENANT}/oauth2/v2.0/token\n"
    );
    TeamsConfig::parse(&text, &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")).unwrap()
}

fn secret_config(port: u16) -> TeamsConfig {
    config(port, &format!("clientId: {APP}\nclientSecret: {SECRET}"))
}

fn message(created: &str) -> Vec<u8> {
    serde_json::json!({
        "createdDateTime": created,
        "from": {"user": {"id": ALICE, "displayName": "Alice Martin", "userIdentityType": "aadUser"}},
        "body": {"contentType": "html", "content": "<p>hello</p>"},
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_is_replaced_before_it_expires() {
    let (_sandbox, running) = sandbox(2, Clock::System).await;
    let client = GraphClient::new(secret_config(running.address.port())).unwrap();
    assert!(client.conversation(CHAT).await.unwrap().is_some());
    assert!(client.conversation(CHAT).await.unwrap().is_some());
    assert_eq!(client.tokens_obtained(), 1, "a fresh token is reused");
    // A token of 2 s is replaced once less than half of it is left: the next call, 1.1 s later, gets a new one
    // before the old one lapses, without a 401.
    std::thread::sleep(Duration::from_millis(1_100));
    assert!(client.conversation(CHAT).await.unwrap().is_some());
    assert_eq!(client.tokens_obtained(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_with_401_is_replaced_once_and_the_call_goes_through() {
    let clock = Clock::manual(ferry_sandbox::now_millis());
    let (_sandbox, running) = sandbox(3599, clock.clone()).await;
    let client = GraphClient::new(secret_config(running.address.port())).unwrap();
    assert!(client.conversation(CHAT).await.unwrap().is_some());
    // Two hours pass for the sandbox: the token Ferry still believes fresh is refused.
    clock.advance(2 * 3600 * 1000);
    let calls = (0..4).map(|_| client.conversation(CHAT));
    for answer in futures::future::join_all(calls).await {
        assert!(answer.unwrap().is_some());
    }
    assert_eq!(client.tokens_obtained(), 2, "one new token, however many calls saw the 401");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_signs_the_client_assertion_and_a_wrong_secret_is_named() {
    let (_sandbox, running) = sandbox(3599, Clock::System).await;
    let port = running.address.port();
    let client =
        GraphClient::new(config(port, &format!("clientId: {CERTIFICATE_APP}\ncertificatePath: teams-app.pem")))
            .unwrap();
    assert!(client.conversation(CHAT).await.unwrap().is_some());
    let wrong = GraphClient::new(config(port, &format!("clientId: {APP}\nclientSecret: not-the-secret"))).unwrap();
    match wrong.conversation(CHAT).await {
        Err(CallError::Unauthorized { message, .. }) => assert!(message.contains("invalid_client"), "{message}"),
        other => panic!("expected the token endpoint's refusal, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_conversation_s_messages_leave_at_five_per_second_and_read_back_through_pages() {
    let (sandbox, running) = sandbox(3599, Clock::System).await;
    let client = GraphClient::new(secret_config(running.address.port())).unwrap();
    client.start_migration(CHAT, None).await.unwrap();
    let before = sandbox.stats().unwrap().graph_message_posts;
    let started = Instant::now();
    const MESSAGES: usize = 60;
    for index in 0..MESSAGES {
        let created = format!("2020-03-02T09:{:02}:{:02}.{:03}Z", index / 60, index % 60, index);
        client.post_message(CHAT, &message(&created)).await.unwrap();
    }
    let elapsed = started.elapsed();
    // 60 messages at 5 per second: the last leaves 11.8 s after the first; the sandbox's bucket answered no
    // 429 (every post was one request).
    assert!(elapsed >= Duration::from_millis(11_700), "{elapsed:?}");
    assert_eq!(sandbox.stats().unwrap().graph_message_posts - before, MESSAGES as u64);
    let read_back = client.messages(CHAT).await.unwrap();
    assert_eq!(read_back.len(), MESSAGES, "every page followed (the sandbox answers 20 per page)");
    assert!(read_back.iter().all(|message| message.from_user_id.as_deref() == Some(ALICE)));
    client.complete_migration(CHAT).await.unwrap();
    assert_eq!(client.conversation(CHAT).await.unwrap().unwrap().migration_mode.as_deref(), Some("completed"));
}
