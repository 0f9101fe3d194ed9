//! What the batch-reader tests share: a valid record, numbered.

/// The stream every [`record`] goes to.
pub const STREAM: &str = "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA";

/// A valid record whose `originalMessageId` and timestamp follow `index`.
pub fn record(index: usize) -> String {
    format!(
        r#"{{"message":"<messageML>Hello {index}</messageML>","intendedMessageTimestamp":{},"intendedMessageFromUserId":7215545057281,"originatingSystemId":"fooChat","originalMessageId":"m-{index}","streamId":"{STREAM}"}}"#,
        1_433_045_622_000_i64 + index as i64
    )
}
