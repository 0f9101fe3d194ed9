//! Identifiers shaped like Symphony's.
//!
//! Symphony stream and message ids are 25 bytes written in URL-safe base64 without padding (34 characters,
//! e.g. `Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA`). Clients also meet them in standard base64 (`+`, `/`, `=`
//! padding), for example in content export; the Agent accepts both, so the sandbox stores the URL-safe form
//! and normalizes every id it is given.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;

/// Bytes in a stream or message id.
const ID_BYTES: usize = 25;

/// Bytes of randomness in a session token.
const TOKEN_BYTES: usize = 32;

/// A fresh random stream or message id, URL-safe base64 without padding.
pub fn new_symphony_id() -> String {
    let mut bytes = [0_u8; ID_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A fresh opaque session token. Deliberately not a JWT: the Python BDK decodes a JWT-looking session token
/// to decide on simplified key delivery, and an opaque token keeps it on the classic `/relay` flow.
pub fn new_session_token() -> String {
    let mut bytes = [0_u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The URL-safe, unpadded form of a stream id given in either base64 alphabet.
pub fn normalize_stream_id(stream_id: &str) -> String {
    stream_id
        .trim_end_matches('=')
        .chars()
        .map(|character| match character {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_safe_and_symphony_length() {
        for _ in 0..100 {
            let id = new_symphony_id();
            assert_eq!(id.len(), 34, "{id}");
            assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{id}");
        }
    }

    #[test]
    fn session_tokens_are_not_jwts() {
        let token = new_session_token();
        assert!(!token.contains('.'), "{token}");
        assert_ne!(token, new_session_token());
    }

    #[test]
    fn stream_ids_normalize_to_url_safe() {
        let table = [
            ("Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA", "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA"),
            ("Z3oQRAZGTCNl5KjiUH2G1n///qr9lLT8dA==", "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA"),
            ("a+b/c", "a-b_c"),
            ("", ""),
        ];
        for (given, expected) in table {
            assert_eq!(normalize_stream_id(given), expected, "{given}");
        }
    }
}
