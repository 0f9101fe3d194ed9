//! Microsoft Teams as a target: the maps from Symphony's users and streams to Entra users and Teams
//! conversations, the message identity Teams keys an import by, and the rendering of a record's MessageML into
//! the HTML of a Teams `chatMessage` ([`render_post`]).
//!
//! The core's Teams rules measure the post as converted (the ~28 KB limit, [`MAX_POST_BYTES`]) and report
//! what the conversion loses, per record; ferry-convert builds the Graph requests from the same [`Post`].
//!
//! Invariants:
//! - Pure: no I/O, no clock. The same record and maps always give the same post.
//! - A Teams conversation is named by its Graph path ([`Conversation::path`]); the target message's identity
//!   is (conversation path, `createdDateTime` in milliseconds), written by [`created_date_time`].
//! - Stream keys of [`Directory::streams`] are URL-safe base64 without padding, as
//!   [`crate::pod::normalize_stream_id`] writes them; look records up through [`Directory::conversation`].

mod render;

use std::collections::BTreeMap;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::{Deserialize, Serialize};

use crate::humanize::{CivilDate, MILLIS_IN_A_DAY};
use crate::pod::normalize_stream_id;

pub(crate) use render::UNMAPPED_MENTION_FATE;
pub use render::{image_type, render_post, MAX_RENDERED_BYTES};

/// Teams throttles an import at about five requests per second per channel or chat (seed
/// `teams-import-messages.txt`; spec `apis-and-peers.md` §3).
pub const MESSAGES_PER_SECOND_PER_CONVERSATION: u32 = 5;

/// The most bytes of a post Teams takes: about 28 KB of HTML body (spec `apis-and-peers.md` §3).
pub const MAX_POST_BYTES: usize = 28 * 1024;

/// The user-supplied maps from Symphony to Teams: who each Symphony user is in Entra ID, and which
/// conversation each Symphony stream becomes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Directory {
    /// Entra users by Symphony user id.
    pub users: BTreeMap<i64, EntraUser>,
    /// Conversations by Symphony stream id, URL-safe base64 without padding.
    pub streams: BTreeMap<String, Conversation>,
}

impl Directory {
    /// The conversation a record's `streamId` maps to, whatever its base64 alphabet or padding.
    pub fn conversation(&self, stream_id: &str) -> Option<&Conversation> {
        self.streams.get(stream_id).or_else(|| self.streams.get(&normalize_stream_id(stream_id)))
    }
}

/// A user of the Teams tenant (Microsoft Entra ID, formerly Azure AD).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntraUser {
    /// The Entra object id (a GUID).
    pub id: String,
    /// The name Teams shows.
    pub display_name: String,
}

/// Where a Symphony stream's messages go in Teams. Serialised untagged: `{"teamId": "..", "channelId": ".."}`
/// for a channel, `{"chatId": ".."}` for a chat.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Conversation {
    /// A channel of a team.
    #[serde(rename_all = "camelCase")]
    Channel {
        /// The team's id.
        team_id: String,
        /// The channel's id, e.g. `19:abc@thread.tacv2`.
        channel_id: String,
    },
    /// A one-to-one or group chat.
    #[serde(rename_all = "camelCase")]
    Chat {
        /// The chat's id, e.g. `19:abc@thread.v2`.
        chat_id: String,
    },
}

/// What a path segment must escape: everything but RFC 3986's unreserved characters.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

impl Conversation {
    /// The conversation's Graph path, `/teams/{teamId}/channels/{channelId}` or `/chats/{chatId}`, each id
    /// percent-encoded as a path segment (`19:a@thread.v2` becomes `19%3Aa%40thread.v2`).
    pub fn path(&self) -> String {
        let segment = |id: &str| utf8_percent_encode(id, PATH_SEGMENT).to_string();
        match self {
            Conversation::Channel { team_id, channel_id } => {
                format!("/teams/{}/channels/{}", segment(team_id), segment(channel_id))
            }
            Conversation::Chat { chat_id } => format!("/chats/{}", segment(chat_id)),
        }
    }
}

/// One attachment of a record, as [`render_post`] reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttachmentSource<'a> {
    /// The attachment's file name, as the record gives it.
    pub filename: &'a str,
    /// The attachment's bytes, base64-encoded, as the record gives them.
    pub content_base64: &'a str,
}

/// A record's message as Teams will show it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Post {
    /// The `chatMessage` body, `contentType: html`.
    pub html: String,
    /// The `mentions` array, one per `<at id="N">` of [`html`](Self::html), in order of `id`.
    pub mentions: Vec<Mention>,
    /// The attachments sent as `hostedContents`, each shown by an `<img>` at the end of [`html`](Self::html).
    pub inline_images: Vec<InlineImage>,
    /// What the conversion could not carry over, and what became of it.
    pub losses: Vec<Loss>,
}

/// A mention of a user in a post: `<at id="N">Name</at>` in the body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Mention {
    /// The `id` of the `<at>` tag, 0, 1, 2... in order of appearance.
    pub id: u32,
    /// The text between `<at>` and `</at>`.
    pub text: String,
    /// The Symphony user mentioned.
    pub symphony_user_id: i64,
    /// The Entra user mentioned; `None` when the user is not in the directory (the mention is then written
    /// as plain text, not as `<at>`).
    pub user: Option<EntraUser>,
}

/// An attachment sent as a hosted content and shown inline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InlineImage {
    /// Index of the attachment in the record's `attachments`.
    pub attachment_index: usize,
    /// The hosted content's `@microsoft.graph.temporaryId`, named in the `<img src>` of the body.
    pub temporary_id: String,
    /// The image's media type, read from its bytes: `image/png`, `image/jpeg` or `image/gif`.
    pub content_type: &'static str,
}

/// Something of the Symphony message that Teams will not get as it was.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Loss {
    /// What is lost, e.g. `attachment report.pdf`.
    pub what: String,
    /// What becomes of it, e.g. `not imported: Teams import takes inline images only; its name is written
    /// in the post`.
    pub fate: String,
}

/// `millis` since the Unix epoch as Graph's `createdDateTime`: `YYYY-MM-DDTHH:MM:SS.mmmZ`, always three
/// fraction digits, UTC (`1549310295511` is `2019-02-04T19:58:15.511Z`).
pub fn created_date_time(millis: i64) -> String {
    let date = CivilDate::of_millis(millis);
    let of_day = millis.rem_euclid(MILLIS_IN_A_DAY);
    let (seconds, fraction) = (of_day / 1000, of_day % 1000);
    format!("{date}T{:02}:{:02}:{:02}.{fraction:03}Z", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_date_times_have_three_fraction_digits() {
        let cases = [
            (1_549_310_295_511, "2019-02-04T19:58:15.511Z"),
            (0, "1970-01-01T00:00:00.000Z"),
            (1_546_300_800_007, "2019-01-01T00:00:00.007Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
        ];
        for (millis, expected) in cases {
            assert_eq!(created_date_time(millis), expected, "{millis}");
        }
    }

    #[test]
    fn conversation_paths_encode_their_segments() {
        let cases = [
            (
                Conversation::Channel { team_id: "t-1".into(), channel_id: "19:abc@thread.tacv2".into() },
                "/teams/t-1/channels/19%3Aabc%40thread.tacv2",
            ),
            (Conversation::Chat { chat_id: "19:a/b@thread.v2".into() }, "/chats/19%3Aa%2Fb%40thread.v2"),
        ];
        for (conversation, expected) in cases {
            assert_eq!(conversation.path(), expected);
        }
    }

    #[test]
    fn conversations_serialise_untagged_in_camel_case() {
        let channel: Conversation = serde_json::from_str(r#"{"teamId":"T","channelId":"C"}"#).unwrap();
        assert_eq!(channel, Conversation::Channel { team_id: "T".into(), channel_id: "C".into() });
        let chat: Conversation = serde_json::from_str(r#"{"chatId":"X"}"#).unwrap();
        assert_eq!(serde_json::to_string(&chat).unwrap(), r#"{"chatId":"X"}"#);
        let directory: Directory =
            serde_json::from_str(r#"{"users":{"7":{"id":"e","displayName":"E"}},"streams":{"a-b":{"chatId":"X"}}}"#)
                .unwrap();
        assert_eq!(directory.conversation("a+b=="), Some(&chat));
        assert_eq!(directory.users[&7].display_name, "E");
    }
}
