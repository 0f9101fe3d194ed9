//! `ferry sandbox` as a user runs it: the one `listening on` line, a request to the announced address, and
//! `ferry sandbox provision` printing what it created.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const PUBLIC_KEY: &str = include_str!("../../ferry-sandbox/tests/fixtures/service-user.pub.pem");

fn scratch(name: &str) -> PathBuf {
    common::scratch("sandbox", name)
}

#[test]
fn serving_prints_one_line_and_answers_on_the_announced_port() {
    let directory = scratch("serve");
    // The key as a file beside the manifest: `publicKeyPath` is read relative to the manifest's folder.
    std::fs::create_dir_all(directory.join("keys")).unwrap();
    std::fs::write(directory.join("keys").join("bot.pem"), PUBLIC_KEY).unwrap();
    let manifest = serde_json::json!({
        "serviceUsers": [{"username": "import-bot", "publicKeyPath": "keys/bot.pem", "roles": ["CONTENT_MANAGEMENT"]}],
        "users": [{"id": 7215545057281_i64, "username": "alice", "active": true}],
        "streams": [{"id": "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA", "type": "ROOM", "active": true, "members": [7215545057281_i64]}]
    });
    std::fs::write(directory.join("manifest.json"), manifest.to_string()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
        .args(["sandbox", "--port", "0", "--memory", "--manifest"])
        .arg(directory.join("manifest.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (sender, receiver) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        sender.send(line).unwrap();
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        rest
    });
    let line = receiver.recv_timeout(Duration::from_secs(60)).expect("no `listening on` line within 60 s");
    let address = line
        .trim_end()
        .strip_prefix("listening on http://127.0.0.1:")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let port: u16 = address.parse().unwrap();
    assert_ne!(port, 0);

    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream
        .write_all(b"POST /agent/v4/message/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");
    assert!(answer.contains(r#"{"code":401,"message":"Missing sessionToken header"}"#), "{answer}");

    child.kill().unwrap();
    child.wait().unwrap();
    let rest = reader.join().unwrap();
    assert_eq!(rest, "", "exactly one line on standard output");
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("2 users, 1 streams, 1 memberships created"), "{stderr}");
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn provision_creates_what_batches_need_once() {
    let directory = scratch("provision");
    let batch = serde_json::json!([
        {"message": "<messageML>a</messageML>", "intendedMessageTimestamp": 1, "intendedMessageFromUserId": 11,
         "originatingSystemId": "x", "streamId": "c3RyZWFtLW9uZQ"},
        {"message": "<messageML>b</messageML>", "intendedMessageTimestamp": 2, "intendedMessageFromUserId": 12,
         "originatingSystemId": "x", "streamId": "c3RyZWFtLW9uZQ"}
    ]);
    std::fs::write(directory.join("batch.json"), batch.to_string()).unwrap();
    let provision = || {
        let output = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(["sandbox", "provision", "--from"])
            .arg(directory.join("batch.json"))
            .arg("--state")
            .arg(directory.join("state.sqlite3"))
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    assert_eq!(
        provision(),
        "created user 11 (user-11)\ncreated user 12 (user-12)\ncreated ROOM c3RyZWFtLW9uZQ\n\
         added user 11 to stream c3RyZWFtLW9uZQ\nadded user 12 to stream c3RyZWFtLW9uZQ\n\
         2 users, 1 streams, 2 memberships created\n"
    );
    assert_eq!(provision(), "0 users, 0 streams, 0 memberships created\n", "the state file remembers");
    std::fs::remove_dir_all(&directory).unwrap();
}
