//! Import through Ferry's proxy (the pod client, the journal, the runner) against importing into the sandbox
//! directly (one bare HTTP request after another, as the sandbox's own bench does), into the same kind of
//! sandbox with the same messages; and what the journal costs per record.

use std::io::Cursor;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ferry_core::{Options, Target};
use ferry_proxy::intake::{read_into_journal, IntakeOptions};
use ferry_proxy::journal::{IncomingRecord, Outcome, RecordState};
use ferry_proxy::run::{self, Control, Progress, RunOptions};
use ferry_proxy::{Journal, PodClient, PodConfig};
use ferry_sandbox::bench::{bench_sandbox, measure_import, remove_state, IMPORTER};
use ferry_sandbox::Storage;

const BATCHES: usize = 10;
const BATCH_SIZE: usize = 5_000;
const PUBLIC_KEY: &str = include_str!("../../../crates/ferry-proxy/tests/fixtures/service-user.pub.pem");
const PRIVATE_KEY: &str = include_str!("../../../crates/ferry-proxy/tests/fixtures/service-user.key.pem");
/// `now` for the checks: after every generated timestamp.
const NOW_MILLIS: i64 = 1_900_000_000_000;

/// Prints the proxy's import rate beside the direct one (alternating runs, fastest of `runs` each), and the
/// journal's cost per record.
///
/// # Errors
/// When a measurement cannot be made.
pub fn proxy_against_direct(runs: usize) -> Result<()> {
    let directory = crate::shell::target_dir().join("bench-proxy");
    std::fs::create_dir_all(&directory)?;
    let storage = Storage::File(directory.join("state.sqlite3"));
    let messages = BATCHES * BATCH_SIZE;
    println!("import through the proxy ({BATCHES} requests of {BATCH_SIZE} messages into a sandbox with a SQLite file, over HTTP):");
    let (mut direct, mut proxied, mut proxied_two) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        direct.push(measure_import(&storage, BATCHES, BATCH_SIZE)?.elapsed);
        proxied.push(measure_proxy(&storage, &directory, 1)?);
        proxied_two.push(measure_proxy(&storage, &directory, 2)?);
    }
    let fastest = |times: &[Duration]| times.iter().copied().min().unwrap_or_default();
    let (direct, proxied, proxied_two) = (fastest(&direct), fastest(&proxied), fastest(&proxied_two));
    let rate = |elapsed: Duration| messages as f64 / elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "  {:<44} {:>8.3} s  {:>10.0} messages/s",
        "directly (bare HTTP requests, one at a time)",
        direct.as_secs_f64(),
        rate(direct)
    );
    println!(
        "  {:<44} {:>8.3} s  {:>10.0} messages/s  ({:.2}x the direct time; target within 10%)",
        "through the proxy, 1 request in flight",
        proxied.as_secs_f64(),
        rate(proxied),
        proxied.as_secs_f64() / direct.as_secs_f64()
    );
    println!(
        "  {:<44} {:>8.3} s  {:>10.0} messages/s  ({:.2}x the direct time)",
        "through the proxy, 2 requests in flight",
        proxied_two.as_secs_f64(),
        rate(proxied_two),
        proxied_two.as_secs_f64() / direct.as_secs_f64()
    );
    journal_cost(&directory, runs)?;
    std::fs::remove_dir_all(&directory)?;
    println!();
    Ok(())
}

fn remove_journal(path: &Path) -> Result<()> {
    remove_state(&Storage::File(path.to_path_buf()))?;
    Ok(())
}

/// The same messages as [`measure_import`] sends, as NDJSON.
fn ndjson(bodies: &[impl AsRef<[u8]>]) -> Result<Vec<u8>> {
    let mut text = Vec::new();
    for body in bodies {
        let records: Vec<Box<serde_json::value::RawValue>> = serde_json::from_slice(body.as_ref())?;
        for record in records {
            text.extend_from_slice(record.get().as_bytes());
            text.push(b'\n');
        }
    }
    Ok(text)
}

/// Checks the messages into a fresh journal (not timed), then times the run that imports them.
fn measure_proxy(storage: &Storage, directory: &Path, concurrency: usize) -> Result<Duration> {
    remove_state(storage)?;
    let journal_path = directory.join("journal.sqlite3");
    remove_journal(&journal_path)?;
    let (sandbox, bodies) = bench_sandbox(storage, BATCHES, BATCH_SIZE, Some(PUBLIC_KEY.to_owned()))?;
    let input = ndjson(&bodies)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let running = ferry_sandbox::server::spawn(sandbox, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let client = PodClient::new(PodConfig::local(running.address.port(), IMPORTER, PRIVATE_KEY.to_owned()))?;
        let mut journal = Journal::open(&journal_path, client.agent_url())?;
        let run_id = journal.begin_run(&["bench.ndjson".to_owned()])?;
        let mut options = Options::new(Target::Symphony, NOW_MILLIS);
        options.max_records_per_request = BATCH_SIZE;
        let intake =
            IntakeOptions { options: options.clone(), derive_ids: false, keep_bodies: true, retry_rejected: false };
        let checked = read_into_journal(
            run_id,
            vec![("bench.ndjson".to_owned(), Box::new(Cursor::new(input)))],
            &intake,
            &mut journal,
            |_| {},
        )?;
        if checked.intake.planned != BATCHES * BATCH_SIZE {
            bail!("{} of {} messages planned", checked.intake.planned, BATCHES * BATCH_SIZE);
        }
        let journal = Arc::new(Mutex::new(journal));
        let (progress, _) = tokio::sync::watch::channel(Progress::default());
        let run_options = RunOptions { concurrency, planner: options };
        let started = Instant::now();
        let done = run::run(client, journal, run_id, &run_options, Arc::new(Control::default()), progress).await?;
        let elapsed = started.elapsed();
        if done.imported != BATCHES * BATCH_SIZE {
            bail!(
                "{} of {} messages imported through the proxy ({:?})",
                done.imported,
                BATCHES * BATCH_SIZE,
                done.last_error
            );
        }
        running.shutdown().await?;
        Ok(elapsed)
    })
}

/// The journal's own work per record, in a file as a run writes it: taken in (2,000 per transaction, as
/// intake does), marked in flight and answered (5,000 per request).
fn journal_cost(directory: &Path, runs: usize) -> Result<()> {
    let path = directory.join("journal-cost.sqlite3");
    let records = BATCHES * BATCH_SIZE;
    let body = br#"{"message":"<messageML>Message of the rehearsal, with <b>bold</b> text.</messageML>","intendedMessageTimestamp":1433045622000,"intendedMessageFromUserId":7215545057281,"originatingSystemId":"benchChat","originalMessageId":"x","streamId":"s"}"#;
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        remove_journal(&path)?;
        let mut journal = Journal::open(&path, "http://bench")?;
        let started = Instant::now();
        let run = journal.begin_run(&[])?;
        for chunk in 0..records / 2_000 {
            let incoming = (0..2_000).map(|index| {
                let serial = chunk * 2_000 + index;
                IncomingRecord {
                    system_id: Some("benchChat".to_owned()),
                    message_id: Some(format!("bench-{serial}")),
                    file: "bench.ndjson".to_owned(),
                    record_index: serial,
                    stream_id: Some(format!("stream-{}", serial % 10)),
                    timestamp: 1_433_045_622_000,
                    body: body.to_vec(),
                    bytes: body.len(),
                    error_codes: Vec::new(),
                    error_message: None,
                }
            });
            journal.take_records(run, incoming, false, &mut Vec::new())?;
        }
        let pending = journal.pending()?;
        for request in pending.chunks(BATCH_SIZE) {
            let ids: Vec<i64> = request.iter().map(|record| record.id).collect();
            let bodies = journal.bodies(&ids)?;
            if bodies.len() != ids.len() {
                bail!("the journal lost bodies");
            }
            let number = journal.begin_request(run, &ids)?;
            let outcomes: Vec<Outcome> = ids
                .iter()
                .map(|id| Outcome {
                    state: RecordState::Imported,
                    agent_message_id: Some(format!("m{id}")),
                    diagnostic: None,
                })
                .collect();
            journal.finish_request(number, &ids, &outcomes)?;
        }
        journal.end_run(run, "completed")?;
        best = best.min(started.elapsed());
        let counts = journal.counts().context("counts")?;
        if counts.imported != records {
            bail!("{} of {records} records imported in the journal", counts.imported);
        }
    }
    println!(
        "  {:<44} {:>8.3} s  {:>10.1} µs per record (taken in, in flight, answered, body dropped; {records} records)",
        "the journal's own work",
        best.as_secs_f64(),
        best.as_secs_f64() * 1e6 / records as f64
    );
    Ok(())
}
