//! A real client against the sandbox: the official Symphony BDK for Python (`symphony-bdk-python` 2.11.4 and
//! 3.0.0 from PyPI) imports messages into a sandbox started in this process on 127.0.0.1:0.
//!
//! For each version: a virtual environment under `target/bdk-venv-<version>` (reused when a previous run
//! completed it), a fresh RSA key pair, a sandbox whose service user holds the public key, a BDK config over
//! plain http, and `tests/bdk/import_with_bdk.py`, which imports, repeats the import, has the sandbox end every
//! session, imports again (the BDK must authenticate again after the 401 and retry), and reads the stream back.
//! The assertions are here, on what the BDK answered and on the sandbox's counters.
//!
//! Nothing is skipped: if pip cannot install the BDK, the test fails and says so.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ferry_sandbox::server::RunningSandbox;
use ferry_sandbox::{Config, FaultConfig, Manifest, Sandbox, Storage};
use serde_json::{json, Value};

const ROOM: &str = "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA";
const IM: &str = "bG9jYWxzYW5kYm94aW1zdHJlYW0xMjM0NTY3OA";
const CLOSED_ROOM: &str = "Y2xvc2Vkcm9vbV9jbG9zZWRyb29tX2Nsb3NlZA";
const ALICE: i64 = 7_215_545_057_281;
const BOB: i64 = 7_215_545_057_282;
const RETIRED: i64 = 7_215_545_057_283;
const CAROL: i64 = 7_215_545_057_284;
const SERVICE_USER: &str = "import-bot";
/// How long one BDK run may take before it is killed (installing is done before, not counted here).
const SCRIPT_DEADLINE: Duration = Duration::from_secs(300);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace_root().join("target"), PathBuf::from)
}

fn run(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|error| panic!("{what}: cannot start: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// Tests of the same version run in parallel threads; only one may create its virtual environment.
static VENV_LOCK: Mutex<()> = Mutex::new(());

/// The virtual environment's python with `symphony-bdk-python==version` installed from PyPI.
fn bdk_python(version: &str) -> PathBuf {
    let _guard = VENV_LOCK.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let venv = target_dir().join(format!("bdk-venv-{version}"));
    let python = venv.join("bin").join("python");
    let complete = venv.join(".ferry-complete");
    if complete.exists() && python.exists() {
        eprintln!("reusing {}", venv.display());
        return python;
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).unwrap();
    }
    eprintln!("creating {} and installing symphony-bdk-python=={version} from PyPI", venv.display());
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv), "python3 -m venv (is Python 3 with venv installed?)");
    let requirement = format!("symphony-bdk-python=={version}");
    let mut pip = Command::new(&python);
    pip.args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", &requirement]);
    let output = pip.output().unwrap();
    assert!(
        output.status.success(),
        "pip could not install {requirement} from PyPI (is PyPI reachable?):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(&complete, requirement).unwrap();
    python
}

fn manifest(public_key_pem: &str) -> Manifest {
    Manifest::from_json(
        json!({
            "serviceUsers": [{"username": SERVICE_USER, "publicKeyPem": public_key_pem,
                              "roles": ["CONTENT_MANAGEMENT", "USER_PROVISIONING"]}],
            "users": [
                {"id": ALICE, "username": "alice", "active": true},
                {"id": BOB, "username": "bob", "active": true},
                {"id": RETIRED, "username": "retired", "active": false},
                {"id": CAROL, "username": "carol", "active": true}
            ],
            "streams": [
                {"id": ROOM, "type": "ROOM", "active": true, "members": [ALICE, BOB, RETIRED]},
                {"id": IM, "type": "IM", "active": true, "members": [ALICE, CAROL]},
                {"id": CLOSED_ROOM, "type": "ROOM", "active": false, "members": [ALICE]}
            ]
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
}

fn message(original: &str, timestamp: i64, sender: i64, stream: &str, text: &str) -> Value {
    json!({
        "message": text,
        "intendedMessageTimestamp": timestamp,
        "intendedMessageFromUserId": sender,
        "originatingSystemId": "fooChat",
        "originalMessageId": original,
        "streamId": stream,
    })
}

/// `(originalMessageId, expected diagnostic fragment or None for a successful import)`.
fn first_batch() -> (Vec<Value>, Vec<(&'static str, Option<&'static str>)>) {
    const T: i64 = 1_433_045_622_000;
    let mut with_attachment = message("good-2", T + 2_000, BOB, ROOM, "<messageML>with a file</messageML>");
    with_attachment["attachments"] = json!([{"filename": "notes.txt", "content": "aGVsbG8gd29ybGQ="}]);
    let records = vec![
        message("good-1", T + 1_000, ALICE, ROOM, "<messageML>Hello <b>world</b></messageML>"),
        with_attachment,
        message("good-im", T + 3_000, CAROL, IM, "<messageML>in an IM</messageML>"),
        message("bad-messageml", T + 4_000, ALICE, ROOM, "<messageML><b>unclosed</messageML>"),
        message("bad-future", 4_102_444_800_000, ALICE, ROOM, "<messageML>from 2100</messageML>"),
        message("bad-not-member", T + 5_000, CAROL, ROOM, "<messageML>not in the room</messageML>"),
        message("bad-unknown-stream", T + 6_000, ALICE, "bm9zdWNoc3RyZWFtX25vc3VjaHN0cmVhbV9ubw", "<messageML>x</messageML>"),
        message("bad-inactive-sender", T + 7_000, RETIRED, ROOM, "<messageML>gone</messageML>"),
        message("bad-inactive-stream", T + 8_000, ALICE, CLOSED_ROOM, "<messageML>closed</messageML>"),
    ];
    let expected = vec![
        ("good-1", None),
        ("good-2", None),
        ("good-im", None),
        ("bad-messageml", Some("Invalid messageML: The element type \"b\" must be terminated")),
        ("bad-future", Some("4102444800000")),
        ("bad-not-member", Some("is not a member of stream")),
        ("bad-unknown-stream", Some("does not exist")),
        ("bad-inactive-sender", Some("is not active")),
        ("bad-inactive-stream", Some("is not active")),
    ];
    (records, expected)
}

fn is_symphony_id(id: &str) -> bool {
    id.len() == 34 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// One BDK run: a virtual environment, a key pair, a sandbox serving on 127.0.0.1:0 in this process, and a
/// BDK config pointing at it.
struct Harness {
    version: &'static str,
    python: PathBuf,
    work: PathBuf,
    runtime: tokio::runtime::Runtime,
    running: Option<RunningSandbox>,
    sandbox: Arc<Sandbox>,
}

impl Harness {
    fn start(version: &'static str, name: &str, config: Config, retry: Value) -> Harness {
        let python = bdk_python(version);
        let work = target_dir().join(format!("bdk-run-{version}-{name}-{}", std::process::id()));
        if work.exists() {
            std::fs::remove_dir_all(&work).unwrap();
        }
        std::fs::create_dir_all(&work).unwrap();
        run(Command::new(&python).arg(scripts().join("keygen.py")).arg(&work), "key generation");
        let public_key = std::fs::read_to_string(work.join("bot-pub.pem")).unwrap();
        let sandbox = Sandbox::open(&Storage::Memory, config).unwrap();
        sandbox.apply_manifest(&manifest(&public_key)).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let running = runtime
            .block_on(ferry_sandbox::server::spawn(Arc::clone(&sandbox), "127.0.0.1:0".parse().unwrap()))
            .unwrap();
        let bdk_config = json!({
            "scheme": "http",
            "host": "127.0.0.1",
            "port": running.address.port(),
            "bot": {"username": SERVICE_USER, "privateKey": {"path": work.join("bot-key.pem")}},
            "retry": retry,
        });
        std::fs::write(work.join("config.json"), bdk_config.to_string()).unwrap();
        Harness { version, python, work, runtime, running: Some(running), sandbox }
    }

    fn url(&self) -> String {
        self.running.as_ref().map(RunningSandbox::url).unwrap_or_default()
    }

    /// Runs `script` with the BDK config and `scenario`, within [`SCRIPT_DEADLINE`], and returns the JSON it
    /// printed.
    fn run_script(&self, script: &str, scenario: &Value) -> Value {
        let version = self.version;
        std::fs::write(self.work.join("scenario.json"), scenario.to_string()).unwrap();
        let stdout_path = self.work.join("stdout.json");
        let stderr_path = self.work.join("stderr.txt");
        let mut child = Command::new(&self.python)
            .arg(scripts().join(script))
            .arg(self.work.join("config.json"))
            .arg(self.work.join("scenario.json"))
            // The scripts import each other; keep Python's bytecode cache out of the source tree.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout_path).unwrap())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > SCRIPT_DEADLINE {
                child.kill().unwrap();
                panic!("BDK {version} did not finish {script} within {SCRIPT_DEADLINE:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = std::fs::read_to_string(&stdout_path).unwrap();
        let stderr = std::fs::read_to_string(&stderr_path).unwrap();
        assert!(status.success(), "BDK {version} {script} failed ({status}):\n{stdout}\n{stderr}");
        serde_json::from_str(stdout.trim()).unwrap_or_else(|error| panic!("{error}: {stdout}\n{stderr}"))
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // Printed with the test's output, so a failure shows what the sandbox saw.
        eprintln!("BDK {}: sandbox counters at the end: {:?}", self.version, self.sandbox.stats());
        if let Some(running) = self.running.take() {
            let _ = self.runtime.block_on(running.shutdown());
        }
        let _ = std::fs::remove_dir_all(&self.work);
    }
}

fn scripts() -> PathBuf {
    workspace_root().join("tests").join("bdk")
}

fn run_bdk_against_sandbox(version: &'static str) {
    let retry = json!({"maxAttempts": 4, "initialIntervalMillis": 50, "multiplier": 1, "maxIntervalMillis": 100});
    let harness = Harness::start(version, "import", Config::default(), retry);
    let (first, expected) = first_batch();
    const LATER: i64 = 1_433_045_700_000;
    let after_expiry = vec![
        message("after-1", LATER, ALICE, ROOM, "<messageML>after the session ended</messageML>"),
        message("after-2", LATER + 1, BOB, ROOM, "<messageML>and another</messageML>"),
    ];
    let scenario = json!({"sandboxUrl": harness.url(), "streamId": ROOM, "first": first, "afterExpiry": after_expiry});
    let result = harness.run_script("import_with_bdk.py", &scenario);
    let stats = harness.sandbox.stats().unwrap();

    // 1. One answer per message, in order; ids for the good ones, the diagnostics of the bad ones.
    let first_answers = result["first"].as_array().unwrap();
    assert_eq!(first_answers.len(), expected.len(), "{result}");
    let mut first_ids = Vec::new();
    for (answer, (original, diagnostic)) in first_answers.iter().zip(&expected) {
        assert_eq!(answer["originalMessageId"], *original, "{version}: order");
        assert_eq!(answer["originatingSystemId"], "fooChat");
        match diagnostic {
            None => {
                let id = answer["messageId"].as_str().unwrap_or_else(|| panic!("{version}: {answer}"));
                assert!(is_symphony_id(id), "{version}: {id}");
                assert!(answer["diagnostic"].is_null(), "{version}: {answer}");
                first_ids.push(id.to_owned());
            }
            Some(fragment) => {
                assert!(answer["messageId"].is_null(), "{version}: {answer}");
                let text = answer["diagnostic"].as_str().unwrap_or_else(|| panic!("{version}: {answer}"));
                assert!(text.contains(fragment), "{version} {original}: `{text}` lacks `{fragment}`");
            }
        }
    }

    // 2. The repeat: same ids, a diagnostic saying so; the failed ones fail again (nothing was stored).
    let repeat = result["repeat"].as_array().unwrap();
    for (again, first) in repeat.iter().zip(first_answers) {
        assert_eq!(again["messageId"], first["messageId"], "{version}: {again}");
        if first["messageId"].is_string() {
            assert!(again["diagnostic"].as_str().unwrap().contains("already imported"), "{version}: {again}");
        }
    }

    // 3. Re-authentication: the sandbox ended the sessions; the BDK logged in again and the import went through.
    assert!(result["expired"].as_u64().unwrap() >= 2, "{result}");
    let after = result["afterExpiry"].as_array().unwrap();
    let after_ids: Vec<String> = after.iter().map(|answer| answer["messageId"].as_str().unwrap().to_owned()).collect();
    assert_eq!(after_ids.len(), 2);
    assert_eq!(stats.session_logins, 2, "{version}: one login at start, one after the sessions ended: {stats:?}");
    assert_eq!(stats.key_manager_logins, 2, "{version}: {stats:?}");
    assert_eq!(stats.import_requests, 3, "{version}: the import refused with 401 is not counted: {stats:?}");

    // 4. Read-back through list_messages: the room's messages in timestamp order, with sender and PresentationML.
    let listed = result["listed"].as_array().unwrap();
    let listed_ids: Vec<&str> = listed.iter().map(|message| message["messageId"].as_str().unwrap()).collect();
    let expected_ids: Vec<&str> = [&first_ids[0], &first_ids[1]].into_iter().chain(&after_ids).map(String::as_str).collect();
    assert_eq!(listed_ids, expected_ids, "{version}");
    assert_eq!(listed[0]["userId"], ALICE);
    assert_eq!(listed[0]["timestamp"], 1_433_045_623_000_i64);
    assert!(listed[0]["message"].as_str().unwrap().contains("Hello <b>world</b>"), "{}", listed[0]);
    assert_eq!(stats.messages_stored, 5, "{version}: {stats:?}");
    assert_eq!(listed[1]["attachments"], json!([{"id": format!("internal_{}_0", first_ids[1]), "name": "notes.txt", "size": 11}]));
    assert_eq!(result["downloads"], json!(["aGVsbG8gd29ybGQ="]), "{version}: get_attachment gives the base64 content");
}

/// Faults on 60% of import requests (seeded, so the same every run); the BDK retries on its own, and `originalMessageId` keeps the
/// re-sent batches from duplicating anything.
fn run_bdk_through_faults(version: &'static str) {
    const BATCHES: usize = 12;
    const PER_BATCH: usize = 5;
    let config = Config { faults: Some(FaultConfig { rate: 0.6, seed: Some(11) }), ..Config::default() };
    let retry = json!({"maxAttempts": 12, "initialIntervalMillis": 20, "multiplier": 1, "maxIntervalMillis": 50});
    let harness = Harness::start(version, "faults", config, retry);
    let batches: Vec<Vec<Value>> = (0..BATCHES)
        .map(|batch| {
            (0..PER_BATCH)
                .map(|index| {
                    let serial = batch * PER_BATCH + index;
                    let text = format!("<messageML>message {serial}</messageML>");
                    let timestamp = 1_433_045_622_000 + i64::try_from(serial).unwrap() * 1_000;
                    message(&format!("faulty-{serial}"), timestamp, ALICE, ROOM, &text)
                })
                .collect()
        })
        .collect();
    let result = harness.run_script("import_through_faults.py", &json!({"streamId": ROOM, "batches": batches}));
    let stats = harness.sandbox.stats().unwrap();
    let repeats = result["batches"].to_string().matches("Duplicate ignored").count();
    eprintln!("BDK {version} through faults: {stats:?}, {repeats} answers were repeats of dropped-after-applying requests");
    assert!(stats.faults_injected > 0, "{version}: {stats:?}");
    let retries = stats.import_requests - u64::try_from(BATCHES).unwrap();
    assert!(retries >= 1, "{version}: the BDK retried: {stats:?}");
    assert!(repeats >= 1, "{version}: a batch applied before its connection dropped was re-sent: {stats:?}");
    assert_eq!(stats.messages_stored, u64::try_from(BATCHES * PER_BATCH).unwrap(), "{version}: no duplicates: {stats:?}");
    let mut answered = Vec::new();
    for (batch, answers) in result["batches"].as_array().unwrap().iter().enumerate() {
        let answers = answers.as_array().unwrap();
        assert_eq!(answers.len(), PER_BATCH, "{version} batch {batch}");
        for (index, answer) in answers.iter().enumerate() {
            assert_eq!(answer["originalMessageId"], format!("faulty-{}", batch * PER_BATCH + index));
            let id = answer["messageId"].as_str().unwrap_or_else(|| panic!("{version}: {answer}"));
            if let Some(diagnostic) = answer["diagnostic"].as_str() {
                assert!(diagnostic.starts_with("Duplicate ignored"), "{version}: {answer}");
            }
            answered.push(id.to_owned());
        }
    }
    let listed: Vec<String> = result["listed"].as_array().unwrap().iter().map(|id| id.as_str().unwrap().to_owned()).collect();
    assert_eq!(listed, answered, "{version}: every answered id is stored once, in timestamp order");
}

/// The import documentation's steps 1, 2 and 4 through the BDK's own pod calls: provision a user, create a
/// room and add the user, create an admin IM, import, deactivate the user and the room.
fn run_bdk_provisioning(version: &'static str) {
    let retry = json!({"maxAttempts": 2, "initialIntervalMillis": 50, "multiplier": 1, "maxIntervalMillis": 100});
    let harness = Harness::start(version, "provision", Config::default(), retry);
    let result = harness.run_script("provision_with_bdk.py", &json!({"otherUserId": ALICE}));
    let user_id = result["userId"].as_i64().unwrap();
    assert_eq!(result["sessionUsername"], SERVICE_USER, "{version}: {result}");
    assert_eq!(result["userStatus"], "ENABLED", "{version}: {result}");
    assert!(is_symphony_id(result["roomId"].as_str().unwrap()), "{version}: {result}");
    assert!(is_symphony_id(result["imId"].as_str().unwrap()), "{version}: {result}");
    assert_eq!(result["roomName"], "Migrated general");
    for answer in result["imported"].as_array().unwrap() {
        assert!(answer["messageId"].as_str().is_some_and(is_symphony_id), "{version}: {answer}");
    }
    assert_eq!(result["roomActiveAfter"], false, "{version}: {result}");
    let after = result["afterDeactivation"].as_array().unwrap();
    let room_diagnostic = after[0]["diagnostic"].as_str().unwrap();
    assert!(room_diagnostic.contains("is not active"), "{version}: {room_diagnostic}");
    assert!(room_diagnostic.contains(&format!("User {user_id} is not active")), "{version}: {room_diagnostic}");
    assert!(after[1]["messageId"].is_string(), "{version}: the IM stays active: {}", after[1]);
}

#[test]
fn bdk_3_0_0_provisions_through_the_pod_api() {
    run_bdk_provisioning("3.0.0");
}

#[test]
fn bdk_2_11_4_provisions_through_the_pod_api() {
    run_bdk_provisioning("2.11.4");
}

#[test]
fn bdk_3_0_0_imports_into_the_sandbox() {
    run_bdk_against_sandbox("3.0.0");
}

#[test]
fn bdk_2_11_4_imports_into_the_sandbox() {
    run_bdk_against_sandbox("2.11.4");
}

#[test]
fn bdk_3_0_0_retries_through_faults_without_duplicates() {
    run_bdk_through_faults("3.0.0");
}

#[test]
fn bdk_2_11_4_retries_through_faults_without_duplicates() {
    run_bdk_through_faults("2.11.4");
}
