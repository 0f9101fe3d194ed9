//! The Teams runner against the sandbox's Graph, for what the end-to-end test does not meet: a conversation in
//! another application's migration is reported and never imported into; a millisecond held by someone else's
//! message moves ours 1 ms later when the order allows, and fails it with the reason when it does not; a
//! conversation whose creation is later than its messages is moved back when its migration starts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::sync::{Arc, Mutex};

use ferry_proxy::run::Control;
use ferry_proxy::teams::journal::{IncomingMessage, MessageState};
use ferry_proxy::teams::run::{self, ConversationEnd, TeamsRunOptions};
use ferry_proxy::teams::{created_date_time, GraphClient, TeamsConfig, TeamsJournal};
use ferry_sandbox::{Config, Manifest, Sandbox, Storage};

const TENANT: &str = "9b1c3e5a-7d2f-4a6b-8c0d-1e2f3a4b5c6d";
const OURS: &str = "3c5e7a9b-1d2f-4b6a-8e0c-2f4a6b8c0d1e";
const OTHER: &str = "6d7e8f9a-1d2f-4b6a-8e0c-2f4a6b8c0d1e";
const ALICE: &str = "5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60";
const BOB: &str = "8d9e0f1a-2b3c-4d5e-8f60-718293a4b5c6";
const SHARED: &str = "/chats/19%3Ashared%40thread.v2";
const TAKEN: &str = "/chats/19%3Ataken%40thread.v2";
const NEW: &str = "/chats/19%3Anew%40thread.v2";
/// 2020-03-02T09:00:00Z.
const T: i64 = 1_583_139_600_000;

fn manifest() -> Manifest {
    let chat =
        |id: &str, created: &str| serde_json::json!({"id": id, "members": [ALICE, BOB], "createdDateTime": created});
    serde_json::from_value(serde_json::json!({
        "graph": {
            "tenantId": TENANT,
            "apps": [{"clientId": OURS, "clientSecret": "ours"}, {"clientId": OTHER, "clientSecret": "other"}],
            "users": [{"id": ALICE, "displayName": "Alice"}, {"id": BOB, "displayName": "Bob"}],
            "chats": [
                chat("19:shared@thread.v2", "2016-01-01T00:00:00Z"),
                chat("19:taken@thread.v2", "2016-01-01T00:00:00Z"),
                chat("19:new@thread.v2", "2021-01-01T00:00:00Z"),
            ],
        }
    }))
    .unwrap()
}

fn client(port: u16, app: &str, secret: &str) -> Arc<GraphClient> {
    let text = format!(
        "tenantId: {TENANT}\nclientId: {app}\nclientSecret: {secret}\ngraphUrl: http://127.0.0.1:{port}/graph/v1.0\ntokenUrl: http://127.0.0.1:{port}/oauth/{TENANT}/oauth2/v2.0/token\n"
    );
    GraphClient::new(TeamsConfig::parse(&text, Path::new(".")).unwrap()).unwrap()
}

fn body(sender: &str, created_ms: i64) -> Vec<u8> {
    serde_json::json!({
        "createdDateTime": created_date_time(created_ms),
        "from": {"user": {"id": sender, "displayName": "someone", "userIdentityType": "aadUser"}},
        "body": {"contentType": "html", "content": "<p>hello</p>"},
    })
    .to_string()
    .into_bytes()
}

fn incoming(id: &str, conversation: &str, created_ms: i64) -> IncomingMessage {
    IncomingMessage {
        system_id: Some("legacy".into()),
        message_id: Some(id.into()),
        file: "batch.ndjson".into(),
        conversation: Some(conversation.into()),
        created_ms,
        from_user_id: Some(ALICE.into()),
        body: body(ALICE, created_ms),
        ..IncomingMessage::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn foreign_sessions_are_reported_foreign_milliseconds_avoided_and_creation_moved_back() {
    let sandbox = Sandbox::open(&Storage::Memory, Config::default()).unwrap();
    sandbox.apply_manifest(&manifest()).unwrap();
    let running = ferry_sandbox::server::spawn(Arc::clone(&sandbox), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let port = running.address.port();
    let (ours, other) = (client(port, OURS, "ours"), client(port, OTHER, "other"));

    // Another application imported Bob's messages at T and at T + 10 s + 1 ms into TAKEN, and completed; and it
    // holds SHARED in a migration of its own.
    other.start_migration(TAKEN, None).await.unwrap();
    other.post_message(TAKEN, &body(BOB, T)).await.unwrap();
    other.post_message(TAKEN, &body(BOB, T + 10_001)).await.unwrap();
    other.complete_migration(TAKEN).await.unwrap();
    other.start_migration(SHARED, None).await.unwrap();

    let mut journal = TeamsJournal::in_memory("sandbox").unwrap();
    let run_id = journal.begin_run(&[]).unwrap();
    let records = [
        incoming("a", TAKEN, T), // Bob's millisecond: moved to T + 1
        incoming("b", TAKEN, T + 10_000),
        incoming("c", TAKEN, T + 10_001), // Bob's, and T + 10 002 is the next message's: failed
        incoming("d", TAKEN, T + 10_002),
        incoming("e", SHARED, T), // another application's session: never sent
        incoming("f", NEW, T),    // before the chat's creation (2021): moved back at start
    ];
    journal.take_messages(run_id, records, false).unwrap();
    let journal = Arc::new(Mutex::new(journal));
    let (sender, _receiver) = tokio::sync::watch::channel(Default::default());
    let options = TeamsRunOptions { concurrency: 2, now_millis: ferry_sandbox::now_millis() };
    let report =
        run::run(Arc::clone(&ours), Arc::clone(&journal), run_id, options, Arc::new(Control::default()), sender)
            .await
            .unwrap();

    let outcome =
        |path: &str| report.conversations.iter().find(|outcome| outcome.conversation == path).unwrap().clone();
    let shared = outcome(SHARED);
    assert_eq!(shared.end, ConversationEnd::Blocked);
    assert!(shared.reason.as_deref().unwrap().contains("started by another application"), "{shared:?}");
    assert!(ours.messages(SHARED).await.unwrap().is_empty(), "nothing was imported into another app's session");
    let taken = outcome(TAKEN);
    assert_eq!((taken.end, taken.imported, taken.failed, taken.moved), (ConversationEnd::Completed, 3, 1, 1));
    let stored: Vec<(i64, Option<String>)> = ours
        .messages(TAKEN)
        .await
        .unwrap()
        .into_iter()
        .map(|message| (message.created_millis - T, message.from_user_id))
        .collect();
    let alice = Some(ALICE.to_owned());
    let bob = Some(BOB.to_owned());
    assert_eq!(
        stored,
        [(0, bob.clone()), (1, alice.clone()), (10_000, alice.clone()), (10_001, bob), (10_002, alice.clone())]
    );
    assert_eq!(outcome(NEW).end, ConversationEnd::Completed);
    let new_chat = ours.conversation(NEW).await.unwrap().unwrap();
    assert!(new_chat.created_millis.unwrap() < T, "the chat's creation was moved back before its first message");

    let journal = journal.lock().unwrap();
    let (_, fates) = journal.fates_page(None, 0, 10).unwrap();
    let fate = |id: &str| fates.iter().find(|fate| fate.original_message_id.as_deref() == Some(id)).unwrap().clone();
    assert!(fate("a").reason.unwrap().contains("moved 1 ms later"));
    assert_eq!(fate("c").state, MessageState::Failed);
    assert!(fate("c").reason.unwrap().contains("409 Conflict"));
    assert_eq!(fate("e").state, MessageState::Pending);
    let session = journal.session(SHARED).unwrap();
    assert!(session.blocked.is_some() && session.start_requested_ms.is_none(), "{session:?}");
}
