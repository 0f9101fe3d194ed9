//! Rule `TEAMS005` ([`TeamsStreamNotMapped`]): Teams target: the stream has no Teams conversation in the
//! streams map.

use crate::declare_rule;

declare_rule! {
    /// Teams target: the stream has no Teams conversation in the streams map.
    ///
    /// ## What it does
    /// With `--target teams` and the maps given (`--users`, `--streams`), reports a record whose `streamId`
    /// (in either base64 alphabet) is not a `streamId` of the streams map.
    ///
    /// ## Why is this bad?
    /// Graph imports into "an existing Teams chat or channel" placed in migration mode
    /// (`teams-import-messages`): every message needs the team and channel, or the chat, it goes to. A stream
    /// without one has nowhere to go.
    ///
    /// ## Example
    /// A record of stream `Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA` when `streams.csv` has no row for it.
    pub struct TeamsStreamNotMapped;
}

use crate::diagnostic::Diagnostic;
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;
use crate::teams::Directory;

/// Reports a stream absent from the directory's streams.
pub(crate) fn check(checker: &mut RecordChecker<'_>, directory: &Directory, stream_id: &JsonString<'_>) {
    if directory.conversation(stream_id.as_str()).is_some() {
        return;
    }
    checker.emit_at_string(
        Diagnostic::new(
            Rule::TeamsStreamNotMapped,
            format!("the stream {} has no Teams channel or chat in the streams map", stream_id.as_str()),
        )
        .with_help("add a row `streamId,teamId,channelId,chatId` for this stream to the streams map"),
        "/streamId",
        stream_id,
    );
}
