//! Embeds the release web app into `ferry` when `FERRY_WEB_DIST` names its folder (`cargo xtask dist` sets
//! it to trunk's `dist/`). Without it the table is empty and `ferry serve` says how to get the app, so a plain
//! `cargo build` needs no web build.
//!
//! Writes `$OUT_DIR/web_assets.rs`: `pub static FILES: &[(&str, &[u8])]`, each file's path relative to the
//! folder (with `/`) and its bytes through `include_bytes!`.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo:rerun-if-env-changed=FERRY_WEB_DIST");
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        println!("cargo:warning=OUT_DIR is not set; the web app is not embedded");
        return;
    };
    let mut code = String::from("/// The embedded web app's files: path relative to its folder, bytes.\npub static FILES: &[(&str, &[u8])] = &[\n");
    if let Some(dir) = std::env::var_os("FERRY_WEB_DIST").filter(|dir| !dir.is_empty()) {
        let dir = PathBuf::from(dir);
        // Cargo scans a folder given here recursively, so a rebuilt app is embedded again.
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files = Vec::new();
        collect(&dir, &dir, &mut files);
        if !files.iter().any(|(name, _)| name == "index.html") {
            println!(
                "cargo:warning=FERRY_WEB_DIST={} holds no index.html; the web app is not embedded",
                dir.display()
            );
            files.clear();
        }
        files.sort();
        for (name, path) in files {
            code.push_str(&format!(
                "    ({name:?}, include_bytes!({:?})),\n",
                path.display().to_string()
            ));
        }
    }
    code.push_str("];\n");
    if let Err(error) = std::fs::write(Path::new(&out_dir).join("web_assets.rs"), code) {
        println!("cargo:warning=cannot write web_assets.rs: {error}");
    }
}

/// Every file under `dir`, as (path relative to `root` with `/`, absolute path). Unreadable entries and
/// names that are not UTF-8 are skipped.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect(root, &path, files);
        } else if kind.is_file() {
            let Some(relative) = path.strip_prefix(root).ok().and_then(Path::to_str) else {
                continue;
            };
            let absolute = std::path::absolute(&path).unwrap_or_else(|_| path.clone());
            files.push((relative.replace('\\', "/"), absolute));
        }
    }
}
