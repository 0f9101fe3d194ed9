//! `ferry convert slack` from the outside, on the fixture export `tests/fixtures/slack-export/` (as a folder and
//! zipped here) and its filled maps: `--init`, refusing to overwrite filled maps, every unmapped sender and
//! conversation named at once, `--skip-unmapped`, the batch and the report.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{ferry, Run};

const NOW: &str = "2026-01-01T00:00:00Z";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> PathBuf {
    workspace().join("tests/fixtures/slack-export")
}

fn maps() -> PathBuf {
    workspace().join("tests/fixtures/slack-export-maps")
}

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    common::scratch("convert", name)
}

/// `ferry convert slack EXPORT --users U --streams S` followed by `rest`.
fn convert(export: &Path, users: &Path, streams: &Path, rest: &[&str]) -> Run {
    let mut args: Vec<&Path> = vec![
        Path::new("convert"),
        Path::new("slack"),
        export,
        Path::new("--users"),
        users,
        Path::new("--streams"),
        streams,
        Path::new("--now"),
        Path::new(NOW),
    ];
    args.extend(rest.iter().map(Path::new));
    ferry(&args)
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The fixture folder zipped (names in UTF-8 without the flag are tested in the library).
fn zipped_fixture(into: &Path) -> PathBuf {
    let path = into.join("export.zip");
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut folders = vec![(fixture(), String::new())];
    while let Some((folder, prefix)) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                writer.add_directory(name.clone(), options).unwrap();
                folders.push((entry.path(), format!("{name}/")));
            } else {
                writer.start_file(name, options).unwrap();
                writer.write_all(&std::fs::read(entry.path()).unwrap()).unwrap();
            }
        }
    }
    writer.finish().unwrap();
    path
}

#[test]
fn init_writes_both_maps_and_refuses_to_overwrite_filled_ones() {
    let directory = scratch("init");
    let (users, streams) = (directory.join("users.csv"), directory.join("streams.csv"));
    let run = convert(&fixture(), &users, &streams, &["--init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let written = std::fs::read_to_string(&users).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines[0], "slackUserId,handle,realName,email,kind,symphonyUserId");
    // Everyone in users.json, then the bot seen only in messages; ids left empty.
    let ids: Vec<&str> = lines[1..].iter().map(|line| line.split(',').next().unwrap()).collect();
    assert_eq!(ids, ["U01ALICE", "U02BOB", "U03CHEN", "U04LAYLA", "U05GONE", "U06DEPLOY", "W07GUEST", "B08JENKINS"]);
    assert!(lines[1..].iter().all(|line| line.ends_with(',')));
    assert!(written.contains("U05GONE,sam.former,Sam Former,,deleted,"));
    assert!(written.contains("B08JENKINS,jenkins,,,bot,"));
    let streams_written = std::fs::read_to_string(&streams).unwrap();
    assert!(streams_written.starts_with("conversationId,name,kind,members,archived,symphonyStreamId\n"));
    assert!(streams_written.contains("C03OLDPROJ,old-project,public,3,true,\n"));
    assert!(streams_written.contains("G06MPDM,mpdm-alice--bob--chen.wei-1,group-dm,3,false,\n"));
    assert!(run.stdout.contains("8 user(s) (2 bot(s), 1 deleted, 0 not in users.json)"), "{}", run.stdout);

    // Empty maps may be written again; a filled one is kept unless --force.
    assert_eq!(convert(&fixture(), &users, &streams, &["--init"]).code, 0);
    std::fs::copy(maps().join("users.csv"), &users).unwrap();
    let run = convert(&fixture(), &users, &streams, &["--init"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("already holds ids") && run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(std::fs::read(&users).unwrap(), std::fs::read(maps().join("users.csv")).unwrap());
    assert_eq!(convert(&fixture(), &users, &streams, &["--init", "--force"]).code, 0);
    assert!(std::fs::read_to_string(&users).unwrap().contains("U01ALICE,alice,Alice Martin,alice@example.com,user,\n"));
}

#[test]
fn every_unmapped_sender_and_conversation_is_named_at_once_and_nothing_is_written() {
    let directory = scratch("unmapped");
    let (users, streams) = (directory.join("users.csv"), directory.join("streams.csv"));
    assert_eq!(convert(&fixture(), &users, &streams, &["--init"]).code, 0);
    let output = directory.join("batch.ndjson");
    std::fs::write(&output, "earlier batch\n").unwrap();
    let run = convert(&fixture(), &users, &streams, &["-o", output.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("7 sender(s) and 6 conversation(s) have no Symphony id"), "{}", run.stderr);
    for id in ["U01ALICE", "U05GONE", "U06DEPLOY", "B08JENKINS", "C01GENERAL", "D05ALICEBOB", "G06MPDM"] {
        assert!(run.stderr.contains(id), "{id} missing from {}", run.stderr);
    }
    assert_eq!(std::fs::read_to_string(&output).unwrap(), "earlier batch\n");
    assert_eq!(std::fs::read_dir(&directory).unwrap().count(), 3, "no temporary file is left behind");
}

#[test]
fn skip_unmapped_leaves_out_and_reports_what_has_no_id() {
    let directory = scratch("skip");
    let (users, streams) = (directory.join("users.csv"), directory.join("streams.csv"));
    let filled_users = std::fs::read_to_string(maps().join("users.csv")).unwrap();
    std::fs::write(&users, filled_users.replace(",7215545057308", ",")).unwrap();
    let filled_streams = std::fs::read_to_string(maps().join("streams.csv")).unwrap();
    std::fs::write(&streams, filled_streams.replace(",GwWFlMJEdgMRb9Czyuu_tTqZkdGcXEDX8A", ",")).unwrap();
    let output = directory.join("batch.ndjson");
    let report = directory.join("report.json");
    let run = convert(
        &fixture(),
        &users,
        &streams,
        &["-o", output.to_str().unwrap(), "--skip-unmapped", "--report", report.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("unmapped user B08JENKINS (jenkins): 1 message(s) skipped in general"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("unmapped dm conversation D05ALICEBOB (D05ALICEBOB): 2 message(s) skipped"));
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(report["totals"]["skipped"]["unmapped-sender"], 1);
    assert_eq!(report["totals"]["skipped"]["unmapped-stream"], 2);
    assert_eq!(records(&output).len(), 31);
}

#[test]
fn the_fixture_converts_to_a_clean_batch_from_a_folder_and_from_a_zip() {
    let directory = scratch("fixture");
    let (users, streams) = (maps().join("users.csv"), maps().join("streams.csv"));
    let output = directory.join("batch.ndjson");
    let report_path = directory.join("report.json");
    let run = convert(
        &fixture(),
        &users,
        &streams,
        &["-o", output.to_str().unwrap(), "--report", report_path.to_str().unwrap()],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("checked 34 records in 1 file: 0 errors"), "{}", run.stdout);
    let text = run.stdout.replace(output.to_str().unwrap(), "OUTPUT");
    insta::assert_snapshot!("fixture_report", text);

    let batch = records(&output);
    assert_eq!(batch.len(), 34);
    let everything = std::fs::read_to_string(&output).unwrap();
    assert!(!everything.contains("xoxe") && !everything.contains("files.slack.com"));
    // Stable ids, in time order per stream.
    let mut last: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for record in &batch {
        let stream = record["streamId"].as_str().unwrap().to_owned();
        let time = record["intendedMessageTimestamp"].as_i64().unwrap();
        assert!(last.get(&stream).is_none_or(|previous| *previous <= time), "out of order: {record}");
        last.insert(stream, time);
        let id = record["originalMessageId"].as_str().unwrap();
        assert!(id.split_once(':').is_some_and(|(conversation, ts)| conversation.len() > 5 && ts.contains('.')));
    }
    let report: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(report["check"]["errors"], 0);
    assert!(report["export"].as_str().unwrap().ends_with("slack-export"));
    assert_eq!(report["layout"]["conversations"], 6);
    assert_eq!(report["layout"]["dayFiles"], 8);
    assert_eq!(report["totals"]["read"], 43);
    assert_eq!(report["totals"]["written"], 34);
    assert_eq!(report["conversations"].as_array().unwrap().len(), 6);
    assert_eq!(report["filesWithoutBytes"]["total"], 1);

    // The same export zipped converts to the same batch, byte for byte.
    let zip = zipped_fixture(&directory);
    let from_zip = directory.join("from-zip.ndjson");
    let run = convert(&zip, &users, &streams, &["-o", from_zip.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(std::fs::read(&from_zip).unwrap(), std::fs::read(&output).unwrap());
}

#[test]
fn what_is_not_an_export_fails_with_a_clear_error() {
    let directory = scratch("not-export");
    let (users, streams) = (maps().join("users.csv"), maps().join("streams.csv"));
    let output = directory.join("batch.ndjson");
    let not_zip = directory.join("export.zip");
    std::fs::write(&not_zip, b"PK\x03\x04 cut short").unwrap();
    let run = convert(&not_zip, &users, &streams, &["-o", output.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a readable ZIP archive"), "{}", run.stderr);

    let other = directory.join("photos");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("cat.jpg"), b"\xff\xd8").unwrap();
    let run = convert(&other, &users, &streams, &["-o", output.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("not a Slack export: it holds no users.json"), "{}", run.stderr);
    assert!(!output.exists());
}

#[test]
fn a_map_with_a_bad_line_names_the_file_and_the_line() {
    let directory = scratch("bad-map");
    let users = directory.join("users.csv");
    std::fs::write(&users, "slackUserId,handle,realName,email,kind,symphonyUserId\nU01ALICE,alice,,,user,alice\n")
        .unwrap();
    let output = directory.join("batch.ndjson");
    let run = convert(&fixture(), &users, &maps().join("streams.csv"), &["-o", output.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("users.csv`: line 2: symphonyUserId `alice` is not a positive whole number"),
        "{}",
        run.stderr
    );
}

/// `--init --config`: users are matched by email in the pod (here a `ferry sandbox` started from the fixture's
/// manifest), the ids written with `matchedBy` = `email`; users without an email or unknown to the pod stay empty.
#[test]
fn init_with_a_pod_matches_users_by_email() {
    let directory = scratch("init-config");
    let sandbox = common::Sandbox::start(&maps().join("sandbox.json"), &directory.join("sandbox.sqlite"), &[]);
    let config = sandbox.json_bdk_config(&directory);

    let (users, streams) = (directory.join("users.csv"), directory.join("streams.csv"));
    let run = convert(&fixture(), &users, &streams, &["--init", "--config", config.to_str().unwrap()]);
    drop(sandbox);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("4 matched by email: confirm them"), "{}", run.stdout);
    let written = std::fs::read_to_string(&users).unwrap();
    assert!(written.starts_with("slackUserId,handle,realName,email,kind,symphonyUserId,matchedBy\n"));
    let expected = std::fs::read_to_string(maps().join("users.csv")).unwrap();
    for line in expected.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let (slack_user_id, email, symphony_user_id) = (fields[0], fields[3], fields[5]);
        let row = written.lines().find(|row| row.starts_with(&format!("{slack_user_id},"))).unwrap();
        if email.is_empty() {
            assert!(row.ends_with(",,"), "{row}");
        } else {
            assert!(row.ends_with(&format!(",{symphony_user_id},email")), "{row}");
        }
    }
}

/// An export whose messages all fail to convert writes an empty batch and exits 1, like `ferry check` on an
/// empty input; the report says why.
#[test]
fn an_export_with_nothing_to_convert_exits_1() {
    let directory = scratch("nothing");
    let export = directory.join("export");
    std::fs::create_dir_all(export.join("general")).unwrap();
    std::fs::write(export.join("users.json"), r#"[{"id":"U01ALICE","name":"alice"}]"#).unwrap();
    std::fs::write(export.join("channels.json"), r#"[{"id":"C01GENERAL","name":"general"}]"#).unwrap();
    std::fs::write(export.join("general/2024-01-01.json"), r#"[{"user":"U01ALICE","text":"no ts"}]"#).unwrap();
    let output = directory.join("batch.ndjson");
    let run =
        convert(&export, &maps().join("users.csv"), &maps().join("streams.csv"), &["-o", output.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("general/2024-01-01.json[0]: message has no `ts`; not converted [missing-ts]"));
    assert!(run.stdout.contains("error: no record was written"));
    assert_eq!(std::fs::read(&output).unwrap(), b"");
}
