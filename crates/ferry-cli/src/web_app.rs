//! The web app `ferry serve` serves: embedded in the binary by `cargo xtask dist` (build script, env
//! `FERRY_WEB_DIST`), or read from a folder (`--dist DIR`, for development), or absent (a plain `cargo build`):
//! then `/` answers a page saying how to get it, and the API still works.
//!
//! The Content-Security-Policy allows scripts and styles from the app's own origin only, plus the inline
//! scripts and style sheets of its `index.html` by their SHA-256 hash (trunk writes one inline module script
//! that starts the wasm), so no other inline script can run.

use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use tower::ServiceExt as _;
use tower_http::services::ServeDir;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// What `cargo xtask dist` prints and the page without an app says.
pub const HOW_TO_GET_THE_APP: &str =
    "this ferry was built without the web app: build it with `cargo xtask dist` (which embeds the app) or give `--dist DIR` with a built app";

/// Where the web app comes from.
#[derive(Clone, Debug)]
pub enum WebApp {
    /// Embedded in the binary.
    Embedded,
    /// Files of a folder (trunk's `dist/`).
    Folder(PathBuf),
    /// None: the API only.
    Missing,
}

impl WebApp {
    /// The folder when given, else the embedded app when the binary has one, else none.
    ///
    /// # Errors
    /// When `folder` holds no `index.html`.
    pub fn choose(folder: Option<&Path>) -> Result<WebApp, String> {
        match folder {
            Some(folder) if folder.join("index.html").is_file() => Ok(WebApp::Folder(folder.to_path_buf())),
            Some(folder) => Err(format!(
                "{} holds no index.html: build the web app first (`cargo xtask dist`, or `trunk build --release`)",
                folder.display()
            )),
            None if has_embedded_app() => Ok(WebApp::Embedded),
            None => Ok(WebApp::Missing),
        }
    }

    /// The app's `index.html`, if any.
    pub fn index_html(&self) -> Option<Vec<u8>> {
        match self {
            WebApp::Embedded => embedded_file("index.html").map(<[u8]>::to_vec),
            WebApp::Folder(folder) => std::fs::read(folder.join("index.html")).ok(),
            WebApp::Missing => None,
        }
    }

    /// Answers a request for a page or file of the app (GET and HEAD only).
    pub async fn serve(&self, method: &Method, uri: Uri) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response();
        }
        match self {
            WebApp::Missing => missing_app_page(),
            WebApp::Folder(folder) => {
                let files = ServeDir::new(folder).append_index_html_on_directories(true);
                let mut request = axum::http::Request::new(Body::empty());
                *request.method_mut() = method.clone();
                *request.uri_mut() = uri;
                match files.oneshot(request).await {
                    Ok(response) => response.map(Body::new),
                    Err(error) => match error {},
                }
            }
            WebApp::Embedded => {
                let path = uri.path().trim_start_matches('/');
                let path = if path.is_empty() || path.ends_with('/') {
                    format!("{path}index.html")
                } else {
                    path.to_owned()
                };
                match embedded_file(&path) {
                    Some(bytes) => {
                        let body = if method == Method::HEAD {
                            Body::empty()
                        } else {
                            Body::from(bytes)
                        };
                        let mut response = Response::new(body);
                        response.headers_mut().insert(
                            header::CONTENT_TYPE,
                            HeaderValue::from_static(content_type(&path)),
                        );
                        response
                            .headers_mut()
                            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                        response
                    }
                    None => (StatusCode::NOT_FOUND, "not found").into_response(),
                }
            }
        }
    }
}

/// Whether this binary embeds the web app.
pub fn has_embedded_app() -> bool {
    embedded_file("index.html").is_some()
}

fn embedded_file(path: &str) -> Option<&'static [u8]> {
    embedded::FILES
        .iter()
        .find(|(name, _)| *name == path)
        .map(|(_, bytes)| *bytes)
}

fn missing_app_page() -> Response {
    let page = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Ferry: no web app</title>\
         <h1>Ferry</h1><p>The API answers under <code>/api/v1/</code>, but {HOW_TO_GET_THE_APP}.</p></html>"
    );
    let mut response = (StatusCode::NOT_FOUND, page).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The content type of an app file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let extension = path
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        "ts" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The Content-Security-Policy for an app whose `index.html` is `index`: its inline scripts and style sheets
/// are allowed by hash, nothing else inline.
pub fn content_security_policy(index: Option<&[u8]>) -> String {
    let hashes = |tag: &[u8]| -> String {
        let mut sources = String::new();
        for text in index
            .map(|html| inline_elements(html, tag))
            .unwrap_or_default()
        {
            let digest = ring::digest::digest(&ring::digest::SHA256, text);
            sources.push_str(&format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest.as_ref())
            ));
        }
        sources
    };
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{}; style-src 'self'{}; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        hashes(b"script"),
        hashes(b"style")
    )
}

/// The text of every `<tag>` element without a `src` attribute, exactly as written.
fn inline_elements<'a>(html: &'a [u8], tag: &[u8]) -> Vec<&'a [u8]> {
    let open = [b"<", tag].concat();
    let close = [b"</", tag].concat();
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = find(&lower[at..], &open).map(|offset| offset + at) {
        let Some(tag_end) = find(&lower[start..], b">").map(|offset| offset + start) else {
            break;
        };
        let Some(end) = find(&lower[tag_end..], &close).map(|offset| offset + tag_end) else {
            break;
        };
        let opening = &lower[start..tag_end];
        // `<styles>` or `<scripted>` are other elements.
        let whole_name = opening
            .get(open.len())
            .is_none_or(|byte| byte.is_ascii_whitespace() || *byte == b'/');
        let has_src = opening
            .split(|&byte| byte.is_ascii_whitespace())
            .any(|word| word.starts_with(b"src="));
        if whole_name && !has_src {
            found.push(&html[tag_end + 1..end]);
        }
        at = end + 1;
    }
    found
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_hash_and_nothing_else() {
        let html = b"<html><style>p{}</style><SCRIPT type=\"module\">import x from '/a.js';\n</script><script src=\"/b.js\"></script></html>";
        assert_eq!(
            inline_elements(html, b"script"),
            vec![&b"import x from '/a.js';\n"[..]]
        );
        assert_eq!(inline_elements(html, b"style"), vec![&b"p{}"[..]]);
        let policy = content_security_policy(Some(html));
        assert_eq!(policy.matches("'sha256-").count(), 2, "{policy}");
        assert!(policy.contains("style-src 'self' 'sha256-"), "{policy}");
        assert!(
            policy.starts_with("default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-"),
            "{policy}"
        );
        assert!(
            !policy.contains("unsafe-inline") && !policy.contains("http"),
            "{policy}"
        );
    }

    #[test]
    fn types_by_extension() {
        assert_eq!(content_type("a/b_bg.wasm"), "application/wasm");
        assert_eq!(content_type("index.HTML"), "text/html; charset=utf-8");
        assert_eq!(content_type("noextension"), "application/octet-stream");
    }
}
