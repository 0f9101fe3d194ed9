//! Rule `POD005` ([`StreamNotFound`]): the stream does not exist in the pod.

use crate::declare_rule;

declare_rule! {
    /// The stream (`streamId`) does not exist in the pod.
    ///
    /// ## What it does
    /// Reports a record whose stream id (compared in URL-safe base64 without padding) was looked up in the
    /// target pod and not found. Checked only in a pre-flight against a pod.
    ///
    /// ## Why is this bad?
    /// The Agent imports into existing rooms and conversations only; it does not create them, so the message
    /// is rejected.
    ///
    /// ## Example
    /// ```json
    /// {"streamId": "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA", ...}
    /// ```
    /// when the pod has no such stream (for example, ids from another pod).
    pub struct StreamNotFound;
}

use super::super::PROVISION_HINT;
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// The finding for stream `stream_id`, unlocated.
pub(crate) fn diagnostic(stream_id: &str) -> Diagnostic {
    Diagnostic::new(Rule::StreamNotFound, format!("the stream `{stream_id}` does not exist in the pod"))
        .with_help(format!("create the room or conversation, or map the stream to an existing one; {PROVISION_HINT}"))
}
