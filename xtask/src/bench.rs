//! `cargo xtask bench`: measures Ferry and prints figures and ratios. It never asserts on timing.
//!
//! `bench` re-runs this program as `bench-run` in a release build, which prints, in one run:
//! - full validation of a seeded batch of 100,000 messages ([`crate::gen`]) on one thread and on every core,
//!   against the floor of touching every byte of JSON (`serde_json` parsing the same bytes into
//!   `IgnoredAny`), and against a bare parse into `Vec<Value>` (the older baseline);
//! - the same as whole processes: the release `ferry check --format json` on that batch written to a file,
//!   with `--threads 1` and with every core, against a process that reads the file and parses it into
//!   `IgnoredAny` (`bench-stream --floor`; target: within 3×); the two reports must be identical, byte for
//!   byte;
//! - MessageML validation of the batch's messages against quick-xml's bare event scan of the same text
//!   (target: within 1.5×), overall and for each kind of message (plain text, markup, with EntityJSON data);
//! - streaming validation of a 1 GB NDJSON file, generated under `target/` and deleted afterwards, with the
//!   peak resident memory of a child process (`bench-stream`) that does only that (target: under 200 MB),
//!   taking the diagnostics as they come (what a streaming consumer does) on one thread and on every core,
//!   and keeping them all to the end (what one `validate()` call does), and of the release `ferry check` on
//!   the same file (measured with `/usr/bin/time` when the machine has it; target: under 100 MB);
//! - the wasm package under Node on the same batch, against the native time of this run, and the sandbox import rate;
//! - the web app: the release bundle's size (each wasm, JS and CSS file of `dist/`, gzipped, and their total;
//!   target under 1 MB), and the check of the same batch in the page (Chromium driven by playwright through
//!   `tests/e2e/timing.mjs`, from picking the file to the list shown) beside the release `ferry check` on the
//!   same file in this run (target: within 2x).
//!
//! Each timed step runs a few times and the fastest run is printed (the machine is shared; the fastest run is
//! the least disturbed one); the sides of a ratio run in turns, so a passing load weighs on them alike.
//! `--part check` prints the check's figures only (the batch, whole processes, streaming), skipping the wasm,
//! sandbox, proxy and web app builds and figures.

pub(crate) mod convert;
mod proxy;

use std::fs::File;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use ferry_core::messageml::{check_message, MessageMlOptions};
use ferry_core::{Options, Report, Target, Validator};
use serde::Deserialize;

use crate::gen;

/// The batch the throughput figures are measured on (the end-to-end long-task test checks the same batch).
pub(crate) const DEFAULT_RECORDS: usize = 100_000;
/// The streaming file: 1 GB (10^9 bytes).
const DEFAULT_STREAM_BYTES: u64 = 1_000_000_000;
/// Seed of the generated batches; change it only with the figures in the README.
pub(crate) const DEFAULT_SEED: u64 = 42;
/// Timed runs per figure; the fastest is printed.
const RUNS: usize = 5;
/// Chunk size the streaming child feeds the validator with (what a CLI or a browser `File` reader uses).
const STREAM_CHUNK_BYTES: usize = 64 * 1024;

/// Options of `cargo xtask bench`.
struct BenchArgs {
    records: usize,
    stream_bytes: u64,
    seed: u64,
    /// `--part check`: only the check's figures.
    check_only: bool,
}

impl BenchArgs {
    fn parse(args: &[String]) -> Result<BenchArgs> {
        let mut parsed = BenchArgs {
            records: DEFAULT_RECORDS,
            stream_bytes: DEFAULT_STREAM_BYTES,
            seed: DEFAULT_SEED,
            check_only: false,
        };
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            let value = args.next().with_context(|| format!("{flag} needs a value"))?;
            match flag.as_str() {
                "--records" => parsed.records = value.parse().context("--records")?,
                "--stream-bytes" => parsed.stream_bytes = value.parse().context("--stream-bytes")?,
                "--seed" => parsed.seed = value.parse().context("--seed")?,
                "--part" => {
                    parsed.check_only = match value.as_str() {
                        "check" => true,
                        "all" => false,
                        _ => bail!("--part is `all` or `check`"),
                    }
                }
                _ => bail!(
                    "usage: cargo xtask bench [--records N] [--stream-bytes N (0 skips)] [--seed N] [--part all|check]"
                ),
            }
        }
        Ok(parsed)
    }

    fn to_args(&self) -> Vec<String> {
        vec![
            "--records".into(),
            self.records.to_string(),
            "--stream-bytes".into(),
            self.stream_bytes.to_string(),
            "--seed".into(),
            self.seed.to_string(),
            "--part".into(),
            if self.check_only { "check" } else { "all" }.into(),
        ]
    }
}

/// `cargo xtask bench`: builds and runs `bench-run` in release mode.
///
/// # Errors
/// When the build or the run fails.
pub fn run(args: &[String]) -> Result<()> {
    let parsed = BenchArgs::parse(args)?;
    if !parsed.check_only {
        // The wasm figure needs the npm package, built with the wasm toolchain.
        let tools = crate::setup::run()?;
        crate::test::build_wasm_package(&tools)?;
        // The web app's figures: the release bundle in `dist/`.
        crate::test::build_web(&tools)?;
    }
    // The `ferry` binary is measured too (its peak memory on the streaming file).
    build_release_ferry()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    crate::shell::run(
        Command::new(&cargo)
            .current_dir(crate::shell::workspace_root())
            .args(["run", "--release", "--quiet", "--package", "xtask", "--", "bench-run"])
            .args(parsed.to_args()),
    )
}

/// Builds the release `ferry` binary, which the whole-process figures run.
///
/// # Errors
/// When cargo fails.
pub(crate) fn build_release_ferry() -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    crate::shell::run(Command::new(&cargo).current_dir(crate::shell::workspace_root()).args([
        "build",
        "--release",
        "--quiet",
        "--package",
        "ferry-cli",
    ]))
}

/// `bench-run`: the measurements, in this (release) process.
///
/// # Errors
/// When the temporary file cannot be written or the streaming child fails.
pub fn run_measurements(args: &[String]) -> Result<()> {
    let args = BenchArgs::parse(args)?;
    if cfg!(debug_assertions) {
        println!("note: this is a debug build; figures are only meaningful from `cargo xtask bench` (release)");
    }
    println!("Ferry benchmark (seed {}, fastest of {RUNS} runs per figure)\n", args.seed);
    let (batch, native) = batch_throughput(&args)?;
    whole_process_check(&batch, args.records)?;
    if args.stream_bytes > 0 {
        streaming_memory(&args)?;
    } else {
        println!("streaming validation: skipped (--stream-bytes 0)\n");
    }
    if args.check_only {
        return Ok(());
    }
    wasm_under_node(&batch, native)?;
    sandbox_import_rate()?;
    proxy::proxy_against_direct(RUNS)?;
    convert::conversion_figures(args.seed, convert::DEFAULT_MESSAGES)?;
    web_app_figures(&args)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// The web app: bundle size and the check in the page against `ferry check`.

/// Runs in the page: timed runs of the check in Chromium (each in a fresh page; the fastest is kept).
const PAGE_RUNS: usize = 3;

/// Size of the file at `path` gzipped at the highest level (by the `gzip` program), as a server would send it.
fn gzipped_size(path: &Path) -> Result<u64> {
    let output = crate::shell::capture(Command::new("gzip").args(["-9", "-c"]).arg(path))?;
    if !output.status.success() {
        bail!("gzip failed on {}", path.display());
    }
    Ok(output.stdout.len() as u64)
}

/// The release bundle's size, and the in-page check of the bench batch against `ferry check`.
fn web_app_figures(args: &BenchArgs) -> Result<()> {
    let root = crate::shell::workspace_root();
    let dist = root.join("dist");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dist)
        .with_context(|| format!("reading {} (built by `cargo xtask bench`)", dist.display()))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension().is_some_and(|extension| ["wasm", "js", "css"].iter().any(|wanted| extension == *wanted))
        })
        .collect();
    files.sort();
    println!("web app bundle (dist/, release; gzip -9):");
    let (mut total_raw, mut total_gzipped) = (0, 0);
    for path in &files {
        let raw = std::fs::metadata(path)?.len();
        let gzipped = gzipped_size(path)?;
        total_raw += raw;
        total_gzipped += gzipped;
        let name = path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
        println!("  {name:<44} {:>9.1} kB  gzipped {:>8.1} kB", raw as f64 / 1e3, gzipped as f64 / 1e3);
    }
    println!(
        "  total                                        {:>9.1} kB  gzipped {:>8.1} kB (target < 1,000 kB)\n",
        total_raw as f64 / 1e3,
        total_gzipped as f64 / 1e3
    );

    let ferry = crate::shell::target_dir().join("release/ferry");
    let mut bytes = std::io::BufWriter::new(Vec::new());
    gen::write_json_array(&mut bytes, args.seed, args.records)?;
    let directory = crate::shell::target_dir().join("bench-web");
    std::fs::create_dir_all(&directory)?;
    let batch = RemoveOnDrop(directory.join("batch.json"));
    std::fs::write(&batch.0, bytes.into_inner()?)?;
    let megabytes = std::fs::metadata(&batch.0)?.len() as f64 / 1e6;

    let (native, status) = fastest(|| {
        Command::new(&ferry)
            .args(["check", "--format", "json", "--now", &gen::NOW_MILLIS.to_string()])
            .arg(&batch.0)
            .stdout(std::process::Stdio::null())
            .status()
    });
    let status = status.with_context(|| format!("running {}", ferry.display()))?;
    // 1: the batch has errors (it does); 2: the run failed.
    if status.code() == Some(2) {
        bail!("`ferry check` failed on the bench batch");
    }
    let server =
        crate::test::Server::start(&ferry, &["serve", "--port", "0", "--no-sandbox", "--memory", "--dist", "dist"])?;
    let output = crate::shell::capture(
        Command::new("node")
            .arg(root.join("tests/e2e/timing.mjs"))
            .arg(&server.url)
            .arg(&batch.0)
            .arg(gen::NOW_MILLIS.to_string())
            .arg(PAGE_RUNS.to_string()),
    )?;
    drop(server);
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("the in-page check failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    }
    let field = |key: &str| -> Option<f64> {
        let line = stdout.lines().find(|line| line.starts_with("web-check:"))?;
        line.split_whitespace().find_map(|field| field.strip_prefix(key)?.strip_prefix('='))?.parse().ok()
    };
    let (Some(page_seconds), Some(records), Some(longest)) =
        (field("seconds"), field("records"), field("longest_task_ms"))
    else {
        bail!("the in-page check printed no `web-check:` line:\n{stdout}");
    };
    let native_seconds = native.as_secs_f64();
    println!("web app check of the same batch ({megabytes:.1} MB, {records:.0} records; fastest of {PAGE_RUNS} page runs, {RUNS} CLI runs):");
    println!(
        "  in the page (worker, pick to list shown)  {page_seconds:>8.3} s  {:>7.1} MB/s  ({:.2}x `ferry check`; target <= 2x)",
        megabytes / page_seconds,
        page_seconds / native_seconds
    );
    println!(
        "  ferry check --format json (release)       {native_seconds:>8.3} s  {:>7.1} MB/s",
        megabytes / native_seconds
    );
    println!("  longest main-thread task in that page run {longest:>8.0} ms (target <= 50 ms)\n");
    Ok(())
}

/// Full validation and MessageML validation of the 100,000-message batch, each against its bare baseline.
/// Returns the batch and the native full-validation time, the baseline of the wasm figure.
fn batch_throughput(args: &BenchArgs) -> Result<(Vec<u8>, Duration)> {
    let mut bytes = Vec::new();
    let generator = gen::write_json_array(&mut bytes, args.seed, args.records)?;
    let megabytes = bytes.len() as f64 / 1e6;
    println!(
        "batch: {} records, {:.1} MB JSON array, {} made invalid by the generator",
        args.records,
        megabytes,
        generator.n_invalid()
    );
    let options = Options::new(Target::Symphony, gen::NOW_MILLIS);

    let threads = available_threads();
    let (mut report, mut parallel_report, mut values) = (None, None, None);
    let times = fastest_in_turns(&mut [
        &mut || report = Some(validate_in_chunks(Validator::new(options.clone()), &[&bytes])),
        &mut || parallel_report = Some(validate_in_chunks(Validator::parallel(options.clone(), 0), &[&bytes])),
        &mut || {
            std::hint::black_box(serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok());
        },
        &mut || {
            values = Some(serde_json::from_slice::<Vec<serde_json::Value>>(&bytes).map_err(|error| error.to_string()))
        },
    ]);
    let [full, parallel, bare_ignored, bare_value] = times[..] else { bail!("four timings expected") };
    let (Some(report), Some(parallel_report), Some(values)) = (report, parallel_report, values) else {
        bail!("a timed run did not run");
    };
    if parallel_report != report {
        bail!("the report on {threads} threads differs from the report on one");
    }
    let values = match values {
        Ok(values) => values,
        Err(error) => bail!("the generated batch is not JSON: {error}"),
    };
    println!(
        "  records with errors found: {} (diagnostics: {} errors, {} warnings, {} infos)",
        report.summary.records_with_errors, report.summary.errors, report.summary.warnings, report.summary.infos
    );
    let by_code: Vec<String> = report.summary.by_code.iter().map(|(code, count)| format!("{code} {count}")).collect();
    println!("  diagnostics by code: {}", by_code.join(", "));
    println!("  in this process, 64 KiB chunks (the report on {threads} threads is the report on one):");
    print_rate("full validation, 1 thread", full, args.records, bytes.len());
    print_rate(&format!("full validation, {threads} threads"), parallel, args.records, bytes.len());
    print_rate("floor: serde_json -> IgnoredAny", bare_ignored, args.records, bytes.len());
    print_rate("serde_json -> Vec<Value>", bare_value, args.records, bytes.len());
    println!(
        "  ratio to the IgnoredAny floor: {:.2}x on 1 thread, {:.2}x on {threads}; to Vec<Value>: {:.2}x, {:.2}x\n",
        ratio(full, bare_ignored),
        ratio(parallel, bare_ignored),
        ratio(full, bare_value),
        ratio(parallel, bare_value),
    );

    let messages: Vec<(&str, Option<&str>)> = values
        .iter()
        .filter_map(|record| {
            let message = record.get("message")?.as_str()?;
            Some((message, record.get("data").and_then(serde_json::Value::as_str)))
        })
        .collect();
    let text_bytes: usize = messages.iter().map(|(message, _)| message.len()).sum();
    let (messageml, n_findings, scan, n_events) = messageml_against_scan(&messages);
    println!(
        "MessageML: {} messages, {:.1} MB of message text, {n_findings} findings, {n_events} XML events",
        messages.len(),
        text_bytes as f64 / 1e6
    );
    print_rate("MessageML validation (check_message)", messageml, messages.len(), text_bytes);
    print_rate("quick-xml bare event scan", scan, messages.len(), text_bytes);
    println!("  ratio MessageML / bare scan: {:.2}x (target <= 1.5x)", ratio(messageml, scan));
    println!("  the same comparison on each kind of message:");
    for kind in [MessageKind::Plain, MessageKind::Markup, MessageKind::WithEntityJson] {
        let part: Vec<(&str, Option<&str>)> =
            messages.iter().copied().filter(|(message, data)| MessageKind::of(message, *data) == kind).collect();
        let (messageml, _, scan, _) = messageml_against_scan(&part);
        println!("    {:<36} {:>7} messages  {:.2}x", kind.label(), part.len(), ratio(messageml, scan));
    }
    println!();
    drop(messages);
    drop(values);
    Ok((bytes, full))
}

/// The whole process: the release `ferry check --format json` on the batch written to a file, on one thread
/// and on every core, against a process that only reads the file and parses it into `IgnoredAny`, in turns.
/// Fails when the two reports differ.
fn whole_process_check(batch: &[u8], n_records: usize) -> Result<()> {
    let ferry = crate::shell::target_dir().join("release/ferry");
    let directory = crate::shell::target_dir().join("bench-check");
    std::fs::create_dir_all(&directory)?;
    let path = RemoveOnDrop(directory.join("batch.json"));
    std::fs::write(&path.0, batch)?;
    let executable = std::env::current_exe().context("could not find this program")?;
    let threads = available_threads();
    let check = |threads: usize| {
        let mut command = Command::new(&ferry);
        command.args(["check", "--format", "json", "--now", &gen::NOW_MILLIS.to_string(), "--threads"]);
        command.arg(threads.to_string()).arg(&path.0);
        command
    };
    let mut floor = Command::new(&executable);
    floor.args(["bench-stream", "--floor"]).arg(&path.0);
    let mut outputs: Vec<Result<std::process::Output>> =
        vec![Err(anyhow::anyhow!("not run")), Err(anyhow::anyhow!("not run")), Err(anyhow::anyhow!("not run"))];
    let [one_output, all_output, floor_output] = &mut outputs[..] else { bail!("three outputs expected") };
    let mut one_thread = check(1);
    let mut all_threads = check(0);
    let times = fastest_in_turns(&mut [
        &mut || *one_output = one_thread.output().context("running ferry check --threads 1"),
        &mut || *all_output = all_threads.output().context("running ferry check"),
        &mut || *floor_output = floor.output().context("running the floor"),
    ]);
    let [one, all, floor_time] = times[..] else { bail!("three timings expected") };
    let mut reports = Vec::new();
    for output in outputs {
        let output = output?;
        // `ferry check` exits 1 when the batch has errors (it does); 2 is a failed run.
        if !matches!(output.status.code(), Some(0 | 1)) {
            bail!("a whole-process run failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr));
        }
        reports.push(output.stdout);
    }
    if reports[0] != reports[1] {
        bail!("`ferry check --format json` printed different reports on 1 and on {threads} threads");
    }
    println!(
        "whole processes on the batch in a file (the {:.1} MB JSON report on {threads} threads is byte for byte the one on 1):",
        reports[0].len() as f64 / 1e6
    );
    print_rate("ferry check --format json --threads 1", one, n_records, batch.len());
    print_rate(&format!("ferry check --format json ({threads} threads)"), all, n_records, batch.len());
    print_rate("floor: read + serde_json -> IgnoredAny", floor_time, n_records, batch.len());
    println!(
        "  ratio to the floor: {:.2}x on 1 thread, {:.2}x on {threads} (target <= 3x)\n",
        ratio(one, floor_time),
        ratio(all, floor_time)
    );
    Ok(())
}

/// How many threads `Validator::parallel(_, 0)` and `ferry check` use: one per core.
fn available_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Feeds `validator` the way the CLI does: one file after another, in fixed-size chunks.
fn validate_in_chunks(mut validator: Validator, files: &[&[u8]]) -> Report {
    for (index, file) in files.iter().enumerate() {
        validator.begin_file(&format!("file-{index}"));
        for chunk in file.chunks(STREAM_CHUNK_BYTES) {
            validator.push(chunk);
        }
        validator.end_file();
    }
    validator.finish()
}

/// Times MessageML validation of `messages` (with their EntityJSON data) against quick-xml's bare event scan
/// of the same text, in turns: each one's fastest duration, the findings and the events counted.
fn messageml_against_scan(messages: &[(&str, Option<&str>)]) -> (Duration, usize, Duration, usize) {
    let options = MessageMlOptions::default();
    fastest_of_each(
        || messages.iter().map(|(message, data)| check_message(message, *data, &options).len()).sum::<usize>(),
        || messages.iter().map(|(message, _)| quick_xml_event_count(message)).sum::<usize>(),
    )
}

/// The kinds of message the MessageML figure is broken down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MessageKind {
    /// `<messageML>` around text without markup, no EntityJSON data.
    Plain,
    /// Any other markup, no EntityJSON data.
    Markup,
    /// A message with EntityJSON data.
    WithEntityJson,
}

impl MessageKind {
    fn of(message: &str, data: Option<&str>) -> Self {
        let plain = message
            .strip_prefix("<messageML>")
            .and_then(|rest| rest.strip_suffix("</messageML>"))
            .is_some_and(|body| !body.contains('<'));
        match (data, plain) {
            (Some(_), _) => MessageKind::WithEntityJson,
            (None, true) => MessageKind::Plain,
            (None, false) => MessageKind::Markup,
        }
    }

    fn label(self) -> &'static str {
        match self {
            MessageKind::Plain => "plain text in <messageML>",
            MessageKind::Markup => "markup, no EntityJSON data",
            MessageKind::WithEntityJson => "with EntityJSON data",
        }
    }
}

/// Reads every event of a message and does nothing with it: the floor of any XML-based validation.
fn quick_xml_event_count(message: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(message);
    let mut count = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) | Err(_) => return count,
            Ok(_) => count += 1,
        }
    }
}

/// What the streaming child reports, one JSON line on its standard output.
#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StreamFigures {
    records: usize,
    bytes: u64,
    diagnostics: usize,
    errors: usize,
    seconds: f64,
    peak_resident_kib: u64,
}

/// Generates the NDJSON file, has a child validate it streaming, prints the figures, deletes the file.
fn streaming_memory(args: &BenchArgs) -> Result<()> {
    let directory = crate::shell::target_dir().join("ferry-bench");
    std::fs::create_dir_all(&directory).with_context(|| format!("could not create {}", directory.display()))?;
    let path = directory.join("stream.ndjson");
    let _cleanup = RemoveOnDrop(path.clone());

    let started = Instant::now();
    let file = File::create(&path).with_context(|| format!("could not create {}", path.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let (n_records, n_bytes) = gen::write_ndjson(&mut writer, args.seed, args.stream_bytes)?;
    writer.into_inner().map_err(|error| error.into_error())?.sync_all()?;
    println!(
        "streaming: generated {n_records} records, {:.2} GB of NDJSON in {:.1} s",
        n_bytes as f64 / 1e9,
        started.elapsed().as_secs_f64()
    );

    let executable = std::env::current_exe().context("could not find this program")?;
    for (mode, label) in [
        (StreamMode::Drain, "diagnostics drained as they come, as a streaming consumer does"),
        (StreamMode::DrainParallel, "the same on every core"),
        (StreamMode::Keep, "every diagnostic kept in memory to the end, as one `validate()` call does"),
    ] {
        let output = Command::new(&executable)
            .arg("bench-stream")
            .arg(mode.flag())
            .arg(&path)
            .output()
            .context("could not start the streaming child")?;
        if !output.status.success() {
            bail!("the streaming child failed ({}): {}", output.status, String::from_utf8_lossy(&output.stderr));
        }
        let figures: StreamFigures = serde_json::from_slice(&output.stdout).context("the streaming child's figures")?;
        println!("  streaming validation, {label}:");
        println!(
            "    {} records, {:.2} GB in {:.1} s = {:.0} messages/s, {:.0} MB/s; {} diagnostics ({} errors)",
            figures.records,
            figures.bytes as f64 / 1e9,
            figures.seconds,
            figures.records as f64 / figures.seconds,
            figures.bytes as f64 / 1e6 / figures.seconds,
            figures.diagnostics,
            figures.errors
        );
        println!(
            "    peak resident memory of the validating process (VmHWM): {:.1} MB (target < 200 MB)",
            figures.peak_resident_kib as f64 * 1024.0 / 1e6
        );
    }
    ferry_check_memory(&path)?;
    println!();
    Ok(())
}

/// Runs the release `ferry check --format json` on the streaming file under `/usr/bin/time`, which reports
/// the peak resident memory of the process it runs (`%M`, in KiB); says so when either is missing.
fn ferry_check_memory(path: &Path) -> Result<()> {
    let time = Path::new("/usr/bin/time");
    let ferry = crate::shell::target_dir().join("release").join("ferry");
    if !time.exists() || !ferry.exists() {
        println!("  `ferry check` on the same file: not measured (needs /usr/bin/time and target/release/ferry)");
        return Ok(());
    }
    let started = Instant::now();
    let output = Command::new(time)
        .args(["-f", "%M"])
        .arg(&ferry)
        .args(["check", "--format", "json", "--now"])
        .arg(gen::NOW_MILLIS.to_string())
        .arg(path)
        .stdout(std::process::Stdio::null())
        .output()
        .context("could not run `ferry check` under /usr/bin/time")?;
    let seconds = started.elapsed().as_secs_f64();
    // `ferry check` exits 1 when the batch has errors, which the generated one has; 2 is a failed run.
    if output.status.code() == Some(2) {
        bail!("`ferry check` failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak_kib: u64 = stderr
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .with_context(|| format!("no peak memory in /usr/bin/time's output: {stderr}"))?;
    println!(
        "  `ferry check --format json` on the same file (report to /dev/null): {seconds:.1} s, peak resident memory \
         {:.1} MB (target < 100 MB)",
        peak_kib as f64 * 1024.0 / 1e6
    );
    Ok(())
}

/// What the streaming child does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StreamMode {
    /// Takes the diagnostics from the validator after every chunk and only counts them.
    Drain,
    /// The same, checking on every core (`Validator::parallel`).
    DrainParallel,
    /// Leaves the diagnostics in the validator until the end.
    Keep,
    /// Validates nothing: reads the file and parses it into `IgnoredAny`, the floor of any check.
    Floor,
}

impl StreamMode {
    fn flag(self) -> &'static str {
        match self {
            StreamMode::Drain => "--drain",
            StreamMode::DrainParallel => "--drain-parallel",
            StreamMode::Keep => "--keep",
            StreamMode::Floor => "--floor",
        }
    }
}

/// `bench-stream --drain|--keep FILE`: validates one file streaming and prints [`StreamFigures`] as JSON.
/// Run as a child process so its peak memory is the validation's alone.
///
/// # Errors
/// When the arguments are wrong or the file cannot be read.
pub fn run_stream_child(args: &[String]) -> Result<()> {
    let usage = "usage: bench-stream --drain|--drain-parallel|--keep|--floor FILE";
    let mode = [StreamMode::Drain, StreamMode::DrainParallel, StreamMode::Keep, StreamMode::Floor]
        .into_iter()
        .find(|mode| args.first().is_some_and(|flag| flag == mode.flag()))
        .context(usage)?;
    let path = PathBuf::from(args.get(1).context(usage)?);
    if mode == StreamMode::Floor {
        let bytes = std::fs::read(&path).with_context(|| format!("could not read {}", path.display()))?;
        serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).context("the file is not JSON")?;
        return Ok(());
    }
    let started = Instant::now();
    let (report, drained) = validate_file_streaming(&path, mode)?;
    let seconds = started.elapsed().as_secs_f64();
    let figures = StreamFigures {
        records: report.summary.records,
        bytes: report.summary.bytes,
        diagnostics: drained + report.diagnostics.len(),
        errors: report.summary.errors,
        seconds,
        peak_resident_kib: peak_resident_kib()?,
    };
    println!("{}", serde_json::to_string(&figures)?);
    Ok(())
}

/// Validates a file in [`STREAM_CHUNK_BYTES`] chunks; returns the report and the number of diagnostics
/// drained on the way.
fn validate_file_streaming(path: &Path, mode: StreamMode) -> Result<(Report, usize)> {
    let mut file = File::open(path).with_context(|| format!("could not open {}", path.display()))?;
    let options = Options::new(Target::Symphony, gen::NOW_MILLIS);
    let mut validator =
        if mode == StreamMode::DrainParallel { Validator::parallel(options, 0) } else { Validator::new(options) };
    validator.begin_file(&path.display().to_string());
    let mut buffer = vec![0_u8; STREAM_CHUNK_BYTES];
    let mut drained = 0;
    loop {
        let filled = file.read(&mut buffer).with_context(|| format!("could not read {}", path.display()))?;
        if filled == 0 {
            break;
        }
        validator.push(&buffer[..filled]);
        if mode != StreamMode::Keep {
            drained += validator.drain_diagnostics().len();
        }
    }
    validator.end_file();
    Ok((validator.finish(), drained))
}

/// The peak resident set size of this process (`VmHWM` in `/proc/self/status`), in KiB.
fn peak_resident_kib() -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status").context("could not read /proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM line in /proc/self/status")
}

// ---------------------------------------------------------------------------------------------------------
// wasm under Node: the npm package (`cargo xtask package`, built by `cargo xtask bench` before this process
// starts) validates the same batch, fed in the same 64 KiB chunks, in a Node process; its time is compared with
// the native `Validator` time measured above in this run (target: within 2x of native).
fn wasm_under_node(batch: &[u8], native: Duration) -> Result<()> {
    let root = crate::shell::workspace_root();
    let package = root.join("crates/ferry-wasm/pkg");
    if !package.join("ferry_wasm_bg.wasm").is_file() {
        println!(
            "wasm under Node: not measured, {} holds no built package (`cargo xtask package`)\n",
            package.display()
        );
        return Ok(());
    }
    let directory = crate::shell::target_dir().join("bench-wasm");
    std::fs::create_dir_all(&directory)?;
    let batch_path = directory.join("batch.json");
    std::fs::write(&batch_path, batch)?;
    let output = crate::shell::capture(
        Command::new("node")
            .arg(root.join("crates/ferry-wasm/bench/throughput.mjs"))
            .arg(&package)
            .arg(&batch_path)
            .arg(gen::NOW_MILLIS.to_string()),
    )?;
    std::fs::remove_dir_all(&directory)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("the wasm benchmark failed: {}{}", stdout, String::from_utf8_lossy(&output.stderr));
    }
    let seconds_of = |key: &str| -> Option<f64> {
        let line = stdout.lines().find(|line| line.starts_with("wasm-node:"))?;
        let value = line.split_whitespace().find_map(|field| field.strip_prefix(key)?.strip_prefix('='))?;
        value.parse().ok()
    };
    let (Some(whole), Some(streaming)) = (seconds_of("validate_seconds"), seconds_of("streaming_seconds")) else {
        bail!("the wasm benchmark printed no `wasm-node:` line:\n{stdout}");
    };
    let native_seconds = native.as_secs_f64();
    println!("wasm under Node (same batch, fastest of its runs):");
    println!("  StreamingValidator, 64 KiB chunks     {streaming:>8.3} s  ({:.2}x native {native_seconds:.3} s; target <= 2x)", streaming / native_seconds);
    println!("  validate() on the whole file           {whole:>8.3} s  ({:.2}x native)\n", whole / native_seconds);
    Ok(())
}

// ---------------------------------------------------------------------------------------------------------
// Sandbox import rate: messages per second the sandbox's Agent imports over HTTP on 127.0.0.1, in batches of
// 5,000 without attachments, one request at a time (target: at least 20,000 messages/s; a real pod documents
// about 56), with the state in memory and in a SQLite file; the fastest of RUNS measurements is printed.
fn sandbox_import_rate() -> Result<()> {
    const BATCHES: usize = 10;
    const BATCH_SIZE: usize = 5_000;
    const REQUIRED_PER_SECOND: f64 = 20_000.0;
    let directory = crate::shell::target_dir().join("bench-sandbox");
    std::fs::create_dir_all(&directory)?;
    let file = directory.join("state.sqlite3");
    println!("sandbox import ({BATCHES} requests of {BATCH_SIZE} messages, no attachments, over HTTP):");
    for (label, storage) in
        [("in memory", ferry_sandbox::Storage::Memory), ("SQLite file", ferry_sandbox::Storage::File(file.clone()))]
    {
        let mut reports = Vec::with_capacity(RUNS);
        for _ in 0..RUNS {
            reports.push(ferry_sandbox::bench::measure_import(&storage, BATCHES, BATCH_SIZE)?);
        }
        let Some(report) = reports.into_iter().min_by_key(|report| report.elapsed) else {
            bail!("no sandbox measurement was made");
        };
        let rate = report.messages_per_second();
        println!(
            "  {label:<38} {:>8.3} s  {rate:>10.0} messages/s  ({:.1}x the required {REQUIRED_PER_SECOND:.0})",
            report.elapsed.as_secs_f64(),
            rate / REQUIRED_PER_SECOND
        );
    }
    std::fs::remove_dir_all(&directory)?;
    println!();
    Ok(())
}

/// Runs each of `works` in turns, [`RUNS`] rounds, so that a load that comes and goes on the shared machine
/// weighs on every side of a ratio alike; returns each one's fastest duration, in order.
fn fastest_in_turns(works: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let mut fastest = vec![Duration::MAX; works.len()];
    for _ in 0..RUNS {
        for (work, best) in works.iter_mut().zip(&mut fastest) {
            let started = Instant::now();
            work();
            *best = (*best).min(started.elapsed());
        }
    }
    fastest
}

/// Runs `work` [`RUNS`] times (at least once); returns the fastest duration and the last result.
fn fastest<T>(mut work: impl FnMut() -> T) -> (Duration, T) {
    let (best, result, _, ()) = fastest_of_each(&mut work, || ());
    (best, result)
}

/// Runs `first` and `second` in turns, [`RUNS`] times each, so that a load that comes and goes on the shared
/// machine weighs on both sides of a ratio alike; returns each one's fastest duration and last result.
fn fastest_of_each<A, B>(mut first: impl FnMut() -> A, mut second: impl FnMut() -> B) -> (Duration, A, Duration, B) {
    fn timed<T>(work: &mut impl FnMut() -> T) -> (Duration, T) {
        let started = Instant::now();
        let result = std::hint::black_box(work());
        (started.elapsed(), result)
    }
    let (mut first_best, mut first_result) = timed(&mut first);
    let (mut second_best, mut second_result) = timed(&mut second);
    for _ in 1..RUNS {
        let (elapsed, result) = timed(&mut first);
        (first_best, first_result) = (first_best.min(elapsed), result);
        let (elapsed, result) = timed(&mut second);
        (second_best, second_result) = (second_best.min(elapsed), result);
    }
    (first_best, first_result, second_best, second_result)
}

fn print_rate(label: &str, duration: Duration, n_messages: usize, n_bytes: usize) {
    let seconds = duration.as_secs_f64().max(f64::MIN_POSITIVE);
    println!(
        "  {label:<38} {:>8.3} s  {:>10.0} messages/s  {:>8.1} MB/s",
        seconds,
        n_messages as f64 / seconds,
        n_bytes as f64 / 1e6 / seconds
    );
}

fn ratio(numerator: Duration, denominator: Duration) -> f64 {
    numerator.as_secs_f64() / denominator.as_secs_f64().max(f64::MIN_POSITIVE)
}

/// Deletes the generated file however the run ends.
pub(crate) struct RemoveOnDrop(pub(crate) PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn arguments_parse_and_round_trip() {
        let parsed = BenchArgs::parse(&["--records".into(), "10".into(), "--stream-bytes".into(), "0".into()]).unwrap();
        assert_eq!((parsed.records, parsed.stream_bytes, parsed.seed), (10, 0, DEFAULT_SEED));
        let again = BenchArgs::parse(&parsed.to_args()).unwrap();
        assert_eq!((again.records, again.stream_bytes, again.seed), (10, 0, DEFAULT_SEED));
        assert!(BenchArgs::parse(&["--records".into()]).is_err());
        assert!(BenchArgs::parse(&["--bogus".into(), "1".into()]).is_err());
        let check = BenchArgs::parse(&["--part".into(), "check".into()]).unwrap();
        assert!(check.check_only && BenchArgs::parse(&check.to_args()).unwrap().check_only);
        assert!(!BenchArgs::parse(&["--part".into(), "all".into()]).unwrap().check_only);
        assert!(BenchArgs::parse(&["--part".into(), "web".into()]).is_err());
    }

    #[test]
    fn peak_memory_is_read_from_proc() {
        assert!(peak_resident_kib().unwrap() > 0);
    }

    #[test]
    fn messages_are_told_apart_by_kind() {
        assert_eq!(MessageKind::of("<messageML>hi &amp; bye</messageML>", None), MessageKind::Plain);
        assert_eq!(MessageKind::of("<messageML>hi <b>there</b></messageML>", None), MessageKind::Markup);
        assert_eq!(MessageKind::of("<div data-format=\"PresentationML\">hi</div>", None), MessageKind::Markup);
        assert_eq!(MessageKind::of("<messageML>hi</messageML>", Some("{}")), MessageKind::WithEntityJson);
    }

    #[test]
    fn quick_xml_scan_counts_events() {
        assert_eq!(quick_xml_event_count("<messageML>hi <b>there</b></messageML>"), 6);
    }
}
