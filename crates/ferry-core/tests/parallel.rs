//! Checking on several threads changes nothing: [`Validator::parallel_in_batches`] gives, byte for byte, the
//! JSON report of the single-threaded [`Validator::new`], the same findings drained in the same order and the
//! same kept records, across chunk sizes, batch sizes, thread counts, file splits and targets; on generated
//! batches full of batch findings (repeated ids, streams out of order, equal timestamps), on bytes that are
//! barely JSON, and on every rule fixture.

#![cfg(feature = "parallel")]

use std::path::Path;

use ferry_core::{Diagnostic, Options, RecordText, Target, Validator};
use proptest::prelude::*;

#[path = "common/jsonish.rs"]
mod jsonish;
use jsonish::jsonish_bytes;

/// Everything a caller can observe of a run: the findings drained after each push and at the end of each
/// file, the records kept, and the final report as JSON.
#[derive(Debug, PartialEq)]
struct Observed {
    drained: Vec<Diagnostic>,
    records: Vec<RecordText>,
    report_json: String,
}

/// How a run is fed and checked.
#[derive(Clone, Debug)]
struct Feeding {
    /// Chunk sizes, cycled.
    chunk_sizes: Vec<usize>,
    /// `None`: [`Validator::new`]; else threads and batch bytes of [`Validator::parallel_in_batches`].
    parallel: Option<(usize, usize)>,
    keep_records: bool,
}

fn run(files: &[Vec<u8>], options: &Options, feeding: &Feeding) -> Observed {
    let mut validator = match feeding.parallel {
        None => Validator::new(options.clone()),
        Some((threads, batch_bytes)) => Validator::parallel_in_batches(options.clone(), threads, batch_bytes),
    };
    validator.keep_records(feeding.keep_records);
    let mut drained = Vec::new();
    let mut records = Vec::new();
    let mut sizes = feeding.chunk_sizes.iter().cycle();
    for (index, bytes) in files.iter().enumerate() {
        validator.begin_file(&format!("part-{index}.json"));
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let size = sizes.next().copied().unwrap_or(1).clamp(1, rest.len());
            validator.push(&rest[..size]);
            rest = &rest[size..];
            drained.extend(validator.drain_diagnostics());
            records.extend(validator.drain_records());
        }
        validator.end_file();
        drained.extend(validator.drain_diagnostics());
        records.extend(validator.drain_records());
    }
    let report = validator.finish();
    let report_json = serde_json::to_string(&report).unwrap_or_else(|error| format!("unserialisable: {error}"));
    Observed { drained, records, report_json }
}

/// Asserts that checking `files` in parallel, fed as `feeding` says, observes what one thread observes.
fn assert_same_as_one_thread(files: &[Vec<u8>], options: &Options, feeding: &Feeding) -> Result<(), TestCaseError> {
    let one_thread = run(files, options, &Feeding { parallel: None, ..feeding.clone() });
    let parallel = run(files, options, feeding);
    prop_assert_eq!(&parallel.report_json, &one_thread.report_json, "report differs with {:?}", feeding);
    prop_assert_eq!(&parallel.drained, &one_thread.drained, "drained findings differ with {:?}", feeding);
    prop_assert_eq!(&parallel.records, &one_thread.records, "kept records differ with {:?}", feeding);
    Ok(())
}

fn options(target: Target) -> Options {
    Options { max_record_bytes: 600, max_depth: 8, ..Options::new(target, 1_700_000_000_000) }
}

/// A record with few distinct values, so that the batch rules fire often; sometimes broken.
fn batch_record() -> impl Strategy<Value = Vec<u8>> {
    let valid = (0usize..4, any::<bool>(), 0usize..6, 0i64..4, prop::option::of(0usize..3), 0usize..30).prop_map(
        |(stream, escaped, id, timestamp, extra, padding)| {
            let extra = match extra {
                None => String::new(),
                Some(0) => ",\"format\":\"x\"".to_owned(),
                Some(1) => ",\"streamId\":\"again\"".to_owned(),
                Some(_) => {
                    format!(",\"attachments\":[{{\"filename\":\"a\",\"content\":\"{}\"}}]", "QUFB".repeat(padding * 8))
                }
            };
            // The same stream written with an escape or without.
            let stream_id = if escaped { format!("\\u0073tream{stream}") } else { format!("stream{stream}") };
            format!(
                "{{\"message\":\"<messageML>hi {padding}</messageML>\",\"intendedMessageTimestamp\":{},\
                 \"intendedMessageFromUserId\":7215545057281,\"originatingSystemId\":\"sys\",\
                 \"originalMessageId\":\"id-{id}\\\\n\",\"streamId\":\"{stream_id}\"{extra}}}",
                1_433_045_622_000_i64 + timestamp
            )
            .into_bytes()
        },
    );
    prop_oneof![
        8 => valid,
        1 => Just(b"{\"message\": 1 \"streamId\": 2}".to_vec()),
        1 => Just(b"{\"message\": \"\xFF\"}".to_vec()),
        1 => Just(b"[[[[[[[[[[1]]]]]]]]]]".to_vec()),
        1 => Just(b"7".to_vec()),
        1 => Just(format!("{{\"message\":\"{}\"}}", "x".repeat(700)).into_bytes()),
    ]
}

/// A file of records: NDJSON or an array, sometimes cut short.
fn batch_file() -> impl Strategy<Value = Vec<u8>> {
    (prop::collection::vec(batch_record(), 0..24), any::<bool>(), prop::option::of(0usize..2000)).prop_map(
        |(records, ndjson, cut)| {
            let mut bytes = if ndjson {
                records.iter().flat_map(|record| record.iter().copied().chain(*b"\n")).collect::<Vec<u8>>()
            } else {
                let mut array = b"[".to_vec();
                array.extend(records.join(&b",\n"[..]));
                array.extend(b"]");
                array
            };
            if let Some(cut) = cut {
                bytes.truncate(cut);
            }
            bytes
        },
    )
}

fn feeding() -> impl Strategy<Value = Feeding> {
    (prop::collection::vec(1usize..700, 1..4), 2usize..5, 1usize..3000, any::<bool>()).prop_map(
        |(chunk_sizes, threads, batch_bytes, keep_records)| Feeding {
            chunk_sizes,
            parallel: Some((threads, batch_bytes)),
            keep_records,
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn batches_check_the_same_on_every_thread_count(
        files in prop::collection::vec(batch_file(), 1..4),
        teams in any::<bool>(),
        feeding in feeding(),
    ) {
        let target = if teams { Target::Teams } else { Target::Symphony };
        assert_same_as_one_thread(&files, &options(target), &feeding)?;
    }

    #[test]
    fn any_bytes_check_the_same_on_every_thread_count(
        files in prop::collection::vec(jsonish_bytes(), 1..3),
        feeding in feeding(),
    ) {
        assert_same_as_one_thread(&files, &options(Target::Symphony), &feeding)?;
    }
}

/// Every rule fixture, checked with the options its snapshot uses, gives the same report on 1 and on 4
/// threads, in small batches and in one.
#[test]
fn rule_fixtures_check_the_same_on_every_thread_count() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join("rules");
    let entries = std::fs::read_dir(&directory).unwrap_or_else(|error| panic!("{}: {error}", directory.display()));
    let mut checked = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|name| name.to_str()).unwrap_or_default().to_owned();
        let is_batch = (name.ends_with(".json") || name.ends_with(".ndjson"))
            && !name.ends_with(".options.json")
            && !name.ends_with(".pod.json");
        if !is_batch {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{name}: {error}"));
        let target = if name.starts_with("teams") { Target::Teams } else { Target::Symphony };
        let mut options = Options::new(target, 1_700_000_000_000);
        // The fixture's own options (the Teams maps of the TEAMS fixtures), as its snapshot uses them.
        let stem = name.split('.').next().unwrap_or_default();
        if let Ok(text) = std::fs::read_to_string(directory.join(format!("{stem}.options.json"))) {
            let mut value = serde_json::to_value(&options).unwrap_or_else(|error| panic!("{name}: {error}"));
            let given: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|error| panic!("{name}: {error}"));
            for (key, field) in given.as_object().into_iter().flatten() {
                value[key] = field.clone();
            }
            options = serde_json::from_value(value).unwrap_or_else(|error| panic!("{name}: {error}"));
        }
        for (threads, batch_bytes, chunk) in [(4, 1, 7), (4, 512, 4096), (2, 1 << 20, 1 << 16)] {
            let feeding =
                Feeding { chunk_sizes: vec![chunk], parallel: Some((threads, batch_bytes)), keep_records: true };
            if let Err(failure) = assert_same_as_one_thread(std::slice::from_ref(&bytes), &options, &feeding) {
                panic!("{name}: {failure}");
            }
        }
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} fixtures found in {}", directory.display());
}
