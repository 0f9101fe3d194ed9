//! Helpers shared by the wasm tests.

use ferry_wasm::JsOptions;
use wasm_bindgen::{JsCast, JsValue};

/// Options from their JSON text, as JavaScript would pass them.
pub fn js_options(options_json: &str) -> JsOptions {
    js_sys::JSON::parse(options_json).expect("options are JSON").unchecked_into()
}

/// The JSON text JavaScript would write for `value`, read back.
pub fn as_json(value: &JsValue) -> serde_json::Value {
    let text: String = js_sys::JSON::stringify(value).expect("a value stringifies").into();
    serde_json::from_str(&text).expect("JSON.stringify gives JSON")
}
