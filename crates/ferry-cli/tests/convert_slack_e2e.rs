//! `ferry convert slack` as a user runs it, end to end, with the real `ferry` binary, real HTTP and real SQLite.
//!
//! - The fixture `tests/fixtures/slack-export/` (described in `tests/fixtures/slack-export-maps/README.md`) is
//!   converted from its folder and from a ZIP of it (byte-identical batches, and again on a second run), checked
//!   (0 errors), imported into a standalone `ferry sandbox` started from the fixture's manifest with
//!   `ferry import --apply --provision`, and read back through the Agent API: the same records, in the same order
//!   per conversation, mentions resolved to the mapped users, reply markers, the files with bytes stored as
//!   attachments, no token-bearing URL anywhere. A second import imports nothing twice.
//! - Real exports nobody here wrote (`../shared/slack-samples/`, outside the repository; the test says so and
//!   passes when they are absent): maps made by `--init` and filled with made-up ids, every message that is not
//!   a membership, topic or pin event becomes a record, `ferry check` finds 0 errors, and the report accounts
//!   for every message read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/slack-export");
const MAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/slack-export-maps");
/// After every message of the fixture and of the samples.
const NOW: &str = "2026-01-01T00:00:00Z";
/// Subtypes that are membership, topic, purpose, rename or pin events: not importable, counted in the report.
const EVENT_SUBTYPES: &[&str] = &[
    "channel_join",
    "channel_leave",
    "group_join",
    "group_leave",
    "channel_topic",
    "group_topic",
    "channel_purpose",
    "group_purpose",
    "channel_name",
    "group_name",
    "pinned_item",
    "unpinned_item",
    "bot_add",
    "bot_remove",
];

fn scratch(name: &str) -> PathBuf {
    common::scratch("convert-slack", name)
}

fn ferry() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferry"));
    command.stdin(Stdio::null());
    command
}

/// Runs a command; its exit code and everything it printed.
fn output_of(command: &mut Command) -> (Option<i32>, String) {
    let Output { status, stdout, stderr } = command.output().unwrap();
    (status.code(), format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr)))
}

/// `ferry convert slack EXPORT --users … --streams … -o BATCH --report REPORT`, which must succeed; the report.
fn convert(export: &Path, users: &Path, streams: &Path, batch: &Path, report: &Path) -> Value {
    let (code, text) = output_of(
        ferry()
            .args(["convert", "slack"])
            .arg(export)
            .arg("--users")
            .arg(users)
            .arg("--streams")
            .arg(streams)
            .arg("-o")
            .arg(batch)
            .arg("--report")
            .arg(report)
            .args(["--now", NOW]),
    );
    assert_eq!(code, Some(0), "ferry convert slack {}:\n{text}", export.display());
    serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap()
}

/// `ferry check --format json BATCH`'s summary, after asserting it found no error.
fn check_finds_no_error(batch: &Path) -> Value {
    let output = ferry().args(["check", "--format", "json", "--now", NOW]).arg(batch).output().unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(report["summary"]["errors"], 0, "{:#}", report["diagnostics"]);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    report["summary"].clone()
}

/// Zips a folder as Slack does: entries in name order, a folder entry before its files, deflated.
fn zip_folder(folder: &Path, zip_path: &Path) {
    fn walk(folder: &Path, prefix: &str, entries: &mut Vec<(String, Option<PathBuf>)>) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{prefix}{}", path.file_name().unwrap().to_str().unwrap());
            if path.is_dir() {
                entries.push((format!("{name}/"), None));
                walk(&path, &format!("{name}/"), entries);
            } else {
                entries.push((name, Some(path)));
            }
        }
    }
    let mut entries = Vec::new();
    walk(folder, "", &mut entries);
    entries.sort();
    let mut zip = zip::ZipWriter::new(std::fs::File::create(zip_path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, path) in entries {
        match path {
            None => zip.add_directory(name.trim_end_matches('/'), options).unwrap(),
            Some(path) => {
                zip.start_file(name, options).unwrap();
                zip.write_all(&std::fs::read(path).unwrap()).unwrap();
            }
        }
    }
    zip.finish().unwrap();
}

/// One message of an export, with its conversation.
struct ExportMessage {
    conversation_id: String,
    message: Value,
}

impl ExportMessage {
    fn text(&self, key: &str) -> &str {
        self.message.get(key).and_then(Value::as_str).unwrap_or("")
    }

    fn original_message_id(&self) -> String {
        format!("{}:{}", self.conversation_id, self.text("ts"))
    }

    /// Whether it must become a record: anything but an event or a deleted message's placeholder.
    fn is_importable(&self) -> bool {
        let subtype = self.text("subtype");
        !EVENT_SUBTYPES.contains(&subtype) && subtype != "tombstone"
    }
}

/// Every message of an export given as `(entry name, bytes)` pairs, with its conversation (found through the
/// metadata files, which name the folders).
fn export_messages(entries: &BTreeMap<String, Vec<u8>>) -> Vec<ExportMessage> {
    let mut folder_to_id = BTreeMap::new();
    for metadata in ["channels.json", "groups.json", "dms.json", "mpims.json"] {
        let Some(bytes) = entries.get(metadata) else { continue };
        for conversation in serde_json::from_slice::<Vec<Value>>(bytes).unwrap() {
            let id = conversation["id"].as_str().unwrap().to_owned();
            let folder = conversation.get("name").and_then(Value::as_str).unwrap_or(&id).to_owned();
            folder_to_id.insert(folder, id);
        }
    }
    let mut messages = Vec::new();
    for (name, bytes) in entries {
        let Some((folder, day)) = name.split_once('/') else { continue };
        if !day.ends_with(".json") || folder == "__uploads" {
            continue;
        }
        let conversation_id = folder_to_id.get(folder).unwrap_or_else(|| panic!("no metadata names {folder}"));
        for message in serde_json::from_slice::<Vec<Value>>(bytes).unwrap() {
            messages.push(ExportMessage { conversation_id: conversation_id.clone(), message });
        }
    }
    messages
}

fn folder_entries(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut entries = BTreeMap::new();
    let mut pending = vec![root.to_owned()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(root).unwrap().to_str().unwrap().replace('\\', "/");
                entries.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    entries
}

fn zip_entries(zip_path: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut entries = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        if entry.is_file() {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            entries.insert(entry.name().to_owned(), bytes);
        }
    }
    entries
}

/// The records of an NDJSON batch, in order.
fn records_of(batch: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(batch).unwrap();
    text.lines().filter(|line| !line.trim().is_empty()).map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// Every message read equals written plus skipped, per conversation and overall.
fn assert_the_report_accounts_for_every_message(report: &Value) {
    let accounted = |counts: &Value| {
        let skipped: u64 = counts["skipped"].as_object().unwrap().values().map(|count| count.as_u64().unwrap()).sum();
        assert_eq!(counts["read"].as_u64().unwrap(), counts["written"].as_u64().unwrap() + skipped, "{counts:#}");
    };
    accounted(&report["totals"]);
    for conversation in report["conversations"].as_array().unwrap() {
        accounted(conversation);
    }
}

use common::{Sandbox, SERVICE_USER_KEY_PATH as PRIVATE_KEY_PATH};

impl Sandbox {
    /// The Agent API, as the service user: a session from an RS512 JWT, then plain HTTP calls.
    fn agent(&self) -> Agent {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let pem = std::fs::read_to_string(PRIVATE_KEY_PATH).unwrap();
        let jwt = ferry_proxy::auth::Authenticator::new("import-bot", &pem).unwrap().jwt(now_seconds()).unwrap();
        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{}", self.port);
        let session: Value = runtime.block_on(async {
            let response = client
                .post(format!("{base}/login/pubkey/authenticate"))
                .json(&serde_json::json!({"token": jwt}))
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "login: {}", response.status());
            response.json().await.unwrap()
        });
        let session = session["token"].as_str().unwrap().to_owned();
        Agent { runtime, client, base, session }
    }
}

fn now_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

struct Agent {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
    session: String,
}

impl Agent {
    /// `GET` a path of the Agent with the session; the status and the body.
    fn get(&self, path: &str) -> (u16, String) {
        self.runtime.block_on(async {
            let response = self
                .client
                .get(format!("{}{path}", self.base))
                .header("sessionToken", &self.session)
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        })
    }

    /// Every message of a stream, in the Agent's order (time, then arrival), a page of 500 (the Agent's most)
    /// at a time.
    fn messages(&self, stream_id: &str) -> Vec<Value> {
        const PAGE: usize = 500;
        let mut messages = Vec::new();
        loop {
            let query = format!("since=0&skip={}&limit={PAGE}", messages.len());
            let (status, body) = self.get(&format!("/agent/v4/stream/{stream_id}/message?{query}"));
            let page: Vec<Value> = match status {
                204 => Vec::new(),
                200 => serde_json::from_str(&body).unwrap(),
                other => panic!("reading {stream_id}: {other} {body}"),
            };
            let full = page.len() == PAGE;
            messages.extend(page);
            if !full {
                return messages;
            }
        }
    }

    /// The bytes of an attachment, which the Agent sends in base64.
    fn attachment(&self, stream_id: &str, message_id: &str, file_id: &str) -> Vec<u8> {
        use base64::Engine as _;
        let (status, body) =
            self.get(&format!("/agent/v1/stream/{stream_id}/attachment?messageId={message_id}&fileId={file_id}"));
        assert_eq!(status, 200, "{body}");
        base64::engine::general_purpose::STANDARD.decode(body.trim()).unwrap()
    }
}

/// A map file's rows as `(first column, last column)`, for the ids of the fixture's maps.
fn map_ids(path: &Path) -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .map(|line| {
            let first = line.split(',').next().unwrap().to_owned();
            let last = line.rsplit(',').next().unwrap().to_owned();
            (first, last)
        })
        .collect()
}

/// The inside of `<messageML>…</messageML>` or of the Agent's PresentationML `<div …>…</div>`.
fn inner_markup(markup: &str) -> &str {
    let markup = markup.trim();
    let start = markup.find('>').map_or(0, |end| end + 1);
    let end = markup.rfind("</").unwrap_or(markup.len());
    &markup[start..end]
}

const TOKEN_TRACES: &[&str] = &["xoxe", "?t=", "url_private", "files-pri"];

#[test]
fn the_fixture_converts_alike_from_folder_and_zip_checks_clean_imports_once_and_reads_back_whole() {
    let directory = scratch("fixture");
    let (users_map, streams_map) = (Path::new(MAPS).join("users.csv"), Path::new(MAPS).join("streams.csv"));
    let zip_path = directory.join("export.zip");
    zip_folder(Path::new(FIXTURE), &zip_path);

    // Folder and ZIP give the same bytes; so does a second run.
    let batch = directory.join("batch.ndjson");
    let report = convert(Path::new(FIXTURE), &users_map, &streams_map, &batch, &directory.join("report.json"));
    let from_zip = directory.join("from-zip.ndjson");
    convert(&zip_path, &users_map, &streams_map, &from_zip, &directory.join("report-zip.json"));
    let again = directory.join("again.ndjson");
    convert(Path::new(FIXTURE), &users_map, &streams_map, &again, &directory.join("report-again.json"));
    let bytes = std::fs::read(&batch).unwrap();
    assert!(bytes == std::fs::read(&from_zip).unwrap(), "the ZIP gave another batch than the folder");
    assert!(bytes == std::fs::read(&again).unwrap(), "a second run gave another batch");
    assert_eq!(folder_entries(Path::new(FIXTURE)), zip_entries(&zip_path));

    // Every message but the events and the deleted root is a record, in time order per conversation.
    let records = records_of(&batch);
    let messages = export_messages(&folder_entries(Path::new(FIXTURE)));
    let expected: BTreeSet<String> =
        messages.iter().filter(|message| message.is_importable()).map(ExportMessage::original_message_id).collect();
    let written: Vec<String> =
        records.iter().map(|record| record["originalMessageId"].as_str().unwrap().to_owned()).collect();
    assert_eq!(written.iter().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(written.len(), expected.len(), "a message was written twice");
    assert_the_report_accounts_for_every_message(&report);
    assert_eq!(report["totals"]["read"].as_u64(), Some(messages.len() as u64), "{:#}", report["totals"]);
    let summary = check_finds_no_error(&batch);
    assert_eq!(summary["records"].as_u64(), Some(records.len() as u64));
    let text = String::from_utf8(bytes).unwrap();
    for trace in TOKEN_TRACES {
        assert!(!text.contains(trace), "the batch holds `{trace}`");
    }
    println!("{} messages read, {} records written and checked", messages.len(), records.len());

    // Imported into a sandbox where the mapped ids exist; the deleted user and the archived room are inactive
    // there, and the bots are no members: provisioning fixes both.
    let sandbox = Sandbox::start(&Path::new(MAPS).join("sandbox.json"), &directory.join("sandbox.sqlite3"), &[]);
    let config = sandbox.json_bdk_config(&directory);
    let import = |extra: &[&str]| {
        output_of(
            ferry()
                .arg("import")
                .arg(&batch)
                .arg("--config")
                .arg(&config)
                .arg("--journal")
                .arg(directory.join("journal.sqlite3"))
                .args(["--now", NOW, "--apply"])
                .args(extra),
        )
    };
    let (code, output) = import(&["--provision"]);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains(&format!("{} imported", records.len())), "{output}");

    // Read back through the Agent API, stream by stream.
    let agent = sandbox.agent();
    let stream_ids = map_ids(&streams_map);
    let user_ids: BTreeSet<String> = map_ids(&users_map).into_values().collect();
    let mut read_back = 0;
    let mut attachments_seen = BTreeMap::new();
    for stream_id in stream_ids.values() {
        let stored = agent.messages(stream_id);
        let sent: Vec<&Value> = records.iter().filter(|record| record["streamId"] == stream_id.as_str()).collect();
        assert_eq!(stored.len(), sent.len(), "stream {stream_id}");
        for (position, (stored, sent)) in stored.iter().zip(&sent).enumerate() {
            let (stored_markup, sent_markup) = (stored["message"].as_str().unwrap(), sent["message"].as_str().unwrap());
            assert_eq!(stored["timestamp"], sent["intendedMessageTimestamp"], "{stream_id} #{position}");
            assert_eq!(inner_markup(stored_markup), inner_markup(sent_markup), "{stream_id} #{position}");
            assert_eq!(stored["user"]["userId"], sent["intendedMessageFromUserId"], "{stream_id} #{position}");
            for mention in stored_markup.split("<mention").skip(1) {
                let uid = mention.split("uid=\"").nth(1).and_then(|rest| rest.split('"').next());
                assert!(uid.is_some_and(|uid| user_ids.contains(uid)), "an unresolved mention: <mention{mention}");
            }
            for trace in TOKEN_TRACES {
                assert!(!stored.to_string().contains(trace), "stored message holds `{trace}`: {stored}");
            }
            for attachment in stored["attachments"].as_array().into_iter().flatten() {
                let content = agent.attachment(
                    stream_id,
                    stored["messageId"].as_str().unwrap(),
                    attachment["id"].as_str().unwrap(),
                );
                attachments_seen.insert(attachment["name"].as_str().unwrap().to_owned(), content);
            }
        }
        read_back += stored.len();
    }
    assert_eq!(read_back, records.len());

    // The files whose bytes are in the export are attachments, byte for byte; the other is not.
    let uploads = Path::new(FIXTURE).join("__uploads");
    assert_eq!(
        attachments_seen,
        BTreeMap::from([
            ("diagram.png".to_owned(), std::fs::read(uploads.join("F01DIAGRAM/diagram.png")).unwrap()),
            ("notes.txt".to_owned(), std::fs::read(uploads.join("F02NOTES/notes.txt")).unwrap()),
        ])
    );
    let record_of = |original: &str| {
        records.iter().find(|record| record["originalMessageId"] == original).unwrap_or_else(|| panic!("{original}"))
    };

    // Mentions resolved to the mapped users, threads marked, the file without bytes named.
    let welcome = record_of("C01GENERAL:1710754200.559570")["message"].as_str().unwrap();
    for uid in ["7215545057302", "7215545057303", "7215545057307"] {
        assert!(welcome.contains(&format!("<mention uid=\"{uid}\"")), "no mention of {uid} in {welcome}");
    }
    for message in messages.iter().filter(|message| message.is_importable()) {
        let thread_ts = message.text("thread_ts");
        if thread_ts.is_empty() || thread_ts == message.text("ts") {
            continue;
        }
        let markup = record_of(&message.original_message_id())["message"].as_str().unwrap();
        assert!(markup.contains("Reply"), "a reply without its marker: {markup}");
        if thread_ts == "1710756300.964865" {
            assert!(markup.contains("Bob Chen"), "a reply that does not name its root's author: {markup}");
        }
    }
    let report_pdf = record_of("C03OLDPROJ:1698933600.982209")["message"].as_str().unwrap();
    assert!(report_pdf.contains("report.pdf"), "the file without bytes is not named: {report_pdf}");

    // Senders through the user map: the deleted user, the bot missing from users.json, the app's bot user.
    for (original, sender) in [
        ("C01GENERAL:1710844200.232489", 7_215_545_057_305_i64),
        ("C01GENERAL:1710846000.378310", 7_215_545_057_308),
        ("C01GENERAL:1710846300.335456", 7_215_545_057_306),
    ] {
        assert_eq!(record_of(original)["intendedMessageFromUserId"], sender, "{original}");
    }
    // Time from `ts` to the millisecond: the two messages of one millisecond keep their order.
    let (first, second) = (record_of("C01GENERAL:1710757800.000200"), record_of("C01GENERAL:1710757800.000700"));
    assert_eq!(first["intendedMessageTimestamp"], 1_710_757_800_000_i64);
    assert_eq!(second["intendedMessageTimestamp"], 1_710_757_800_000_i64);
    let position = |record: &Value| records.iter().position(|other| other == record).unwrap();
    assert!(position(first) < position(second));

    // A second import imports nothing twice.
    let (code, output) = import(&[]);
    assert_eq!(code, Some(0), "{output}");
    let again: usize = stream_ids.values().map(|stream_id| agent.messages(stream_id).len()).sum();
    assert_eq!(again, records.len(), "a record was imported twice:\n{output}");
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn real_exports_convert_with_every_message_accounted_for() {
    // `../shared/slack-samples`, beside the workspace or any folder above it (worktrees sit deeper).
    let Some(samples) = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|folder| folder.join("shared/slack-samples"))
        .find(|folder| folder.is_dir())
    else {
        println!("skipped: ../shared/slack-samples not found");
        return;
    };
    let export = samples.join("hfaran-slack-export-viewer.zip");
    let directory = scratch("samples");
    let (users_map, streams_map) = (directory.join("users.csv"), directory.join("streams.csv"));
    let (code, text) = output_of(
        ferry()
            .args(["convert", "slack"])
            .arg(&export)
            .arg("--init")
            .arg("--users")
            .arg(&users_map)
            .arg("--streams")
            .arg(&streams_map),
    );
    assert_eq!(code, Some(0), "{text}");
    fill_ids(&users_map, "symphonyUserId", |row| (7_215_545_200_000 + row as i64).to_string());
    fill_ids(&streams_map, "symphonyStreamId", |row| format!("Z3oQRAZGTCNl5KjiUH2G{row:04}__qr9lLT8dA"));

    let batch = directory.join("batch.ndjson");
    let report = convert(&export, &users_map, &streams_map, &batch, &directory.join("report.json"));
    let records = records_of(&batch);
    let messages = export_messages(&zip_entries(&export));
    let expected: BTreeSet<String> =
        messages.iter().filter(|message| message.is_importable()).map(ExportMessage::original_message_id).collect();
    let written: BTreeSet<String> =
        records.iter().map(|record| record["originalMessageId"].as_str().unwrap().to_owned()).collect();
    let missing: Vec<&String> = expected.difference(&written).collect();
    let unexpected: Vec<&String> = written.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "messages not written: {missing:?}; records not expected: {unexpected:?}; findings: {:#}",
        report["findings"]
    );
    assert_eq!(records.len(), written.len());
    check_finds_no_error(&batch);
    assert_the_report_accounts_for_every_message(&report);
    assert_eq!(report["totals"]["read"].as_u64(), Some(messages.len() as u64));
    for reason in report["totals"]["skipped"].as_object().unwrap().keys() {
        assert!(reason.starts_with("event:"), "messages skipped as `{reason}`: {:#}", report["totals"]);
    }
    let text = std::fs::read_to_string(&batch).unwrap();
    for trace in TOKEN_TRACES {
        assert!(!text.contains(trace), "the batch holds `{trace}`");
    }
    println!(
        "{}: {} messages read, {} records written, skipped: {}",
        export.display(),
        messages.len(),
        records.len(),
        report["totals"]["skipped"]
    );
    std::fs::remove_dir_all(&directory).unwrap();
}

/// Fills the empty `column` (the last one) of every row of a map written by `--init` with `id(row)`.
fn fill_ids(path: &Path, column: &str, id: impl Fn(usize) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.ends_with(column), "{header}");
    let mut filled = format!("{header}\n");
    for (row, line) in lines.enumerate() {
        assert!(line.ends_with(','), "row {row} of {} is not empty in its last column: {line}", path.display());
        filled.push_str(&format!("{line}{}\n", id(row)));
    }
    std::fs::write(path, filled).unwrap();
}
