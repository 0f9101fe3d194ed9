//! MessageML / PresentationML validation, agreeing with the Agent's parser (finos/messageml-utils).
//!
//! Entry point: [`check_message`]. Findings are [`Diagnostic`]s pointed at nothing in particular: the caller
//! (the record checks) sets the record index and the JSON pointer (`/message`); spans are byte ranges in the
//! message text, 0-based.

use crate::diagnostic::Diagnostic;

/// Knobs of MessageML validation that depend on the pod.
#[derive(Clone, Debug, Default)]
pub struct MessageMlOptions {}

/// Checks one message's MessageML, with the record's EntityJSON `data` when it has one.
///
/// Returns every finding; the first one is the error the reference parser would report.
pub fn check_message(message: &str, data: Option<&str>, options: &MessageMlOptions) -> Vec<Diagnostic> {
    let _ = (message, data, options);
    Vec::new()
}
