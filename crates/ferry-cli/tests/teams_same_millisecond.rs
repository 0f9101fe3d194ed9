//! `ferry convert --to teams` and `ferry import --target teams` give every record the same `createdDateTime`:
//! the fixture batch (`tests/fixtures/teams`) followed by records of one conversation out of time order, several
//! on one millisecond, is converted, then imported into a standalone `ferry sandbox`'s Graph; the requests
//! written, the journal after the import and the messages Graph stored agree record for record.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use common::{ferry, scratch, Run, Sandbox, SERVICE_USER_KEY_PATH};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/teams");
const NOW: &str = "2026-12-01T00:00:00Z";
/// The fixture's group chat and its first channel.
const CHAT_STREAM: &str = "Mt5Qw-Yr2Ue8Io4Pa_Sd6Fg0Hj3Kl7Zx1C";
const CHANNEL_STREAM: &str = "kX3v9QmZ2pLr8TnY4wHc1eB7sJdF0gAa5o";
/// A millisecond after every record of the fixture.
const T: i64 = 1_583_300_000_000;
/// (originalMessageId, stream, intendedMessageTimestamp) of the records added to the fixture, in batch order:
/// out of time order in the chat, four of them on `T` and two on `T + 1`.
const ADDED: [(&str, &str, i64); 10] = [
    ("u-1", CHAT_STREAM, T + 5),
    ("u-2", CHAT_STREAM, T),
    ("u-3", CHAT_STREAM, T),
    ("u-4", CHAT_STREAM, T + 1),
    ("u-5", CHAT_STREAM, T),
    ("u-6", CHAT_STREAM, T + 2),
    ("u-7", CHAT_STREAM, T - 1_000),
    ("u-8", CHAT_STREAM, T + 1),
    ("u-9", CHANNEL_STREAM, T),
    ("u-10", CHANNEL_STREAM, T),
];

/// The fixture batch and the records of [`ADDED`], written into `directory`.
fn batch(directory: &Path) -> PathBuf {
    let mut text = std::fs::read_to_string(format!("{FIXTURE}/batch.ndjson")).unwrap();
    for (index, (id, stream, millis)) in ADDED.iter().enumerate() {
        let record = json!({
            "message": format!("<messageML>Added message {id} here</messageML>"), "intendedMessageTimestamp": millis,
            "intendedMessageFromUserId": 7_215_545_057_401_i64 + (index % 4) as i64,
            "originatingSystemId": "legacychat", "originalMessageId": id, "streamId": stream,
        });
        text.push_str(&format!("{record}\n"));
    }
    let path = directory.join("batch.ndjson");
    std::fs::write(&path, text).unwrap();
    path
}

/// The fixture's sandbox manifest, its service user's key named by an absolute path.
fn manifest(directory: &Path) -> PathBuf {
    let mut manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{FIXTURE}/sandbox.json")).unwrap()).unwrap();
    manifest["serviceUsers"][0]["publicKeyPath"] =
        SERVICE_USER_KEY_PATH.replace("service-user.key.pem", "service-user.pub.pem").into();
    let path = directory.join("sandbox.json");
    std::fs::write(&path, manifest.to_string()).unwrap();
    path
}

/// `teams.yaml` for the sandbox on `port`: the tenant and the application of its manifest.
fn teams_yaml(directory: &Path, manifest: &Path, port: u16) -> PathBuf {
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    let graph = &manifest["graph"];
    let (tenant, app) = (graph["tenantId"].as_str().unwrap(), &graph["apps"][0]);
    let text = format!(
        "tenantId: {tenant}\nclientId: {}\nclientSecret: {}\ngraphUrl: http://127.0.0.1:{port}/graph/v1.0\n\
         tokenUrl: http://127.0.0.1:{port}/oauth/{tenant}/oauth2/v2.0/token\n",
        app["clientId"].as_str().unwrap(),
        app["clientSecret"].as_str().unwrap()
    );
    let path = directory.join("teams.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

/// `ferry COMMAND... --users U --streams S [FLAG VALUE]... --now NOW BATCH` with the fixture's maps.
fn ferry_on_batch(command: &[&str], options: &[(&str, &Path)], batch: &Path) -> Run {
    let (users, streams) =
        (PathBuf::from(format!("{FIXTURE}/users.csv")), PathBuf::from(format!("{FIXTURE}/streams.csv")));
    let mut args: Vec<PathBuf> = command.iter().map(PathBuf::from).collect();
    for (flag, value) in [("--users", users.as_path()), ("--streams", &streams)].iter().chain(options) {
        args.extend([PathBuf::from(flag), value.to_path_buf()]);
    }
    args.extend([PathBuf::from("--now"), PathBuf::from(NOW), batch.to_path_buf()]);
    ferry(&args.iter().map(PathBuf::as_path).collect::<Vec<_>>())
}

#[test]
fn convert_and_import_put_every_record_on_the_same_millisecond() {
    let directory = scratch("teams-same-millisecond", "both");
    let batch = batch(&directory);

    // `ferry convert --to teams`: each request's createdDateTime, by originalMessageId.
    let requests_path = directory.join("requests.ndjson");
    let converted = ferry_on_batch(&["convert", "--to", "teams"], &[("-o", &requests_path)], &batch);
    assert_eq!(converted.code, 0, "{}{}", converted.stdout, converted.stderr);
    let mut by_convert: BTreeMap<String, String> = BTreeMap::new();
    for line in std::fs::read_to_string(&requests_path).unwrap().lines() {
        let request: Value = serde_json::from_str(line).unwrap();
        assert_eq!(request["createdDateTime"], request["body"]["createdDateTime"], "{request}");
        let created = request["createdDateTime"].as_str().unwrap().to_owned();
        by_convert.insert(request["originalMessageId"].as_str().unwrap().to_owned(), created);
    }
    assert_eq!(by_convert.len(), 40 + ADDED.len());
    // The chat's added records: by time, the batch's order kept between equal times, each on its own millisecond.
    let chat_order: Vec<&str> = vec!["u-7", "u-2", "u-3", "u-5", "u-4", "u-8", "u-6", "u-1"];
    let chat_times: Vec<i64> =
        chat_order.iter().map(|id| ferry_proxy::teams::parse_created_date_time(&by_convert[*id]).unwrap()).collect();
    assert_eq!(chat_times, [T - 1_000, T, T + 1, T + 2, T + 3, T + 4, T + 5, T + 6]);

    // `ferry import --target teams --apply` into the sandbox's Graph.
    let manifest = manifest(&directory);
    let sandbox = Sandbox::start(&manifest, &directory.join("sandbox.sqlite3"), &[]);
    let config = teams_yaml(&directory, &manifest, sandbox.port);
    let journal_path = directory.join("journal.sqlite3");
    let options = [("--config", config.as_path()), ("--journal", &journal_path)];
    let imported = ferry_on_batch(&["import", "--target", "teams", "--apply"], &options, &batch);
    assert_eq!(imported.code, 0, "{}{}", imported.stdout, imported.stderr);

    // The journal: every record imported at the millisecond of its converted request.
    let journal = rusqlite::Connection::open(&journal_path).unwrap();
    let mut statement = journal.prepare("SELECT message_id, created_ms, state, reason FROM teams_messages").unwrap();
    let rows: Vec<(String, i64, String, Option<String>)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), by_convert.len());
    for (id, created_ms, state, reason) in &rows {
        assert_eq!(state, "imported", "{id}: {reason:?}");
        let created = ferry_proxy::teams::created_date_time(*created_ms);
        assert_eq!(created, by_convert[id], "{id}: the import's createdDateTime is not the conversion's");
    }

    // Graph stored each added record (known by its text) at that millisecond too.
    let graph = rusqlite::Connection::open(&sandbox.state).unwrap();
    for (id, _, _) in ADDED {
        let text = format!("Added message {id} here");
        let created_millis: i64 = graph
            .query_row("SELECT created_millis FROM graph_messages WHERE instr(message, ?1) > 0", [&text], |row| {
                row.get(0)
            })
            .unwrap_or_else(|error| panic!("{id}: {error}"));
        assert_eq!(ferry_proxy::teams::created_date_time(created_millis), by_convert[id], "{id} in Graph");
    }
}
