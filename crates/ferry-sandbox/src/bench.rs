//! Import throughput, measured end to end over HTTP on 127.0.0.1: a sandbox is started on port 0, batches of
//! messages without attachments are posted one request at a time (as a migration tool does), and every
//! answer is checked to carry one `messageId` per message. Used by `cargo bench -p ferry-sandbox` and by
//! `cargo xtask bench`; measure release builds only.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::import::ImportResponse;
use crate::store::{roles, Storage, Stream, StreamKind, User};
use crate::{Config, Sandbox};

/// Why a measurement could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    /// The sandbox could not be set up.
    #[error(transparent)]
    Sandbox(#[from] crate::SandboxError),
    /// The runtime or the listener failed.
    #[error("bench I/O: {0}")]
    Io(#[from] std::io::Error),
    /// A request failed or its answer was not what an import answers.
    #[error("bench request: {0}")]
    Request(String),
}

/// What one measurement found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ImportBenchReport {
    /// Messages imported.
    pub messages: usize,
    /// Messages per request.
    pub batch_size: usize,
    /// Wall-clock time of all requests.
    pub elapsed: Duration,
}

impl ImportBenchReport {
    /// Imported messages per second.
    pub fn messages_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.messages as f64 / seconds
        } else {
            f64::INFINITY
        }
    }
}

const SENDERS: i64 = 20;
const STREAMS: usize = 10;
const FIRST_SENDER_ID: i64 = 7_215_545_057_281;
/// The service user the bench imports as.
pub const IMPORTER: &str = "bench-import-bot";

/// Imports `batches` requests of `batch_size` messages each into a fresh sandbox kept in `storage`, and
/// reports the time taken. A state file given in `storage` is deleted first (with its WAL companions), so
/// every measurement starts empty.
///
/// # Errors
/// [`BenchError`] when the sandbox cannot be set up or any request does not import every message.
pub fn measure_import(storage: &Storage, batches: usize, batch_size: usize) -> Result<ImportBenchReport, BenchError> {
    remove_state(storage)?;
    let (sandbox, bodies) = bench_sandbox(storage, batches, batch_size, None)?;
    let (session, key_manager) = sandbox.issue_tokens(IMPORTER)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    runtime.block_on(async move {
        let running = crate::server::spawn(sandbox, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let url = format!("{}/agent/v4/message/import", running.url());
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let started = Instant::now();
        for body in bodies {
            let request = hyper::Request::post(url.as_str())
                .header("sessionToken", session.as_str())
                .header("keyManagerToken", key_manager.as_str())
                .header("content-type", "application/json")
                .body(Full::new(body))
                .map_err(|error| BenchError::Request(error.to_string()))?;
            let response = client.request(request).await.map_err(|error| BenchError::Request(error.to_string()))?;
            let status = response.status();
            let answer = response
                .into_body()
                .collect()
                .await
                .map_err(|error| BenchError::Request(error.to_string()))?
                .to_bytes();
            if !status.is_success() {
                return Err(BenchError::Request(format!("import answered {status}: {}", String::from_utf8_lossy(&answer))));
            }
            let responses: Vec<ImportResponse> =
                serde_json::from_slice(&answer).map_err(|error| BenchError::Request(error.to_string()))?;
            let imported = responses.iter().filter(|response| response.message_id.is_some() && response.diagnostic.is_none()).count();
            if imported != batch_size {
                let example = responses.iter().find_map(|response| response.diagnostic.clone()).unwrap_or_default();
                return Err(BenchError::Request(format!("{imported} of {batch_size} messages imported; e.g. {example}")));
            }
        }
        let elapsed = started.elapsed();
        running.shutdown().await?;
        Ok(ImportBenchReport { messages: batches * batch_size, batch_size, elapsed })
    })
}

/// Deletes a state file given in `storage` with its WAL companions, so a measurement starts empty.
///
/// # Errors
/// When a file exists and cannot be deleted.
pub fn remove_state(storage: &Storage) -> Result<(), BenchError> {
    if let Storage::File(path) = storage {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            match std::fs::remove_file(&name) {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
                _ => {}
            }
        }
    }
    Ok(())
}

/// The bench's sandbox, opened on `storage` (a state file must be new) with its senders, streams and the
/// [`IMPORTER`] (with `importer_public_key_pem`, when given, so a real client can log in), and the bodies of
/// `batches` import requests of `batch_size` messages (JSON arrays), the same for every client measured.
///
/// # Errors
/// When the sandbox cannot be opened or provisioned.
pub fn bench_sandbox(
    storage: &Storage,
    batches: usize,
    batch_size: usize,
    importer_public_key_pem: Option<String>,
) -> Result<(std::sync::Arc<Sandbox>, Vec<Bytes>), BenchError> {
    let config = Config { max_messages_per_request: batch_size.max(1), ..Config::default() };
    let sandbox = Sandbox::open(storage, config)?;
    let stream_ids = provision(&sandbox, importer_public_key_pem)?;
    let bodies = (0..batches).map(|batch| batch_body(batch, batch_size, &stream_ids)).collect();
    Ok((sandbox, bodies))
}

fn provision(sandbox: &Sandbox, importer_public_key_pem: Option<String>) -> Result<Vec<String>, crate::SandboxError> {
    let mut store = sandbox.lock_store()?;
    let importer_id = store.directory().next_user_id();
    store.upsert_user(User {
        id: importer_id,
        username: IMPORTER.to_owned(),
        display_name: IMPORTER.to_owned(),
        email: None,
        active: true,
        service: true,
        roles: vec![roles::CONTENT_MANAGEMENT.to_owned()],
        public_key_pem: importer_public_key_pem,
    })?;
    for offset in 0..SENDERS {
        let id = FIRST_SENDER_ID + offset;
        store.upsert_user(User::person(id, format!("sender-{offset}"), format!("Sender {offset}"), true))?;
    }
    let mut stream_ids = Vec::with_capacity(STREAMS);
    for _ in 0..STREAMS {
        let id = crate::ids::new_symphony_id();
        store.upsert_stream(Stream {
            id: id.clone(),
            kind: StreamKind::Room,
            name: None,
            active: true,
            members: (0..SENDERS).map(|offset| FIRST_SENDER_ID + offset).collect::<BTreeSet<_>>(),
            created_by: None,
            created_at: 0,
        })?;
        stream_ids.push(id);
    }
    Ok(stream_ids)
}

fn batch_body(batch: usize, batch_size: usize, stream_ids: &[String]) -> Bytes {
    const START: i64 = 1_433_045_622_000;
    let messages: Vec<serde_json::Value> = (0..batch_size)
        .map(|index| {
            let serial = batch * batch_size + index;
            let serial_i64 = i64::try_from(serial).unwrap_or(i64::MAX);
            serde_json::json!({
                "message": format!("<messageML>Message {serial} of the rehearsal, with <b>bold</b> text.</messageML>"),
                "intendedMessageTimestamp": START + serial_i64 * 1000,
                "intendedMessageFromUserId": FIRST_SENDER_ID + serial_i64 % SENDERS,
                "originatingSystemId": "benchChat",
                "originalMessageId": format!("bench-{serial}"),
                "streamId": stream_ids[serial % stream_ids.len()],
            })
        })
        .collect();
    Bytes::from(serde_json::to_vec(&messages).unwrap_or_default())
}
