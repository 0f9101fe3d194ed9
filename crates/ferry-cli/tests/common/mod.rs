//! What the CLI's integration tests share: scratch folders, one `ferry` run with its output, and `ferry sandbox`
//! run as its own process on a free port of 127.0.0.1 (reached over real HTTP, as a pod is).

#![allow(dead_code)] // Each test file uses the part it needs.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// An empty folder of its own under the system's temporary folder, for the test `name` of the file `suite`.
pub fn scratch(suite: &str, name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("ferry-cli-{suite}-{name}-{}", std::process::id()));
    if directory.exists() {
        std::fs::remove_dir_all(&directory).unwrap();
    }
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

/// What one `ferry` run gave.
pub struct Run {
    /// Its exit status.
    pub code: i32,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

/// Runs `ferry` with `args` (colours off) to its end.
pub fn ferry(args: &[&Path]) -> Run {
    let output =
        Command::new(env!("CARGO_BIN_EXE_ferry")).args(args).env("NO_COLOR", "1").output().expect("ferry runs");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The private key of the service user every sandbox manifest of these tests names (`import-bot`).
pub const SERVICE_USER_KEY_PATH: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../ferry-proxy/tests/fixtures/service-user.key.pem");

/// A standalone `ferry sandbox`, stopped when dropped.
pub struct Sandbox {
    child: Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// Its SQLite state file.
    pub state: PathBuf,
}

impl Sandbox {
    /// Starts `ferry sandbox` with the manifest file `manifest`, its state in `state`, and `extra` arguments;
    /// returns once it has said where it listens.
    pub fn start(manifest: &Path, state: &Path, extra: &[&str]) -> Sandbox {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferry"))
            .args(["sandbox", "--port", "0", "--state"])
            .arg(state)
            .arg("--manifest")
            .arg(manifest)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line
            .trim_end()
            .strip_prefix("listening on http://127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Sandbox { child, port, state: state.to_owned() }
    }

    /// Writes into `directory` the BDK configuration of this sandbox's service user, as JSON (the proxy reads
    /// YAML or JSON), and returns its path.
    pub fn json_bdk_config(&self, directory: &Path) -> PathBuf {
        let config = serde_json::json!({
            "scheme": "http", "host": "127.0.0.1", "port": self.port,
            "bot": {"username": "import-bot", "privateKey": {"path": SERVICE_USER_KEY_PATH}},
        });
        let path = directory.join("config.json");
        std::fs::write(&path, config.to_string()).unwrap();
        path
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
