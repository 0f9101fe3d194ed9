//! The runner against the sandbox over real HTTP: several requests in flight keep each stream's order, and a
//! run can be paused, resumed and stopped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ferry_core::{Options, Target};
use ferry_proxy::intake::{read_into_journal, IntakeOptions};
use ferry_proxy::run::{self, Control, Progress, RunOptions, RunState};
use ferry_proxy::{Journal, PodClient, PodConfig};
use ferry_sandbox::{Config, Manifest, Sandbox, Storage};

const PUBLIC_KEY: &str = include_str!("fixtures/service-user.pub.pem");
const PRIVATE_KEY: &str = include_str!("fixtures/service-user.key.pem");
const STREAMS: usize = 12;
const SENDER: i64 = 7;

fn stream_id(index: usize) -> String {
    format!("Z3oQRAZGTCNl5KjiUH2G{index:04}__qr9lLT8dA")
}

/// `messages` records spread over the streams, their timestamps decreasing with the input order so that the
/// plan (time order within a stream) differs from the file's order.
fn batch(messages: usize) -> Vec<u8> {
    let mut text = String::new();
    for index in 0..messages {
        let record = serde_json::json!({
            "message": format!("<messageML>{index}</messageML>"),
            "intendedMessageTimestamp": 1_500_000_000_000_i64 - index as i64 * 1_000,
            "intendedMessageFromUserId": SENDER,
            "originatingSystemId": "chat",
            "originalMessageId": format!("r-{index}"),
            "streamId": stream_id(index % STREAMS),
        });
        text.push_str(&record.to_string());
        text.push('\n');
    }
    text.into_bytes()
}

struct Setup {
    _directory: tempfile::TempDir,
    state: std::path::PathBuf,
    sandbox: Arc<Sandbox>,
    _running: ferry_sandbox::server::RunningSandbox,
    client: Arc<PodClient>,
    journal: Arc<Mutex<Journal>>,
    run_id: i64,
    options: Options,
}

async fn setup(messages: usize, batch_size: usize, roles: &[&str]) -> Setup {
    let directory = tempfile::tempdir().unwrap();
    let state = directory.path().join("sandbox.sqlite3");
    let sandbox = Sandbox::open(&Storage::File(state.clone()), Config::default()).unwrap();
    let manifest: Manifest = serde_json::from_value(serde_json::json!({
        "serviceUsers": [{"username": "import-bot", "publicKeyPem": PUBLIC_KEY, "roles": roles}],
        "users": [{"id": SENDER, "username": "alice", "active": true}],
        "streams": (0..STREAMS).map(|index| serde_json::json!({"id": stream_id(index), "type": "ROOM", "active": true, "members": [SENDER]})).collect::<Vec<_>>(),
    }))
    .unwrap();
    sandbox.apply_manifest(&manifest).unwrap();
    let running = ferry_sandbox::server::spawn(Arc::clone(&sandbox), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let client = PodClient::new(PodConfig::local(running.address.port(), "import-bot", PRIVATE_KEY.into())).unwrap();
    let mut journal = Journal::in_memory(client.agent_url()).unwrap();
    let run_id = journal.begin_run(&["batch.ndjson".into()]).unwrap();
    let mut options = Options::new(Target::Symphony, 1_800_000_000_000);
    options.max_records_per_request = batch_size;
    let intake =
        IntakeOptions { options: options.clone(), derive_ids: false, keep_bodies: true, retry_rejected: false };
    let checked = read_into_journal(
        run_id,
        vec![("batch.ndjson".into(), Box::new(Cursor::new(batch(messages))))],
        &intake,
        &mut journal,
        |_| {},
    )
    .unwrap();
    assert_eq!(checked.intake.planned, messages);
    Setup {
        _directory: directory,
        state,
        sandbox,
        _running: running,
        client,
        journal: Arc::new(Mutex::new(journal)),
        run_id,
        options,
    }
}

/// The timestamps of a stream's messages in the order the sandbox stored them.
fn timestamps_in_import_order(state: &std::path::Path, stream: &str) -> Vec<i64> {
    let connection = rusqlite::Connection::open(state).unwrap();
    let mut statement =
        connection.prepare("SELECT timestamp FROM messages WHERE stream_id = ?1 ORDER BY sequence").unwrap();
    statement.query_map([stream], |row| row.get(0)).unwrap().map(Result::unwrap).collect()
}

/// Runs the import with `concurrency` requests at the pod until it ends.
async fn run_to_end(setup: &Setup, concurrency: usize) -> Progress {
    let run_options = RunOptions { concurrency, planner: setup.options.clone() };
    let (progress, _) = tokio::sync::watch::channel(Progress::default());
    let control = Arc::new(Control::default());
    run::run(Arc::clone(&setup.client), Arc::clone(&setup.journal), setup.run_id, &run_options, control, progress)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_requests_in_flight_keep_each_streams_order() {
    let messages = 3_000;
    let setup = setup(messages, 100, &["CONTENT_MANAGEMENT"]).await;
    let done = run_to_end(&setup, 4).await;
    assert_eq!((done.state, done.imported, done.requests_done), (RunState::Completed, messages, 30));
    // The sandbox stores messages in the order it imports them: within a stream that must be time order.
    for index in 0..STREAMS {
        let stored = timestamps_in_import_order(&setup.state, &stream_id(index));
        assert_eq!(stored.len(), messages / STREAMS);
        assert!(stored.windows(2).all(|pair| pair[0] < pair[1]), "stream {index} out of order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_run_sends_nothing_until_resumed_and_a_stopped_one_ends() {
    let setup = setup(600, 100, &["CONTENT_MANAGEMENT"]).await;
    let control = Arc::new(Control::default());
    control.pause();
    let (progress, mut watcher) = tokio::sync::watch::channel(Progress::default());
    let run_options = RunOptions { concurrency: 1, planner: setup.options.clone() };
    let (client, journal, run_id, run_control) =
        (Arc::clone(&setup.client), Arc::clone(&setup.journal), setup.run_id, Arc::clone(&control));
    let task =
        tokio::spawn(async move { run::run(client, journal, run_id, &run_options, run_control, progress).await });
    // Wait (bounded) until the run says it is paused.
    tokio::time::timeout(Duration::from_secs(30), watcher.wait_for(|progress| progress.state == RunState::Paused))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(setup.sandbox.stats().unwrap().import_requests, 0, "a paused run sent a request");
    control.resume();
    tokio::time::timeout(Duration::from_secs(30), watcher.wait_for(|progress| progress.requests_done >= 1))
        .await
        .unwrap()
        .unwrap();
    control.stop();
    let done = tokio::time::timeout(Duration::from_secs(30), task).await.unwrap().unwrap().unwrap();
    assert_eq!(done.state, RunState::Stopped);
    assert!(done.requests_done >= 1 && done.requests_done < 6, "{done:?}");
    let counts = setup.journal.lock().unwrap().counts().unwrap();
    assert_eq!(counts.in_flight, 0);
    assert_eq!(counts.imported, done.imported);
    assert_eq!(counts.planned, 600 - done.imported);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pod_refusing_the_caller_halts_the_run_and_rejects_no_record() {
    let setup = setup(300, 100, &[]).await;
    let done = run_to_end(&setup, 2).await;
    assert_eq!(done.state, RunState::Halted);
    assert!(done.last_error.as_deref().unwrap_or_default().contains("403"), "{done:?}");
    let counts = setup.journal.lock().unwrap().counts().unwrap();
    assert_eq!((counts.planned, counts.rejected, counts.in_flight), (300, 0, 0));
}
