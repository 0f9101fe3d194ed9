//! The npm package's manifest (`npm/package.json`, copied into `pkg/` when the package is built) agrees with
//! this crate's manifest and lists the files wasm-bindgen writes for the crate.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

#[test]
fn package_json_agrees_with_cargo_toml() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("npm/package.json");
    let text = std::fs::read_to_string(&path).expect("npm/package.json is readable");
    let package: serde_json::Value = serde_json::from_str(&text).expect("npm/package.json is JSON");
    let cases = [
        ("name", env!("CARGO_PKG_NAME")),
        ("version", env!("CARGO_PKG_VERSION")),
        ("license", env!("CARGO_PKG_LICENSE")),
        ("description", env!("CARGO_PKG_DESCRIPTION")),
        ("main", "ferry_wasm.js"),
        ("types", "ferry_wasm.d.ts"),
    ];
    for (field, expected) in cases {
        assert_eq!(package[field], expected, "npm/package.json `{field}`");
    }
    let files: Vec<&str> = package["files"].as_array().expect("`files` is an array").iter().filter_map(|file| file.as_str()).collect();
    for generated in ["ferry_wasm_bg.wasm", "ferry_wasm.js", "ferry_wasm.d.ts"] {
        assert!(files.contains(&generated), "npm/package.json `files` lacks {generated}");
    }
}
