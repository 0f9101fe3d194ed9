//! Rule `SCH010` ([`StreamIdInvalidCharacter`]): `streamId` holds a character that no Symphony stream id has.

use crate::declare_rule;

declare_rule! {
    /// `streamId` holds a character that no Symphony stream id has.
    ///
    /// ## What it does
    /// Reports the first character of a stream id outside URL-safe base64 (`A`–`Z`, `a`–`z`, `0`–`9`, `-`,
    /// `_`), such as a space, a quote or a `:`.
    ///
    /// ## Why is this bad?
    /// The Agent finds no stream with that id and rejects the message. Such ids usually come from the source
    /// system (a Slack channel id, a Teams `19:…@thread.v2` id) where a Symphony id was expected.
    ///
    /// ## Example
    /// ```json
    /// {"streamId": "19:meeting_abc@thread.v2", ...}
    /// ```
    pub struct StreamIdInvalidCharacter;
}

use crate::diagnostic::{Diagnostic, Span};
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;

/// Reports the foreign character at `span` in the stream id.
pub(crate) fn report(checker: &mut RecordChecker<'_>, stream_id: &JsonString<'_>, span: Span) {
    let character = stream_id.as_str().get(span.start..span.end).unwrap_or("?");
    checker.emit_in_string(
        Diagnostic::new(
            Rule::StreamIdInvalidCharacter,
            format!("`streamId` holds `{}`, which no Symphony stream id has", character.escape_debug()),
        )
        .with_help("map each source conversation to the id of the Symphony room or IM created for it"),
        "/streamId",
        stream_id,
        span,
    );
}
