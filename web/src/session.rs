//! The access token of the `ferry serve` that served this page, kept for the browser tab's session only.
//!
//! `ferry serve` prints its address with the token in the fragment (`http://127.0.0.1:PORT/#token=TOKEN`), which
//! browsers never send to a server. At start-up the app takes the token from `location.hash`, removes it from the
//! address bar (`history.replaceState`, so it is neither bookmarked nor shown over a shoulder) and keeps it in
//! `sessionStorage`, so a reload of the tab keeps working while another tab, or the tab once closed, does not have
//! it. It is never written to `localStorage` or a cookie.
//!
//! Invariant: a token in the address wins over the stored one: after the server was restarted (a new token and
//! port), opening the new address replaces the old token.

use std::fmt;
use std::rc::Rc;

/// The `sessionStorage` key holding the token.
const STORAGE_KEY: &str = "ferry.token";
/// The fragment member that carries the token.
const TOKEN_MEMBER: &str = "token";
/// Longest token accepted; `ferry serve`'s are 64 hex digits.
const MAX_TOKEN_CHARS: usize = 256;

/// The token every `/api/` call carries in header `x-ferry-token`. Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken(Rc<str>);

impl ApiToken {
    /// The token's text, for the request header.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A token of `text`, for tests of what holds one.
    #[cfg(test)]
    pub(crate) fn for_tests(text: &str) -> ApiToken {
        ApiToken(Rc::from(text))
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ApiToken(..)")
    }
}

/// Whether `text` can be a token: 1 to [`MAX_TOKEN_CHARS`] hex digits.
fn is_token(text: &str) -> bool {
    (1..=MAX_TOKEN_CHARS).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// Splits a URL fragment (`#token=abc&x=1`, with or without `#`) into the token, when it carries a valid one,
/// and the fragment without it (empty when nothing else was there; otherwise starting with `#`).
pub fn split_fragment(fragment: &str) -> (Option<String>, String) {
    let members = fragment.strip_prefix('#').unwrap_or(fragment);
    let mut token = None;
    let mut kept = Vec::new();
    for member in members.split('&').filter(|member| !member.is_empty()) {
        match member.split_once('=') {
            Some((TOKEN_MEMBER, value)) if is_token(value) => token = Some(value.to_owned()),
            // A malformed token is dropped from the address too: it must not linger in history either.
            Some((TOKEN_MEMBER, _)) => {}
            _ => kept.push(member),
        }
    }
    let rest = if kept.is_empty() { String::new() } else { format!("#{}", kept.join("&")) };
    (token, rest)
}

/// Takes the token from the address bar (removing it from there) or, after a reload, from the tab's session;
/// `None` when the page was opened without it.
pub fn start() -> Option<ApiToken> {
    let window = web_sys::window()?;
    let storage = window.session_storage().ok().flatten();
    let location = window.location();
    let hash = location.hash().unwrap_or_default();
    let (from_address, rest) = split_fragment(&hash);
    if let Some(token) = from_address {
        if let Some(storage) = &storage {
            // A browser that refuses storage (a private mode's quota) still works for this page's life.
            let _ = storage.set_item(STORAGE_KEY, &token);
        }
        let path = location.pathname().unwrap_or_else(|_| "/".to_owned());
        let search = location.search().unwrap_or_default();
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(
                &wasm_bindgen::JsValue::NULL,
                "",
                Some(&format!("{path}{search}{rest}")),
            );
        }
        return Some(ApiToken(Rc::from(token)));
    }
    let stored = storage?.get_item(STORAGE_KEY).ok().flatten()?;
    is_token(&stored).then(|| ApiToken(Rc::from(stored)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_taken_from_the_fragment_and_the_rest_kept() {
        let token = "0123456789abcdef".repeat(4);
        let cases: Vec<(String, Option<&str>, &str)> = vec![
            (format!("#token={token}"), Some(&token), ""),
            (format!("token={token}"), Some(&token), ""),
            (format!("#view=list&token={token}"), Some(&token), "#view=list"),
            (format!("#token={token}&view=list"), Some(&token), "#view=list"),
            ("".to_owned(), None, ""),
            ("#".to_owned(), None, ""),
            ("#view=list".to_owned(), None, "#view=list"),
            // Not hex, empty, too long: refused, and still removed from the address.
            ("#token=<script>".to_owned(), None, ""),
            ("#token=".to_owned(), None, ""),
            (format!("#token={}", "a".repeat(MAX_TOKEN_CHARS + 1)), None, ""),
            ("#tokens=abc".to_owned(), None, "#tokens=abc"),
        ];
        for (fragment, expected_token, expected_rest) in cases {
            let (token, rest) = split_fragment(&fragment);
            assert_eq!(token.as_deref(), expected_token, "{fragment}");
            assert_eq!(rest, expected_rest, "{fragment}");
        }
    }

    #[test]
    fn a_token_is_never_shown_by_debug() {
        let token = ApiToken(Rc::from("abcdef"));
        assert_eq!(format!("{token:?}"), "ApiToken(..)");
    }
}
