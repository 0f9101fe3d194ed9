//! Fuzzes the Slack export conversion driver: any bytes, taken as a ZIP when they start like one and as a day
//! file of a one-channel export otherwise, must lay out, survey and convert (every id mapped) without panicking,
//! and every message read must be written or counted under a skip reason.
//!
//! Run with `cd fuzz && cargo fuzz run slack_export` (nightly, or `RUSTC_BOOTSTRAP=1`).

#![no_main]

use std::io::{Cursor, Write};

use ferry_convert::slack::{self, ConvertOptions, Limits, ZipExport};
use libfuzzer_sys::fuzz_target;

/// Small bounds, so that a fuzzed archive cannot ask for much memory.
const LIMITS: Limits =
    Limits { max_entries: 1_000, max_entry_bytes: 1 << 20, max_attachment_bytes: 1 << 20, max_total_bytes: 1 << 24 };

/// A one-channel export whose only day file holds `day`.
fn export_around(day: &[u8]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    let entries: [(&str, &[u8]); 3] = [
        ("users.json", br#"[{"id":"U1","name":"ann"}]"#),
        ("channels.json", br#"[{"id":"C1","name":"general"}]"#),
        ("general/2020-01-01.json", day),
    ];
    for (name, content) in entries {
        if writer.start_file(name, options).and_then(|()| Ok(writer.write_all(content)?)).is_err() {
            return Vec::new();
        }
    }
    writer.finish().map(Cursor::into_inner).unwrap_or_default()
}

fuzz_target!(|data: &[u8]| {
    let bytes = if data.starts_with(b"PK") { data.to_vec() } else { export_around(data) };
    let Ok(mut export) = ZipExport::new(Cursor::new(bytes), &LIMITS) else { return };
    let Ok(layout) = slack::lay_out(&mut export, &LIMITS) else { return };
    let survey = slack::survey(&mut export, &layout, &LIMITS);
    let mut users = slack::initial_users(&layout, &survey);
    users.iter_mut().for_each(|row| row.symphony_user_id = Some(7));
    let mut streams = slack::initial_streams(&layout);
    streams.iter_mut().for_each(|row| row.symphony_stream_id = Some("AAAAAAAAAAAAAAAAAAAAAA".to_owned()));
    let options = ConvertOptions { limits: LIMITS, ..ConvertOptions::default() };
    let mut written = 0_u64;
    let outcome = slack::convert(&mut export, &layout, &survey, &users, &streams, &options, &mut |line| {
        assert!(serde_json::from_slice::<serde_json::Value>(line).is_ok(), "a record that is not JSON");
        written += 1;
        Ok(())
    });
    if let Ok(report) = outcome {
        let totals = &report.totals;
        assert_eq!(totals.written, written);
        assert_eq!(totals.read, totals.written + totals.skipped.values().sum::<u64>(), "a message unaccounted for");
    }
});
