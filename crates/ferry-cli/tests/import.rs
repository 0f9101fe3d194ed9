//! `ferry import` as a user runs it, against a standalone `ferry sandbox` reached over HTTP exactly as a real
//! pod is, configured with the BDK's own configuration file (`apis-and-peers.md` §1.4, with only the port and
//! the key's path filled in).
//!
//! - Faults: 50,000 messages into a sandbox failing 20% of import requests (500, 429, latency, connections
//!   dropped before and after the import is applied), the importing process killed at random moments and
//!   started again until the run completes: the sandbox then holds every message exactly once, and the
//!   journal agrees with it record for record.
//! - Pre-flight: a sender who is not a member, an inactive stream and an unknown mentioned user are reported
//!   before anything is sent; `--provision` then makes the same batch import cleanly.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{scratch as scratch_in, Sandbox};

const PUBLIC_KEY: &str = include_str!("../../ferry-proxy/tests/fixtures/service-user.pub.pem");
const PRIVATE_KEY_PATH: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-proxy/tests/fixtures/service-user.key.pem");
const FIRST_USER: i64 = 7_215_545_057_281;
const NOW: &str = "2026-01-01T00:00:00Z";

/// The BDK configuration of `apis-and-peers.md` §1.4, verbatim but for the port and the key's path.
fn bdk_config(directory: &Path, port: u16) -> PathBuf {
    let text = format!(
        "scheme: http            # TLS not required; aiohttp ignores the SSL context for http URLs
host: 127.0.0.1
port: {port}             # one port can serve pod, key manager and agent paths
# context: /sim         # optional prefix before /login, /relay, /agent, /pod
bot:
  username: import-bot
  privateKey:
    path: {PRIVATE_KEY_PATH}      # PKCS#8 or PKCS#1
retry:
  maxAttempts: 4
  initialIntervalMillis: 100
  multiplier: 2
  maxIntervalMillis: 1000
# or split: pod: {{host, port}}, keyManager: {{host, port}}, agent: {{host, port}}
"
    );
    let path = directory.join("config.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A stream id of the pod's shape (24 bytes in URL-safe base64).
fn stream_id(index: usize) -> String {
    format!("Z3oQRAZGTCNl5KjiUH2G{index:04}__qr9lLT8dA")
}

fn scratch(name: &str) -> PathBuf {
    scratch_in("import", name)
}

/// Starts a sandbox with `manifest` written into `directory`, its state beside it.
fn start_sandbox(directory: &Path, manifest: &serde_json::Value, extra: &[&str]) -> Sandbox {
    let manifest_path = directory.join("manifest.json");
    std::fs::write(&manifest_path, manifest.to_string()).unwrap();
    Sandbox::start(&manifest_path, &directory.join("sandbox.sqlite3"), extra)
}

/// `(originalMessageId, messageId)` of every message a sandbox holds.
fn stored_messages(sandbox: &Sandbox) -> Vec<(String, String)> {
    let connection =
        rusqlite::Connection::open_with_flags(&sandbox.state, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let mut statement = connection.prepare("SELECT original_message_id, message_id FROM messages").unwrap();
    statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
}

fn import_command(directory: &Path, config: &Path, batch: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command
        .arg("import")
        .arg(batch)
        .arg("--config")
        .arg(config)
        .arg("--journal")
        .arg(directory.join("journal.sqlite3"))
        .args(["--now", NOW])
        .args(extra)
        .stdin(Stdio::null());
    command
}

fn run(mut command: Command) -> (Output, String) {
    let output = command.output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output, text)
}

/// xorshift64*: the kill moments are random but repeatable.
struct Moments(u64);

impl Moments {
    fn next_millis(&mut self, low: u64, high: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        low + self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % (high - low)
    }
}

#[test]
fn killed_at_random_moments_under_faults_every_message_lands_exactly_once() {
    const MESSAGES: usize = 50_000;
    const STREAMS: usize = 40;
    const USERS: usize = 20;
    let directory = scratch("faults");
    let (batch, manifest) = plain_batch(&directory, MESSAGES, STREAMS, USERS);
    let sandbox = start_sandbox(&directory, &manifest, &["--faults", "0.2", "--faults-seed", "11"]);
    let config = bdk_config(&directory, sandbox.port);

    let journal_path = directory.join("journal.sqlite3");
    let mut moments = Moments(0x9E37_79B9_7F4A_7C15);
    let mut kills = 0;
    let mut completed = false;
    // Bounded: twelve runs killed at a random moment after they began sending, then runs left to finish (each
    // resumes through the journal).
    for attempt in 0..30 {
        let requests_before = requests_in(&journal_path);
        let mut command = import_command(&directory, &config, &batch, &["--apply", "--batch-size", "500"]);
        let mut child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        let kill_after = (attempt < 12).then(|| Duration::from_millis(moments.next_millis(0, 1_200)));
        let started = Instant::now();
        let mut sending_since: Option<Instant> = None;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if sending_since.is_none() && requests_in(&journal_path) > requests_before {
                sending_since = Some(Instant::now());
            }
            if let (Some(since), Some(after)) = (sending_since, kill_after) {
                if since.elapsed() >= after {
                    child.kill().unwrap();
                    child.wait().unwrap();
                    kills += 1;
                    break None;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(600), "an import ran for 10 minutes");
            std::thread::sleep(Duration::from_millis(10));
        };
        if status.is_some_and(|status| status.success()) {
            completed = true;
            break;
        }
    }
    assert!(completed, "the import did not complete in 30 runs");
    println!("the import completed after {kills} kill(s)");

    // The sandbox holds every message exactly once.
    let stored = stored_messages(&sandbox);
    assert_eq!(stored.len(), MESSAGES, "the sandbox holds {} messages, not {MESSAGES}", stored.len());
    let stored_ids: BTreeMap<String, String> = stored.into_iter().collect();
    let expected: BTreeSet<String> = (0..MESSAGES).map(|index| format!("m-{index}")).collect();
    assert_eq!(stored_ids.keys().cloned().collect::<BTreeSet<_>>(), expected);

    // The journal agrees with the sandbox, record for record.
    let journal = rusqlite::Connection::open(directory.join("journal.sqlite3")).unwrap();
    let mut statement = journal.prepare("SELECT message_id, state, agent_message_id FROM records").unwrap();
    let rows: Vec<(String, String, Option<String>)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), MESSAGES);
    let mut already = 0;
    for (original, state, agent_id) in rows {
        assert!(state == "imported" || state == "already_imported", "{original} is {state}");
        already += usize::from(state == "already_imported");
        assert_eq!(
            agent_id.as_ref(),
            stored_ids.get(&original),
            "{original}: the journal's messageId is not the sandbox's"
        );
    }
    println!("{already} record(s) were found already imported when sent again");
    let stats: serde_json::Value = serde_json::from_str(&http_get(sandbox.port, "/sandbox/v1/stats")).unwrap();
    println!("sandbox: {stats}");
    assert!(stats["faultsInjected"].as_u64().unwrap() > 0, "no fault was injected: {stats}");
    assert_eq!(stats["messagesImported"].as_u64(), Some(MESSAGES as u64), "{stats}");
    assert!(kills >= 5, "the importing process was killed only {kills} time(s): the test proves little");
}

/// A batch of `messages` plain messages over `streams` rooms of `users` senders, and the manifest that holds
/// them.
fn plain_batch(directory: &Path, messages: usize, streams: usize, users: usize) -> (PathBuf, serde_json::Value) {
    let user_ids: Vec<i64> = (0..users as i64).map(|index| FIRST_USER + index).collect();
    let manifest = serde_json::json!({
        "serviceUsers": [{"username": "import-bot", "publicKeyPem": PUBLIC_KEY, "roles": ["CONTENT_MANAGEMENT", "USER_PROVISIONING"]}],
        "users": user_ids.iter().map(|id| serde_json::json!({"id": id, "username": format!("user-{id}"), "active": true})).collect::<Vec<_>>(),
        "streams": (0..streams).map(|index| serde_json::json!({"id": stream_id(index), "type": "ROOM", "active": true, "members": user_ids})).collect::<Vec<_>>(),
    });
    let batch = directory.join("batch.ndjson");
    let mut text = String::with_capacity(messages * 260);
    for index in 0..messages {
        let record = serde_json::json!({
            "message": format!("<messageML>Message <b>{index}</b> of the test</messageML>"),
            "intendedMessageTimestamp": 1_433_045_622_000_i64 + index as i64 * 1_000,
            "intendedMessageFromUserId": user_ids[index % users],
            "originatingSystemId": "testChat",
            "originalMessageId": format!("m-{index}"),
            "streamId": stream_id(index % streams),
        });
        text.push_str(&record.to_string());
        text.push('\n');
    }
    std::fs::write(&batch, text).unwrap();
    (batch, manifest)
}

/// Starts an import and sends it SIGINT `signals` times once it has begun sending; returns its exit code and
/// output.
fn interrupted_import(directory: &Path, config: &Path, batch: &Path, signals: usize) -> (Option<i32>, String) {
    let journal = directory.join("journal.sqlite3");
    let before = requests_in(&journal);
    // Requests of 5,000 messages take long enough (hundreds of milliseconds) for both signals to land while one is in flight.
    let mut command = import_command(directory, config, batch, &["--apply", "--concurrency", "1"]);
    let child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let started = Instant::now();
    while requests_in(&journal) == before {
        assert!(started.elapsed() < Duration::from_secs(120), "the import never began sending");
        std::thread::sleep(Duration::from_millis(5));
    }
    for _ in 0..signals {
        let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code(), text)
}

#[test]
fn ctrl_c_stops_after_the_requests_in_flight_a_second_at_once_and_both_resume() {
    const MESSAGES: usize = 20_000;
    let directory = scratch("interrupt");
    let (batch, manifest) = plain_batch(&directory, MESSAGES, 20, 10);
    let sandbox = start_sandbox(&directory, &manifest, &[]);
    let config = bdk_config(&directory, sandbox.port);

    let (code, text) = interrupted_import(&directory, &config, &batch, 1);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("stopping after the requests in flight"), "{text}");
    assert!(text.contains("the run did not finish"), "{text}");
    let journal = rusqlite::Connection::open(directory.join("journal.sqlite3")).unwrap();
    let count = |state: &str| -> i64 {
        journal.query_row("SELECT COUNT(*) FROM records WHERE state = ?1", [state], |row| row.get(0)).unwrap()
    };
    assert_eq!(count("in_flight"), 0, "a clean stop leaves no request unanswered");
    let imported = count("imported");
    assert!(imported > 0 && (imported as usize) < MESSAGES, "{imported} imported before the stop");
    assert_eq!(stored_messages(&sandbox).len(), imported as usize);

    let (code, text) = interrupted_import(&directory, &config, &batch, 2);
    assert_eq!(code, Some(130), "{text}");
    assert!(text.contains("stopped at once"), "{text}");

    let (output, text) = run(import_command(&directory, &config, &batch, &["--apply"]));
    assert_eq!(output.status.code(), Some(0), "{text}");
    let stored: BTreeSet<String> = stored_messages(&sandbox).into_iter().map(|(original, _)| original).collect();
    assert_eq!(stored.len(), MESSAGES);
    assert_eq!(stored_messages(&sandbox).len(), MESSAGES, "a message was imported twice");
}

#[test]
fn rejected_records_are_sent_again_only_with_retry_failed() {
    let directory = scratch("retry");
    let (batch, manifest) = plain_batch(&directory, 3, 1, 1);
    let sandbox = start_sandbox(&directory, &manifest, &[]);
    let config = bdk_config(&directory, sandbox.port);
    // Dated 2099: in the past for a run told it is 2100, in the future for the sandbox, which refuses it.
    let text = std::fs::read_to_string(&batch).unwrap().replacen("1433045622000", "4070908800000", 1);
    std::fs::write(&batch, text).unwrap();
    let in_2100 = |extra: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
        command
            .arg("import")
            .arg(&batch)
            .arg("--config")
            .arg(&config)
            .arg("--journal")
            .arg(directory.join("journal.sqlite3"));
        command.args(["--now", "2100-01-01T00:00:00Z", "--apply"]).args(extra).stdin(Stdio::null());
        run(command)
    };
    let (output, text) = in_2100(&[]);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("2 imported") && text.contains("1 rejected"), "{text}");
    assert!(text.contains("rejected: "), "the Agent's diagnostic is shown: {text}");

    // Fixed in the file, but not sent again without being asked.
    let fixed = std::fs::read_to_string(&batch).unwrap().replacen("4070908800000", "1433045622000", 1);
    std::fs::write(&batch, fixed).unwrap();
    let (output, text) = in_2100(&[]);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("1 record(s) were rejected by the Agent in an earlier run"), "{text}");
    assert_eq!(stored_messages(&sandbox).len(), 2);

    let (output, text) = in_2100(&["--retry-failed"]);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert_eq!(stored_messages(&sandbox).len(), 3);
}

#[test]
fn the_pre_flight_reports_before_sending_and_provisioning_fixes_the_batch() {
    let directory = scratch("preflight");
    let (alice, bob) = (FIRST_USER, FIRST_USER + 1);
    let (room, inactive_room) = (stream_id(1), stream_id(2));
    let manifest = serde_json::json!({
        "serviceUsers": [{"username": "import-bot", "publicKeyPem": PUBLIC_KEY, "roles": ["CONTENT_MANAGEMENT", "USER_PROVISIONING"]}],
        "users": [{"id": alice, "username": "alice", "active": true}, {"id": bob, "username": "bob", "active": true}],
        "streams": [
            {"id": room, "type": "ROOM", "active": true, "members": [alice]},
            {"id": inactive_room, "type": "ROOM", "active": false, "members": [alice, bob]},
        ],
    });
    let records = [
        // Bob is not a member of the room.
        serde_json::json!({"message": "<messageML>hello</messageML>", "intendedMessageTimestamp": 1_433_045_622_000_i64,
            "intendedMessageFromUserId": bob, "originatingSystemId": "chat", "originalMessageId": "p-1", "streamId": room}),
        // The room is inactive.
        serde_json::json!({"message": "<messageML>archived</messageML>", "intendedMessageTimestamp": 1_433_045_623_000_i64,
            "intendedMessageFromUserId": alice, "originatingSystemId": "chat", "originalMessageId": "p-2", "streamId": inactive_room}),
        // Nobody has this email yet.
        serde_json::json!({"message": "<messageML>ping <mention email=\"carol@example.com\"/></messageML>",
            "intendedMessageTimestamp": 1_433_045_624_000_i64, "intendedMessageFromUserId": alice,
            "originatingSystemId": "chat", "originalMessageId": "p-3", "streamId": room}),
    ];
    let batch = directory.join("batch.json");
    std::fs::write(&batch, serde_json::to_string(&records).unwrap()).unwrap();
    let sandbox = start_sandbox(&directory, &manifest, &[]);
    let config = bdk_config(&directory, sandbox.port);

    let (output, text) = run(import_command(&directory, &config, &batch, &["--apply"]));
    assert_eq!(output.status.code(), Some(1), "{text}");
    for code in ["POD004", "POD006", "POD007"] {
        assert!(text.contains(&format!("error[{code}]")), "no {code} in:\n{text}");
    }
    assert!(text.contains("batch.json record 1 /intendedMessageFromUserId"), "{text}");
    assert!(stored_messages(&sandbox).is_empty(), "records refused by the pre-flight were sent");

    let (output, text) = run(import_command(&directory, &config, &batch, &["--apply", "--provision"]));
    assert_eq!(output.status.code(), Some(0), "{text}");
    // Standard error is not a terminal here: progress comes as plain lines.
    assert!(String::from_utf8_lossy(&output.stderr).contains("request 1/1: 3/3 records"), "{text}");
    assert!(text.contains(&format!("provisioned: added user {bob} to stream {room}")), "{text}");
    assert!(text.contains(&format!("provisioned: reactivated stream {inactive_room}")), "{text}");
    assert!(text.contains("for carol@example.com"), "{text}");
    let mut stored: Vec<String> = stored_messages(&sandbox).into_iter().map(|(original, _)| original).collect();
    stored.sort();
    assert_eq!(stored, ["p-1", "p-2", "p-3"]);
}

#[test]
fn a_dry_run_sends_nothing_and_writes_no_journal() {
    let directory = scratch("dry");
    let manifest = serde_json::json!({
        "serviceUsers": [{"username": "import-bot", "publicKeyPem": PUBLIC_KEY, "roles": ["CONTENT_MANAGEMENT"]}],
        "users": [{"id": FIRST_USER, "username": "alice", "active": true}],
        "streams": [{"id": stream_id(1), "type": "ROOM", "active": true, "members": [FIRST_USER]}],
    });
    let record = serde_json::json!({"message": "<messageML>hi</messageML>", "intendedMessageTimestamp": 1_433_045_622_000_i64,
        "intendedMessageFromUserId": FIRST_USER, "originatingSystemId": "chat", "originalMessageId": "d-1", "streamId": stream_id(1)});
    let batch = directory.join("batch.ndjson");
    std::fs::write(&batch, format!("{record}\n")).unwrap();
    let sandbox = start_sandbox(&directory, &manifest, &[]);
    let config = bdk_config(&directory, sandbox.port);
    let (output, text) = run(import_command(&directory, &config, &batch, &[]));
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("import plan: 1 request(s) for 1 record(s)"), "{text}");
    assert!(text.contains("nothing was sent"), "{text}");
    assert!(stored_messages(&sandbox).is_empty());
    assert!(!directory.join("journal.sqlite3").exists(), "a dry run wrote a journal");

    // An empty input stops the import before anything is sent.
    let empty = directory.join("empty.ndjson");
    std::fs::write(&empty, "").unwrap();
    let (output, text) = run(import_command(&directory, &config, &empty, &["--apply"]));
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("nothing was sent"), "{text}");
    assert!(!directory.join("journal.sqlite3").exists() || stored_messages(&sandbox).is_empty());

    // A key file that is not there: a clear error naming the file, exit 2.
    let bad = directory.join("bad.yaml");
    std::fs::write(&bad, "host: 127.0.0.1\nbot:\n  username: import-bot\n  privateKey:\n    path: nowhere.pem\n")
        .unwrap();
    let (output, text) = run(import_command(&directory, &bad, &batch, &[]));
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("nowhere.pem"), "{text}");
}

#[test]
fn without_a_configuration_the_embedded_sandbox_is_the_pod() {
    let directory = scratch("local");
    // A user and a room of the embedded sandbox's demo dataset.
    let record = serde_json::json!({"message": "<messageML>hello from the demo</messageML>",
        "intendedMessageTimestamp": 1_433_045_622_000_i64, "intendedMessageFromUserId": 349_026_222_342_i64,
        "originatingSystemId": "demo", "originalMessageId": "l-1", "streamId": "iWyZBIOdQQzQj0tKOLRivX___qu6YeyZdA"});
    let batch = directory.join("batch.ndjson");
    std::fs::write(&batch, format!("{record}\n")).unwrap();
    let state = directory.join("sandbox.sqlite3");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command
        .arg("import")
        .arg(&batch)
        .arg("--state")
        .arg(&state)
        .arg("--journal")
        .arg(directory.join("journal.sqlite3"));
    command.args(["--apply", "--now", NOW]).stdin(Stdio::null());
    let (output, text) = run(command);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("1 imported"), "{text}");
    let connection = rusqlite::Connection::open(&state).unwrap();
    let stored: i64 = connection
        .query_row("SELECT COUNT(*) FROM messages WHERE original_message_id = 'l-1'", [], |row| row.get(0))
        .unwrap();
    assert_eq!(stored, 1);
}

/// Import requests the journal has recorded so far (0 before it exists).
fn requests_in(journal: &Path) -> i64 {
    let Ok(connection) = rusqlite::Connection::open_with_flags(journal, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return 0;
    };
    connection.query_row("SELECT COUNT(*) FROM requests", [], |row| row.get(0)).unwrap_or(0)
}

/// A bounded GET over plain HTTP/1.1 on 127.0.0.1.
fn http_get(port: u16, path: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default()
}
