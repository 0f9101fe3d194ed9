//! The one client of `ferry serve`'s API: every call carries the session's token in `x-ferry-token`, has a time
//! limit (an `AbortController` the timer aborts), and turns every failure into an [`ApiError`] with the API's
//! `code` and `message`.
//!
//! The page is served by the same server, so paths are relative to the page's origin (`/api/v1/...`); the
//! server refuses other origins, and no call here takes an address from anywhere.

use std::cell::Cell;
use std::rc::Rc;

use gloo_net::http::{Method, RequestBuilder};
use gloo_timers::callback::Timeout;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use super::api::{
    BatchAnswer, RecordState, RecordsPage, Run, Status, TeamsBatchAnswer, TeamsRun, TeamsServerPlan, TeamsStatus,
};
use super::ApiError;
use crate::session::ApiToken;

/// The API's prefix.
const API: &str = "/api/v1";
/// The header carrying the token.
const TOKEN_HEADER: &str = "x-ferry-token";
/// Time allowed for a call that only reads or changes the server's state.
pub const CONTROL_TIMEOUT_SECONDS: u32 = 30;
/// Time allowed for a posted batch: its intake and the pre-flight's look-ups at the pod (a batch of 5,000 records
/// asks the pod about each of their senders and streams; a real pod can take minutes).
pub const BATCH_TIMEOUT_SECONDS: u32 = 600;
/// Time allowed for a report: the server assembles it from the whole journal.
pub const REPORT_TIMEOUT_SECONDS: u32 = 300;
/// Most fates one `GET /records` answers (the API's limit).
pub const MAX_RECORDS_PAGE: usize = 1_000;
/// How many calls in a row a polling loop lets fail before it stops and says so.
pub const MAX_POLL_FAILURES: u32 = 5;

/// The options of one posted batch (`POST /batches?deriveIds=&provision=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchOptions {
    /// Give records without `originalMessageId` the derived id.
    pub derive_ids: bool,
    /// Create in the pod what the pre-flight finds missing.
    pub provision: bool,
}

/// Which report to download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// `report.csv`.
    Csv,
    /// `report.json`.
    Json,
}

impl ReportFormat {
    /// The report's path under the API and its file name.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Csv => "ferry-report.csv",
            ReportFormat::Json => "ferry-report.json",
        }
    }

    /// Its media type.
    pub fn media_type(self) -> &'static str {
        match self {
            ReportFormat::Csv => "text/csv",
            ReportFormat::Json => "application/json",
        }
    }

    fn path(self) -> &'static str {
        match self {
            ReportFormat::Csv => "/report.csv",
            ReportFormat::Json => "/report.json",
        }
    }
}

/// Encodes `value` for a URL query (RFC 3986 unreserved characters kept, every other byte percent-encoded).
fn query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The path and query of `POST /batches` for a batch named `name`.
pub fn batch_path(name: &str, options: BatchOptions) -> String {
    format!("/batches?name={}&deriveIds={}&provision={}", query_value(name), options.derive_ids, options.provision)
}

/// The path and query of `GET /records`.
pub fn records_path(state: Option<RecordState>, offset: usize, limit: usize) -> String {
    let state = state.map(|state| format!("state={}&", state.as_str())).unwrap_or_default();
    format!("/records?{state}offset={offset}&limit={}", limit.min(MAX_RECORDS_PAGE))
}

/// The error answer's JSON.
#[derive(serde::Deserialize)]
struct ErrorBody {
    code: String,
    message: String,
}

/// The error for a non-success answer with status `status` and body `body`.
pub fn refusal(status: u16, body: &str) -> ApiError {
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(ErrorBody { code, message }) => ApiError::Refused { status, code, message },
        Err(_) => ApiError::Refused {
            status,
            code: format!("http_{status}"),
            // Bounded: an answer that is not the API's could be a whole page.
            message: format!("The server answered {status}: {}", body.chars().take(200).collect::<String>()),
        },
    }
}

/// The typed client of the API.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiClient {
    token: ApiToken,
}

impl ApiClient {
    /// A client sending `token`.
    pub fn new(token: ApiToken) -> ApiClient {
        ApiClient { token }
    }

    /// Sends a request and reads its answer's text, within `timeout_seconds` (the answer's body included).
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<(JsValue, &str)>,
        timeout_seconds: u32,
    ) -> Result<String, ApiError> {
        let unexpected = |reason: String| ApiError::Unexpected { reason };
        let controller = web_sys::AbortController::new().map_err(|error| unexpected(format!("{error:?}")))?;
        let timed_out = Rc::new(Cell::new(false));
        // Dropping the timer cancels it: it lives exactly as long as this call.
        let _timer = {
            let controller = controller.clone();
            let timed_out = Rc::clone(&timed_out);
            Timeout::new(timeout_seconds.saturating_mul(1000), move || {
                timed_out.set(true);
                controller.abort();
            })
        };
        let signal = controller.signal();
        let builder = RequestBuilder::new(&format!("{API}{path}"))
            .method(method)
            .header(TOKEN_HEADER, self.token.as_str())
            .abort_signal(Some(&signal));
        let failed = |error: gloo_net::Error| {
            if timed_out.get() {
                ApiError::TimedOut { seconds: timeout_seconds }
            } else {
                ApiError::Unreachable { reason: error.to_string() }
            }
        };
        let request = match body {
            Some((body, media_type)) => builder.header("content-type", media_type).body(body),
            None => builder.build(),
        }
        .map_err(|error| unexpected(error.to_string()))?;
        let response = request.send().await.map_err(failed)?;
        let text = response.text().await.map_err(failed)?;
        if response.ok() {
            Ok(text)
        } else {
            Err(refusal(response.status(), &text))
        }
    }

    /// A call answering JSON of type `T`.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<(JsValue, &str)>,
        timeout_seconds: u32,
    ) -> Result<T, ApiError> {
        let text = self.exchange(method, path, body, timeout_seconds).await?;
        serde_json::from_str(&text).map_err(|error| ApiError::Unexpected { reason: error.to_string() })
    }

    /// `GET /status`: the upstream, the journal's counts, the current run, the limits.
    ///
    /// # Errors
    /// Any [`ApiError`].
    pub async fn status(&self) -> Result<Status, ApiError> {
        self.call(Method::GET, "/status", None, CONTROL_TIMEOUT_SECONDS).await
    }

    /// `POST /batches`: `body` (NDJSON) is checked, taken into the journal and pre-flighted as batch `name`.
    ///
    /// # Errors
    /// Any [`ApiError`]; a refused batch changes nothing on the server.
    pub async fn post_batch(&self, name: &str, body: &str, options: BatchOptions) -> Result<BatchAnswer, ApiError> {
        let body = (JsValue::from_str(body), "application/x-ndjson");
        self.call(Method::POST, &batch_path(name, options), Some(body), BATCH_TIMEOUT_SECONDS).await
    }

    /// `POST /runs`: starts importing every planned record (and those an interrupted run left in flight).
    ///
    /// # Errors
    /// Any [`ApiError`]; `run_in_progress`, `intake_in_progress`, `nothing_planned` as refusals.
    pub async fn start_run(&self, concurrency: usize) -> Result<Run, ApiError> {
        let body = serde_json::json!({ "concurrency": concurrency }).to_string();
        self.call(Method::POST, "/runs", Some((JsValue::from_str(&body), "application/json")), CONTROL_TIMEOUT_SECONDS)
            .await
    }

    /// `GET /runs/current`; `None` when no run was started since the server started.
    ///
    /// # Errors
    /// Any [`ApiError`] but `no_run`.
    pub async fn current_run(&self) -> Result<Option<Run>, ApiError> {
        match self.call(Method::GET, "/runs/current", None, CONTROL_TIMEOUT_SECONDS).await {
            Ok(run) => Ok(Some(run)),
            Err(ApiError::Refused { code, .. }) if code == "no_run" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// `POST /runs/current/{action}` with `action` one of `pause`, `resume`, `cancel`.
    ///
    /// # Errors
    /// Any [`ApiError`]; `run_finished` when the run has ended.
    pub async fn control_run(&self, action: RunControl) -> Result<Run, ApiError> {
        let path = format!("/runs/current/{}", action.as_str());
        self.call(Method::POST, &path, None, CONTROL_TIMEOUT_SECONDS).await
    }

    /// `GET /records`: one page of fates, of one state or all.
    ///
    /// # Errors
    /// Any [`ApiError`].
    pub async fn records(
        &self,
        state: Option<RecordState>,
        offset: usize,
        limit: usize,
    ) -> Result<RecordsPage, ApiError> {
        self.call(Method::GET, &records_path(state, offset, limit), None, CONTROL_TIMEOUT_SECONDS).await
    }

    /// `GET /teams/status`: the Graph the server imports into, and its Teams journal.
    ///
    /// # Errors
    /// Any [`ApiError`].
    pub async fn teams_status(&self) -> Result<TeamsStatus, ApiError> {
        self.call(Method::GET, "/teams/status", None, CONTROL_TIMEOUT_SECONDS).await
    }

    /// `POST /teams/maps`: the maps the server converts later batches with.
    ///
    /// # Errors
    /// Any [`ApiError`]; `bad_maps` names the file and the line.
    pub async fn post_teams_maps(&self, users: &str, streams: &str) -> Result<serde_json::Value, ApiError> {
        let body = serde_json::json!({ "users": users, "streams": streams }).to_string();
        let body = (JsValue::from_str(&body), "application/json");
        self.call(Method::POST, "/teams/maps", Some(body), CONTROL_TIMEOUT_SECONDS).await
    }

    /// `POST /teams/batches`: `body` (NDJSON) checked for Teams, converted and taken into the Teams journal.
    ///
    /// # Errors
    /// Any [`ApiError`]; `no_maps`, `run_in_progress` as refusals.
    pub async fn post_teams_batch(&self, name: &str, body: &str) -> Result<TeamsBatchAnswer, ApiError> {
        let path = format!("/teams/batches?name={}", query_value(name));
        let body = (JsValue::from_str(body), "application/x-ndjson");
        self.call(Method::POST, &path, Some(body), BATCH_TIMEOUT_SECONDS).await
    }

    /// `GET /teams/plan?concurrency=`: the conversations with work left.
    ///
    /// # Errors
    /// Any [`ApiError`].
    pub async fn teams_plan(&self, concurrency: usize) -> Result<TeamsServerPlan, ApiError> {
        let path = format!("/teams/plan?concurrency={concurrency}");
        self.call(Method::GET, &path, None, CONTROL_TIMEOUT_SECONDS).await
    }

    /// `POST /teams/runs`: starts importing every conversation with work left, `concurrency` at once.
    ///
    /// # Errors
    /// Any [`ApiError`]; `run_in_progress`, `intake_in_progress`, `nothing_planned` as refusals.
    pub async fn start_teams_run(&self, concurrency: usize) -> Result<TeamsRun, ApiError> {
        let body = serde_json::json!({ "concurrency": concurrency }).to_string();
        let body = (JsValue::from_str(&body), "application/json");
        self.call(Method::POST, "/teams/runs", Some(body), CONTROL_TIMEOUT_SECONDS).await
    }

    /// `GET /teams/runs/current`.
    ///
    /// # Errors
    /// Any [`ApiError`]; `no_run` when none was started.
    pub async fn current_teams_run(&self) -> Result<TeamsRun, ApiError> {
        self.call(Method::GET, "/teams/runs/current", None, CONTROL_TIMEOUT_SECONDS).await
    }

    /// `GET /report.csv` or `/report.json`: the text of every record's fate.
    ///
    /// # Errors
    /// Any [`ApiError`].
    pub async fn report(&self, format: ReportFormat) -> Result<String, ApiError> {
        self.exchange(Method::GET, format.path(), None, REPORT_TIMEOUT_SECONDS).await
    }
}

/// What can be done to a live run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunControl {
    /// No new request starts; those in flight finish.
    Pause,
    /// Undoes a pause.
    Resume,
    /// The run ends once the requests in flight are answered.
    Cancel,
}

impl RunControl {
    fn as_str(self) -> &'static str {
        match self {
            RunControl::Pause => "pause",
            RunControl::Resume => "resume",
            RunControl::Cancel => "cancel",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_encode_their_values() {
        let cases = [
            (
                batch_path("export.json#1-of-2.ndjson", BatchOptions::default()),
                "/batches?name=export.json%231-of-2.ndjson&deriveIds=false&provision=false",
            ),
            (
                batch_path("a b&c=é", BatchOptions { derive_ids: true, provision: true }),
                "/batches?name=a%20b%26c%3D%C3%A9&deriveIds=true&provision=true",
            ),
            (records_path(None, 0, 100), "/records?offset=0&limit=100"),
            (records_path(Some(RecordState::InFlight), 2000, 5000), "/records?state=in_flight&offset=2000&limit=1000"),
        ];
        for (path, expected) in cases {
            assert_eq!(path, expected);
        }
    }

    #[test]
    fn refusals_keep_the_apis_code_and_message() {
        let cases = [
            (
                409,
                r#"{"code": "run_in_progress", "message": "A run is already in progress"}"#,
                "run_in_progress",
                "A run is already in progress",
            ),
            (502, "<html>Bad gateway</html>", "http_502", "The server answered 502: <html>Bad gateway</html>"),
            (500, "", "http_500", "The server answered 500: "),
        ];
        for (status, body, code, message) in cases {
            assert_eq!(
                refusal(status, body),
                ApiError::Refused { status, code: code.to_owned(), message: message.to_owned() }
            );
        }
        let long = "x".repeat(10_000);
        let ApiError::Refused { message, .. } = refusal(500, &long) else { panic!("a refusal") };
        assert!(message.len() < 300);
    }
}
