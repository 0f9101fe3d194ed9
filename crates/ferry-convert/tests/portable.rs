//! The Slack conversion gives a clean batch, and the Teams conversion the fixture's Graph requests, natively and
//! in WebAssembly: this file runs under `cargo test` and, compiled to wasm32, under `wasm-bindgen-test` in Node
//! and in Chromium (`cargo xtask test`), on the test fixture export zipped in memory, as the browser would take
//! the ZIP a user drops, and on the Teams fixture's records and maps.

#![allow(clippy::unwrap_used)] // A test: an unexpected error fails it with its message.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as portable_test;

#[cfg(not(target_arch = "wasm32"))]
use core::prelude::v1::test as portable_test;

use std::io::{Cursor, Write};

use ferry_convert::slack::maps::{read_streams, read_users};
use ferry_convert::slack::{convert, lay_out, survey, ConvertOptions, ZipExport};
use ferry_core::{validate, Options, Target};

/// The fixture export (`tests/fixtures/slack-export`), embedded so the test needs no file system.
macro_rules! fixture_entries {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../../tests/fixtures/slack-export/", $name)).as_slice())),*]
    };
}

const EXPORT: &[(&str, &[u8])] = fixture_entries!(
    "users.json",
    "channels.json",
    "groups.json",
    "dms.json",
    "mpims.json",
    "general/2024-03-18.json",
    "general/2024-03-19.json",
    "random/2024-03-18.json",
    "random/2024-03-20.json",
    "old-project/2023-11-02.json",
    "leadership/2024-03-18.json",
    "D05ALICEBOB/2024-03-18.json",
    "mpdm-alice--bob--chen.wei-1/2024-03-19.json",
    "__uploads/F01DIAGRAM/diagram.png",
    "__uploads/F02NOTES/notes.txt",
);
const USERS_CSV: &[u8] = include_bytes!("../../../tests/fixtures/slack-export-maps/users.csv");
const STREAMS_CSV: &[u8] = include_bytes!("../../../tests/fixtures/slack-export-maps/streams.csv");
/// 2025-01-01T00:00:00Z: after every message of the fixture.
const NOW_MILLIS: i64 = 1_735_689_600_000;

fn zipped_export() -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in EXPORT {
        writer.start_file(*name, options).unwrap();
        writer.write_all(bytes).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

#[portable_test]
fn the_fixture_export_zipped_converts_to_a_batch_the_core_accepts() {
    let options = ConvertOptions::default();
    let mut source = ZipExport::new(Cursor::new(zipped_export()), &options.limits).unwrap();
    let layout = lay_out(&mut source, &options.limits).unwrap();
    let surveyed = survey(&mut source, &layout, &options.limits);
    let users = read_users(USERS_CSV).unwrap();
    let streams = read_streams(STREAMS_CSV).unwrap();

    let mut batch = Vec::new();
    let report = convert(&mut source, &layout, &surveyed, &users, &streams, &options, &mut |record| {
        batch.extend_from_slice(record);
        batch.push(b'\n');
        Ok(())
    })
    .unwrap();

    let checked = validate(&batch, &Options::new(Target::Symphony, NOW_MILLIS));
    assert_eq!(checked.summary.errors, 0, "{:?}", checked.summary.by_code);
    assert_eq!(checked.summary.records as u64, report.totals.written);
    assert!(report.totals.written > 0);
    assert_eq!(report.totals.with_attachments, 2, "both files with bytes are attached");
    let skipped: u64 = report.totals.skipped.values().sum();
    assert_eq!(report.totals.read, report.totals.written + skipped, "every message is accounted for");
    let text = String::from_utf8(batch).unwrap();
    assert!(!text.contains("xoxe") && !text.contains("url_private"), "no token-bearing link is carried over");
}

const TEAMS_BATCH: &str = include_str!("../../../tests/fixtures/teams/batch.ndjson");
const TEAMS_USERS_CSV: &str = include_str!("../../../tests/fixtures/teams/users.csv");
const TEAMS_STREAMS_CSV: &str = include_str!("../../../tests/fixtures/teams/streams.csv");

/// The Teams fixture's records become Graph requests natively and in WebAssembly alike: one per record, in
/// three conversations, the same-millisecond pair moved 1 ms, mentions and inline images in place.
#[portable_test]
fn the_teams_fixture_converts_into_graph_requests() {
    use ferry_convert::teams::{read_streams_csv, read_users_csv, request_for_record, schedule};
    use ferry_core::teams::Directory;

    let directory = Directory {
        users: read_users_csv(TEAMS_USERS_CSV).unwrap(),
        streams: read_streams_csv(TEAMS_STREAMS_CSV).unwrap(),
    };
    let requests: Vec<_> = TEAMS_BATCH.lines().map(|record| request_for_record(record, &directory).unwrap()).collect();
    assert_eq!(requests.len(), 40);
    let scheduled = schedule(requests, NOW_MILLIS);
    assert!(scheduled.past_now.is_empty());
    assert_eq!(scheduled.moved.len(), 1);
    assert_eq!(scheduled.moved[0].original_message_id, "lc-013");
    assert_eq!(scheduled.moved[0].to_millis - scheduled.moved[0].from_millis, 1);
    let plans = scheduled.conversations();
    let counts: Vec<usize> = plans.iter().map(|plan| plan.requests).collect();
    assert_eq!(counts, [11, 18, 11], "the chat, then the two channels, by path");
    let with = |key: &str| scheduled.requests.iter().filter(|request| request.body.get(key).is_some()).count();
    assert_eq!(with("mentions"), 4);
    assert_eq!(with("hostedContents"), 2);
    let lost: Vec<&str> =
        scheduled.requests.iter().flat_map(|request| request.losses.iter().map(|loss| loss.what.as_str())).collect();
    assert!(lost.contains(&"attachment q3-report.pdf"), "{lost:?}");
}
