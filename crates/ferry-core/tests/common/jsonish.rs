//! Bytes that look like JSON, for the property tests of the reader (`reader_properties.rs`, `parallel.rs`).

use proptest::prelude::*;

/// Bytes that look like JSON often enough to reach deep into the reader.
pub fn jsonish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b",".to_vec()),
        Just(b":".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\"message\"".to_vec()),
        Just(b"\"streamId\"".to_vec()),
        Just(b"\"attachments\"".to_vec()),
        Just(b"null".to_vec()),
        Just(b"12".to_vec()),
        Just(b"\xEF\xBB\xBF".to_vec()),
        any::<u8>().prop_map(|byte| vec![byte]),
    ];
    prop::collection::vec(token, 0..64).prop_map(|tokens| tokens.concat())
}
