//! `cargo xtask test` (every tier, one summary line) and `cargo xtask serve`.
//!
//! Tiers: native (`cargo test` over the workspace with rustup's stable toolchain, never the Debian one), wasm in
//! Node and in headless Chromium (`wasm-bindgen-test` through Debian's rustc with build-std), and the browser end
//! to end (playwright-core driving `/usr/bin/chromium` against `ferry serve`). Each tier prints its wall time;
//! the last line is `N passed, M failed` over all tiers, and the command fails when any tier fails.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::bench::RemoveOnDrop;
use crate::setup::{self, Tools};
use crate::shell::{self, workspace_root};

/// The `wasm-bindgen-test` runs, each in Node and in Chromium: ferry-core's and ferry-convert's portable tests (their other test
/// targets use dev-dependencies that do not build for wasm32), and every test of ferry-wasm (the bindings, and
/// the parity of the wasm reports with the native ones on every rule fixture).
const WASM_TEST_RUNS: &[&[&str]] = &[
    &["test", "-p", "ferry-core", "--target", "wasm32-unknown-unknown", "--test", "portable"],
    &["test", "-p", "ferry-wasm", "--target", "wasm32-unknown-unknown", "--tests"],
    &["test", "-p", "ferry-convert", "--target", "wasm32-unknown-unknown", "--test", "portable"],
];
/// The end-to-end test scripts, run with node from `tests/e2e`.
const E2E_SCRIPT: &str = "tests/e2e/run.mjs";
/// How long `ferry serve` may take to print its address.
const SERVE_START_TIMEOUT: Duration = Duration::from_secs(120);

/// Counts of one tier.
struct TierOutcome {
    name: &'static str,
    passed: u64,
    failed: u64,
    wall: Duration,
}

/// Runs every tier; fails when any test failed or any tier could not run.
///
/// # Errors
/// When setup fails, or when any tier has a failure.
pub fn run(args: &[String]) -> Result<()> {
    if let Some(unknown) = args.first() {
        bail!("`cargo xtask test` takes no arguments (got `{unknown}`)");
    }
    let tools = setup::run()?;
    let root = workspace_root();
    let mut outcomes = Vec::new();

    outcomes.push(tier("native", || {
        let mut command = Command::new("cargo");
        // --show-output: the data-driven tests print their figures (or that their data is absent) even when
        // they pass.
        command.args(["test", "--workspace", "--no-fail-fast", "--", "--show-output"]).current_dir(&root);
        counted(&mut command)
    }));
    outcomes.push(tier("wasm (node)", || wasm_tests(&tools, false)));
    outcomes.push(tier("wasm (chromium)", || wasm_tests(&tools, true)));
    outcomes.push(tier("browser end to end", || end_to_end(&tools)));

    println!();
    for outcome in &outcomes {
        println!(
            "tier {:<20} {:>5} passed, {:>3} failed  ({:.1} s)",
            outcome.name,
            outcome.passed,
            outcome.failed,
            outcome.wall.as_secs_f64()
        );
    }
    let passed: u64 = outcomes.iter().map(|outcome| outcome.passed).sum();
    let failed: u64 = outcomes.iter().map(|outcome| outcome.failed).sum();
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        bail!("{failed} test(s) failed");
    }
    Ok(())
}

/// Runs one tier, timing it; a tier that could not run at all counts as one failure.
fn tier(name: &'static str, body: impl FnOnce() -> Result<Counts>) -> TierOutcome {
    println!("\n==> tier: {name}");
    let started = Instant::now();
    let (passed, failed) = match body() {
        Ok(counts) if counts.command_succeeded || counts.failed > 0 => (counts.passed, counts.failed),
        Ok(counts) => {
            eprintln!("tier {name}: the command failed without reporting a failed test; counted as one failure");
            (counts.passed, counts.failed + 1)
        }
        Err(error) => {
            eprintln!("tier {name} could not run: {error:#}");
            (0, 1)
        }
    };
    let wall = started.elapsed();
    println!("==> tier {name}: {passed} passed, {failed} failed in {:.1} s", wall.as_secs_f64());
    TierOutcome { name, passed, failed, wall }
}

/// Test counts parsed from a command's output.
#[derive(Default)]
struct Counts {
    passed: u64,
    failed: u64,
    command_succeeded: bool,
}

impl Counts {
    /// Adds the counts of one summary line: libtest's `test result: ok. 3 passed; 0 failed; ...` or the
    /// end-to-end script's `e2e result: 3 passed, 0 failed`.
    fn add_line(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix("test result: ").or_else(|| line.strip_prefix("e2e result: ")) else {
            return;
        };
        let words: Vec<&str> = rest
            .split(|c: char| c.is_whitespace() || c == ';' || c == ',' || c == '.')
            .filter(|w| !w.is_empty())
            .collect();
        for pair in words.windows(2) {
            let Ok(number) = pair[0].parse::<u64>() else { continue };
            match pair[1] {
                "passed" => self.passed += number,
                "failed" => self.failed += number,
                _ => {}
            }
        }
    }
}

/// Runs a command, echoing its stdout and counting the summary lines in it.
fn counted(command: &mut Command) -> Result<Counts> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{}`", shell::describe(command)))?;
    let mut counts = Counts::default();
    let stdout = child.stdout.take().context("child has no stdout")?;
    let mut echo = std::io::stdout();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        counts.add_line(&line);
        writeln!(echo, "{line}")?;
    }
    counts.command_succeeded = child.wait()?.success();
    Ok(counts)
}

/// Runs every [`WASM_TEST_RUNS`] entry through Debian's toolchain, in Node or in headless Chromium.
fn wasm_tests(tools: &Tools, in_browser: bool) -> Result<Counts> {
    let mut total = Counts { command_succeeded: true, ..Counts::default() };
    for args in WASM_TEST_RUNS {
        let mut command = Command::new("/usr/bin/cargo");
        command.envs(tools.wasm_env()).args(*args).current_dir(workspace_root());
        if in_browser {
            command.env("WASM_BINDGEN_USE_BROWSER", "1");
        }
        let counts = counted(&mut command)?;
        total.passed += counts.passed;
        total.failed += counts.failed;
        total.command_succeeded &= counts.command_succeeded;
    }
    Ok(total)
}

/// Builds the web app in release mode into `dist/`.
///
/// # Errors
/// When trunk fails.
pub fn build_web(tools: &Tools) -> Result<()> {
    // trunk runs cargo with --offline (TRUNK_OFFLINE), and build-std needs std's own dependencies (dlmalloc,
    // ...) in cargo's cache, which a fresh machine lacks: the same build first, online, fills it (and trunk then
    // finds the build done).
    let mut prefetch = Command::new("/usr/bin/cargo");
    prefetch
        .args(["build", "--target=wasm32-unknown-unknown", "--manifest-path", "web/Cargo.toml", "--release", "--bins"])
        .envs(tools.wasm_env())
        .current_dir(workspace_root());
    shell::run(&mut prefetch)?;
    let mut command = Command::new(tools.trunk_bin.join("trunk"));
    command.args(["build", "--release"]).envs(tools.wasm_env()).current_dir(workspace_root());
    shell::run(&mut command)
}

/// Builds `crates/ferry-wasm/pkg`, the npm package in wasm-pack layout, and copies it next to the plain
/// JavaScript example page.
///
/// # Errors
/// When a build step fails.
pub fn build_wasm_package(tools: &Tools) -> Result<()> {
    let root = workspace_root();
    let package = root.join("crates/ferry-wasm/pkg");
    let mut build = Command::new("/usr/bin/cargo");
    build
        .args(["build", "-p", "ferry-wasm", "--target", "wasm32-unknown-unknown", "--release"])
        .envs(tools.wasm_env())
        .current_dir(&root);
    shell::run(&mut build)?;
    shell::run(
        Command::new(tools.wasm_bindgen_bin.join("wasm-bindgen"))
            .args(["--target", "web", "--out-dir"])
            .arg(&package)
            .arg(shell::target_dir().join("wasm32-unknown-unknown/release/ferry_wasm.wasm")),
    )?;
    let module = package.join("ferry_wasm_bg.wasm");
    shell::run(
        Command::new(tools.wasm_opt_bin.join("wasm-opt"))
            .args(["-Oz", "--enable-simd", "-o"])
            .arg(&module)
            .arg(&module),
    )?;
    for file in ["package.json", "README.md"] {
        std::fs::copy(root.join("crates/ferry-wasm/npm").join(file), package.join(file))
            .with_context(|| format!("copying {file} into {}", package.display()))?;
    }
    let example_package = root.join("examples/plain-js/pkg");
    if example_package.exists() {
        std::fs::remove_dir_all(&example_package).with_context(|| format!("removing {}", example_package.display()))?;
    }
    std::fs::create_dir_all(&example_package)?;
    for entry in std::fs::read_dir(&package)? {
        let entry = entry?;
        std::fs::copy(entry.path(), example_package.join(entry.file_name()))?;
    }
    Ok(())
}

fn end_to_end(tools: &Tools) -> Result<Counts> {
    // A debug `ferry` with the app embedded, as `cargo xtask dist` makes it in release mode: the app under
    // test is the embedded one (no --dist).
    let ferry = crate::dist::build(tools, false)?;
    build_wasm_package(tools)?;
    let root = workspace_root();
    let app = Server::start(&ferry, &["serve", "--port", "0", "--memory"])?;
    // In memory, so the test leaves no journal in the clone.
    let plain_js =
        Server::start(&ferry, &["serve", "--port", "0", "--no-sandbox", "--memory", "--dist", "examples/plain-js"])?;
    // The long-task test (suites/perf.mjs) checks the bench's batch in the page.
    let bench_batch = write_bench_batch()?;
    let mut command = Command::new("node");
    command
        .arg(E2E_SCRIPT)
        .env("FERRY_URL", &app.url)
        .env("FERRY_BIN", &ferry)
        .env("FERRY_PLAIN_JS_URL", &plain_js.url)
        .env("FERRY_BENCH_BATCH", &bench_batch.0)
        .current_dir(&root);
    counted(&mut command)
}

/// Writes the bench's batch (100,000 generated messages as a JSON array, about 96 MB) under the target folder.
///
/// # Errors
/// When the file cannot be written.
pub(crate) fn write_bench_batch() -> Result<RemoveOnDrop> {
    let directory = crate::shell::target_dir().join("e2e");
    std::fs::create_dir_all(&directory)?;
    let file = RemoveOnDrop(directory.join(format!("bench-batch-{}.json", std::process::id())));
    let mut writer = std::io::BufWriter::new(std::fs::File::create(&file.0)?);
    crate::gen::write_json_array(&mut writer, crate::bench::DEFAULT_SEED, crate::bench::DEFAULT_RECORDS)?;
    writer.flush()?;
    Ok(file)
}

/// A `ferry` process serving on a free port, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    /// The address it printed, with its token.
    pub(crate) url: String,
}

impl Server {
    /// Runs `program args` and waits for the address it serves on.
    pub(crate) fn start(program: &PathBuf, args: &[&str]) -> Result<Server> {
        let mut child = Command::new(program)
            .args(args)
            .current_dir(workspace_root())
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("could not start {}", program.display()))?;
        let stdout = child.stdout.take().context("server has no stdout")?;
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                println!("{line}");
                if let Some(start) = line.find("http://127.0.0.1:") {
                    let url: String = line[start..].split_whitespace().next().unwrap_or_default().to_owned();
                    let _ = sender.send(url);
                }
            }
        });
        match receiver.recv_timeout(SERVE_START_TIMEOUT) {
            Ok(url) => Ok(Server { child, url }),
            Err(_) => {
                let _ = child.kill();
                bail!("`ferry serve` printed no http://127.0.0.1 address within {SERVE_START_TIMEOUT:?}")
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `cargo xtask serve [ARGS...]`: setup, `cargo xtask dist`, then that binary's `ferry serve` in the foreground.
///
/// # Errors
/// When setup or a build fails, or `ferry serve` exits with an error.
pub fn serve(args: &[String]) -> Result<()> {
    let tools = setup::run()?;
    let ferry = crate::dist::build(&tools, true)?;
    shell::run(Command::new(ferry).arg("serve").args(args).current_dir(workspace_root()))
}
