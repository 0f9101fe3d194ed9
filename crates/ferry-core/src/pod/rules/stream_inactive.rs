//! Rule `POD006` ([`StreamInactive`]): the stream is deactivated.

use crate::declare_rule;

declare_rule! {
    /// The stream (`streamId`) is deactivated.
    ///
    /// ## What it does
    /// Reports a record whose stream exists in the target pod but is not active. Checked only in a pre-flight
    /// against a pod.
    ///
    /// ## Why is this bad?
    /// A deactivated room takes no messages, imported ones included: the Agent rejects the message.
    ///
    /// ## Example
    /// ```json
    /// {"streamId": "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA", ...}
    /// ```
    /// when that room was deactivated.
    pub struct StreamInactive;
}

use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// The finding for stream `stream_id` of kind `kind` (`ROOM`, `IM`, `MIM`), unlocated.
pub(crate) fn diagnostic(stream_id: &str, kind: &str) -> Diagnostic {
    let kind = if kind.is_empty() { "stream" } else { kind };
    Diagnostic::new(Rule::StreamInactive, format!("the stream `{stream_id}` ({kind}) is deactivated in the pod"))
        .with_help("reactivate the stream for the time of the import, or map it to an active one")
}
