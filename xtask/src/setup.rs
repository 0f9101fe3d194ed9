//! `cargo xtask setup`: installs, on a fresh machine, exactly what the project needs beyond rustup's stable
//! toolchain, node and npm; says what it installs and why; does nothing (and says so in one line) when all is
//! there.
//!
//! Tools go to a per-user cache outside the clone (`$FERRY_TOOLS_DIR`, else `$XDG_CACHE_HOME/ferry/tools`, else
//! `~/.cache/ferry/tools`), one folder per tool and version, so a second clone reuses them. A tool counts as
//! present only when it runs and reports the pinned version.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::shell::{self, version_line, workspace_root};

/// trunk builds the web app; 0.22 needs a newer rustc than the machine's.
const TRUNK_VERSION: &str = "0.21.14";
/// npm's binaryen gives a wasm-opt that reads reference types (Debian's binaryen 108 cannot).
const BINARYEN_VERSION: &str = "132.0.0";
/// The end-to-end tests' npm packages, installed together into one folder: playwright-core drives Debian's
/// chromium (it never downloads a browser); axe-core checks the pages' accessibility.
const E2E_NPM_PACKAGES: &[(&str, &str)] = &[("playwright-core", "1.65.1"), ("axe-core", "4.14.1")];

/// Debian packages: the Rust toolchain that can build std for wasm32 (rustup's has no wasm32 std here), its
/// linker, and the browser with its driver for the wasm and end-to-end tests.
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    ("rustc-web", "rustc that can build std for wasm32-unknown-unknown"),
    ("cargo-web", "cargo of the same release, for build-std"),
    ("rust-web-src", "std sources for build-std"),
    ("rust-web-llvm", "LLVM tools of that rustc"),
    ("lld-22", "rust-lld, the wasm linker"),
    ("chromium", "headless browser for wasm and end-to-end tests"),
    ("chromium-driver", "WebDriver for wasm-bindgen-test in the browser"),
];

/// Where the installed tools are.
pub struct Tools {
    /// Folder holding `wasm-bindgen` and `wasm-bindgen-test-runner`.
    pub wasm_bindgen_bin: PathBuf,
    /// Folder holding `trunk`.
    pub trunk_bin: PathBuf,
    /// Folder holding `wasm-opt`.
    pub wasm_opt_bin: PathBuf,
    /// `node_modules` folder holding the end-to-end tests' npm packages ([`E2E_NPM_PACKAGES`]).
    pub node_modules: PathBuf,
}

impl Tools {
    /// Environment for every wasm32 command (and only those: native builds keep rustup's stable).
    pub fn wasm_env(&self) -> Vec<(String, String)> {
        let path = std::env::var("PATH").unwrap_or_default();
        let tool_path = format!(
            "{}:{}:{}:/usr/bin:{path}",
            self.wasm_bindgen_bin.display(),
            self.trunk_bin.display(),
            self.wasm_opt_bin.display()
        );
        [
            ("RUSTC", "/usr/bin/rustc".to_owned()),
            ("RUSTDOC", "/usr/bin/rustdoc".to_owned()),
            ("RUSTC_BOOTSTRAP", "1".to_owned()),
            ("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort".to_owned()),
            // 128-bit SIMD (Node 16.4+, every current browser): memchr and friends scan text about 1.4x
            // faster than with scalar code. For the target only, not for build scripts and proc-macros.
            ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", "-C target-feature=+simd128".to_owned()),
            ("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner".to_owned()),
            ("CHROMEDRIVER", "/usr/bin/chromedriver".to_owned()),
            ("TRUNK_SKIP_VERSION_CHECK", "true".to_owned()),
            ("TRUNK_OFFLINE", "true".to_owned()),
            ("PATH", tool_path),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
    }
}

fn tools_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("FERRY_TOOLS_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(cache) = std::env::var_os("XDG_CACHE_HOME") {
        return Ok(PathBuf::from(cache).join("ferry/tools"));
    }
    let home = std::env::var_os("HOME").context("neither FERRY_TOOLS_DIR, XDG_CACHE_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".cache/ferry/tools"))
}

/// The `wasm-bindgen` version pinned in Cargo.lock: crate, CLI and test runner must match.
fn locked_wasm_bindgen_version() -> Result<String> {
    let lock_path = workspace_root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).with_context(|| format!("reading {}", lock_path.display()))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == r#"name = "wasm-bindgen""# {
            if let Some(version) = lines.next().and_then(|next| next.trim().strip_prefix("version = ")) {
                return Ok(version.trim_matches('"').to_owned());
            }
        }
    }
    bail!("Cargo.lock pins no wasm-bindgen version")
}

/// One thing setup makes sure of.
struct Step {
    what: String,
    why: &'static str,
    present: bool,
}

/// Makes sure every tool is installed; returns where they are.
///
/// # Errors
/// When an install step fails; the message names the step and the command.
pub fn run() -> Result<Tools> {
    let started = Instant::now();
    let dir = tools_dir()?;
    let wasm_bindgen_version = locked_wasm_bindgen_version()?;
    let wasm_bindgen_root = dir.join(format!("wasm-bindgen-cli-{wasm_bindgen_version}"));
    let trunk_root = dir.join(format!("trunk-{TRUNK_VERSION}"));
    let binaryen_root = dir.join(format!("binaryen-{BINARYEN_VERSION}"));
    let e2e_packages: Vec<String> = E2E_NPM_PACKAGES.iter().map(|(name, version)| format!("{name}@{version}")).collect();
    let e2e_root = dir.join(format!("e2e-{}", e2e_packages.join("-")));
    let tools = Tools {
        wasm_bindgen_bin: wasm_bindgen_root.join("bin"),
        trunk_bin: trunk_root.join("bin"),
        wasm_opt_bin: binaryen_root.join("node_modules/.bin"),
        node_modules: e2e_root.join("node_modules"),
    };

    let missing_packages = missing_debian_packages()?;
    let wasm_bindgen_ok = reports_version(&tools.wasm_bindgen_bin.join("wasm-bindgen"), &wasm_bindgen_version)
        && reports_version(&tools.wasm_bindgen_bin.join("wasm-bindgen-test-runner"), &wasm_bindgen_version);
    let trunk_ok = reports_version(&tools.trunk_bin.join("trunk"), TRUNK_VERSION);
    let binaryen_major = BINARYEN_VERSION.split('.').next().unwrap_or(BINARYEN_VERSION);
    let wasm_opt_ok = reports_version(&tools.wasm_opt_bin.join("wasm-opt"), binaryen_major);
    let e2e_packages_ok = E2E_NPM_PACKAGES
        .iter()
        .all(|(name, version)| npm_package_version(&tools.node_modules.join(name)).as_deref() == Some(*version));

    let steps = [
        Step {
            what: format!("Debian packages {}", missing_packages.join(", ")),
            why: "wasm32 std, linker, chromium",
            present: missing_packages.is_empty(),
        },
        Step { what: format!("wasm-bindgen-cli {wasm_bindgen_version}"), why: "must equal the crate pinned in Cargo.lock", present: wasm_bindgen_ok },
        Step { what: format!("trunk {TRUNK_VERSION}"), why: "builds the web app", present: trunk_ok },
        Step { what: format!("wasm-opt (npm binaryen {BINARYEN_VERSION})"), why: "shrinks the release wasm", present: wasm_opt_ok },
        Step {
            what: e2e_packages.join(", "),
            why: "drive chromium and check accessibility in the end-to-end tests",
            present: e2e_packages_ok,
        },
    ];
    if steps.iter().all(|step| step.present) {
        link_node_modules(&tools)?;
        println!("setup: nothing to do, all tools present ({})", dir.display());
        return Ok(tools);
    }
    for step in steps.iter().filter(|step| !step.present) {
        println!("setup: installing {} ({})", step.what, step.why);
    }

    if !missing_packages.is_empty() {
        for (name, why) in DEBIAN_PACKAGES.iter().filter(|(name, _)| missing_packages.contains(name)) {
            println!("setup:   {name}: {why}");
        }
        install_debian_packages(&missing_packages)?;
    }
    if !wasm_bindgen_ok {
        // Without --locked: the CLI's own lock file wants a webpki-roots release the registry lacks.
        cargo_install(&["wasm-bindgen-cli", "--version", &wasm_bindgen_version], &wasm_bindgen_root)?;
    }
    if !trunk_ok {
        cargo_install(&["trunk", "--version", TRUNK_VERSION, "--locked"], &trunk_root)?;
    }
    if !wasm_opt_ok {
        npm_install(&[format!("binaryen@{BINARYEN_VERSION}")], &binaryen_root)?;
    }
    if !e2e_packages_ok {
        // In one command: `npm install --no-save` prunes what an earlier one installed.
        npm_install(&e2e_packages, &e2e_root)?;
    }
    link_node_modules(&tools)?;
    println!("setup: done in {:.0?}", started.elapsed());
    Ok(tools)
}

fn reports_version(program: &Path, version: &str) -> bool {
    version_line(program).is_some_and(|line| line.split(|c: char| c.is_whitespace() || c == '(' || c == '_').any(|word| word == version))
}

fn npm_package_version(package_dir: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(package_dir.join("package.json")).ok()?;
    let after_key = manifest.split(r#""version""#).nth(1)?;
    Some(after_key.split('"').nth(1)?.to_owned())
}

fn missing_debian_packages() -> Result<Vec<&'static str>> {
    let mut missing = Vec::new();
    for (name, _) in DEBIAN_PACKAGES {
        let output = shell::capture(Command::new("dpkg-query").args(["-W", "-f=${db:Status-Abbrev}", name]))?;
        if !String::from_utf8_lossy(&output.stdout).starts_with("ii") {
            missing.push(*name);
        }
    }
    Ok(missing)
}

/// apt needs root: run it directly as root, else through `sudo -n`.
fn privileged(program: &str) -> Command {
    let is_root = shell::capture(Command::new("id").arg("-u"))
        .map(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        .unwrap_or(false);
    if is_root {
        Command::new(program)
    } else {
        let mut command = Command::new("sudo");
        command.args(["-n", program]);
        command
    }
}

fn install_debian_packages(packages: &[&str]) -> Result<()> {
    shell::run(privileged("apt-get").args(["update", "-qq"]))
        .context("apt-get update failed (installing Debian packages needs root or password-less sudo)")?;
    shell::run(privileged("apt-get").env("DEBIAN_FRONTEND", "noninteractive").args(["install", "-y", "-qq"]).args(packages))
        .context("apt-get install failed")
}

fn cargo_install(args: &[&str], root: &Path) -> Result<()> {
    // Always rustup's cargo: these are native tools.
    shell::run(Command::new("cargo").arg("install").args(args).arg("--root").arg(root))
        .with_context(|| format!("installing {} into {}", args[0], root.display()))
}

fn npm_install(packages: &[String], root: &Path) -> Result<()> {
    std::fs::create_dir_all(root).with_context(|| format!("creating {}", root.display()))?;
    shell::run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--no-save"]).args(packages).current_dir(root))
        .with_context(|| format!("npm install {} in {}", packages.join(" "), root.display()))
}

/// The end-to-end tests import their npm packages from `tests/e2e/node_modules`: point it at the cache.
fn link_node_modules(tools: &Tools) -> Result<()> {
    let link = workspace_root().join("tests/e2e/node_modules");
    if std::fs::read_link(&link).is_ok_and(|target| target == tools.node_modules) {
        return Ok(());
    }
    if link.symlink_metadata().is_ok() {
        let removed = if link.is_dir() && link.symlink_metadata().is_ok_and(|meta| !meta.file_type().is_symlink()) {
            std::fs::remove_dir_all(&link)
        } else {
            std::fs::remove_file(&link)
        };
        removed.with_context(|| format!("replacing {}", link.display()))?;
    }
    if let Some(parent) = link.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::os::unix::fs::symlink(&tools.node_modules, &link)
        .with_context(|| format!("linking {} to {}", link.display(), tools.node_modules.display()))
}
