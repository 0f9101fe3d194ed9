//! Fuzzes the Slack message content conversion: any bytes, taken as a Slack message when they are JSON and
//! as its mrkdwn `text` otherwise, must convert without panicking into MessageML in which the core's validator
//! finds no error, and the output must stay bounded whatever the input.
//!
//! Run with `cd fuzz && cargo fuzz run slack_message` (nightly, or `RUSTC_BOOTSTRAP=1`).

#![no_main]

use ferry_convert::slack::{message_content, Directory, Lossy, MessageMl};
use ferry_core::messageml::{check_message, MessageMlOptions};
use libfuzzer_sys::fuzz_target;

/// U1 is mapped to a Symphony user, everyone else is not; C1 has a name.
struct FuzzDirectory;

impl Directory for FuzzDirectory {
    fn symphony_user_id(&self, slack_user_id: &str) -> Option<i64> {
        (slack_user_id == "U1").then_some(1001)
    }
    fn user_name(&self, slack_user_id: &str) -> Option<&str> {
        (slack_user_id == "U2").then_some("Bob")
    }
    fn conversation_name(&self, conversation_id: &str) -> Option<&str> {
        (conversation_id == "C1").then_some("general")
    }
}

fuzz_target!(|data: &[u8]| {
    // Bytes that are not JSON are taken as a message's `text`, so that mrkdwn is fuzzed directly too.
    let message = match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(value) => value,
        Err(_) => serde_json::json!({ "text": String::from_utf8_lossy(data) }),
    };
    let mut out = MessageMl::new();
    let mut lossy: Vec<Lossy> = Vec::new();
    message_content(&message, &FuzzDirectory, &mut out, &mut lossy);
    let document = out.finish();
    assert!(document.len() <= ferry_convert::slack::content::MAX_OUTPUT_BYTES + 64 * 1024, "output not bounded");
    let errors: Vec<_> = check_message(&document, None, &MessageMlOptions::default())
        .into_iter()
        .filter(|finding| finding.severity == ferry_core::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "MessageML errors {errors:?} in {document}");
});
