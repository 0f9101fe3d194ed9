//! `ferry import --target teams` as a user runs it, against a standalone `ferry sandbox` whose simulated
//! Microsoft Graph is reached over HTTP exactly as the real one is: the Teams fixture (`tests/fixtures/teams`:
//! 40 records over two channels and a group chat, two of them on the same millisecond) and 150 more plain
//! messages, imported under injected faults (429 and 503 with `Retry-After`, latency, connections dropped
//! before and after the message is stored, so that retries meet 409 Conflict), the importing process killed
//! twice mid-run (SIGKILL once N messages are seen stored), then run again to the end. Read back through
//! Graph's own `GET .../messages` pages: every record is there exactly once, `createdDateTime` is unique per
//! conversation, every conversation's migration is completed, and a third run sends nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{scratch, Sandbox, SERVICE_USER_KEY_PATH};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/teams");
const TENANT: &str = "9b1c3e5a-7d2f-4a6b-8c0d-1e2f3a4b5c6d";
const NOW: &str = "2026-12-01T00:00:00Z";
const EXTRA_PER_STREAM: usize = 50;
/// The senders of the fixture, Symphony id → Entra id.
const USERS: [(i64, &str); 4] = [
    (7_215_545_057_401, "5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60"),
    (7_215_545_057_402, "8d9e0f1a-2b3c-4d5e-8f60-718293a4b5c6"),
    (7_215_545_057_403, "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f"),
    (7_215_545_057_404, "e7f8a9b0-c1d2-4e3f-a4b5-c6d7e8f9a0b1"),
];

/// The fixture's manifest, its service user's key named by an absolute path (the copy lives elsewhere).
fn manifest(directory: &Path) -> PathBuf {
    let text = std::fs::read_to_string(format!("{FIXTURE}/sandbox.json")).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    let public_key = SERVICE_USER_KEY_PATH.replace("service-user.key.pem", "service-user.pub.pem");
    manifest["serviceUsers"][0]["publicKeyPath"] = public_key.into();
    let path = directory.join("sandbox.json");
    std::fs::write(&path, manifest.to_string()).unwrap();
    path
}

/// `teams.yaml` for the sandbox on `port`, the app of the fixture's manifest.
fn teams_config(directory: &Path, port: u16) -> PathBuf {
    let text = format!(
        "tenantId: {TENANT}\nclientId: 3c5e7a9b-1d2f-4b6a-8e0c-2f4a6b8c0d1e\nclientSecret: ferry-sandbox-secret-not-for-production\n\
         graphUrl: http://127.0.0.1:{port}/graph/v1.0\ntokenUrl: http://127.0.0.1:{port}/oauth/{TENANT}/oauth2/v2.0/token\n"
    );
    let path = directory.join("teams.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// stream id → conversation path, from the fixture's `streams.csv`.
fn conversations() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(format!("{FIXTURE}/streams.csv")).unwrap();
    let encode = |id: &str| id.replace(':', "%3A").replace('@', "%40");
    text.lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let path = if fields[3].is_empty() {
                format!("/teams/{}/channels/{}", encode(fields[1]), encode(fields[2]))
            } else {
                format!("/chats/{}", encode(fields[3]))
            };
            (fields[0].to_owned(), path)
        })
        .collect()
}

/// The fixture batch and 50 more plain messages per stream; returns the batch and, per conversation, the
/// (createdDateTime ms, Entra sender) every record must be imported as: in time order, a millisecond already
/// taken moved to the next free one.
fn batch(directory: &Path) -> (PathBuf, BTreeMap<String, Vec<(i64, String)>>) {
    let mut lines: Vec<String> = std::fs::read_to_string(format!("{FIXTURE}/batch.ndjson"))
        .unwrap()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_owned)
        .collect();
    let conversations = conversations();
    for (stream_index, stream) in conversations.keys().enumerate() {
        for index in 0..EXTRA_PER_STREAM {
            let (sender, _) = USERS[index % USERS.len()];
            let timestamp = 1_583_280_000_000i64 + (index as i64) * 60_000 + stream_index as i64 * 7;
            lines.push(
                serde_json::json!({
                    "message": format!("<messageML>Extra message <b>{index}</b> of stream {stream_index}</messageML>"),
                    "intendedMessageTimestamp": timestamp,
                    "intendedMessageFromUserId": sender,
                    "originatingSystemId": "legacychat",
                    "originalMessageId": format!("extra-{stream_index}-{index}"),
                    "streamId": stream,
                })
                .to_string(),
            );
        }
    }
    let entra: BTreeMap<i64, &str> = USERS.into_iter().collect();
    let mut expected: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for line in &lines {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let conversation = conversations[record["streamId"].as_str().unwrap()].clone();
        let sender = entra[&record["intendedMessageFromUserId"].as_i64().unwrap()].to_owned();
        expected.entry(conversation).or_default().push((record["intendedMessageTimestamp"].as_i64().unwrap(), sender));
    }
    for messages in expected.values_mut() {
        // Stable: records of one millisecond keep their batch order, the later moved 1 ms on.
        messages.sort_by_key(|(millis, _)| *millis);
        let mut last = i64::MIN;
        for (millis, _) in messages.iter_mut() {
            *millis = (*millis).max(last + 1);
            last = *millis;
        }
    }
    let path = directory.join("batch.ndjson");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    (path, expected)
}

fn import_command(directory: &Path, config: &Path, batch: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command
        .current_dir(directory)
        .args(["import", "--target", "teams", "--apply", "--concurrency", "3", "--now", NOW, "--config"])
        .arg(config)
        .arg("--users")
        .arg(format!("{FIXTURE}/users.csv"))
        .arg("--streams")
        .arg(format!("{FIXTURE}/streams.csv"))
        .arg("--journal")
        .arg(directory.join("journal.sqlite3"))
        .arg(batch)
        .stdin(Stdio::null());
    command
}

/// The sandbox's counters.
fn stats(port: u16) -> serde_json::Value {
    serde_json::from_str(&http("GET", port, "/sandbox/v1/stats", &[], "")).unwrap()
}

/// A bounded request over plain HTTP/1.1 on 127.0.0.1; the body of the answer.
fn http(method: &str, port: u16, path: &str, headers: &[(&str, &str)], body: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let extra: String = headers.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default()
}

/// Graph as any client reads it: a token by client credentials, then `GET` with it.
struct GraphReader {
    port: u16,
    token: String,
}

impl GraphReader {
    fn new(port: u16) -> GraphReader {
        let form = "grant_type=client_credentials&client_id=3c5e7a9b-1d2f-4b6a-8e0c-2f4a6b8c0d1e\
                    &client_secret=ferry-sandbox-secret-not-for-production&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default";
        let path = format!("/oauth/{TENANT}/oauth2/v2.0/token");
        let answer = http("POST", port, &path, &[("Content-Type", "application/x-www-form-urlencoded")], form);
        let token: serde_json::Value = serde_json::from_str(&answer).unwrap();
        GraphReader { port, token: token["access_token"].as_str().unwrap().to_owned() }
    }

    fn get(&self, path: &str) -> serde_json::Value {
        let authorization = format!("Bearer {}", self.token);
        let answer = http("GET", self.port, path, &[("Authorization", &authorization)], "");
        serde_json::from_str(&answer).unwrap_or_else(|error| panic!("GET {path}: {error}: {answer}"))
    }

    /// Every message of a conversation, following `@odata.nextLink`.
    fn messages(&self, conversation: &str) -> Vec<serde_json::Value> {
        let mut messages = Vec::new();
        let mut path = format!("/graph/v1.0{conversation}/messages");
        for _ in 0..1_000 {
            let page = self.get(&path);
            messages.extend(page["value"].as_array().unwrap().iter().cloned());
            match page["@odata.nextLink"].as_str() {
                Some(next) => {
                    let prefix = format!("http://127.0.0.1:{}", self.port);
                    path = next.strip_prefix(&prefix).unwrap_or_else(|| panic!("next link {next}")).to_owned();
                }
                None => return messages,
            }
        }
        panic!("more than 1,000 pages");
    }
}

fn millis_of(created: &str) -> i64 {
    ferry_proxy::teams::parse_created_date_time(created).unwrap()
}

/// Runs the import and SIGKILLs it once the sandbox has stored `kill_at` Graph messages in all; returns
/// whether it was killed (else it ended by itself).
fn run_and_kill(directory: &Path, config: &Path, batch: &Path, port: u16, kill_at: u64) -> bool {
    let mut child =
        import_command(directory, config, batch).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if stats(port)["graphMessagesStored"].as_u64().unwrap() >= kill_at {
            child.kill().unwrap();
            child.wait().unwrap();
            return true;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "an import ran for 5 minutes");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A row of the Teams journal: originalMessageId, conversation, createdDateTime ms, state, Graph's id, reason.
type JournalRow = (String, String, i64, String, Option<String>, Option<String>);

#[test]
fn killed_twice_under_faults_every_record_lands_in_teams_exactly_once() {
    let directory = scratch("import_teams", "faults");
    let manifest = manifest(&directory);
    let sandbox =
        Sandbox::start(&manifest, &directory.join("sandbox.sqlite3"), &["--faults", "0.2", "--faults-seed", "5"]);
    let config = teams_config(&directory, sandbox.port);
    let (batch, expected) = batch(&directory);
    let total: usize = expected.values().map(Vec::len).sum();
    assert_eq!(total, 40 + 3 * EXTRA_PER_STREAM);

    // Killed twice mid-run: some conversations are left in migration mode, with messages perhaps sent and
    // unanswered.
    assert!(run_and_kill(&directory, &config, &batch, sandbox.port, 40), "the first run ended before 40 messages");
    let reader = GraphReader::new(sandbox.port);
    let in_migration = expected
        .keys()
        .filter(|conversation| reader.get(&format!("/graph/v1.0{conversation}"))["migrationMode"] == "inProgress")
        .count();
    assert!(in_migration > 0, "the kill left no conversation in migration mode: the test proves little");
    assert!(run_and_kill(&directory, &config, &batch, sandbox.port, 110), "the second run ended before 110 messages");

    // Run to the end (a run halted by a call without an answer after its retries is run again).
    let mut outputs = Vec::new();
    let mut completed = false;
    for _ in 0..5 {
        let output = import_command(&directory, &config, &batch).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        outputs.push(format!("{stdout}{}", String::from_utf8_lossy(&output.stderr)));
        if output.status.success() {
            completed = true;
            break;
        }
    }
    assert!(completed, "the import did not complete in 5 runs:\n{}", outputs.join("\n---\n"));
    println!("{}", outputs.last().unwrap());

    // Read back through Graph: every record exactly once, as the sender it maps to, at its millisecond.
    for (conversation, messages) in &expected {
        let stored = reader.messages(conversation);
        let times: Vec<i64> =
            stored.iter().map(|message| millis_of(message["createdDateTime"].as_str().unwrap())).collect();
        let unique: BTreeSet<i64> = times.iter().copied().collect();
        assert_eq!(unique.len(), times.len(), "{conversation}: a createdDateTime twice");
        assert_eq!(
            stored.len(),
            messages.len(),
            "{conversation}: {} stored, {} expected",
            stored.len(),
            messages.len()
        );
        let stored_pairs: BTreeSet<(i64, String)> = stored
            .iter()
            .map(|message| {
                let sender = message["from"]["user"]["id"].as_str().unwrap().to_owned();
                (millis_of(message["createdDateTime"].as_str().unwrap()), sender)
            })
            .collect();
        let expected_pairs: BTreeSet<(i64, String)> = messages.iter().cloned().collect();
        assert_eq!(stored_pairs, expected_pairs, "{conversation}");
        let state = reader.get(&format!("/graph/v1.0{conversation}"));
        assert_eq!(state["migrationMode"], "completed", "{conversation}: {state}");
    }

    // The journal agrees with Graph, record for record.
    let journal = rusqlite::Connection::open(directory.join("journal.sqlite3")).unwrap();
    let mut statement = journal
        .prepare("SELECT message_id, conversation, created_ms, state, graph_message_id, reason FROM teams_messages")
        .unwrap();
    let rows: Vec<JournalRow> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), total);
    let mut read_back = 0;
    for (original, conversation, created_ms, state, graph_id, reason) in &rows {
        assert_eq!(state, "imported", "{original}: {reason:?}");
        let stored = reader.get(&format!("/graph/v1.0{conversation}/messages/{}", graph_id.as_deref().unwrap()));
        assert_eq!(millis_of(stored["createdDateTime"].as_str().unwrap()), *created_ms, "{original}");
        read_back += usize::from(reason.as_deref().is_some_and(|reason| reason.contains("read back")));
    }
    let moved = rows.iter().filter(|row| row.5.as_deref().is_some_and(|reason| reason.contains("moved 1 ms"))).count();
    assert_eq!(moved, 1, "the fixture's same-millisecond pair");
    let stats = stats(sandbox.port);
    println!("{read_back} message(s) were found stored when their conversation was read back; sandbox: {stats}");
    assert!(stats["faultsInjected"].as_u64().unwrap() > 0, "no fault was injected: {stats}");

    // A third run sends nothing.
    let posts = stats["graphMessagePosts"].as_u64().unwrap();
    let report = directory.join("report.json");
    let output = import_command(&directory, &config, &batch).arg("--report").arg(&report).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["counts"]["imported"], total, "{report}");
    assert_eq!(report["records"].as_array().unwrap().len(), total);
    assert!(stdout.contains("0 request(s) for 0 message(s) in 0 conversation(s)"), "{stdout}");
    assert!(stdout.contains(&format!("{total} already imported by earlier runs")), "{stdout}");
    assert_eq!(self::stats(sandbox.port)["graphMessagePosts"].as_u64().unwrap(), posts);
}
