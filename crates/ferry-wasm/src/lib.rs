//! WebAssembly bindings of [`ferry_core`]: the validator a plain JavaScript page can use, with no framework.
//!
//! ```js
//! import init, { validate, StreamingValidator } from "./pkg/ferry_wasm.js";
//! await init();
//! const report = validate(new Uint8Array(await file.arrayBuffer()), { target: "symphony" });
//! console.log(report.records, report.summary.errors, report.diagnostics);
//!
//! // A large file, in chunks: memory holds the record in hand, not the file.
//! const validator = new StreamingValidator({ target: "symphony" });
//! validator.beginFile(file.name);
//! for (let offset = 0; offset < file.size; offset += 1 << 20) {
//!   validator.push(new Uint8Array(await file.slice(offset, offset + (1 << 20)).arrayBuffer()));
//! }
//! validator.endFile();
//! const streamedReport = validator.finish();
//! ```
//!
//! Invariants:
//! - The objects JavaScript receives are the report's JSON form, value for value: reports cross the boundary
//!   through `serde-wasm-bindgen` in its JSON-compatible mode (absent values are `null`, maps are plain
//!   objects), so `JSON.stringify(validate(bytes))` equals what `serde_json` writes for the same report natively.
//!   The wasm tests hold this to the native output on every fixture.
//! - Options may leave any field out (the core's defaults apply), except that `nowMillis` defaults to the
//!   page's clock (`Date.now()`), not to the core's "no timestamp is in the future": this module is the
//!   browser's edge, the one place a clock may be read; the core never reads one.
//! - One exception to "value for value": a fix value holding an integer beyond 2^53 (a user id given as a
//!   string, say) cannot be a JavaScript number without rounding; that value, and only that value, is given
//!   with its integers as `BigInt`s. Nothing is rounded, and nothing throws for it.
//! - Nothing here panics on user input: bad options become thrown `Error`s.

use ferry_core::{Diagnostic, Options, Report, Validator};
use serde::Serialize;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT_TYPES: &'static str = r#"
/** Where the batch is going; decides which platform's rules apply. */
export type Target = "symphony" | "teams";

/** What a run checks against. Every field may be left out. */
export interface Options {
  /** Target platform; `"symphony"` when left out. */
  target?: Target;
  /** The current time in milliseconds since the Unix epoch; `Date.now()` when left out. */
  nowMillis?: number | bigint;
  /** Most records in one planned request; 5,000 when left out. */
  maxRecordsPerRequest?: number;
  /** Most bytes of JSON in one planned request body, attachments included; 64 MiB when left out. */
  maxRequestBytes?: number;
  /** Import rate the duration estimate assumes; 200,000 messages per hour when left out. */
  messagesPerHour?: number;
  /** A record larger than this many bytes is reported and not parsed; 96 MiB when left out. */
  maxRecordBytes?: number;
  /** Deepest nesting of arrays and objects accepted in a record; 64 when left out. */
  maxDepth?: number;
  /** Teams target: when each conversation (by `streamId`) was created, in milliseconds since the epoch. */
  conversationCreatedMillis?: Record<string, number>;
  /** Teams target: the maps of Symphony users and streams to Entra users and Teams conversations. */
  teamsDirectory?: TeamsDirectory;
}

/** A Teams conversation: a team's channel, or a chat. */
export type TeamsConversation = { teamId: string; channelId: string } | { chatId: string };

/** The maps from Symphony to Teams. */
export interface TeamsDirectory {
  /** Entra users by Symphony user id (decimal). */
  users?: Record<string, { id: string; displayName: string }>;
  /** Conversations by Symphony stream id (URL-safe base64 without padding). */
  streams?: Record<string, TeamsConversation>;
}

/** How bad a finding is. */
export type Severity = "error" | "warning" | "info";

/** A half-open byte range, 0-based. */
export interface Span {
  start: number;
  end: number;
}

/** Where a finding is. Every index counts from 0. */
export interface Location {
  /** Which input file of the batch. */
  file: number;
  /** Which record of the batch, counted across files; `null` for findings about the file itself. */
  record: number | null;
  /** JSON pointer (RFC 6901) to the field inside the record; `""` is the whole record. */
  pointer: string;
  /** Byte span inside the field's decoded text. */
  span: Span | null;
  /** Byte span inside the input file. */
  source: Span | null;
}

/**
 * One change a fix makes: set the value at `pointer` in the record. A value holding an integer beyond
 * 2^53 has its integers as `BigInt`s (a JavaScript number would round them).
 */
export interface Edit {
  pointer: string;
  value: unknown;
}

/** An automatic fix, offered as data and applied only on request. */
export interface Fix {
  title: string;
  edits: Edit[];
}

/** One finding. */
export interface Diagnostic {
  /** The rule's code, e.g. `"TS001"`. */
  rule: string;
  severity: Severity;
  message: string;
  help: string | null;
  location: Location;
  fix: Fix | null;
}

/** Counts over a whole run. */
export interface Summary {
  files: number;
  bytes: number;
  records: number;
  errors: number;
  warnings: number;
  infos: number;
  /** Records the Agent would reject, or import wrongly. */
  recordsWithErrors: number;
  recordsWithWarningsOnly: number;
  /** Diagnostics that offer an automatic fix. */
  fixable: number;
  /** Number of diagnostics per rule code. */
  byCode: Record<string, number>;
}

/** One planned import request. */
export interface PlannedRequest {
  /** Record indices (0-based, across the batch), in sending order. */
  records: number[];
  /** Size of the request body in bytes. */
  bytes: number;
  /** Number of distinct streams in the request. */
  streams: number;
  /** The request holds one record larger than the byte limit. */
  oversized: boolean;
}

/** The import plan for the records without errors. */
export interface Plan {
  requests: PlannedRequest[];
  recordsPlanned: number;
  recordsExcluded: number;
  totalBytes: number;
  /** Estimated duration at `messagesPerHour`, in whole seconds. */
  estimatedSeconds: number;
  messagesPerHour: number;
}

/** The outcome of checking a batch. */
export interface Report {
  /** Number of records read. */
  records: number;
  /** Every finding not already taken with `drainDiagnostics()`, in input order. */
  diagnostics: Diagnostic[];
  /** Counts over the whole run, drained findings included. */
  summary: Summary;
  plan: Plan;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// A JavaScript [`Options`] object (see the TypeScript types), or `undefined`.
    #[wasm_bindgen(typescript_type = "Options")]
    pub type JsOptions;

    /// A JavaScript [`Report`](ferry_core::Report) object (see the TypeScript types).
    #[wasm_bindgen(typescript_type = "Report")]
    pub type JsReport;

    /// A JavaScript [`Summary`](ferry_core::Summary) object (see the TypeScript types).
    #[wasm_bindgen(typescript_type = "Summary")]
    pub type JsSummary;

    /// A JavaScript array of [`Diagnostic`](ferry_core::Diagnostic) objects (see the TypeScript types).
    #[wasm_bindgen(typescript_type = "Diagnostic[]")]
    pub type JsDiagnostics;
}

/// Checks one batch file (a JSON array or NDJSON, UTF-8) and returns the report.
///
/// # Errors
/// Throws when `options` is not an options object.
#[wasm_bindgen]
pub fn validate(bytes: &[u8], options: Option<JsOptions>) -> Result<JsReport, JsError> {
    let options = options_from_js(options)?;
    report_to_js(ferry_core::validate(bytes, &options)).map(JsCast::unchecked_into)
}

/// Checks a batch of one or more files fed in chunks of any size, as they are read.
///
/// Call `beginFile(name)`, then `push(chunk)` for each chunk, then `endFile()`, for each file of the batch,
/// and `finish()` once for the report. Each record is checked as soon as its last byte arrives; memory holds
/// the record in hand, the findings, and a few bytes per record.
#[wasm_bindgen]
pub struct StreamingValidator {
    /// `None` once [`StreamingValidator::finish`] has taken it.
    validator: Option<Validator>,
}

#[wasm_bindgen]
impl StreamingValidator {
    /// A validator for one batch.
    ///
    /// # Errors
    /// Throws when `options` is not an options object.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<JsOptions>) -> Result<StreamingValidator, JsError> {
        Ok(StreamingValidator { validator: Some(Validator::new(options_from_js(options)?)) })
    }

    /// Starts the next file of the batch (ending the current one if it was not ended).
    ///
    /// # Errors
    /// Throws after `finish()`.
    #[wasm_bindgen(js_name = beginFile)]
    pub fn begin_file(&mut self, name: &str) -> Result<(), JsError> {
        self.running()?.begin_file(name);
        Ok(())
    }

    /// Feeds the next bytes of the current file (starting a file named `input` if none was begun).
    ///
    /// # Errors
    /// Throws after `finish()`.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsError> {
        self.running()?.push(chunk);
        Ok(())
    }

    /// Ends the current file: a truncated last record or array is reported here.
    ///
    /// # Errors
    /// Throws after `finish()`.
    #[wasm_bindgen(js_name = endFile)]
    pub fn end_file(&mut self) -> Result<(), JsError> {
        self.running()?.end_file();
        Ok(())
    }

    /// Takes the findings so far, for progress reporting; they are then left out of `finish()`'s report
    /// (its summary still counts them).
    ///
    /// # Errors
    /// Throws after `finish()`.
    #[wasm_bindgen(js_name = drainDiagnostics)]
    pub fn drain_diagnostics(&mut self) -> Result<JsDiagnostics, JsError> {
        let diagnostics = self.running()?.drain_diagnostics();
        diagnostics_to_js(diagnostics).map(JsCast::unchecked_into)
    }

    /// The counts so far.
    ///
    /// # Errors
    /// Throws after `finish()`.
    pub fn summary(&mut self) -> Result<JsSummary, JsError> {
        to_js(self.running()?.summary()).map(JsCast::unchecked_into)
    }

    /// Ends the run and returns its report; the validator cannot be used afterwards.
    ///
    /// # Errors
    /// Throws when called twice.
    pub fn finish(&mut self) -> Result<JsReport, JsError> {
        let validator = self.validator.take().ok_or_else(finished)?;
        report_to_js(validator.finish()).map(JsCast::unchecked_into)
    }

    /// The validator, unless the run has finished.
    fn running(&mut self) -> Result<&mut Validator, JsError> {
        self.validator.as_mut().ok_or_else(finished)
    }
}

/// The error of a call after `finish()`.
fn finished() -> JsError {
    JsError::new("this StreamingValidator has finished; create a new one for another batch")
}

/// Reads options from JavaScript; fields left out take the core's defaults, except `nowMillis` (see the module
/// documentation).
///
/// # Errors
/// When `options` is neither `undefined`/`null` nor an object that describes [`Options`].
fn options_from_js(options: Option<JsOptions>) -> Result<Options, JsError> {
    let mut fields = match options.map(JsValue::from) {
        Some(value) if !value.is_undefined() && !value.is_null() => {
            serde_wasm_bindgen::from_value::<serde_json::Map<String, serde_json::Value>>(value)
                .map_err(|error| JsError::new(&format!("options must be an object: {error}")))?
        }
        _ => serde_json::Map::new(),
    };
    if !fields.contains_key("nowMillis") {
        // `Date.now()` is an integral number of milliseconds well inside i64.
        fields.insert("nowMillis".to_owned(), serde_json::Value::from(js_sys::Date::now() as i64));
    }
    serde_json::from_value(serde_json::Value::Object(fields))
        .map_err(|error| JsError::new(&format!("invalid options: {error}")))
}

/// The largest integer a JavaScript number holds exactly, 2^53 - 1.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A fix value taken out of a finding because JavaScript numbers cannot hold it exactly.
struct UnsafeFixValue {
    /// Index of the finding in its list.
    diagnostic: u32,
    /// Index of the edit in the finding's fix.
    edit: u32,
    /// The value.
    value: serde_json::Value,
}

/// Whether `value` holds an integer beyond [`MAX_SAFE_INTEGER`] in magnitude.
fn holds_unsafe_integer(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(number) => match (number.as_u64(), number.as_i64()) {
            (Some(unsigned), _) => unsigned > MAX_SAFE_INTEGER,
            (None, Some(signed)) => signed.unsigned_abs() > MAX_SAFE_INTEGER,
            (None, None) => false,
        },
        serde_json::Value::Array(items) => items.iter().any(holds_unsafe_integer),
        serde_json::Value::Object(members) => members.values().any(holds_unsafe_integer),
        serde_json::Value::Null | serde_json::Value::Bool(_) | serde_json::Value::String(_) => false,
    }
}

/// Takes every fix value holding an unsafe integer out of `diagnostics`, leaving `null` in its place.
fn take_unsafe_fix_values(diagnostics: &mut [Diagnostic]) -> Vec<UnsafeFixValue> {
    let mut taken = Vec::new();
    for (diagnostic_index, diagnostic) in diagnostics.iter_mut().enumerate() {
        let Some(fix) = &mut diagnostic.fix else { continue };
        for (edit_index, edit) in fix.edits.iter_mut().enumerate() {
            if holds_unsafe_integer(&edit.value) {
                taken.push(UnsafeFixValue {
                    // Lists handed to JavaScript are far below 2^32 entries (wasm32 memory is 4 GiB).
                    diagnostic: u32::try_from(diagnostic_index).unwrap_or(u32::MAX),
                    edit: u32::try_from(edit_index).unwrap_or(u32::MAX),
                    value: std::mem::take(&mut edit.value),
                });
            }
        }
    }
    taken
}

/// Puts taken values back into the JavaScript array of findings, their integers as `BigInt`s.
///
/// # Errors
/// When the array does not have the shape the values were taken from (cannot happen for a list just
/// converted from the same findings).
fn put_back_exactly(diagnostics: &JsValue, taken: Vec<UnsafeFixValue>) -> Result<(), JsError> {
    let exact = serde_wasm_bindgen::Serializer::json_compatible().serialize_large_number_types_as_bigints(true);
    let shape_error = |_| JsError::new("a finding lost its fix while being given to JavaScript");
    for taken in taken {
        let diagnostic = js_sys::Reflect::get_u32(diagnostics, taken.diagnostic).map_err(shape_error)?;
        let fix = js_sys::Reflect::get(&diagnostic, &JsValue::from_str("fix")).map_err(shape_error)?;
        let edits = js_sys::Reflect::get(&fix, &JsValue::from_str("edits")).map_err(shape_error)?;
        let edit = js_sys::Reflect::get_u32(&edits, taken.edit).map_err(shape_error)?;
        let value = taken.value.serialize(&exact)?;
        js_sys::Reflect::set(&edit, &JsValue::from_str("value"), &value).map_err(shape_error)?;
    }
    Ok(())
}

/// Converts findings to JavaScript (see the module documentation for integers beyond 2^53).
///
/// # Errors
/// Only if a finding cannot be represented at all (not expected: every other number is a count or an index).
fn diagnostics_to_js(mut diagnostics: Vec<Diagnostic>) -> Result<JsValue, JsError> {
    let taken = take_unsafe_fix_values(&mut diagnostics);
    let converted = to_js(&diagnostics)?;
    put_back_exactly(&converted, taken)?;
    Ok(converted)
}

/// Converts a report to JavaScript (see the module documentation for integers beyond 2^53).
///
/// # Errors
/// Only if the report cannot be represented at all (not expected: every other number is a count or an index).
fn report_to_js(mut report: Report) -> Result<JsValue, JsError> {
    let taken = take_unsafe_fix_values(&mut report.diagnostics);
    let converted = to_js(&report)?;
    if !taken.is_empty() {
        let diagnostics = js_sys::Reflect::get(&converted, &JsValue::from_str("diagnostics"))
            .map_err(|_| JsError::new("a report has no diagnostics"))?;
        put_back_exactly(&diagnostics, taken)?;
    }
    Ok(converted)
}

/// Converts a value to its JSON-compatible JavaScript form.
///
/// # Errors
/// When the value holds an integer JavaScript cannot represent exactly.
fn to_js(value: &impl Serialize) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|error| JsError::new(&format!("the report cannot be given to JavaScript: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferry_core::{Edit, Fix, Rule};
    use serde_json::json;

    #[test]
    fn finds_integers_javascript_would_round() {
        let cases = [
            (json!(9_007_199_254_740_991_u64), false),
            (json!(9_007_199_254_740_992_u64), true),
            (json!(-9_007_199_254_740_991_i64), false),
            (json!(-9_007_199_254_740_992_i64), true),
            (json!(u64::MAX), true),
            (json!(1.5e300), false),
            (json!("9007199254740993"), false),
            (json!({"ids": [1, 9_007_199_254_740_993_u64]}), true),
            (json!(null), false),
        ];
        for (value, expected) in cases {
            assert_eq!(holds_unsafe_integer(&value), expected, "{value}");
        }
    }

    #[test]
    fn takes_only_the_unsafe_fix_values() {
        let edit = |value| Edit { pointer: "/intendedMessageFromUserId".to_owned(), value };
        let with_fix = |values: Vec<serde_json::Value>| {
            Diagnostic::new(Rule::MalformedJson, "finding")
                .with_fix(Fix { title: "Use a number".to_owned(), edits: values.into_iter().map(edit).collect() })
        };
        let mut diagnostics = vec![
            Diagnostic::new(Rule::MalformedJson, "no fix"),
            with_fix(vec![json!(7), json!(9_007_199_254_740_993_u64)]),
        ];
        let taken = take_unsafe_fix_values(&mut diagnostics);
        let positions: Vec<(u32, u32)> = taken.iter().map(|taken| (taken.diagnostic, taken.edit)).collect();
        assert_eq!(positions, vec![(1, 1)]);
        assert_eq!(taken[0].value, json!(9_007_199_254_740_993_u64));
        let left: Vec<&serde_json::Value> = diagnostics[1].fix.iter().flat_map(|fix| fix.edits.iter().map(|edit| &edit.value)).collect();
        assert_eq!(left, vec![&json!(7), &json!(null)]);
    }
}
