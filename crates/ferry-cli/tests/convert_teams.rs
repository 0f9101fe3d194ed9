//! `ferry convert --to teams` and `ferry check --target teams --users --streams` from the outside, on the fixture
//! `tests/fixtures/teams/` (40 checked Symphony records over two channels and a group chat, and their maps): one
//! Graph request per record in conversation then time order, each a chatMessage whose mentions match its
//! `<at id>` tags and whose hosted contents are the attachments' bytes; the same-millisecond pair moved 1 ms;
//! every unmapped stream and user listed at once before anything is written; a bad map line named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{ferry, Run};

const NOW: &str = "2026-01-01T00:00:00Z";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/teams").join(name)
}

/// `ferry convert --to teams BATCH --users U --streams S -o OUTPUT --now NOW`.
fn convert(batch: &Path, users: &Path, streams: &Path, output: &Path) -> Run {
    ferry(&[
        Path::new("convert"),
        Path::new("--to"),
        Path::new("teams"),
        batch,
        Path::new("--users"),
        users,
        Path::new("--streams"),
        streams,
        Path::new("-o"),
        output,
        Path::new("--now"),
        Path::new(NOW),
    ])
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

/// The fixture's records by `originalMessageId`.
fn fixture_records() -> BTreeMap<String, Value> {
    lines(&fixture("batch.ndjson"))
        .into_iter()
        .map(|record| (record["originalMessageId"].as_str().unwrap().to_owned(), record))
        .collect()
}

/// Converts the fixture with its maps into a scratch folder; returns the run and the requests written.
fn convert_fixture(test: &str) -> (Run, Vec<Value>) {
    let folder = common::scratch("convert-teams", test);
    let output = folder.join("requests.ndjson");
    let run = convert(&fixture("batch.ndjson"), &fixture("users.csv"), &fixture("streams.csv"), &output);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    (run, lines(&output))
}

/// Every `<at id="N">text</at>` of an HTML body, in order.
fn at_tags(html: &str) -> Vec<(u64, String)> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<at id=\"") {
        rest = &rest[start + "<at id=\"".len()..];
        let quote = rest.find('"').unwrap();
        let id = rest[..quote].parse().unwrap();
        let open_end = rest.find('>').unwrap();
        let close = rest.find("</at>").unwrap();
        tags.push((id, rest[open_end + 1..close].to_owned()));
        rest = &rest[close..];
    }
    tags
}

fn is_created_date_time(text: &str) -> bool {
    // YYYY-MM-DDTHH:MM:SS.mmmZ
    let bytes = text.as_bytes();
    bytes.len() == 24
        && bytes.iter().enumerate().all(|(index, byte)| match index {
            4 | 7 => *byte == b'-',
            10 => *byte == b'T',
            13 | 16 => *byte == b':',
            19 => *byte == b'.',
            23 => *byte == b'Z',
            _ => byte.is_ascii_digit(),
        })
}

#[test]
fn the_fixture_converts_into_one_chat_message_per_record_in_conversation_then_time_order() {
    let (run, requests) = convert_fixture("order");
    let records = fixture_records();
    assert_eq!(requests.len(), records.len());
    let users: BTreeSet<String> = std::fs::read_to_string(fixture("users.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| line.split(',').nth(1).unwrap().to_owned())
        .collect();
    let mut taken: BTreeSet<(String, String)> = BTreeSet::new();
    let mut previous: Option<(String, String)> = None;
    for request in &requests {
        let conversation = request["conversation"].as_str().unwrap().to_owned();
        assert!(conversation.starts_with("/teams/") || conversation.starts_with("/chats/"), "{conversation}");
        assert_eq!(request["method"], "POST");
        assert_eq!(request["path"].as_str().unwrap(), format!("{conversation}/messages"));
        let created = request["createdDateTime"].as_str().unwrap().to_owned();
        assert!(is_created_date_time(&created), "{created}");
        let body = &request["body"];
        assert_eq!(body["createdDateTime"].as_str().unwrap(), created);
        let sender = &body["from"]["user"];
        assert!(users.contains(sender["id"].as_str().unwrap()), "{sender}");
        assert!(!sender["displayName"].as_str().unwrap().is_empty());
        assert_eq!(sender["userIdentityType"], "aadUser");
        assert_eq!(body["body"]["contentType"], "html");
        assert!(!body["body"]["content"].as_str().unwrap().is_empty());
        let allowed = ["createdDateTime", "from", "body", "mentions", "hostedContents"];
        assert!(body.as_object().unwrap().keys().all(|key| allowed.contains(&key.as_str())), "{body}");
        assert!(records.contains_key(request["originalMessageId"].as_str().unwrap()));
        assert!(taken.insert((conversation.clone(), created.clone())), "{conversation} {created} twice");
        // The fixed-width UTC form orders as text as it does in time.
        let key = (conversation, created);
        assert!(previous.as_ref().is_none_or(|previous| *previous < key), "{key:?} after {previous:?}");
        previous = Some(key);
    }
    let conversations: BTreeSet<&str> =
        requests.iter().map(|request| request["conversation"].as_str().unwrap()).collect();
    assert_eq!(conversations.len(), 3);

    // Records 12 and 13 share 2020-03-02T13:00:00.000Z in the general channel: the later one moves 1 ms.
    let created = |id: &str| {
        let request = requests.iter().find(|request| request["originalMessageId"] == id).unwrap();
        request["createdDateTime"].as_str().unwrap().to_owned()
    };
    assert_eq!(created("lc-012"), "2020-03-02T13:00:00.000Z");
    assert_eq!(created("lc-013"), "2020-03-02T13:00:00.001Z");
    assert!(run.stdout.contains("moved message `lc-013`"), "{}", run.stdout);
    assert!(run.stdout.contains("40 request(s) in 3 conversation(s), at 5 messages/s per conversation"));
    assert!(run.stdout.contains(": 18 request(s), 2020-03-02T09:00:00.000Z to 2020-03-03T17:00:00.000Z, about 3"));
}

#[test]
fn mentions_match_the_at_tags_of_the_body() {
    let (_, requests) = convert_fixture("mentions");
    let users: BTreeMap<String, String> = std::fs::read_to_string(fixture("users.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            (fields[1].to_owned(), fields[2].to_owned())
        })
        .collect();
    let mut with_mentions = 0;
    for request in &requests {
        let body = &request["body"];
        let tags = at_tags(body["body"]["content"].as_str().unwrap());
        let mentions = body["mentions"].as_array().cloned().unwrap_or_default();
        let from_mentions: Vec<(u64, String)> = mentions
            .iter()
            .map(|mention| (mention["id"].as_u64().unwrap(), mention["mentionText"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(from_mentions, tags, "{body}");
        for mention in &mentions {
            let user = &mention["mentioned"]["user"];
            assert_eq!(user["userIdentityType"], "aadUser");
            assert_eq!(
                users.get(user["id"].as_str().unwrap()),
                user["displayName"].as_str().map(str::to_owned).as_ref()
            );
        }
        with_mentions += usize::from(!mentions.is_empty());
    }
    // lc-002, lc-011, lc-030 and lc-035 mention someone.
    assert_eq!(with_mentions, 4);
}

#[test]
fn inline_images_carry_the_attachments_bytes_and_other_files_are_reported() {
    let (run, requests) = convert_fixture("images");
    let records = fixture_records();
    let mut images = 0;
    for request in &requests {
        let body = &request["body"];
        let Some(hosted) = body["hostedContents"].as_array() else { continue };
        let record = &records[request["originalMessageId"].as_str().unwrap()];
        let attachments: Vec<&str> =
            record["attachments"].as_array().unwrap().iter().map(|a| a["content"].as_str().unwrap()).collect();
        let content = body["body"]["content"].as_str().unwrap();
        for image in hosted {
            let id = image["@microsoft.graph.temporaryId"].as_str().unwrap();
            assert!(content.contains(&format!("../hostedContents/{id}/$value")), "{content}");
            assert_eq!(image["contentType"], "image/png");
            assert!(attachments.contains(&image["contentBytes"].as_str().unwrap()), "{id}");
            images += 1;
        }
    }
    // architecture.png (lc-012) and offsite.png (lc-026); the PDF of lc-014 is not a hosted content.
    assert_eq!(images, 2);
    assert!(run.stdout.contains("q3-report.pdf"), "{}", run.stdout);
}

#[test]
fn every_unmapped_stream_and_user_is_listed_before_anything_is_written() {
    let folder = common::scratch("convert-teams", "unmapped");
    let users = folder.join("users.csv");
    let streams = folder.join("streams.csv");
    // Without Bob (a sender and mentioned) and Layla (a sender and mentioned), and without the group chat.
    let kept_users: Vec<String> = std::fs::read_to_string(fixture("users.csv"))
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("7215545057402") && !line.starts_with("7215545057404"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&users, kept_users.concat()).unwrap();
    let kept_streams: Vec<String> = std::fs::read_to_string(fixture("streams.csv"))
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("Mt5Qw"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&streams, kept_streams.concat()).unwrap();
    let output = folder.join("requests.ndjson");

    let run = convert(&fixture("batch.ndjson"), &users, &streams, &output);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 stream(s) not in"), "{}", run.stdout);
    assert!(run.stdout.contains("  Mt5Qw-Yr2Ue8Io4Pa_Sd6Fg0Hj3Kl7Zx1C (11 record(s))"), "{}", run.stdout);
    assert!(run.stdout.contains("2 sender(s) not in"), "{}", run.stdout);
    assert!(run.stdout.contains("  7215545057402 ("), "{}", run.stdout);
    assert!(run.stdout.contains("  7215545057404 ("), "{}", run.stdout);
    assert!(run.stdout.contains("2 mentioned user(s) not in"), "{}", run.stdout);
    assert!(run.stdout.contains("nothing was written"), "{}", run.stdout);
    assert!(!output.exists());
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 2, "only the two maps: no partial output");
}

#[test]
fn a_mentioned_user_alone_missing_is_a_loss_not_a_stop() {
    let folder = common::scratch("convert-teams", "unmapped-mention");
    let batch = folder.join("batch.ndjson");
    let mut text = std::fs::read_to_string(fixture("batch.ndjson")).unwrap();
    text.push_str(
        r#"{"message":"<messageML>Welcome <mention uid=\"7215545057499\"/>!</messageML>","intendedMessageTimestamp":1583330400000,"intendedMessageFromUserId":7215545057401,"originatingSystemId":"legacychat","originalMessageId":"lc-041","streamId":"Mt5Qw-Yr2Ue8Io4Pa_Sd6Fg0Hj3Kl7Zx1C"}"#,
    );
    text.push('\n');
    std::fs::write(&batch, text).unwrap();
    let output = folder.join("requests.ndjson");
    let run = convert(&batch, &fixture("users.csv"), &fixture("streams.csv"), &output);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("lost in message `lc-041`"), "{}", run.stdout);
    assert!(run.stdout.contains("mention of user 7215545057499"), "{}", run.stdout);
    let requests = lines(&output);
    let welcome = requests.iter().find(|request| request["originalMessageId"] == "lc-041").unwrap();
    assert!(welcome["body"].get("mentions").is_none(), "{welcome}");
    assert!(!welcome["body"]["body"]["content"].as_str().unwrap().contains("<at"), "{welcome}");
}

#[test]
fn a_bad_map_line_is_named() {
    let folder = common::scratch("convert-teams", "bad-map");
    let output = folder.join("requests.ndjson");
    let cases: &[(&str, &str, &str)] = &[
        (
            "users.csv",
            "symphonyUserId,entraUserId,displayName\n7215545057401,5f2a8c1e-3b4d-4e6f-9a70-1b2c3d4e5f60,Alice\n\
             7215545057402,bob@example.com,Bob\n",
            "users.csv`: line 3: entraUserId `bob@example.com` is not an Entra object id",
        ),
        (
            "streams.csv",
            "streamId,teamId,channelId,chatId\nkX3v9QmZ2pLr8TnY4wHc1eB7sJdF0gAa5o,T,C,X\n",
            "streams.csv`: line 2: kX3v9QmZ2pLr8TnY4wHc1eB7sJdF0gAa5o names both a channel and a chat",
        ),
    ];
    for (name, text, expected) in cases {
        let bad = folder.join(name);
        std::fs::write(&bad, text).unwrap();
        let (users, streams) =
            if *name == "users.csv" { (bad, fixture("streams.csv")) } else { (fixture("users.csv"), bad) };
        let run = convert(&fixture("batch.ndjson"), &users, &streams, &output);
        assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(expected), "{}", run.stderr);
        assert!(!output.exists());
    }
}

#[test]
fn records_with_errors_are_listed_and_not_converted() {
    let folder = common::scratch("convert-teams", "errors");
    let batch = folder.join("batch.ndjson");
    let mut text = std::fs::read_to_string(fixture("batch.ndjson")).unwrap();
    // A message dated 2030, after --now: Teams answers 400 to a message in the future.
    text.push_str(
        r#"{"message":"<messageML>from the future</messageML>","intendedMessageTimestamp":1893456000000,"intendedMessageFromUserId":7215545057401,"originatingSystemId":"legacychat","originalMessageId":"lc-041","streamId":"Mt5Qw-Yr2Ue8Io4Pa_Sd6Fg0Hj3Kl7Zx1C"}"#,
    );
    text.push('\n');
    std::fs::write(&batch, text).unwrap();
    let output = folder.join("requests.ndjson");
    let run = convert(&batch, &fixture("users.csv"), &fixture("streams.csv"), &output);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("error TS001 in record 41 of the batch"), "{}", run.stdout);
    assert!(run.stdout.contains("1 record(s) with errors not converted"), "{}", run.stdout);
    let requests = lines(&output);
    assert_eq!(requests.len(), 40);
    assert!(requests.iter().all(|request| request["originalMessageId"] != "lc-041"));
}

#[test]
fn check_for_teams_takes_the_maps() {
    let (users, streams, batch) = (fixture("users.csv"), fixture("streams.csv"), fixture("batch.ndjson"));
    let check = |extra: &[&Path]| {
        let mut args: Vec<&Path> = vec![Path::new("check")];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[
            Path::new("--users"),
            &users,
            Path::new("--streams"),
            &streams,
            Path::new("--now"),
            Path::new(NOW),
            &batch,
        ]);
        ferry(&args)
    };
    // Its one error for Teams is the same-millisecond pair, which `ferry convert --to teams` resolves.
    let run = check(&[Path::new("--target"), Path::new("teams")]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("TEAMS001"), "{}", run.stdout);
    assert!(!run.stdout.contains("TEAMS005"), "{}", run.stdout);
    let run = check(&[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("give them with --target teams"), "{}", run.stderr);

    // The maps reach the core: without the group chat's row, its 11 records are reported unmapped.
    let folder = common::scratch("convert-teams", "check-maps");
    let partial = folder.join("streams.csv");
    let rows: Vec<String> = std::fs::read_to_string(&streams)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with("Mt5Qw"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&partial, rows.concat()).unwrap();
    let args: Vec<&Path> = vec![
        Path::new("check"),
        Path::new("--target"),
        Path::new("teams"),
        Path::new("--users"),
        &users,
        Path::new("--streams"),
        &partial,
        Path::new("--now"),
        Path::new(NOW),
        &batch,
    ];
    let run = ferry(&args);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let table_row = run.stdout.lines().find(|line| line.starts_with("TEAMS005")).unwrap_or_default();
    assert!(table_row.trim_end().ends_with(" 11"), "{}", run.stdout);
}

#[test]
fn a_json_array_on_standard_input_gives_the_same_requests() {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let folder = common::scratch("convert-teams", "stdin");
    let output = folder.join("requests.ndjson");
    let array = Value::Array(lines(&fixture("batch.ndjson"))).to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["convert", "--to", "teams", "-", "--now", NOW, "-o"])
        .arg(&output)
        .arg("--users")
        .arg(fixture("users.csv"))
        .arg("--streams")
        .arg(fixture("streams.csv"))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(array.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let (_, from_file) = convert_fixture("stdin-reference");
    assert_eq!(lines(&output), from_file);
}
