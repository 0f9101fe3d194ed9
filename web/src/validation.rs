//! The page's handle on the check worker: the one place the page starts, follows and stops a check.
//!
//! [`CheckWorker::start`] starts a dedicated worker (the `ferry-check-worker` program trunk builds beside the
//! page, loaded through its loader shim), posts it the files and the settings once it is listening, and decodes its replies as they
//! come, handing each [`Step`] to a callback. The files are never read on the page's thread. Dropping the
//! handle terminates the worker at once, which is how a check is cancelled or replaced: nothing of a cancelled
//! check reaches the page afterwards.

use std::cell::RefCell;

use ferry_web::check::assemble::{BatchAssembler, Step};
use ferry_web::check::protocol::{CheckSettings, WorkerReply};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, MessageEvent, Worker};

/// The worker's script: trunk's loader shim for the `ferry-check-worker` binary, beside `index.html`.
pub const WORKER_SCRIPT: &str = "./ferry-check-worker_loader.js";

/// A check running in a worker; dropping it terminates the worker.
pub struct CheckWorker {
    /// The worker.
    worker: Worker,
    /// Its message handler, kept alive as long as the worker.
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    /// Its error handler, kept alive as long as the worker.
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl CheckWorker {
    /// Starts checking `files` as one batch with `settings`; `on_step` is called on the page's thread for each
    /// reply that means something to the page, the last being [`Step::Checked`] or [`Step::Failed`].
    ///
    /// # Errors
    /// When the browser cannot start the worker or post it the files, in words for the user.
    pub fn start(
        settings: CheckSettings,
        files: Vec<web_sys::File>,
        on_step: impl Fn(Step) + 'static,
    ) -> Result<Self, String> {
        let worker =
            Worker::new(WORKER_SCRIPT).map_err(|error| format!("The check could not start: {}", describe(&error)))?;
        let request = js_sys::Object::new();
        let settings_json = serde_json::to_string(&settings).map_err(|error| error.to_string())?;
        let file_array: js_sys::Array = files.iter().collect();
        set(&request, "settings", &JsValue::from_str(&settings_json))?;
        set(&request, "files", &file_array)?;

        let on_step = std::rc::Rc::new(on_step);
        let assembler = RefCell::new(BatchAssembler::new(settings, files));
        let on_message = {
            let on_step = on_step.clone();
            let worker = worker.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let reply = event.data().as_string().and_then(|json| serde_json::from_str::<WorkerReply>(&json).ok());
                let step = match reply {
                    // The request waits for the worker to listen.
                    Some(WorkerReply::Ready) => match worker.post_message(&request) {
                        Ok(()) => Step::Nothing,
                        Err(error) => Step::Failed(format!("The check could not start: {}", describe(&error))),
                    },
                    Some(reply) => assembler.borrow_mut().apply(reply),
                    None => Step::Failed("The check worker sent a message the page cannot read.".to_owned()),
                };
                if !matches!(step, Step::Nothing) {
                    (*on_step)(step);
                }
            })
        };
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
            (*on_step)(Step::Failed(format!("The check stopped: {}", event.message())));
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(CheckWorker { worker, _on_message: on_message, _on_error: on_error })
    }
}

impl Drop for CheckWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Sets `object[key] = value`.
fn set(object: &js_sys::Object, key: &str, value: &JsValue) -> Result<(), String> {
    js_sys::Reflect::set(object, &JsValue::from_str(key), value).map(drop).map_err(|error| describe(&error))
}

/// A JavaScript error in words.
fn describe(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|error| String::from(error.message()))
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "unknown reason".to_owned())
}
