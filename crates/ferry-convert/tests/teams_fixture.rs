//! The Teams fixture's requests, snapshotted: every record of `tests/fixtures/teams/batch.ndjson` through
//! `request_for_record` and `schedule`, as the NDJSON lines `ferry convert --to teams` writes (pretty-printed,
//! each image's base64 shortened to its length), followed by the moves and the losses. A change to the rendering
//! or to the request shows here as a diff to read.

#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used)]

use std::fmt::Write;

use ferry_convert::teams::{read_streams_csv, read_users_csv, request_for_record, schedule};
use ferry_core::teams::Directory;
use serde_json::Value;

const BATCH: &str = include_str!("../../../tests/fixtures/teams/batch.ndjson");
const USERS_CSV: &str = include_str!("../../../tests/fixtures/teams/users.csv");
const STREAMS_CSV: &str = include_str!("../../../tests/fixtures/teams/streams.csv");
/// 2026-01-01T00:00:00Z.
const NOW_MILLIS: i64 = 1_767_225_600_000;

#[test]
fn the_teams_fixture_requests() {
    let directory =
        Directory { users: read_users_csv(USERS_CSV).unwrap(), streams: read_streams_csv(STREAMS_CSV).unwrap() };
    let requests = BATCH.lines().map(|record| request_for_record(record, &directory).unwrap()).collect();
    let scheduled = schedule(requests, NOW_MILLIS);
    let mut snapshot = String::new();
    for request in &scheduled.requests {
        let mut line = request.to_ndjson_value();
        // `get_mut`, not indexing: indexing a missing key would insert it.
        let hosted_contents = line.get_mut("body").and_then(|body| body.get_mut("hostedContents"));
        for hosted in hosted_contents.and_then(Value::as_array_mut).into_iter().flatten() {
            let length = hosted["contentBytes"].as_str().unwrap().len();
            hosted["contentBytes"] = Value::String(format!("<{length} characters of base64>"));
        }
        writeln!(snapshot, "{}", serde_json::to_string_pretty(&line).unwrap()).unwrap();
    }
    for moved in &scheduled.moved {
        writeln!(
            snapshot,
            "moved {} in {}: {} -> {}",
            moved.original_message_id, moved.conversation, moved.from_millis, moved.to_millis
        )
        .unwrap();
    }
    for request in &scheduled.requests {
        for loss in &request.losses {
            writeln!(snapshot, "lost in {}: {}: {}", request.original_message_id, loss.what, loss.fate).unwrap();
        }
    }
    insta::assert_snapshot!(snapshot);
}
