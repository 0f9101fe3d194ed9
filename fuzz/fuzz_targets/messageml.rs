//! Fuzzes the MessageML validator: any text, with or without EntityJSON, must be checked without panicking,
//! every span must lie inside the message, and the first finding must not depend on the storage reused
//! from the previous message.
//!
//! Run with `cd fuzz && cargo fuzz run messageml` (nightly, or `RUSTC_BOOTSTRAP=1`).

#![no_main]

use ferry_core::messageml::{check_message, MessageMlOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A NUL byte, when present, splits the input into the message and its EntityJSON `data`.
    let (message, entity_json) = match data.iter().position(|byte| *byte == 0) {
        Some(split) => (&data[..split], Some(&data[split + 1..])),
        None => (data, None),
    };
    let Ok(message) = std::str::from_utf8(message) else { return };
    let entity_json = entity_json.and_then(|bytes| std::str::from_utf8(bytes).ok());
    let options = MessageMlOptions::default();

    let first = check_message(message, entity_json, &options);
    for diagnostic in &first {
        if let Some(span) = diagnostic.location.span {
            assert!(span.start <= span.end && span.end <= message.len(), "span outside the message");
        }
    }
    // Checking the same message again (now with warm reused storage) gives the same findings.
    assert_eq!(check_message(message, entity_json, &options), first, "reused storage changed the findings");
});
