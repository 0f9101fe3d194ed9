//! The conversion's figures: the release `ferry convert slack` on a generated Slack export of 1,000,000
//! messages ([`crate::gen_slack`], a ZIP under `target/`, deleted afterwards): messages per second and the peak
//! resident memory of the converting process (`/usr/bin/time`'s `%M`, the kernel's high-water mark of the
//! child), with the export's size.
//!
//! Part of `cargo xtask bench`; `cargo xtask bench-convert [--messages N] [--seed N]` runs it alone (it builds
//! the release `ferry` first). One run, not the fastest of several: a run converts for tens of seconds, long
//! enough for a passing load to weigh little, and the whole measurement stays a few minutes on a small machine.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

/// Messages in the generated export.
pub(crate) const DEFAULT_MESSAGES: usize = 1_000_000;

/// Deletes the bench's folder however the run ends.
struct RemoveFolderOnDrop(PathBuf);

impl Drop for RemoveFolderOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `cargo xtask bench-convert [--messages N] [--seed N]`: builds the release `ferry`, then measures.
///
/// # Errors
/// When the arguments are wrong, the build fails or the measurement fails.
pub(crate) fn run(args: &[String]) -> Result<()> {
    let usage = "usage: cargo xtask bench-convert [--messages N] [--seed N]";
    let (mut messages, mut seed) = (DEFAULT_MESSAGES, super::DEFAULT_SEED);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().context(usage)?;
        match flag.as_str() {
            "--messages" => messages = value.parse().context("--messages")?,
            "--seed" => seed = value.parse().context("--seed")?,
            _ => bail!(usage),
        }
    }
    super::build_release_ferry()?;
    conversion_figures(seed, messages)
}

/// Generates the export, converts it with the release `ferry`, prints the figures, deletes the files.
///
/// # Errors
/// When the export cannot be written or the conversion fails.
pub(crate) fn conversion_figures(seed: u64, n_messages: usize) -> Result<()> {
    let time = Path::new("/usr/bin/time");
    let ferry = crate::shell::target_dir().join("release").join("ferry");
    println!("Slack export conversion (release `ferry convert slack`, {n_messages} messages, seed {seed}, one run):");
    if !time.exists() || !ferry.exists() {
        println!("  not measured (needs /usr/bin/time and target/release/ferry)\n");
        return Ok(());
    }
    let directory = crate::shell::target_dir().join("bench-convert");
    let _cleanup = RemoveFolderOnDrop(directory.clone());
    let export = directory.join("export.zip");
    let started = Instant::now();
    let generated = crate::gen_slack::write_export(&export, seed, n_messages, Some(&directory))?;
    let zip_bytes = std::fs::metadata(&export)?.len();
    println!(
        "  export: a ZIP of {:.1} MB ({:.1} MB of JSON in {} day files; {} membership and topic events), \
         generated in {:.1} s",
        zip_bytes as f64 / 1e6,
        generated.n_json_bytes as f64 / 1e6,
        generated.n_day_files,
        generated.n_events,
        started.elapsed().as_secs_f64()
    );

    let batch = directory.join("batch.ndjson");
    let printed = directory.join("convert-output.txt");
    let started = Instant::now();
    let output = Command::new(time)
        .args(["-f", "%M"])
        .arg(&ferry)
        .args(["convert", "slack"])
        .arg(&export)
        .arg("--users")
        .arg(directory.join("users.csv"))
        .arg("--streams")
        .arg(directory.join("streams.csv"))
        .arg("-o")
        .arg(&batch)
        .arg("--report")
        .arg(directory.join("report.json"))
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&printed)?)
        .output()
        .context("could not run `ferry convert slack` under /usr/bin/time")?;
    let seconds = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Exit 1 is a batch written with errors (the check's summary says how many); anything else is a failed run.
    if !matches!(output.status.code(), Some(0 | 1)) {
        bail!("`ferry convert slack` failed ({}): {stderr}", output.status);
    }
    let peak_kib: u64 = stderr
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .with_context(|| format!("no peak memory in /usr/bin/time's output: {stderr}"))?;
    let printed = std::fs::read_to_string(&printed)?;
    let check_summary = printed.lines().find(|line| line.starts_with("checked ")).unwrap_or("no check summary printed");
    let (n_records, batch_bytes) = count_lines(&batch)?;
    println!(
        "  converted in {seconds:.1} s: {:.0} messages/s read, {n_records} records written ({:.1} MB of NDJSON); \
         peak resident memory of `ferry convert` {:.1} MB",
        generated.n_messages as f64 / seconds.max(f64::MIN_POSITIVE),
        batch_bytes as f64 / 1e6,
        peak_kib as f64 * 1024.0 / 1e6
    );
    println!("  {check_summary}");
    println!();
    Ok(())
}

/// Lines and bytes of a file, read in pieces.
fn count_lines(path: &Path) -> Result<(usize, u64)> {
    let file = std::fs::File::open(path).with_context(|| format!("could not open {}", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut lines, mut bytes) = (0, 0_u64);
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok((lines, bytes));
        }
        lines += buffer.iter().filter(|&&byte| byte == b'\n').count();
        let length = buffer.len();
        bytes += length as u64;
        reader.consume(length);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_bytes_are_counted_across_buffers() {
        let directory = std::env::temp_dir().join(format!("ferry-bench-convert-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let _cleanup = RemoveFolderOnDrop(directory.clone());
        let path = directory.join("lines.ndjson");
        let text = "{}\n".repeat(1_000_000);
        std::fs::write(&path, &text).unwrap();
        assert_eq!(count_lines(&path).unwrap(), (1_000_000, text.len() as u64));
    }
}
