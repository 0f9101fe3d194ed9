//! WebAssembly bindings of [`ferry_core`]: the validator a plain JavaScript page can use.

use wasm_bindgen::prelude::*;

/// Checks one batch file and returns the report as a JavaScript object.
///
/// # Errors
/// When `options` is not an options object.
#[wasm_bindgen]
pub fn validate(bytes: &[u8], options: JsValue) -> Result<JsValue, JsError> {
    let options: ferry_core::Options = serde_wasm_bindgen::from_value(options)?;
    let report = ferry_core::validate(bytes, &options);
    Ok(serde_wasm_bindgen::to_value(&report)?)
}
