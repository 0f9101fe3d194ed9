//! The check worker: runs ferry-core's streaming validator on the files the page posts, off the page's thread.
//!
//! It receives one request per check (see [`ferry_web::check::protocol`]), reads each `File` in slices of
//! [`CHUNK_BYTES`] with `FileReaderSync` (workers may read synchronously: nothing here has to stay
//! responsive, and the page cancels a check by terminating the worker), and posts the session's replies as JSON
//! strings as soon as they are ready, so the page sees progress while the check runs.

use ferry_web::check::positions::positions_of;
use ferry_web::check::protocol::{CheckSettings, WorkerReply};
use ferry_web::check::session::{positions_replies, CheckSession};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, FileReaderSync, MessageEvent};

/// Size of the slices a file is read in.
const CHUNK_BYTES: u64 = 1024 * 1024;

fn main() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message = {
        let scope = scope.clone();
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| check(&scope, &event.data()))
    };
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&scope, &WorkerReply::Ready);
}

/// Posts one reply to the page.
fn post(scope: &DedicatedWorkerGlobalScope, reply: &WorkerReply) {
    // Serializing our own types to a string cannot fail (no maps with non-string keys, no I/O).
    if let Ok(json) = serde_json::to_string(reply) {
        // A failed post means the page is gone; there is no one left to tell.
        let _ = scope.post_message(&JsValue::from_str(&json));
    }
}

/// Runs one check request `{settings, files}` and posts its replies.
fn check(scope: &DedicatedWorkerGlobalScope, request: &JsValue) {
    let settings = js_sys::Reflect::get(request, &JsValue::from_str("settings"))
        .ok()
        .and_then(|settings| settings.as_string())
        .and_then(|settings| serde_json::from_str::<CheckSettings>(&settings).ok());
    let Some(settings) = settings else {
        post(
            scope,
            &WorkerReply::Failed { run: 0, message: "The check worker received a request it cannot read.".to_owned() },
        );
        return;
    };
    let files: Vec<web_sys::File> = js_sys::Reflect::get(request, &JsValue::from_str("files"))
        .ok()
        .map(|files| js_sys::Array::from(&files).iter().filter_map(|file| file.dyn_into().ok()).collect())
        .unwrap_or_default();
    let run = settings.run;
    if let Err(message) = run_check(scope, settings, &files) {
        post(scope, &WorkerReply::Failed { run, message });
    }
}

/// Reads bytes `start..end` of `file`.
///
/// # Errors
/// When the browser cannot read the file (removed, permission revoked), in words for the user.
fn read_slice(reader: &FileReaderSync, file: &web_sys::File, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let unreadable = |error: JsValue| {
        let reason = error
            .dyn_ref::<js_sys::Error>()
            .map(|error| String::from(error.message()))
            .or_else(|| error.as_string())
            .unwrap_or_else(|| "unknown reason".to_owned());
        format!("The browser could not read {}: {reason}", file.name())
    };
    // Offsets are file sizes, exact in an f64 up to 2^53 bytes.
    let slice = file.slice_with_f64_and_f64(start as f64, end as f64).map_err(unreadable)?;
    let buffer = reader.read_as_array_buffer(&slice).map_err(unreadable)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Checks `files` as one batch, posting replies as they come.
///
/// # Errors
/// When a file cannot be read.
fn run_check(
    scope: &DedicatedWorkerGlobalScope,
    settings: CheckSettings,
    files: &[web_sys::File],
) -> Result<(), String> {
    let reader = FileReaderSync::new().map_err(|_| "This browser cannot read files in a worker.".to_owned())?;
    let run = settings.run;
    let mut session = CheckSession::new(settings);
    // File sizes are integral numbers of bytes.
    let sizes: Vec<u64> = files.iter().map(|file| file.size() as u64).collect();
    for (file, &size) in files.iter().zip(&sizes) {
        session.begin_file(&file.name());
        let mut offset = 0;
        while offset < size {
            let end = offset.saturating_add(CHUNK_BYTES).min(size);
            let chunk = read_slice(&reader, file, offset, end)?;
            for reply in session.push(&chunk) {
                post(scope, &reply);
            }
            offset = end;
        }
        for reply in session.end_file() {
            post(scope, &reply);
        }
    }
    let finished = session.finish();
    for reply in &finished.replies {
        post(scope, reply);
    }
    let found = positions_of(&finished.kept_findings, &sizes, CHUNK_BYTES, |file, start, end| match files.get(file) {
        Some(file) => read_slice(&reader, file, start, end),
        None => Ok(Vec::new()),
    })?;
    for reply in positions_replies(run, &found) {
        post(scope, &reply);
    }
    post(scope, &finished.done);
    Ok(())
}
